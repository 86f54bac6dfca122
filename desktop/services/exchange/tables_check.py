"""Check the CSV and XLSX tables cell by cell against the records they must show.

The expected rows come from the same code the export uses (``tables.main_row`` and
``group_rows``) applied to the verified JSON Lines records; each sheet's CSV file and its
worksheet are read in step with the records, one row at a time, so a difference is named by
file, row and column, and memory stays flat. A formula anywhere in the workbook is a problem
of its own: an export never writes one.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop.services.exchange.report import VerifyReport
from desktop.services.exchange.sheets import sheet_csv_name
from desktop.services.exchange.tables import Cell, Sheet, csv_text, xlsx_value
from desktop.services.exchange.xlsx_read import Workbook, XCell, XlsxError
from forms.spreadsheet import formula_safe

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MAX_CSV_FIELD = 1 << 24


def excel_serial(value: dt.date | dt.datetime) -> float:
    moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    delta = moment - EXCEL_EPOCH
    return delta.days + delta.seconds / 86400


def _xlsx_matches(expected: Cell, found: XCell | None) -> bool:
    if isinstance(expected, str) and found is not None and found.kind == "s":
        return found.text == formula_safe(expected)
    if expected is None:
        return found is None or (found.kind == "s" and found.text == "")
    if found is None or found.formula:
        return False
    kind, value = xlsx_value(expected)
    if kind == "string":
        return found.kind == "s" and found.text == value
    try:
        number = float(found.text)
    except ValueError:
        return False
    if found.kind != "n":
        return False
    if kind == "number":
        return number == float(value)
    return abs(number - excel_serial(value)) < 1e-6


class SheetCheck:
    """One sheet's CSV and worksheet, read in step with the expected rows."""

    def __init__(self, folder: Path, book: Workbook | None, form_id: str, sheet: Sheet, report: VerifyReport) -> None:
        self.sheet, self.report = sheet, report
        self.csv_rel = sheet_csv_name(form_id, sheet)
        self.xlsx_where = f"records/records.xlsx[{sheet.name}]"
        # A table that is missing or cannot be read is named once, not once per row: these
        # say its rows are not compared.
        self.csv_missing = not (folder / self.csv_rel).is_file()
        self.csv_lost = self.csv_missing
        self.xlsx_lost = book is None
        self.csv_rows = self._csv(folder / self.csv_rel)
        self.xlsx_rows: Iterator[tuple[int, dict[int, XCell]]] = iter(())
        if book is not None:
            try:
                self.xlsx_rows = book.rows(sheet.name)
            except XlsxError:
                report.add(self.xlsx_where, "工作簿中缺少此工作表", "sheet is missing from the workbook")
                self.xlsx_lost = True
        self.number = 0  # the row being compared, 1-based as a spreadsheet shows it
        self._pending_xlsx: tuple[int, dict[int, XCell]] | None = None
        self.compare(list(sheet.headers))

    def _csv(self, path: Path) -> Iterator[list[str]]:
        csv.field_size_limit(MAX_CSV_FIELD)
        try:
            fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
        except OSError:
            return
        with fh:
            try:
                yield from csv.reader(fh)
            except (csv.Error, UnicodeDecodeError):
                self.report.add(self.csv_rel, f"CSV 文件已损坏：第 {self.number} 行起无法读取（不是 UTF-8 文本或格式被破坏）",
                                f"the CSV file is damaged: unreadable from row {self.number} (not UTF-8 text, or its format is broken)")
                self.csv_lost = True

    def _next_xlsx(self) -> dict[int, XCell] | None:
        while True:
            if self._pending_xlsx is None:
                try:
                    self._pending_xlsx = next(self.xlsx_rows, None)
                except XlsxError:
                    self.report.add(self.xlsx_where, f"工作表已损坏：第 {self.number} 行起无法读取",
                                    f"the sheet is damaged: unreadable from row {self.number}")
                    self.xlsx_rows = iter(())
                    self.xlsx_lost = True
                if self._pending_xlsx is None:
                    return None
            number, cells = self._pending_xlsx
            if number > self.number:
                return None  # this row is absent from the sheet
            self._pending_xlsx = None
            if number == self.number:
                return cells
            self.report.add(f"{self.xlsx_where}:{number}", "行号重复或顺序错乱", "row repeated or out of order")

    def _header(self, col: int) -> str:
        headers = self.sheet.headers
        return headers[col] if col < len(headers) else f"第{col + 1}列"

    def compare(self, expected: list[Any]) -> None:
        """Compare the next row of the CSV and of the worksheet with ``expected``."""
        self.number += 1
        n = self.number
        header = n == 1
        csv_row = next(self.csv_rows, None)
        want_csv = expected if header else [csv_text(v) for v in expected]
        if csv_row is None:
            if not self.csv_lost:
                self.report.add(f"{self.csv_rel}:{n}", "缺少此行", "row is missing")
        elif csv_row != want_csv:
            for col in range(max(len(csv_row), len(want_csv))):
                got = csv_row[col] if col < len(csv_row) else ""
                want = want_csv[col] if col < len(want_csv) else ""
                if got != want:
                    self.report.add(f"{self.csv_rel}:{n}:{self._header(col)}", f"单元格与记录不符（应为“{want[:60]}”）",
                                    f"cell differs from the record (should be '{want[:60]}')")
        cells = self._next_xlsx()
        if cells is None:
            if not self.xlsx_lost:
                self.report.add(f"{self.xlsx_where}:{n}", "缺少此行", "row is missing")
            return
        for col in range(max(len(expected), max(cells, default=-1) + 1)):
            found = cells.get(col)
            want_cell = expected[col] if col < len(expected) else None
            if found is not None and found.formula:
                self.report.add(f"{self.xlsx_where}:{n}:{self._header(col)}", "单元格含公式（导出从不写公式）",
                                "cell holds a formula (an export never writes one)")
            elif not _xlsx_matches(want_cell, found):
                self.report.add(f"{self.xlsx_where}:{n}:{self._header(col)}", "单元格与记录不符", "cell differs from the record")

    def finish(self) -> None:
        """Rows left over after the last record are additions; a missing CSV file is named
        once, with the number of rows it should hold."""
        if self.csv_missing:
            rows = self.number - 1
            self.report.amend(self.csv_rel, f"文件缺失：其中应有的 {rows} 行（不含表头）无从核对",
                              f"file is missing: the {rows} rows (besides the header) it should hold cannot be checked")
        extra = next(self.csv_rows, None)
        if extra is not None:
            self.report.add(f"{self.csv_rel}:{self.number + 1}", "多出的行（没有对应的记录）", "extra row with no record behind it")
        pending = self._pending_xlsx or next(self.xlsx_rows, None)
        if pending is not None:
            self.report.add(f"{self.xlsx_where}:{pending[0]}", "多出的行（没有对应的记录）", "extra row with no record behind it")
