"""``verify-export``'s check of the project totals: added up again from the exported records.

The project records in ``records/project.jsonl`` are checked against the history first; here
they are added up with the same function the office used, and every totals file must say
exactly that — the CSVs byte for byte, the workbook cell by cell.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from desktop.services.exchange.history_check import jsonl
from desktop.services.exchange.report import VerifyReport
from desktop.services.exchange.totals import CSV_NAMES, WORKBOOK, csv_bytes, csv_name, tables
from desktop.services.exchange.xlsx_read import Workbook, XCell, XlsxError
from forms.investment import PROJECT_FORM, investment_totals
from forms.registry import Registry


def check_project_totals(folder: Path, manifest: dict[str, Any], registry: Registry, report: VerifyReport) -> set[str]:
    """Compare the totals files with the exported projects; returns the files checked."""
    listed = manifest.get("files") or {}
    names = [WORKBOOK] + [csv_name(n) for n in CSV_NAMES]
    present = {n for n in names if n in listed}
    if not present:
        return set()
    rows = [row for _, row in jsonl(folder, f"records/{PROJECT_FORM}.jsonl", report)]
    expected = tables(investment_totals(registry, rows))
    for (title, table), name in zip(expected.items(), CSV_NAMES, strict=True):
        rel = csv_name(name)
        try:
            same = (folder / rel).read_bytes() == csv_bytes(table)
        except OSError:
            same = False
        if not same:
            report.add(rel, f"项目汇总表“{title}”与导出的项目记录合计不符", f"project totals '{title}' differ from the exported projects")
    _check_workbook(folder, expected, report)
    return present | set(names)


def _check_workbook(folder: Path, expected: dict[str, list[list[Any]]], report: VerifyReport) -> None:
    try:
        book = Workbook(str(folder / WORKBOOK))
    except XlsxError as exc:
        report.add(WORKBOOK, f"工作簿无法读取：{exc}", f"workbook cannot be read: {exc}")
        return
    try:
        _compare_sheets(book, expected, report)
    except XlsxError as exc:
        report.add(WORKBOOK, f"工作簿无法读取：{exc}", f"workbook cannot be read: {exc}")
    finally:
        book.close()


def _compare_sheets(book: Workbook, expected: dict[str, list[list[Any]]], report: VerifyReport) -> None:
    for name in sorted(set(book.sheets) - set(expected)):
        report.add(f"{WORKBOOK}[{name}]", "多出的工作表", "unexpected sheet")
    for title, table in expected.items():
        found = [[cells.get(c) for c in range(len(table[0]))] for _, cells in book.rows(title)] if title in book.sheets else []
        if len(found) != len(table) or not all(_same(e, f) for want, got in zip(table, found, strict=True)
                                               for e, f in zip(want, got, strict=True)):
            report.add(f"{WORKBOOK}[{title}]", "项目汇总工作表与导出的项目记录合计不符", "project totals sheet differs from the exported projects")


def _same(expected: Any, cell: XCell | None) -> bool:
    if cell is None or cell.formula:
        return False
    if isinstance(expected, int | float):
        try:
            return cell.kind == "n" and math.isclose(float(cell.text), float(expected), rel_tol=0, abs_tol=1e-9)
        except ValueError:
            return False
    return cell.kind == "s" and cell.text == str(expected)
