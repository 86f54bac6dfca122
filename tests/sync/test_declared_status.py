"""The province judges each version by the status it declares and stores only normalised data.

One batch carries versions a careless or outdated office could send; each is accepted or
refused on its own, with a reason naming the field by its label, and the rest of the batch
goes through.
"""

from __future__ import annotations

import json

from tests.sync.offices import enroll_device, stored, team_data, version
from tests.sync.servers import ProvinceServer


def _declared(org_unit: str, status: str, **changes: object) -> object:
    data = {k: v for k, v in {**team_data(), **changes}.items() if v is not None}
    made = version(org_unit, data=data)
    object.__setattr__(made, "status", status)
    return made


def test_each_version_is_judged_by_its_declared_status(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province, "340121")
    unit = device.org_unit
    final = _declared(unit, "final")
    incomplete_final = _declared(unit, "final", name="未填带头人类别的团队", leader_category=None)
    incomplete_draft = _declared(unit, "draft", name="草稿团队", leader_category=None)
    wide_year = _declared(unit, "final", name="全角年份团队", year="２０２４")
    untrimmed = _declared(unit, "final", name="  前后有空格的团队  ")
    queued = _declared(unit, "queued", name="状态不对的团队")
    malformed_draft = _declared(unit, "draft", name="格式错误的草稿", year="明年")
    batch = [final, incomplete_final, incomplete_draft, wide_year, untrimmed, queued, malformed_draft]
    with device.client() as client:
        receipt = client.send_batch(device.batch(batch).envelope).receipt
    assert {a.version_id for a in receipt.accepted} == {final.version_id, incomplete_draft.version_id}
    reasons = {r.version_id: [(x.path, x.code, x.message_zh) for x in r.reasons] for r in receipt.rejected}
    assert reasons[incomplete_final.version_id] == [("leader_category", "required", "带头人类别：必须填写。")]
    assert reasons[wide_year.version_id] == [
        ("year", "not_normalised", "引进（组建）年度：“２０２４”不是规范形式，应为“2024”。")
    ]
    assert reasons[untrimmed.version_id] == [
        ("name", "not_normalised", "团队名称：“  前后有空格的团队  ”不是规范形式，应为“前后有空格的团队”。")
    ]
    assert [code for _, code, _ in reasons[queued.version_id]] == ["unknown_status"]
    assert [code for _, code, _ in reasons[malformed_draft.version_id]] == ["type"]
    assert stored(shared_province, device.device_id) == (1, 2)
    listed = {r["record_id"]: r for r in json.loads(shared_province.cli("records", "list", "--json", "--org-unit", unit))}
    assert listed[final.record_id]["office_status"] == "final"
    assert listed[incomplete_draft.record_id]["office_status"] == "draft"
    held = shared_province.query("SELECT data FROM record_versions WHERE version_id = ?", (final.version_id,))
    assert json.loads(held[0][0]) == final.data
