"""``verify-export``'s check of the totals (projects, financing): added up again from the
exported records.

The records in ``records/<form>.jsonl`` are checked against the history first; here they are
added up with the same function the office used, and every totals file must say exactly that —
the CSVs byte for byte, the workbook cell by cell.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from desktop.services.exchange.history_check import jsonl
from desktop.services.exchange.report import VerifyReport
from desktop.services.exchange.totals import KINDS, TotalsKind, csv_bytes
from desktop.services.exchange.xlsx_read import Workbook, XCell, XlsxError
from forms.registry import Registry


def check_totals(folder: Path, manifest: dict[str, Any], registry: Registry, report: VerifyReport) -> set[str]:
    """Compare every kind of totals files with the exported records; returns the files checked."""
    checked: set[str] = set()
    for kind in KINDS:
        checked |= _check_kind(folder, manifest, registry, kind, report)
    return checked


def _check_kind(folder: Path, manifest: dict[str, Any], registry: Registry, kind: TotalsKind,
                report: VerifyReport) -> set[str]:
    listed = manifest.get("files") or {}
    names = kind.files()
    present = {n for n in names if n in listed}
    if not present:
        return set()
    rows = [row for _, row in jsonl(folder, f"records/{kind.form_id}.jsonl", report)]
    expected = kind.tables(kind.add_up(registry, rows))
    zh, en = kind.what
    for (title, table), name in zip(expected.items(), kind.csv_names, strict=True):
        rel = kind.csv_name(name)
        try:
            same = (folder / rel).read_bytes() == csv_bytes(table)
        except OSError:
            same = False
        if not same:
            report.add(rel, f"{zh}汇总表“{title}”与导出的{zh}记录合计不符", f"{en} totals '{title}' differ from the exported {en}")
    _check_workbook(folder, kind, expected, report)
    return present | set(names)


def _check_workbook(folder: Path, kind: TotalsKind, expected: dict[str, list[list[Any]]], report: VerifyReport) -> None:
    workbook = kind.workbook
    try:
        book = Workbook(str(folder / workbook))
    except XlsxError as exc:
        report.add(workbook, f"工作簿无法读取：{exc}", f"workbook cannot be read: {exc}")
        return
    try:
        _compare_sheets(book, kind, expected, report)
    except XlsxError as exc:
        report.add(workbook, f"工作簿无法读取：{exc}", f"workbook cannot be read: {exc}")
    finally:
        book.close()


def _compare_sheets(book: Workbook, kind: TotalsKind, expected: dict[str, list[list[Any]]], report: VerifyReport) -> None:
    zh, en = kind.what
    for name in sorted(set(book.sheets) - set(expected)):
        report.add(f"{kind.workbook}[{name}]", "多出的工作表", "unexpected sheet")
    for title, table in expected.items():
        found = [[cells.get(c) for c in range(len(table[0]))] for _, cells in book.rows(title)] if title in book.sheets else []
        if len(found) != len(table) or not all(_same(e, f) for want, got in zip(table, found, strict=True)
                                               for e, f in zip(want, got, strict=True)):
            report.add(f"{kind.workbook}[{title}]", f"{zh}汇总工作表与导出的{zh}记录合计不符",
                       f"{en} totals sheet differs from the exported {en}")


def _same(expected: Any, cell: XCell | None) -> bool:
    if cell is None or cell.formula:
        return False
    if isinstance(expected, int | float):
        try:
            return cell.kind == "n" and math.isclose(float(cell.text), float(expected), rel_tol=0, abs_tol=1e-9)
        except ValueError:
            return False
    return cell.kind == "s" and cell.text == str(expected)
