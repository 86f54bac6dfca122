"""Publishing form versions and reference data, returning records, and pulling signed updates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from sync.errors import ProtocolError
from tests.sync.offices import enroll_device, error_code, post, version
from tests.sync.servers import ROOT, ProvinceServer


def definitions(tmp_path: Path) -> Path:
    """A folder with version 2 of the talent team form and a new version of the sector list."""
    folder = tmp_path / "publish"
    folder.mkdir()
    form = json.loads((ROOT / "forms/definitions/talent_team.v1.json").read_text("utf-8"))
    form["version"] = 2
    form["fields"] = [f for f in form["fields"] if f["id"] != "remarks"]
    (folder / "talent_team.v2.json").write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    # The next version of the sector list after the newest one shipped.
    shipped = max(ROOT.glob("forms/reference/sectors.v*.json"), key=lambda p: int(p.name.split(".v")[1].split(".")[0]))
    sectors = json.loads(shipped.read_text("utf-8"))
    sectors["version"] += 1
    sectors["items"].append({"code": "embodied_ai", "zh": "具身智能", "en": "Embodied AI"})
    (folder / f"sectors.v{sectors['version']}.json").write_text(json.dumps(sectors, ensure_ascii=False), "utf-8")
    return folder


def test_publish_return_and_pull(province: ProvinceServer, tmp_path: Path) -> None:
    ours = enroll_device(province, "340104")
    theirs = enroll_device(province, "340102")
    folder = definitions(tmp_path)
    out = province.cli("publish", str(folder))
    assert "已发布为更新 1" in out and "已发布为更新 2" in out
    # Publishing the same files again changes nothing.
    assert province.cli("publish", str(folder)).count("未改变") == 2

    with ours.client() as client:
        # The running server validates against the newly published form version.
        record = version(ours.org_unit)
        v2 = version(ours.org_unit, form_version=2)
        v3 = version(ours.org_unit, form_version=3)
        receipt = client.send_batch(ours.batch([record, v2, v3]).envelope).receipt
        assert [a.version_id for a in receipt.accepted] == [record.version_id, v2.version_id]
        assert receipt.rejected[0].reasons[0].code == "unknown_form"

        province.cli("records", "return", record.record_id, "--reason", "请补充团队成员名单")
        pulled = client.pull_updates(0)
        kinds = [u.kind for u in pulled.updates]
        # Reference lists are published before the forms that may use them.
        assert kinds == ["reference_data", "form_version", "record_returned"]
        returned = pulled.updates[2].body
        assert returned["record_id"] == record.record_id
        assert returned["version_id"] == record.version_id
        assert returned["reason"] == "请补充团队成员名单"
        assert pulled.updates[1].body["definition"]["version"] == 2
        assert pulled.next_since == 3 and not pulled.more
        # The cursor works and paging says when there is more.
        assert client.pull_updates(3).updates == []
        first = client.pull_updates(0, limit=2)
        assert len(first.updates) == 2 and first.more and first.next_since == 2
    with theirs.client() as client:
        # Another org unit sees the published data but not our returned record.
        assert [u.kind for u in client.pull_updates(0).updates] == ["reference_data",
                                                                    "form_version"]
        assert client.pull_updates(0).next_since == 3
    records = json.loads(province.cli("records", "list", "--json", "--org-unit", "340104"))
    states = {r["record_id"]: r["state"] for r in records}
    assert states[record.record_id] == "returned"
    # A corrected version answers the return.
    with ours.client() as client:
        fixed = version(ours.org_unit, record_id=record.record_id)
        client.send_batch(ours.batch([fixed]).envelope)
    records = json.loads(province.cli("records", "list", "--json", "--org-unit", "340104"))
    assert {r["record_id"]: r["state"] for r in records}[record.record_id] == "received"


def test_publish_refuses_what_the_forms_engine_refuses(province: ProvinceServer,
                                                       tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "form", "id": "talent_team", "version": 9,
                               "fields": [{"id": "x", "type": "nonsense"}]}), "utf-8")
    result = province.cli_process("publish", str(bad))
    assert result.returncode == 1 and "未发布任何内容" in result.stderr
    assert province.query("SELECT COUNT(*) FROM updates")[0][0] == 0


def test_pull_requires_a_signed_request(province: ProvinceServer) -> None:
    device = enroll_device(province)
    response = post(province, "/v1/updates/pull", json.dumps({"since": 0}).encode())
    assert response.status_code == 400
    response = requests.get(province.url + "/v1/updates/pull", timeout=10)
    assert response.status_code == 405 and error_code(response) == "http_405"
    response = requests.get(province.url + "/v1/nothing-here", timeout=10)
    assert response.status_code == 404 and error_code(response) == "not_found"
    with device.client() as client, pytest.raises(ProtocolError):
        client.transport.request("POST", "/v1/updates/pull", body=device.batch(
            [version(device.org_unit)], advance=False).envelope)


def test_a_reporting_period_update_is_read_strictly() -> None:
    from sync.control import Update

    good = {"form_id": "annual_report", "year": 2025, "state": "open", "due": "2027-03-31"}

    def update(body: dict) -> dict:
        return {"protocol": 1, "update_id": 7, "kind": "reporting_period", "audience": "*",
                "published_at": "2026-12-01T00:00:00Z", "body": body}

    assert Update.from_json(update(good)).body == good
    assert Update.from_json(update({**good, "state": "closed", "due": ""})).body["state"] == "closed"
    for bad in ({**good, "state": "pending"}, {**good, "due": "31.03.2027"}, {**good, "year": 1999},
                {**good, "year": "2025"}, {**good, "extra": 1}, {k: v for k, v in good.items() if k != "due"}):
        with pytest.raises(ProtocolError):
            Update.from_json(update(bad))
