"""Reporting periods (填报期) through a real province on loopback: the province opens the 2025
period of the annual report as a signed update, the office syncs and sees it open with the
enterprises still owing a report; the province closes it and the office sees that too."""

from __future__ import annotations

import json

from desktop.services.outbox import OfficeOutbox
from desktop.services.periods import open_periods, period_status, periods
from desktop.services.sync_office import sync_office
from tests.conftest import run_cli
from tests.office.conftest import enterprise
from tests.office.test_annual_reports import report
from tests.office.test_office_sync import enrolled


def test_a_period_opened_by_the_province_shows_the_office_what_is_missing(office, service, province):
    enrolled(office, province)
    firms = [enterprise(i) for i in range(1, 5)]
    ids = [service.add("enterprise", firm, final=True).record_id for firm in firms]
    service.add("annual_report", {**report(firms[0], 2025, 8000), "enterprise": ids[0]}, final=True)
    draft = service.add("annual_report", report(firms[1], 2025, 6000)).record_id  # linked by credit code
    service.add("annual_report", report(firms[2], 2024, 5000), final=True)  # another year: still owing 2025
    sync_office(office)
    assert open_periods(office.db) == []

    out = province.cli("period", "open", "annual_report", "2025", "--due", "2027-03-31")
    assert "已开放（更新" in out
    assert "已经是开放状态" in province.cli("period", "open", "annual_report", "2025", "--due", "2027-03-31")
    listed = json.loads(province.cli("period", "list", "--json"))
    assert [(p["form_id"], p["year"], p["state"], p["due"]) for p in listed] == [("annual_report", 2025, "open", "2027-03-31")]
    table = province.cli("period", "list").splitlines()
    assert table[0].split() == ["表单", "年度", "状态", "截止日", "更新编号", "发布时间（UTC）"]
    assert table[1].split()[:4] == ["企业年度数据", "2025", "开放", "2027-03-31"]

    sync_office(office)
    (period,) = open_periods(office.db)
    assert (period.form_id, period.year, period.due) == ("annual_report", 2025, "2027-03-31")
    status = period_status(office.db, service.checker.registry, period)
    assert (status.subjects, status.reported) == (4, 1)
    assert [o.record_id for o in status.missing] == [ids[2], ids[3]]
    assert [(o.record_id, o.report_id, o.report_status) for o in status.unfinished] == [(ids[1], draft, "draft")]

    # The command line says the same, in Chinese for the clerk.
    shown = run_cli(office.paths.root, "periods")
    assert shown.returncode == 0, shown.stderr
    assert "2025年度企业年度数据填报期开放中，截止 2027-03-31：4 家企业，已定稿 1 家，未填报 2 家，未定稿 1 家。" in shown.stdout
    assert firms[3]["credit_code"] in shown.stdout and firms[0]["credit_code"] not in shown.stdout
    as_json = json.loads(run_cli(office.paths.root, "periods", "--json").stdout)
    assert [o["record_id"] for o in as_json[0]["missing"]] == [ids[2], ids[3]]

    # Closed by the province: after the next sync nothing is open, and the period is kept as closed.
    province.cli("period", "close", "annual_report", "2025")
    sync_office(office)
    assert open_periods(office.db) == []
    assert [(p.year, p.state) for p in periods(office.db)] == [(2025, "closed")]
    assert "没有开放的填报期" in run_cli(office.paths.root, "periods").stdout
    # Each change reached the office as an update the province signed, kept with its envelope.
    kept = list(OfficeOutbox(office).db.query("SELECT envelope FROM updates WHERE kind = 'reporting_period'"))
    assert len(kept) == 2 and all(bytes(r["envelope"]) for r in kept)
    # And each is in the province's action log, by who did it.
    logged = province.query("SELECT action, subject, actor FROM action_log WHERE action LIKE 'period.%' ORDER BY action_id")
    assert [(a, s) for a, s, _ in logged] == [("period.open", "annual_report.2025"), ("period.closed", "annual_report.2025")]
    assert all(str(actor).startswith("cli:") for *_, actor in logged)


def test_the_province_refuses_a_period_it_cannot_mean(province):
    for args, why in ((("close", "annual_report", "2025"), "从未开放过"),
                      (("open", "enterprise", "2025"), "不是按年度填报的表单"),
                      (("open", "no_such_form", "2025"), "没有已发布的表单 'no_such_form'")):
        result = province.cli_process("period", *args)
        assert result.returncode == 1 and why in result.stderr, result.stderr
    for bad in (("open", "annual_report", "1999"), ("open", "annual_report", "2025", "--due", "31.03.2027"),
                ("open", "annual_report", "二〇二五")):
        result = province.cli_process("period", *bad)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert json.loads(province.cli("period", "list", "--json")) == []
