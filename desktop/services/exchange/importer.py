"""Excel import of an office's existing lists, in the layout the export writes.

Every row is read into a record and validated by the forms engine against this office's
records and the other rows. By default nothing is saved unless every row is clean; the
report is the workbook back with an "错误" column naming each problem. ``partial=True``
saves the clean rows and reports the rest.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from desktop.errors import InvalidInput
from desktop.services.exchange.tables import (
    ITEM_NO,
    META_HEADERS,
    RECORD_ID,
    CellError,
    Sheet,
    header,
    parse_cell,
    sheets_of,
)
from desktop.services.exchange.template import LISTS_SHEET
from desktop.services.records import RecordService
from forms.model import Field, FormDefinition
from forms.registry import Registry

ERRORS_HEADER = "错误"
MAX_ROWS = 200_000


@dataclass
class RowProblem:
    sheet: str
    row: int  # the spreadsheet's row number (1 is the header)
    column: str
    message: str  # Chinese, as the error report shows it
    message_en: str = ""

    def text(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" and self.message_en else self.message


@dataclass
class ImportProgress:
    step: str  # reading | checking | saving | done
    done: int
    total: int
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    report: Path | None = None


@dataclass
class _Row:
    sheet: Sheet
    number: int
    key: str
    data: dict[str, Any]
    raw: list[Any]
    problems: list[RowProblem] = field(default_factory=list)


def import_workbook(service: RecordService, registry: Registry, path: Path, *, partial: bool = False,
                    final: bool = False, report_path: Path | None = None) -> Iterator[ImportProgress]:
    """Import ``path``; yields progress, the last item (step "done") holds the outcome."""
    book = _open(path)
    layouts = {s.name: s for form in registry.forms() for s in sheets_of(form)}
    rows: list[_Row] = []
    sheet_problems: list[RowProblem] = []
    for ws in book.worksheets:
        sheet = layouts.get(ws.title)
        if sheet is None:
            if ws.title != LISTS_SHEET:
                sheet_problems.append(RowProblem(ws.title, 0, "", "工作表名称不是任何表单，未导入", "the sheet's name is not a form; not imported"))
            continue
        sheet_rows, header_problems = _read_sheet(ws, sheet)
        rows.extend(sheet_rows)
        sheet_problems.extend(header_problems)
        yield ImportProgress("reading", len(rows), 0)
    mains = [r for r in rows if r.sheet.group is None]
    _attach_groups(mains, [r for r in rows if r.sheet.group is not None])
    _check_unique_in_file(mains)
    checked = []
    for n, row in enumerate(mains, start=1):
        result, blocking = service.check(row.sheet.form.id, row.data, final=final)
        row.problems.extend(_problems(row, p) for p in blocking)
        if not row.problems:
            checked.append(result)
        if n % 200 == 0:
            yield ImportProgress("checking", n, len(mains))
    problems = sheet_problems + [p for r in rows for p in r.problems]
    imported = 0
    if checked and (partial or not problems):
        yield ImportProgress("saving", len(mains), len(mains))
        imported = len(service.add_checked(checked, final=final))
    report = None
    if problems:
        report = report_path or path.with_name(path.stem + ".错误报告.xlsx")
        _write_report(book, problems, report)
    yield ImportProgress("done", len(mains), len(mains), imported, problems, report)


def _open(path: Path) -> Workbook:
    try:
        return load_workbook(path, read_only=False, data_only=True)
    except FileNotFoundError:
        raise InvalidInput(f"找不到文件 {path}。", f"No such file: {path}.") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput(
            f"{path.name} 不是可读取的 Excel 文件（.xlsx）：{exc}",
            f"{path.name} is not a readable Excel (.xlsx) file: {exc}",
        ) from None


def _columns(headers: list[Any], sheet: Sheet) -> tuple[dict[int, Field], list[RowProblem]]:
    by_text: dict[str, Field] = {}
    for f in sheet.fields:
        for text in (header(f), header(f, "en"), f.label("zh"), f.label("en"), f.id):
            by_text.setdefault(text, f)
    columns, problems = {}, []
    for i, text in enumerate(headers):
        text = str(text).strip() if text is not None else ""
        if not text or text in META_HEADERS or text in (ITEM_NO, ERRORS_HEADER):
            continue
        if text in by_text:
            columns[i] = by_text[text]
        else:
            problems.append(RowProblem(sheet.name, 1, text, "无法识别的列，请使用模板中的列名", "unknown column; use the template's column names"))
    return columns, problems


def _read_sheet(ws: Any, sheet: Sheet) -> tuple[list[_Row], list[RowProblem]]:
    values = ws.iter_rows(values_only=True)
    headers = list(next(values, []) or [])
    columns, header_problems = _columns(headers, sheet)
    key_col = headers.index(RECORD_ID) if RECORD_ID in headers else None
    rows = []
    for number, raw in enumerate(values, start=2):
        if number > MAX_ROWS:
            raise InvalidInput(f"工作表“{sheet.name}”超过 {MAX_ROWS} 行。", f"Sheet '{sheet.name}' has more than {MAX_ROWS} rows.")
        raw = list(raw)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        key = str(raw[key_col]).strip() if key_col is not None and key_col < len(raw) and raw[key_col] is not None else f"#{number}"
        row = _Row(sheet, number, key, {}, raw)
        for i, f in columns.items():
            if i >= len(raw):
                continue
            try:
                value = parse_cell(sheet.form, f, raw[i], row.data)
            except CellError as exc:
                row.problems.append(RowProblem(sheet.name, number, header(f), exc.message_zh, exc.message_en))
                continue
            if value is not None:
                row.data[f.id] = value
        rows.append(row)
    return rows, header_problems


def _attach_groups(mains: list[_Row], items: list[_Row]) -> None:
    by_key = {(r.sheet.form.id, r.key): r for r in mains}
    for item in items:
        owner = by_key.get((item.sheet.form.id, item.key))
        if owner is None:
            item.problems.append(RowProblem(item.sheet.name, item.number, RECORD_ID, f"主表中没有记录编号“{item.key}”", f"no record '{item.key}' in the main sheet"))
            continue
        assert item.sheet.group is not None
        owner.data.setdefault(item.sheet.group.id, []).append(item.data)
        # A problem in an item makes its record fail too, so it is not saved half.
        if item.problems:
            owner.problems.append(RowProblem(owner.sheet.name, owner.number, item.sheet.group.label("zh"), f"明细表“{item.sheet.name}”第 {item.number} 行有错误", f"row {item.number} of sheet '{item.sheet.name}' has errors"))


def _check_unique_in_file(mains: list[_Row]) -> None:
    seen: dict[tuple[str, str, Any], int] = {}
    for row in mains:
        for f in row.sheet.fields:
            value = row.data.get(f.id)
            if not f.unique or value is None:
                continue
            key = (row.sheet.form.id, f.id, value)
            if key in seen:
                row.problems.append(RowProblem(row.sheet.name, row.number, header(f), f"与本表第 {seen[key]} 行重复", f"repeats row {seen[key]} of this sheet"))
            else:
                seen[key] = row.number


def _problems(row: _Row, problem: dict[str, Any]) -> RowProblem:
    path = str(problem.get("path") or "")
    top = path.split("[")[0].split(".")[0]
    form: FormDefinition = row.sheet.form
    column = header(form.field(top)) if top and form.has_field(top) else path
    return RowProblem(row.sheet.name, row.number, column, str(problem.get("message_zh", "")), str(problem.get("message_en", "")))


def _write_report(book: Workbook, problems: list[RowProblem], target: Path) -> None:
    """The workbook back, each sheet with an "错误" column saying what is wrong in that row."""
    by_cell: dict[tuple[str, int], list[str]] = {}
    for p in problems:
        by_cell.setdefault((p.sheet, p.row), []).append(f"{p.column}：{p.message}" if p.column else p.message)
    red = PatternFill("solid", fgColor="FFC7CE")
    for ws in book.worksheets:
        col = ws.max_column + 1
        if ws.cell(row=1, column=ws.max_column).value == ERRORS_HEADER:
            col = ws.max_column
        ws.cell(row=1, column=col, value=ERRORS_HEADER).font = Font(bold=True, color="9C0006")
        for r in range(1 if (ws.title, 1) in by_cell else 2, ws.max_row + 1):
            if r == 1:
                ws.cell(row=1, column=col, value=ERRORS_HEADER + "：" + "；".join(by_cell[(ws.title, 1)]))
                continue
            messages = by_cell.get((ws.title, r))
            target_cell = ws.cell(row=r, column=col, value="；".join(messages) if messages else None)
            if messages:
                target_cell.fill = red
    book.save(target)
