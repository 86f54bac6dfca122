"""The numbers of 总览 and the records behind them agree, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re

import pytest

from tests.console.seed import make_version, seed_demo, send


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("postgres").new_database())


def listed(member, **params: str) -> list[str]:
    page = member.get("/console/records", params=params).text
    total = int(re.search(r"共 (\d+) 条", page).group(1))  # type: ignore[union-attr]
    assert total <= 50
    return re.findall(r'data-record="([^"]+)"', page)


def test_every_number_has_exactly_its_records_behind_it(province, staff):
    seed_demo(province)
    body = json.loads(province.cli("progress", "--json"))
    member = staff("viewer")

    def things(ids: list[str]) -> int:
        # Records of one thing (the forms' de-duplication key) count once.
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        rows = province.query(f"SELECT record_id, dup_key FROM console_records WHERE record_id IN ({marks})",
                              tuple(ids))
        return len({key or record_id for record_id, key in rows})

    checked = 0
    for target in body["targets"]:
        if target["code"].startswith("output_"):
            continue  # sums, not counts: their records are checked through the enterprises
        ids = listed(member, target=target["code"])
        assert things(ids) == target["value"], target["code"]
        for city, value in target["by_city"].items():
            assert things(listed(member, target=target["code"], city=city)) == value, (target["code"], city)
            checked += 1
    assert checked >= 10
    # The console's cached numbers are the command's numbers.
    page = member.get("/console/").text
    for target in body["targets"]:
        shown = re.search(rf'data-target="{target["code"]}".*?class="value"[^>]*>([^<]+)<', page,
                          re.S).group(1)  # type: ignore[union-attr]
        assert float(shown.replace(",", "")) == float(target["value"])


def test_decisions_and_returns_on_both_databases(province, staff):
    seed_demo(province)
    reviewer = staff("reviewer")
    before = json.loads(province.cli("progress", "--json"))
    platforms = next(t for t in before["targets"] if t["code"] == "platforms")["value"]
    page = reviewer.get("/console/duplicates", params={"form_id": "platform"}).text
    key = re.search(r'name="dup_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert reviewer.post("/console/duplicates/resolve", {
        "form_id": "platform", "dup_key": key, "org_unit": "341102"}).status_code == 303
    # Deciding again (another unit) replaces the decision.
    assert reviewer.post("/console/duplicates/resolve", {
        "form_id": "platform", "dup_key": key, "org_unit": "340104"}).status_code == 303
    record_id, version_id = province.query(
        "SELECT record_id, current_version_id FROM records WHERE form_id = 'platform' "
        "AND org_unit = '340202'")[0]
    reviewer.post(f"/console/records/{record_id}/return",
                  {"version_id": version_id, "reason": "请补充批复文件"})
    after = json.loads(province.cli("progress", "--json"))
    # The duplicated platform counted once before the decision too (it only decides where);
    # the return takes one platform away.
    assert next(t for t in after["targets"] if t["code"] == "platforms")["value"] == platforms - 1
    assert after["skipped"] == {"duplicate_counted_elsewhere": 1, "status:returned": 1}
    assert province.query("SELECT org_unit FROM duplicate_decisions") == [("340104",)]
    assert re.findall(r'data-record="([^"]+)"',
                      reviewer.get("/console/records", params={"state": "returned"}).text) == [record_id]
    # The CLI's return goes through the same path: the list shows it returned at once.
    other = province.query("SELECT record_id FROM records WHERE form_id = 'standard' "
                           "ORDER BY record_id LIMIT 1")[0][0]
    province.cli("records", "return", other, "--reason", "编号有误")
    returned = reviewer.get("/console/records", params={"state": "returned"}).text
    assert set(re.findall(r'data-record="([^"]+)"', returned)) == {record_id, other}


def test_kept_totals_equal_a_full_count_on_any_day_and_year(province, staff):
    """总览 reads running totals; on every day and reporting year they are what the forms
    engine counts over every record, before and after decisions, returns and corrections."""
    import datetime as dt

    from province import progress
    from province.context import Province, Settings

    devices = seed_demo(province)
    reviewer = staff("reviewer")
    context = Province.open(Settings.make(province.data_dir, province.database_url))
    try:
        def same_everywhere() -> None:
            for as_of, year in ((None, None), (dt.date(2025, 6, 1), 2024),
                                (dt.date(2026, 12, 1), 2025), (dt.date(2029, 1, 1), 2025),
                                (dt.date(2026, 1, 1), 2026)):
                kept = progress.compute(context, as_of, year)
                assert kept == progress.compute_directly(context, as_of, year), (as_of, year)

        same_everywhere()
        counted = progress.compute(context, dt.date(2026, 12, 1), 2025)
        assert {t["code"]: t["value"] for t in counted["targets"]}["output_total"] > 0
        assert {t["code"]: t["counted"] for t in counted["targets"]}["high_tech_enterprises"] > 0
        page = reviewer.get("/console/duplicates", params={"form_id": "enterprise"}).text
        key = re.search(r'name="dup_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert reviewer.post("/console/duplicates/resolve", {
            "form_id": "enterprise", "dup_key": key, "org_unit": "340202"}).status_code == 303
        record_id, version_id = province.query(
            "SELECT record_id, current_version_id FROM records WHERE form_id = 'enterprise' "
            "AND org_unit = '340302' ORDER BY record_id LIMIT 1")[0]
        reviewer.post(f"/console/records/{record_id}/return",
                      {"version_id": version_id, "reason": "请补充证书"})
        same_everywhere()
        # The office answers the return with a corrected version: counted again.
        data = json.loads(province.query("SELECT data FROM record_versions WHERE version_id = ?",
                                         (version_id,))[0][0])
        send(devices["340302"], [make_version("340302", "enterprise",
                                              {**data, "output": 4321}, record_id=record_id)])
        same_everywhere()
        # Annual reports: an enterprise's report of a year counts for that year and the
        # enterprise record's own figure gives way, though its record id sorts first.
        before = progress.compute(context, dt.date(2026, 12, 1), 2025)
        enterprise = province.query(
            "SELECT r.org_unit, v.data FROM records r JOIN record_versions v "
            "ON v.version_id = r.current_version_id WHERE v.form_id = 'enterprise' "
            "AND r.org_unit = '340302' ORDER BY r.record_id LIMIT 1")[0]
        unit, data = enterprise[0], json.loads(enterprise[1])
        assert data.get("output_year") == 2025 and data.get("output")
        report = {"enterprise_name": data["name"], "credit_code": data["credit_code"],
                  "year": 2025, "sector": data["sector"], "direction": data["direction"],
                  "revenue": 90000, "future_revenue": 70000, "output_value": 95000}
        send(devices[unit], [make_version(unit, "annual_report", report,
                                          record_id="ffffffff-ffff-4fff-8fff-ffffffffffff")])
        same_everywhere()
        after = progress.compute(context, dt.date(2026, 12, 1), 2025)
        value = {t["code"]: t["value"] for t in after["targets"]}
        old = {t["code"]: t["value"] for t in before["targets"]}
        assert value != old  # the report's figure replaced the record's own
    finally:
        context.close()


def test_overview_year_is_the_reporting_year_of_progress_year(province, staff):
    import datetime as dt

    seed_demo(province)
    member = staff("viewer")
    last = dt.datetime.now(dt.UTC).date().year - 1
    for year in (2024, last):
        body = json.loads(province.cli("progress", "--json", "--year", str(year)))
        assert body["reporting_year"] == year
        page = member.get("/console/", params={"year": str(year)}).text
        assert f'<option value="{year}" selected' in page
        for target in body["targets"]:
            shown = re.search(rf'data-target="{target["code"]}".*?class="value"[^>]*>([^<]+)<',
                              page, re.S).group(1)  # type: ignore[union-attr]
            assert float(shown.replace(",", "")) == float(target["value"]), (year, target["code"])
    # The demo's revenue is of 2025: it counts for 2025 and not for 2024.
    totals = {y: next(t["value"] for t in json.loads(province.cli(
        "progress", "--json", "--year", str(y), "--as-of", "2026-06-01"))["targets"]
        if t["code"] == "output_total") for y in (2024, 2025)}
    assert totals[2024] == 0 and totals[2025] > 0
    for args, said in ((["--year", "2026", "--as-of", "2026-06-01"], "尚未结束"),
                       (["--year", "²⁰²⁵"], "--year"), (["--as-of", "2026-13-01"], "--as-of")):
        done = province.cli_process("progress", "--json", *args)
        assert done.returncode == 2 and said in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
