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
    # The totals are covered by the signed manifest and added up again by verify-export
    # (status 3: consistent, but this office never enrolled, so nothing anchors it).
    verified = run_cli(office.paths.root, "verify-export", str(out))
    assert verified.returncode == 3 and verified.stdout.startswith("核验通过"), verified.stdout + verified.stderr
    (out / "records" / "project_totals.xlsx").write_bytes(b"PK tampered")
    assert run_cli(office.paths.root, "verify-export", str(out)).returncode != 0


def test_verify_adds_the_exported_projects_up_again(office, tmp_path):
    """A totals table that does not match the exported projects is named, even when the
    manifest's hashes were made to fit (what the signature alone would not catch if the
    office itself wrote wrong sums)."""
    import json

    from desktop.services.exchange.report import VerifyReport
    from desktop.services.exchange.totals_check import check_totals

    service = RecordService(office, default_checker(office.paths.root))
    service.add("project", PROJECT, final=True)
    out = tmp_path / "export"
    assert run_cli(office.paths.root, "export", "--out", str(out)).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    registry = default_checker(office.paths.root).registry
    clean = VerifyReport()
    assert check_totals(out, manifest, registry, clean) >= {"records/project_totals.xlsx"}
    assert clean.problems == []
    by_source = out / "records" / "project_totals.by_source.csv"
    by_source.write_bytes(by_source.read_bytes().replace(b"80000.5", b"90000.5"))
    forged = VerifyReport()
    check_totals(out, manifest, registry, forged)
    assert [p for p in forged.problems if "资金来源" in str(p)], forged.problems
    # An export narrowed by --since holds only some projects: it carries no totals.
    since = tmp_path / "since"
    assert run_cli(office.paths.root, "export", "--out", str(since), "--since", "2000-01-01").returncode == 0
    assert not (since / "records" / "project_totals.xlsx").exists()
