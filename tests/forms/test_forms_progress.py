"""compute_progress as the province uses it: rows of several offices, counted once.

The office-level hand count of every target is in tests/office/test_progress_cli.py; these
tests pin what a province-wide count adds: the same thing reported by two offices, which of
two figures counts, breakdowns by org unit and city, the statuses a caller counts, and the
rule data itself (windows, consistency, keys) refusing malformed definitions.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import USCC

import forms
from forms.progress import EXCLUSION_REASONS, compute_progress
from forms.refdata import parse_item
from forms.targets import parse_target

AS_OF = dt.date(2026, 11, 26)
HEFEI, SHUSHAN, HIGH_TECH_ZONE = "340100", "340104", "340176"
WUHU, JINGHU = "340200", "340202"
REGISTRY = forms.load_registry()


def row(form_id: str, unit: str, record_id: str, *, declared: str = "final", version: int | None = None,
        **data: Any) -> dict[str, Any]:
    return {"record_id": record_id, "form_id": form_id, "form_version": version, "org_unit": unit,
            "status": declared, "data": data}


def lab(unit: str, record_id: str, name: str = "安徽省量子精密测量重点实验室", **extra: Any) -> dict[str, Any]:
    data = {"name": name, "platform_type": "key_lab", "level": "provincial", "status": "operating",
            "approval_date": "2025-01-01", "sector": "quantum", **extra}
    return row("platform", unit, record_id, **data)


def firm(unit: str, record_id: str, code: str, output: float, year: int = 2025, sector: str = "general_ai") -> dict[str, Any]:
    return row("enterprise", unit, record_id, name="企业", credit_code=code, sector=sector,
               output=output, output_year=year)


def test_the_same_platform_from_two_offices_counts_once_for_the_province_and_once_for_each():
    rows = [lab(SHUSHAN, "r1"), lab(HIGH_TECH_ZONE, "r2", name="安徽省量子精密测量重点实验室 "), lab(JINGHU, "r3", name="芜湖量子实验室")]
    platforms = compute_progress(REGISTRY, rows, as_of=AS_OF).target("platforms")
    assert (platforms.value, platforms.counted, platforms.excluded["duplicate"]) == (2, 2, 1)
    assert platforms.by_org_unit == {SHUSHAN: 1, HIGH_TECH_ZONE: 1, JINGHU: 1}
    assert platforms.by_city == {HEFEI: 1, WUHU: 1}


def test_of_two_figures_for_one_enterprise_and_year_the_smallest_record_id_counts_in_any_order():
    rows = [
        firm(SHUSHAN, "b-record", USCC["a"], 30000),
        firm(HIGH_TECH_ZONE, "a-record", USCC["a"], 10000),  # counts: "a-record" < "b-record"
        firm(JINGHU, "c-record", USCC["b"], 5000, sector="quantum"),
        firm(JINGHU, "d-record", USCC["c"], 7000, year=2024),  # another year: not added
    ]
    for _ in range(5):
        random.shuffle(rows)
        output = compute_progress(REGISTRY, rows, as_of=AS_OF).target("output_total")
        assert output.to_json()["value"] == 1.5
        assert output.to_json()["by_sector"] == {"general_ai": 1.0, "quantum": 0.5}
        assert output.to_json()["by_org_unit"] == {HIGH_TECH_ZONE: 1.0, JINGHU: 0.5, SHUSHAN: 3.0}
        assert (output.excluded["duplicate"], output.excluded["outside_window"]) == (1, 1)


def test_the_reporting_year_defaults_to_the_last_complete_year():
    rows = [firm(SHUSHAN, "r1", USCC["a"], 10000, year=2025), firm(SHUSHAN, "r2", USCC["b"], 20000, year=2026)]
    assert compute_progress(REGISTRY, rows, as_of=AS_OF).target("output_total").value == pytest.approx(1.0)
    assert compute_progress(REGISTRY, rows, as_of=dt.date(2027, 1, 5)).target("output_total").value == pytest.approx(2.0)
    assert compute_progress(REGISTRY, rows, as_of=AS_OF, reporting_year=2026).reporting_year == 2026


def test_the_province_counts_what_versions_declare_final():
    rows = [lab(SHUSHAN, "r1"), lab(JINGHU, "r2", name="芜湖量子实验室"), lab(JINGHU, "r3", name="芜湖量子实验室")]
    rows[1]["status"], rows[2]["status"] = "draft", "synced"
    platforms = compute_progress(REGISTRY, rows, statuses={"final"}, as_of=AS_OF).target("platforms")
    assert (platforms.counted, platforms.excluded["not_final"]) == (1, 2)


@pytest.mark.parametrize(("year", "counts"), [(2023, False), (2024, True), (2026, True)])
def test_a_year_counts_from_the_plans_year(year, counts):
    rows = [row("talent_team", SHUSHAN, "t", name="团队", host_name="安徽大学", year=year, sector="general_ai")]
    teams = compute_progress(REGISTRY, rows, as_of=AS_OF).target("talent_teams")
    assert (teams.counted, teams.excluded["outside_window"]) == ((1, 0) if counts else (0, 1))


@pytest.mark.parametrize(("issued", "as_of", "valid"), [
    ("2023-11-27", AS_OF, True), ("2023-11-26", AS_OF, False), ("2026-11-27", AS_OF, False),
])
def test_a_high_tech_certificate_counts_for_three_years(issued, as_of, valid):
    rows = [row("enterprise", SHUSHAN, "e", credit_code=USCC["a"], tiers=["high_tech"], hte_cert_date=issued)]
    assert compute_progress(REGISTRY, rows, as_of=as_of).target("high_tech_enterprises").counted == int(valid)


def test_a_tier_without_its_evidence_is_inconsistent():
    # An enterprise saved under form version 1, which had no recognition fields.
    rows = [row("enterprise", SHUSHAN, "e", version=1, credit_code=USCC["a"], tiers=["little_giant"], sector="quantum")]
    giants = compute_progress(REGISTRY, rows, as_of=AS_OF).target("little_giant_enterprises")
    assert (giants.counted, giants.excluded["inconsistent"]) == (0, 1)


def test_objects_and_junk_rows():
    rows: list[Any] = [
        SimpleNamespace(record_id="x", form_id="platform", form_version=1, org_unit=SHUSHAN, status="final",
                        data=lab(SHUSHAN, "x")["data"]),
        row("rocket", SHUSHAN, "y", name="?"),
        {"form_id": "enterprise", "status": "final", "org_unit": SHUSHAN, "data": "not an object"},
        row("enterprise", "999999", "z", credit_code=USCC["a"], tiers=["listed"]),  # unknown org unit
        row("platform", SHUSHAN, "w", declared="draft", name="半截平台"),  # incomplete: in no target's scope
    ]
    progress = compute_progress(REGISTRY, rows, as_of=AS_OF)
    assert progress.target("platforms").counted == 1
    assert progress.target("listed_enterprises").by_city == {"unknown": 1}
    report = json.loads(json.dumps(progress.to_json()))
    assert report["skipped"] == {"unknown_form": 1, "bad_data": 1, "status:draft": 1}
    assert report["records_seen"] == 5 and report["records_counted"] == 2
    assert set(report["exclusion_reasons"]) == set(EXCLUSION_REASONS)


def test_every_target_states_its_rule():
    for target in REGISTRY.targets():
        assert target.source_zh and target.help_zh, target.code
        form = REGISTRY.form(target.form_id)
        assert all(form.has_field(name) for name in target.fields), target.code
        if not target.distinct:
            assert REGISTRY.duplicate_key_fields(target.form_id), target.code
    stocks = {t.code for t in REGISTRY.targets() if t.window is None}
    assert stocks == {"head_enterprises", "listed_enterprises"}


@pytest.mark.parametrize(("window", "message"), [
    ({"field": "approval_date"}, "window"),
    ({"field": "approval_date", "from": "30/09/2024"}, "ISO date"),
    ({"field": "approval_date", "within_years": 0}, "whole number"),
    ({"field": "approval_date", "reporting_year": "yes"}, "reporting_year"),
    ({"field": "approval_date", "from": "2024-09-30", "within_years": 3}, "window"),
])
def test_malformed_windows_are_refused(window, message):
    item = parse_item({"code": "t", "zh": "目标", "form": "platform", "unit": {"zh": "个"}, "window": window}, "t")
    with pytest.raises(forms.DefinitionError, match=message):
        parse_target(item, "targets")


def test_render_text_zh_and_en():
    rows = [lab(SHUSHAN, "r1"), lab(SHUSHAN, "r2"), firm(SHUSHAN, "e", USCC["a"], 12345.6)]
    progress = compute_progress(REGISTRY, rows, as_of=AS_OF)
    lines = progress.render_text().splitlines()
    assert lines[0].startswith("未来产业发展目标进展") and "营业收入统计年度 2025 年" in lines[0]
    assert any(line.startswith("新增省级及以上科技创新和公共服务平台") and "80左右" in line and line.endswith("1") for line in lines)
    assert any("全省未来产业规模" in line and "1.23 亿元" in line for line in lines)
    from forms.text import display_width

    table = lines[1:24]
    assert len({display_width(line) for line in table[2:]}) <= 2  # columns line up
    english = progress.render_text("en", detail=True)
    assert "Provincial-or-higher standards" in english and "~100" in english and "≥200" in english
    assert "1 not counted: duplicate 1" in english


def test_empty_input():
    empty = compute_progress(REGISTRY, [], as_of=AS_OF)
    assert all(t.value == 0 and t.excluded_total == 0 for t in empty.targets)
    assert "0.0%" in empty.render_text()
