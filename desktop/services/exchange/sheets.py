"""Record tables streamed to one XLSX workbook and one CSV per sheet, row by row.

XlsxWriter's constant-memory mode flushes each row as the next one starts, so a workbook of
100,000 records costs no more memory than one of ten. Every cell is written with an explicit
type (``write_string``, ``write_number``, ``write_datetime``): nothing a record holds can
become a formula, a hyperlink, or a number Excel shows as 9.13E+17.
"""

from __future__ import annotations

import contextlib
import csv
import io

from desktop.services.exchange.files import ExportFolder, HashedFile
from desktop.services.exchange.tables import RECORD_ID, Cell, Sheet, csv_text, xlsx_value
from forms.spreadsheet import formula_safe

BOM = b"\xef\xbb\xbf"
MIN_WIDTH, MAX_WIDTH = 8, 60
FLUSH_ROWS = 500
TEXT_TYPES = ("code", "text", "textarea", "record_ref")  # identifiers stay text when edited


def display_width(text: str) -> int:
    # A CJK character is three UTF-8 bytes and two columns wide, an ASCII one one and one:
    # (characters + bytes) / 2 gets both right without a per-character table.
    return (len(text) + len(text.encode("utf-8"))) // 2


class Workbook:
    """The export's workbook (``records/records.xlsx``) and the CSV files beside it."""

    def __init__(self, folder: ExportFolder, rel: str) -> None:
        import xlsxwriter  # only exports need it; keeps the app's start light

        self.folder, self.rel = folder, rel
        path = folder.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self.book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "tmpdir": str(folder.root),
            "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
        })
        self.formats = {
            "header": self.book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1}),
            "date": self.book.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "text": self.book.add_format({"num_format": "@"}),
        }
        self.sheets: list[SheetWriter] = []

    def add_sheet(self, sheet: Sheet, csv_rel: str) -> SheetWriter:
        writer = SheetWriter(self, sheet, self.folder.open(csv_rel), csv_rel)
        self.sheets.append(writer)
        return writer

    def close(self) -> None:
        """Finish every sheet and CSV, write the workbook and record all their hashes."""
        for sheet in self.sheets:
            sheet.close()
        self.book.close()
        self.folder.add_existing(self.rel)

    def abandon(self) -> None:
        """Close the workbook after a failure or cancel (the folder is removed anyway)."""
        # Already failing or cancelled; the staging folder is discarded either way.
        with contextlib.suppress(Exception):
            self.book.close()


class SheetWriter:
    """One sheet: its XLSX worksheet and its CSV, with column widths fitted as rows go by."""

    def __init__(self, book: Workbook, sheet: Sheet, csv_file: HashedFile, csv_rel: str) -> None:
        self.book, self.sheet, self.csv, self.csv_rel = book, sheet, csv_file, csv_rel
        self.ws = book.book.add_worksheet(sheet.name)
        self.rows = 0
        self.widths = [display_width(h) + 2 for h in sheet.headers]
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._pending = 0
        csv_file.write(BOM)  # Excel on Chinese Windows then reads UTF-8, not GBK
        header = book.formats["header"]
        for col, text in enumerate(sheet.headers):
            self.ws.write_string(0, col, text, header)
        self._csv.writerow(sheet.headers)
        self.rows = 1

    def append(self, cells: list[Cell]) -> None:
        """Write one row to the worksheet and the CSV.

        The same values as :func:`xlsx_value` and :func:`csv_text` give, worked out once per
        cell for both files: text, the commonest cell, is made formula-safe once.
        """
        ws, row, formats, widths = self.ws, self.rows, self.book.formats, self.widths
        texts: list[str] = []
        for col, value in enumerate(cells):
            if value is None:
                texts.append("")
                continue
            if type(value) is str:
                kind, shown = "string", formula_safe(value)
            else:
                kind, shown = xlsx_value(value)
            if kind == "string":
                ws.write_string(row, col, shown)
                if len(shown) * 2 > widths[col] - 2:
                    widths[col] = max(widths[col], display_width(shown) + 2)
            elif kind == "number":
                ws.write_number(row, col, shown)
            else:
                ws.write_datetime(row, col, shown, formats[kind])
                widths[col] = max(widths[col], 21 if kind == "datetime" else 12)
            texts.append(shown if type(value) is str else csv_text(value))
        self._csv.writerow(texts)
        self.rows += 1
        self._pending += 1
        if self._pending >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        self.csv.write(self._text.getvalue().encode("utf-8"))
        self._text.seek(0)
        self._text.truncate()
        self._pending = 0

    def close(self) -> None:
        self._flush()
        self.book.folder.finish(self.csv_rel)
        ws, text = self.ws, self.book.formats["text"]
        lead = 2 if self.sheet.group is not None else 3
        for col, width in enumerate(self.widths):
            f = self.sheet.fields[col - lead] if col >= lead else None
            as_text = (f is not None and f.type in TEXT_TYPES) or self.sheet.headers[col] == RECORD_ID
            ws.set_column(col, col, max(MIN_WIDTH, min(MAX_WIDTH, width)), text if as_text else None)
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, max(0, self.rows - 1), len(self.sheet.headers) - 1)


def sheet_csv_name(form_id: str, sheet: Sheet) -> str:
    """Where a sheet's CSV goes: ``records/<form>.csv`` or ``records/<form>.<group>.csv``."""
    return f"records/{form_id}.csv" if sheet.group is None else f"records/{form_id}.{sheet.group.id}.csv"
