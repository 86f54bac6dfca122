"""A major project with three funding sources and two years of completed investment: its sums
in the audit export's totals workbook, and the export still verifies."""

from __future__ import annotations

from typing import Any

from openpyxl import load_workbook

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from tests.conftest import run_cli

PROJECT: dict[str, Any] = {
    "name": "合肥量子计算机整机制造基地项目", "owner_name": "安徽量子科技有限公司", "sector": "quantum",
    "direction": "quantum_computing", "stage": "building", "start_date": "2024-03-18", "total_investment": 250000,
    "investment": [{"year": 2024, "planned": 30000, "completed": 28000},
                   {"year": 2025, "planned": 60000, "completed": 52000.25}],
    "funding": [{"source": "central_budget", "amount": 8000},
                {"source": "industry_fund", "fund_name": "安徽省未来产业基金", "amount": 50000},
                {"source": "bank_loan", "fund_name": "中国工商银行安徽省分行", "amount": 80000.5}],
}


def test_project_totals_by_year_and_source_are_in_the_export(office, tmp_path):
    service = RecordService(office, default_checker(office.paths.root))
    service.add("project", PROJECT, final=True)
    # A second project, and a draft that must not count.
    service.add("project", {**PROJECT, "name": "低空飞行器总装项目", "total_investment": 30000,
                            "investment": [{"year": 2025, "completed": 7000}],
                            "funding": [{"source": "central_budget", "amount": 2000}]}, final=True)
    service.add("project", {**PROJECT, "name": "储备项目", "funding": [{"source": "special_bonds", "amount": 99}]}, final=False)
    out = tmp_path / "export"
    result = run_cli(office.paths.root, "export", "--out", str(out))
    assert result.returncode == 0, result.stderr
    book = load_workbook(out / "records" / "project_totals.xlsx")
    by_year = [[c.value for c in row] for row in book["分年度投资"].iter_rows()]
    assert by_year == [["年度", "计划投资（万元）", "完成投资（万元）"], [2024, 30000, 28000],
                       [2025, 60000, 59000.25], ["合计", 90000, 87000.25]]
    by_source = [[c.value for c in row] for row in book["资金来源"].iter_rows()]
    assert by_source == [["资金来源", "金额（万元）"], ["中央预算内投资", 10000], ["产业基金", 50000],
                         ["银行贷款", 80000.5], ["合计", 140000.5]]
    summary = dict(row for row in book["重大项目汇总"].iter_rows(min_row=2, values_only=True))
    assert (summary["项目数"], summary["总投资（万元）"], summary["未定稿项目数（未计入）"]) == (2, 280000, 1)
    assert (out / "records" / "project_totals.by_source.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # The totals are covered by the signed manifest like every other file.
    verified = run_cli(office.paths.root, "verify-export", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    (out / "records" / "project_totals.xlsx").write_bytes(b"PK tampered")
    assert run_cli(office.paths.root, "verify-export", str(out)).returncode != 0
