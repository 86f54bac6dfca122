"""Last year's figures for a new annual report: the enterprise's latest earlier report, copied
into the fields still empty, never another enterprise's and never a later year's."""

from __future__ import annotations

from desktop.services.carry_over import carry_over, previous_report, year_field
from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from tests.office.conftest import enterprise
from tests.office.test_annual_reports import report


def test_the_latest_earlier_report_of_the_same_enterprise_fills_the_empty_fields(office):
    service = RecordService(office, default_checker(office.paths.root))
    form = service.checker.registry.form("annual_report")
    firm, other = enterprise(1), enterprise(2)
    service.add("enterprise", firm, final=True)
    service.add("enterprise", other, final=True)
    older = service.add("annual_report", report(firm, 2023, 5000, tax=300), final=True).record_id
    last = service.add("annual_report", report(firm, 2024, 8000, tax=410, remarks="含出口"), final=True).record_id
    service.add("annual_report", report(firm, 2025, 9000), final=True)
    service.add("annual_report", report(other, 2024, 99999), final=True)
    assert year_field(form) == "year"

    typed = {"credit_code": firm["credit_code"], "year": 2025, "enterprise_name": firm["name"]}
    carried = carry_over(service.db, form, typed)
    assert carried is not None and (carried.record_id, carried.year) == (last, 2024)
    assert carried.values["future_revenue"] == 8000 and carried.values["tax"] == 410
    assert carried.values["remarks"] == "含出口"
    assert "year" not in carried.values and "enterprise_name" not in carried.values  # typed: kept

    # Starting 2024's report offers 2023's; a new report with no year yet gets the next year.
    assert previous_report(service.db, form, dict(typed, year=2024))[0] == older
    fresh = carry_over(service.db, form, {"credit_code": firm["credit_code"]})
    assert fresh is not None and fresh.year == 2025 and fresh.values["year"] == 2026


def test_nothing_is_offered_without_an_enterprise_or_an_earlier_report(office):
    service = RecordService(office, default_checker(office.paths.root))
    form = service.checker.registry.form("annual_report")
    firm = enterprise(3)
    service.add("annual_report", report(firm, 2024, 8000), final=True)
    assert carry_over(service.db, form, {}) is None
    assert carry_over(service.db, form, {"credit_code": firm["credit_code"], "year": 2024}) is None
    assert carry_over(service.db, form, {"credit_code": enterprise(4)["credit_code"], "year": 2025}) is None
    # A form without a year in its key offers nothing.
    assert year_field(service.checker.registry.form("enterprise")) is None
    assert carry_over(service.db, service.checker.registry.form("enterprise"), {"credit_code": firm["credit_code"]}) is None
