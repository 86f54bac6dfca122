"""Annual reports in an office: through the command line, progress by year, and the yearly sheet.

An enterprise with reports for 2024 and 2025; progress for 2025 takes only the 2025 figure;
a second 2025 report for the enterprise is refused, from the command line and from a sheet.
The template of the annual report imports an office's yearly sheet of all its enterprises
in one go, each report linked to its enterprise record by credit code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from tests.conftest import run_cli
from tests.office.conftest import enterprise


def report(firm: dict[str, Any], year: int, future: float, **extra: Any) -> dict[str, Any]:
    return {"enterprise_name": firm["name"], "credit_code": firm["credit_code"], "year": year,
            "sector": firm["sector"], "direction": firm["direction"], "revenue": future * 2,
            "future_revenue": future, "employees": 100, "rd_staff": 30, **extra}


def add(root: Path, form_id: str, data: dict[str, Any]):
    return run_cli(root, "record", "add", "--form", form_id, "--file", "-", "--final",
                   input=json.dumps(data, ensure_ascii=False))


def stored(service: RecordService, form_id: str) -> list[tuple[str, dict[str, Any]]]:
    rows = service.db.query(
        "SELECT r.record_id, v.data FROM records r JOIN versions v ON v.version_id = r.current_version_id "
        "WHERE r.form_id = ? ORDER BY r.rowid", [form_id])
    return [(r["record_id"], json.loads(r["data"])) for r in rows]


def progress(root: Path, year: str) -> dict[str, Any]:
    result = run_cli(root, "progress", "--json", "--as-of", "2026-11-26", "--year", year)
    assert result.returncode == 0, result.stderr
    return {t["code"]: t for t in json.loads(result.stdout)["targets"]}


def test_reports_of_two_years_side_by_side_progress_takes_one_and_a_second_2025_is_refused(office):
    root = office.paths.root
    firm = enterprise(1, output=50000, output_year=2025)
    service = RecordService(office, default_checker(root))
    service.add("enterprise", firm, final=True)
    for year, amount in ((2024, 8000), (2025, 12000)):
        result = add(root, "annual_report", report(firm, year, amount))
        assert result.returncode == 0, result.stderr
    again = add(root, "annual_report", report(firm, 2025, 13000))
    assert again.returncode != 0
    assert "报告年度：该企业这一年度的数据已经填报过" in again.stderr
    assert "安徽量子科技有限公司1（2025年度）" in again.stderr
    assert len(stored(service, "annual_report")) == 2
    # 2025: the 2025 report (1.2 亿元), not the 2024 one and not the record's own 5 亿元.
    total = progress(root, "2025")["output_total"]
    assert (total["value"], total["counted"]) == (1.2, 1)
    assert total["excluded"] == {"not_final": 0, "inconsistent": 0, "outside_window": 1, "duplicate": 1}
    assert progress(root, "2024")["output_total"]["value"] == 0.8


def test_a_yearly_sheet_of_all_enterprises_imports_in_one_go_linked_by_credit_code(office, tmp_path):
    root = office.paths.root
    service = RecordService(office, default_checker(root))
    firms = [enterprise(i) for i in range(1, 4)]
    ids = [service.add("enterprise", firm, final=True).record_id for firm in firms]
    template = tmp_path / "年报模板.xlsx"
    assert run_cli(root, "template", "annual_report", "--out", str(template)).returncode == 0

    def sheet(rows: list[dict[str, Any]], name: str) -> Path:
        book = load_workbook(template)
        ws = book["企业年度数据"]
        headers = [c.value for c in ws[1]]
        ws.delete_rows(2, ws.max_row)  # the example row
        for data in rows:
            ws.append([data.get(_field(h), None) for h in headers])
        path = tmp_path / name
        book.save(path)
        return path

    yearly = [report(firm, 2025, 1000 * (i + 1)) for i, firm in enumerate(firms)]
    yearly[1]["credit_code"] = yearly[1]["credit_code"].lower()  # typed as it came
    result = run_cli(root, "import", str(sheet(yearly, "2025.xlsx")), "--final")
    assert result.returncode == 0, result.stdout + result.stderr
    reports = stored(service, "annual_report")
    assert [(d["credit_code"], d["year"], d["enterprise"]) for _, d in reports] == [
        (firm["credit_code"], 2025, record_id) for firm, record_id in zip(firms, ids, strict=True)
    ]
    assert progress(root, "2025")["output_total"]["value"] == 0.6

    # The same enterprise and year again: refused against the store, and twice in one sheet.
    result = run_cli(root, "import", str(sheet([report(firms[0], 2025, 5)], "again.xlsx")), "--final")
    assert result.returncode != 0 and len(stored(service, "annual_report")) == 3
    twice = [report(firms[0], 2024, 5), report(firms[0], 2024, 6)]
    result = run_cli(root, "import", str(sheet(twice, "twice.xlsx")), "--final")
    assert result.returncode != 0 and len(stored(service, "annual_report")) == 3
    errors = load_workbook(tmp_path / "twice.错误报告.xlsx")["企业年度数据"]
    assert any("与本表第 2 行重复" in str(c.value) for row in errors.iter_rows() for c in row)


_HEADERS = {"企业名称": "enterprise_name", "统一社会信用代码": "credit_code", "报告年度": "year",
            "所属领域": "sector", "细分方向": "direction", "营业收入（万元）": "revenue",
            "未来产业营业收入（万元）": "future_revenue", "从业人员（人）": "employees",
            "研发人员（人）": "rd_staff"}
def _field(header: Any) -> Any:
    return _HEADERS.get(str(header))
