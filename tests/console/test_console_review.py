"""Review, duplicates, lists and the export, through the running console."""

from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook

from tests.console.seed import enterprise, make_version, send, team
from tests.sync.offices import enroll_device


def overview_value(page: str, target: str) -> float:
    row = re.search(rf'<tr data-target="{target}"[^>]*>.*?class="value"[^>]*>([^<]+)<', page, re.S)
    assert row, target
    return float(row.group(1).replace(",", ""))


def city_value(page: str, city: str) -> float:
    row = re.search(rf'<tr data-city="{city}"><td>[^<]*</td>\s*<td class="num"><a[^>]*>([^<]+)<',
                    page)
    assert row, city
    return float(row.group(1).replace(",", ""))


def progress_json(server) -> dict:
    return json.loads(server.cli("progress", "--json"))


def test_resolving_a_cross_unit_duplicate_changes_the_overview_by_one(province, staff):
    hefei, wuhu = enroll_device(province, "340104"), enroll_device(province, "340202")
    same_team = team("量子精密测量创新团队", leader="李四")
    shared = enterprise(5, tiers=["high_tech"])
    send(hefei, [make_version("340104", "talent_team", same_team),
                 make_version("340104", "talent_team", team("合肥另一团队")),
                 make_version("340104", "enterprise", shared)])
    # The other office types the names a little differently; the keys still meet.
    send(wuhu, [make_version("340202", "talent_team", {**same_team, "name": "量子精密测量 创新团队"}),
                make_version("340202", "enterprise", {**shared, "name": "安徽未来科技有限公司5（芜湖）"})])
    reviewer = staff("reviewer")
    page = reviewer.get("/console/duplicates").text
    assert "共 2 组" in page
    assert "量子精密测量创新团队" in page and shared["credit_code"] in page
    before = reviewer.get("/console/?target=talent_teams").text
    # The same team from two offices counts once for the province, once in each city.
    assert overview_value(before, "talent_teams") == 2 == progress_json(province)["targets"][1]["value"]
    # The enterprise is counted once in the total, but once in each city until a decision.
    hte = reviewer.get("/console/?target=high_tech_enterprises").text
    assert overview_value(hte, "high_tech_enterprises") == 1
    assert city_value(hte, "340100") == 1 and city_value(hte, "340200") == 1

    team_key = re.search(r'name="dup_key" value="([^"]*\|[^"]*)"', page).group(1)  # type: ignore[union-attr]
    answer = reviewer.post("/console/duplicates/resolve", {
        "form_id": "talent_team", "dup_key": team_key, "org_unit": "340104",
        "reason": "团队依托单位在合肥"})
    assert answer.status_code == 303
    after = reviewer.get("/console/?target=talent_teams").text
    assert overview_value(after, "talent_teams") == overview_value(before, "talent_teams")
    assert city_value(after, "340200") == city_value(before, "340200") - 1
    assert city_value(after, "340100") == city_value(before, "340100")
    body = progress_json(province)
    assert body["targets"][1]["value"] == 2
    assert body["skipped"]["duplicate_counted_elsewhere"] == 1

    reviewer.post("/console/duplicates/resolve", {
        "form_id": "enterprise", "dup_key": shared["credit_code"], "org_unit": "340202"})
    hte = reviewer.get("/console/?target=high_tech_enterprises").text
    assert overview_value(hte, "high_tech_enterprises") == 1
    assert city_value(hte, "340100") == 0 and city_value(hte, "340200") == 1
    decided = reviewer.get("/console/duplicates?decided=yes").text
    assert "共 2 组" in decided and "已认定计入" in decided
    # A decision can only name an org unit of the group.
    refused = reviewer.post("/console/duplicates/resolve", {
        "form_id": "enterprise", "dup_key": shared["credit_code"], "org_unit": "341102"})
    assert "error=unit_not_in_group" in refused.headers["location"]
    log = staff("admin").get("/console/actions").text
    assert log.count("duplicate.resolve") == 2 and "团队依托单位在合肥" in log
    # The Wuhu office renames its team: it is no longer the same team, the group is gone.
    wuhu_team = province.query("SELECT record_id FROM records WHERE org_unit = '340202' "
                               "AND form_id = 'talent_team'")[0][0]
    send(wuhu, [make_version("340202", "talent_team", team("芜湖量子传感团队", leader="李四"),
                             record_id=wuhu_team)])
    assert "共 1 组" in reviewer.get("/console/duplicates").text


def test_review_states_filters_search_and_paging(province, staff):
    hefei = enroll_device(province, "340104")
    versions = [make_version("340104", "enterprise", enterprise(i)) for i in range(60)]
    versions.append(make_version("340104", "enterprise", enterprise(99, name="蜀山量子精密仪器有限公司")))
    send(hefei, versions)
    reviewer = staff("reviewer")
    first = reviewer.get("/console/records").text
    assert "共 61 条" in first
    next_link = re.search(r'href="(/console/records\?[^"]*after=[^"]*)" id="next"', first)
    assert next_link
    second = reviewer.get(next_link.group(1).replace("&amp;", "&")).text
    ids = lambda html: re.findall(r'data-record="([^"]+)"', html)  # noqa: E731
    assert len(ids(first)) == 50 and len(ids(second)) == 11
    assert not set(ids(first)) & set(ids(second))
    found = reviewer.get("/console/records", params={"q": "精密仪器"}).text
    assert "共 1 条" in found and "蜀山量子精密仪器有限公司" in found
    assert "共 0 条" in reviewer.get("/console/records", params={"city": "340200"}).text

    record_id = ids(found)[0]
    version_id = province.query("SELECT current_version_id FROM records WHERE record_id = ?",
                                (record_id,))[0][0]
    reviewer.post(f"/console/records/{record_id}/accept", {"version_id": version_id})
    accepted = reviewer.get("/console/records", params={"state": "accepted"}).text
    assert ids(accepted) == [record_id]
    # A return about an older version than the current one is refused.
    newer = make_version("340104", "enterprise", enterprise(99, name="蜀山量子精密仪器股份有限公司"),
                         record_id=record_id)
    send(hefei, [newer])
    stale = reviewer.post(f"/console/records/{record_id}/return",
                          {"version_id": version_id, "reason": "请核对"})
    assert "error=stale" in stale.headers["location"]
    page = reviewer.get(f"/console/records/{record_id}").text
    assert "已接收" in page  # the new version waits for review again
    assert "蜀山量子精密仪器有限公司" in page and "蜀山量子精密仪器股份有限公司" in page
    assert page.count('class="changed"') == 1  # one field changed between the versions
    # Every status in words: the office's declared status, and how the record counts.
    assert "报送状态 定稿" in page and "final" not in page
    assert re.search(r'<li class="ok">高新技术企业：计入</li>', page)
    english = reviewer.get(f"/console/records/{record_id}", params={"lang": "en"}).text
    assert "Status set by the office: final" in english and "定稿" not in english
    reviewer.post(f"/console/records/{record_id}/return",
                  {"version_id": newer.version_id, "reason": "名称与执照不符"})
    assert "整条记录未计入：已退回待修改" in reviewer.get(f"/console/records/{record_id}",
                                                   params={"lang": "zh"}).text
    fixed = make_version("340104", "enterprise", enterprise(99, name="蜀山量子精密仪器有限公司"),
                         record_id=record_id)
    send(hefei, [fixed])
    returned = reviewer.get(f"/console/records/{record_id}", params={"lang": "zh"}).text
    assert "整条记录未计入：已退回待修改" not in returned  # answered: counted again
    assert ids(reviewer.get("/console/records", params={"state": "resubmitted"}).text) == [record_id]
    assert_states_agree(province)


def assert_states_agree(province) -> None:
    """The state the index keeps for each record is the one derived from the records."""
    from province.console.catalog import STATE_SQL

    rows = province.query(f"SELECT c.record_id, c.state, {STATE_SQL} FROM console_records c "
                          "JOIN records r ON r.record_id = c.record_id "
                          "LEFT JOIN reviews rv ON rv.record_id = c.record_id")
    assert rows and all(kept == derived for _, kept, derived in rows)
    assert {kept for _, kept, _ in rows} >= {"received", "resubmitted"}


def test_export_is_filtered_and_formula_safe(province, staff):
    device = enroll_device(province, "340104")
    send(device, [make_version("340104", "enterprise", enterprise(
        1, name="=HYPERLINK(\"http://example.invalid\",\"点我\")", address="@SUM(A1:A2)")),
        make_version("340104", "enterprise", enterprise(2, name="-2+3 科技有限公司")),
        make_version("340104", "talent_team", team("量子团队"))])
    viewer = staff("viewer")
    answer = viewer.get("/console/export.xlsx", params={"form": "enterprise"})
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["企业"]
    rows = list(book["企业"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert header[:3] == ("记录编号", "单位代码", "单位") and "企业名称" in header
    names = {r[header.index("企业名称")] for r in data}
    assert names == {"'=HYPERLINK(\"http://example.invalid\",\"点我\")", "'-2+3 科技有限公司"}
    cells = [c for row in book["企业"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    log = staff("admin").get("/console/actions").text
    assert "export.xlsx" in log and "wang.viewer" in log


def test_export_shows_choice_labels_units_and_groups_as_words(province, staff):
    device = enroll_device(province, "340104")
    send(device, [make_version("340104", "enterprise", enterprise(3)),
                  make_version("340104", "talent_team", team("量子团队"))])
    viewer = staff("viewer")
    book = load_workbook(io.BytesIO(viewer.get("/console/export.xlsx").content))
    rows = list(book["企业"].iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    cell = dict(zip(header, row, strict=True))
    # Choices by their Chinese labels, never their codes; money headers name their unit.
    assert cell["所属领域"] == "量子科技" and cell["细分方向"] == "量子通信" and cell["企业性质"] == "民营企业"
    assert cell["注册资本（万元）"] == 5000 and "注册资本" not in header
    assert not {"quantum", "private", "quantum_communication"} & {v for v in row if isinstance(v, str)}
    teams = list(book["人才团队"].iter_rows(values_only=True))
    members = dict(zip(teams[0], teams[1], strict=True))
    shown = [v for k, v in members.items() if isinstance(v, str) and "张华" in v]
    assert shown and "{" not in shown[0] and "博士" in shown[0], members


def test_version_history_says_its_times_are_utc_and_marks_changes_beside_the_field(province, staff):
    device = enroll_device(province, "340104")
    first = make_version("340104", "enterprise", enterprise(7))
    send(device, [first])
    edited = enterprise(7, name="安徽未来科技股份有限公司7", remarks="新增的备注")
    del edited["address"]
    send(device, [make_version("340104", "enterprise", edited, record_id=first.record_id)])
    page = staff("reviewer").get(f"/console/records/{first.record_id}", params={"lang": "zh"}).text
    times = re.findall(r'<small class="time">([^<]*)</small>', page)
    assert len(times) == 2 and all(t.startswith("· 接收时间 (UTC) ") for t in times), times
    table = re.search(r'<table class="grid diff">(.*?)</table>', page, re.S).group(1)  # type: ignore[union-attr]
    assert re.findall(r"<th>([^<]*)</th>", table) == ["字段", "修改前", "修改后"]
    rows = {re.sub(r"<[^>]+>", "|", m.group(2)).strip("|"): m.group(1)
            for m in re.finditer(r'<tr class="(\w+)">(.*?)</tr>', table, re.S)}
    # Each row: the field with what happened to it, then the old and the new value.
    cells = {kind: [c.strip() for c in text.split("|") if c.strip()] for text, kind in rows.items()}
    assert cells["added"][1:] == ["新增", "—", "新增的备注"], cells
    assert cells["removed"][1] == "删除" and cells["removed"][-1] == "—", cells
    assert cells["changed"][1] == "修改" and cells["changed"][-1] == "安徽未来科技股份有限公司7", cells
