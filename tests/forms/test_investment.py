"""Major projects added up: investment by year and funds by source (forms.investment)."""

from __future__ import annotations

from typing import Any

import pytest

import forms
from forms.examples import example
from forms.investment import investment_totals

REGISTRY = forms.load_registry()


def project(name: str = "量子计算整机基地", **changes: Any) -> dict[str, Any]:
    data = example("project") or {}
    return {**data, "name": name, **changes}


def row(record_id: str, data: dict[str, Any], status: str = "final") -> dict[str, Any]:
    return {"record_id": record_id, "form_id": "project", "status": status, "data": data}


THREE_SOURCES = [
    {"source": "central_budget", "amount": 8000},
    {"source": "industry_fund", "fund_name": "安徽省未来产业基金", "amount": 50000},
    {"source": "bank_loan", "fund_name": "中国工商银行安徽省分行", "amount": 80000.5},
]
TWO_YEARS = [{"year": 2024, "planned": 30000, "completed": 28000}, {"year": 2025, "planned": 60000, "completed": 52000.25}]


def test_the_example_project_is_valid():
    result = REGISTRY.validate("project", project(), today=__import__("datetime").date(2026, 11, 26))
    assert result.ok, result.problems


def test_three_sources_and_two_years_add_up_by_year_and_source():
    other = project("低空飞行器总装项目", funding=[{"source": "central_budget", "amount": 2000},
                                                {"source": "own_funds", "amount": 1000}],
                    investment=[{"year": 2025, "completed": 7000}])
    rows = [
        row("p1", project(funding=THREE_SOURCES, investment=TWO_YEARS, total_investment=250000)),
        row("p2", project("低空飞行器总装项目", total_investment=30000, funding=other["funding"], investment=other["investment"])),
        row("p3", project("储备项目", total_investment=99999, funding=[{"source": "special_bonds", "amount": 99999}]), status="draft"),
        {"record_id": "e1", "form_id": "enterprise", "status": "final", "data": {"name": "x"}},
    ]
    totals = investment_totals(REGISTRY, rows)
    assert (totals.projects, totals.not_final, totals.duplicates) == (2, 1, 0)
    assert totals.total_investment == 280000
    assert totals.completed_by_year == {2024: 28000, 2025: pytest.approx(59000.25)}
    assert totals.planned_by_year == {2024: 30000, 2025: 60000}
    # In the list's order, 中央预算内投资 first; the draft's 专项债 is not there.
    assert list(totals.by_source.items()) == [("central_budget", 10000), ("industry_fund", 50000),
                                              ("bank_loan", 80000.5), ("own_funds", 1000)]
    assert totals.funded == pytest.approx(141000.5)
    assert totals.source_label("ultra_long_bonds") == "超长期特别国债"
    assert totals.to_json()["by_year"] == [{"year": 2024, "planned": 30000, "completed": 28000},
                                           {"year": 2025, "planned": 60000, "completed": 59000.25}]


def test_one_project_reported_twice_counts_once_in_any_order():
    rows = [row("b", project(funding=THREE_SOURCES)), row("a", project(name="量子计算整机基地 ", funding=THREE_SOURCES[:1]))]
    for ordered in (rows, rows[::-1]):
        totals = investment_totals(REGISTRY, ordered)
        assert (totals.projects, totals.duplicates) == (1, 1)
        assert totals.by_source == {"central_budget": 8000}  # record "a" wins


def test_a_project_names_its_sources_from_the_list_and_a_fund_by_name():
    bad = project(funding=[{"source": "产业基金", "amount": 100}])
    result = REGISTRY.validate("project", bad)
    assert [p.path for p in result.errors] == ["funding[0].fund_name"]
    typed = project(funding=[{"source": "专项债", "amount": 100}], investment=[{"year": 2025, "completed": 1}, {"year": 2025, "completed": 2}])
    result = REGISTRY.validate("project", typed)
    assert result.data["funding"][0]["source"] == "special_bonds"
    assert [p.code for p in result.errors] == ["rule"]  # the same year twice
