"""Annual figures: one report per enterprise and year, and progress that reads one year.

An enterprise's 2024 and 2025 reports stand side by side; a second 2025 report is refused
(the form's de-duplication key is credit code + reporting year); progress for 2025 adds only
2025 reports. An enterprise record's own revenue figure counts for its year only where no
report of that enterprise and year counted.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import USCC, valid

import forms
from forms.errors import DefinitionError
from forms.parsing import parse_form
from forms.progress import compute_progress
from forms.refdata import parse_item
from forms.targets import parse_target

AS_OF = dt.date(2026, 11, 26)
SHUSHAN, JINGHU = "340104", "340202"
REGISTRY = forms.load_registry()


def report(year: int, future: float, code: str = USCC["a"], **extra: Any) -> dict[str, Any]:
    changes = {"revenue": future * 2, **extra}
    return valid("annual_report", year=year, future_revenue=future, credit_code=code, **changes)


def row(record_id: str, data: dict[str, Any], form_id: str = "annual_report", unit: str = SHUSHAN,
        status: str = "final") -> dict[str, Any]:
    return {"record_id": record_id, "form_id": form_id, "org_unit": unit, "status": status, "data": data}


def test_2024_and_2025_stand_side_by_side_and_a_second_2025_report_is_refused():
    office = forms.InMemoryLookup()
    for record_id, data in (("r2024", report(2024, 8000)), ("r2025", report(2025, 12000))):
        result = REGISTRY.validate("annual_report", data, lookup=office, record_id=record_id)
        assert result.ok, result.problems
        office.add(record_id, "annual_report", result.data)
    # The same enterprise and year again, its credit code typed in lower case with spaces.
    again = report(2025, 13000, code=" " + USCC["a"].lower())
    result = REGISTRY.validate("annual_report", again, lookup=office)
    assert not result.ok
    [problem] = result.errors
    assert (problem.path, problem.code) == ("year", "duplicate")
    assert problem.message_zh.startswith("报告年度：该企业这一年度的数据已经填报过：")
    assert "（2025年度）" in problem.message_zh and "记录 r2025" in problem.message_zh
    # Editing the 2025 report itself is not a duplicate of itself; 2026 is another report.
    assert REGISTRY.validate("annual_report", again, lookup=office, record_id="r2025").ok
    assert REGISTRY.validate("annual_report", report(2023, 1), lookup=office).ok
    # Another enterprise's 2025 report is not a duplicate either.
    assert REGISTRY.validate("annual_report", report(2025, 5, code=USCC["b"]), lookup=office).ok


def test_revenue_is_kept_apart_from_output_value_and_cannot_exceed_total_revenue():
    form = REGISTRY.form("annual_report")
    labels = {f.id: f.label_zh for f in form.fields}
    assert labels["future_revenue"] == "未来产业营业收入" and labels["output_value"] == "工业总产值"
    assert {"revenue", "rd_spending", "employees", "rd_staff", "tax", "exports"} <= set(labels)
    result = REGISTRY.validate("annual_report", report(2025, 12000, revenue=11000))
    assert [p.path for p in result.errors] == ["future_revenue"]
    result = REGISTRY.validate("annual_report", report(2025, 100, employees=10, rd_staff=11))
    assert [p.path for p in result.errors] == ["rd_staff"]
    # Output value never feeds the scale target: only future_revenue is summed.
    target = next(t for t in REGISTRY.targets() if t.code == "output_total")
    assert (target.form_id, target.sum_field) == ("annual_report", "future_revenue")


def test_progress_for_a_year_takes_only_that_years_reports():
    rows = [
        row("r2024", report(2024, 8000)),
        row("r2025", report(2025, 12000)),
        row("s2025", report(2025, 3000, code=USCC["b"], sector="general_ai", direction="general_llm"), unit=JINGHU),
        row("d2025", report(2025, 99999, code=USCC["c"]), status="draft"),
    ]
    p2025 = compute_progress(REGISTRY, rows, as_of=AS_OF, reporting_year=2025).target("output_total")
    assert (p2025.value, p2025.counted) == (pytest.approx(1.5), 2)
    assert p2025.excluded == {"not_final": 1, "inconsistent": 0, "outside_window": 1, "duplicate": 0}
    assert p2025.by_sector == {"quantum": pytest.approx(1.2), "general_ai": pytest.approx(0.3)}
    p2024 = compute_progress(REGISTRY, rows, as_of=AS_OF, reporting_year=2024).target("output_total")
    assert (p2024.value, p2024.counted) == (pytest.approx(0.8), 1)
    general = compute_progress(REGISTRY, rows, as_of=AS_OF, reporting_year=2025).target("output_general_ai")
    assert (general.value, general.counted) == (pytest.approx(0.3), 1)


def test_an_enterprise_records_own_figure_gives_way_to_its_report_of_that_year():
    firm = valid("enterprise", output=50000, output_year=2025)  # USCC["a"], quantum
    other = valid("enterprise", credit_code=USCC["b"], name="另一家企业", output=7000, output_year=2025)
    # The enterprise record's id sorts first: the report must still win, whatever the order.
    rows = [row("a-firm", firm, "enterprise"), row("z-report", report(2025, 12000)), row("b-firm", other, "enterprise")]
    for ordered in (rows, rows[::-1]):
        total = compute_progress(REGISTRY, ordered, as_of=AS_OF, reporting_year=2025).target("output_total")
        # 1.2 亿元 from the report, not 5 from the record; 0.7 from the enterprise without a report.
        assert (total.value, total.counted, total.excluded["duplicate"]) == (pytest.approx(1.9), 2, 1)


def test_a_report_from_another_office_counts_once_province_wide():
    rows = [row("b", report(2025, 12000), unit=JINGHU), row("a", report(2025, 12000))]
    total = compute_progress(REGISTRY, rows, as_of=AS_OF, reporting_year=2025).target("output_total")
    assert (total.value, total.counted, total.excluded["duplicate"]) == (pytest.approx(1.2), 1, 1)
    assert total.by_org_unit == {SHUSHAN: pytest.approx(1.2), JINGHU: pytest.approx(1.2)}


def test_malformed_unique_key_and_fallback_are_refused():
    spec = json.loads(json.dumps(REGISTRY.form("annual_report").to_json()))
    spec["unique_key"] = "yes"
    with pytest.raises(DefinitionError, match="unique_key"):
        parse_form(spec, "annual_report.v2.json")
    target = next(i for i in REGISTRY.reference("targets").items if i.code == "output_total")
    raw = {"code": "x", "zh": "x", "en": "x", **{k: v for k, v in target.attrs.items()}}
    raw["fallback"] = {"form": "enterprise", "colour": "red"}
    with pytest.raises(DefinitionError, match="fallback"):
        parse_target(parse_item(raw, "targets"), "targets")


def test_fill_names_fields_of_both_forms_and_only_on_record_references(tmp_path):
    spec = json.loads(json.dumps(REGISTRY.form("annual_report").to_json()))
    ref = next(f for f in spec["fields"] if f["id"] == "enterprise")
    assert ref["fill"]["enterprise_name"] == "name"
    ref["fill"] = {"colour": "name"}
    with pytest.raises(DefinitionError, match="'fill' names unknown field 'colour'"):
        parse_form(spec, "annual_report.v2.json")
    ref["fill"] = {"enterprise_name": "name"}
    next(f for f in spec["fields"] if f["id"] == "year")["fill"] = {"year": "founded"}
    with pytest.raises(DefinitionError, match="'fill'"):
        parse_form(spec, "annual_report.v2.json")
    del next(f for f in spec["fields"] if f["id"] == "year")["fill"]
    ref["fill"] = {"enterprise_name": "nickname"}
    spec["version"] = 2
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "annual_report.v2.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    registry = forms.load_registry(tmp_path)
    assert any("fills from unknown field 'nickname'" in p for p in registry.load_problems)
    assert registry.form("annual_report").version == 1
