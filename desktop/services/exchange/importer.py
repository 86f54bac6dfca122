"""Excel import of an office's existing lists, in the layout the export writes.

Every row is read into a record and validated by the forms engine against this office's
records and the other rows. By default nothing is saved unless every row is clean; the
report is the workbook back with an "错误" column naming each problem. ``partial=True``
saves the clean rows and reports the rest. The file itself is read by ``workbook``, which
opens only .xlsx and streams it within limits; formula cells and error values are never
imported as data, they are problems the clerk resolves in the sheet.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

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
from desktop.services.exchange.template import LISTS_SHEET, is_example
from desktop.services.exchange.workbook import SheetRow, WorkbookReader, open_workbook
from desktop.services.lookup import StoreLookup, absent_keys
from desktop.services.records import RecordService
from forms.model import Field, FormDefinition
from forms.registry import Registry

ERRORS_HEADER = "错误"
# Rows saved per transaction. The indexes of random keys (duplicate keys, titles) take a
# chunk's rows on pages all over the file, and every page a chunk changes is encrypted,
# logged and later copied back: a bigger chunk changes each page once for more rows.
# Importing 100,000 rows into a new office, saving took 26 s in chunks of 1,000 and 22 s
# in chunks of 5,000, which hold the writer for about a second each at that size.
SAVE_CHUNK = 5000
CHECK_CHUNK = 500


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
    problems: list[RowProblem] = field(default_factory=list)


def import_workbook(service: RecordService, registry: Registry, path: Path, *, partial: bool = False,
                    final: bool = False, report_path: Path | None = None) -> Iterator[ImportProgress]:
    """Import ``path``; yields progress, the last item (step "done") holds the outcome."""
    path = Path(path)
    layouts = {s.name: s for form in registry.forms() for s in sheets_of(form)}
    rows: list[_Row] = []
    sheet_problems: list[RowProblem] = []
    with open_workbook(path) as reader:
        for name in reader.sheet_names:
            sheet = layouts.get(name)
            if sheet is None:
                if name != LISTS_SHEET:
                    sheet_problems.append(RowProblem(name, 0, "", "工作表名称不是任何表单，未导入", "the sheet's name is not a form; not imported"))
                continue
            sheet_rows, header_problems = _read_sheet(reader, sheet)
            rows.extend(sheet_rows)
            sheet_problems.extend(header_problems)
            yield ImportProgress("reading", len(rows), 0)
    mains = [r for r in rows if r.sheet.group is None]
    _attach_groups(mains, [r for r in rows if r.sheet.group is not None])
    _check_unique_in_file(mains)
    _check_keys_in_file(registry, mains)
    _link_references(service, registry, mains)
    checked = []
    try:
        for start in range(0, len(mains), CHECK_CHUNK):
            chunk = mains[start : start + CHECK_CHUNK]
            # The store is asked once for the chunk's keys; only those some record holds are
            # looked up again, row by row, as the duplicates they may be.
            service.checker.absent = _absent_keys(service, chunk)
            for n, row in enumerate(chunk, start=start + 1):
                # Only what blocks a row is reported, so the similar-name search (it only ever
                # warns) is left out; every check that can refuse a row runs.
                result, blocking = service.check(row.sheet.form.id, row.data, final=final, warnings=False)
                row.problems.extend(_problems(row, p) for p in blocking)
                if not row.problems:
                    checked.append(result)
                if n % 200 == 0:
                    yield ImportProgress("checking", n, len(mains))
    finally:
        service.checker.absent = ()
    problems = sheet_problems + [p for r in rows for p in r.problems]
    imported = 0
    if checked and (partial or not problems):
        # Every row was checked before any is saved; saving goes a chunk per transaction,
        # so the store's write lock is never held for long and progress can be shown. The
        # next chunk is prepared while the writer saves this one (``new_records``); no
        # save is under way when progress is yielded.
        chunks = [checked[start : start + SAVE_CHUNK] for start in range(0, len(checked), SAVE_CHUNK)]
        ready = service.prepare_new(chunks[0], final=final)
        for n in range(len(chunks)):
            yield ImportProgress("saving", imported, len(checked), imported)
            saving = service.office.write_later(service.add_prepared_job(ready))
            try:
                if n + 1 < len(chunks):
                    ready = service.prepare_new(chunks[n + 1], final=final)
            finally:
                # Whatever happens here, the import returns only once its save has ended.
                imported += len(saving.result())
    report = None
    if problems:
        report = report_path or default_report_path(path)
        _write_report(path, problems, report)
    yield ImportProgress("done", len(mains), len(mains), imported, problems, report)


def default_report_path(source: Path) -> Path:
    """Where the error report of ``source`` goes unless the clerk names a file: beside it, or,
    when that folder is part of an audit export (whose files are signed: one more file and the
    export no longer verifies) or cannot be written, in the user's documents folder."""
    name = source.stem + ".错误报告.xlsx"
    folder = source.parent
    in_export = any((f / "manifest.json").is_file() for f in (folder, folder.parent))
    if not in_export and os.access(folder, os.W_OK):
        return folder / name
    import platformdirs  # only when a report goes elsewhere

    documents = Path(platformdirs.user_documents_dir())
    documents.mkdir(parents=True, exist_ok=True)
    return documents / name


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


def _read_sheet(reader: WorkbookReader, sheet: Sheet) -> tuple[list[_Row], list[RowProblem]]:
    source = reader.rows(sheet.name)
    first = next(source, None)
    headers = list(first.values) if first else []
    columns, header_problems = _columns(headers, sheet)
    key_col = headers.index(RECORD_ID) if RECORD_ID in headers else None
    rows = []
    for number, line in enumerate(source, start=2):
        raw = line.values
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        if key_col is not None and key_col < len(raw) and is_example(raw[key_col]):
            continue  # the template's example row, marked as such: never imported
        row = _Row(sheet, number, f"#{number}", {})
        if key_col is not None and key_col < len(raw) and raw[key_col] is not None:
            if _flagged(row, line, key_col, RECORD_ID):
                row.key = f"#{number}"
            else:
                row.key = str(raw[key_col]).strip()
        for i, f in columns.items():
            if i >= len(raw) or raw[i] is None:
                continue  # an empty cell holds neither a formula nor an error value
            if (i in line.formulas or i in line.errors) and _flagged(row, line, i, header(f)):
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


def _flagged(row: _Row, line: SheetRow, col: int, column: str) -> bool:
    """Note a formula or an error value in ``col`` as the row's problem; True if there is one."""
    value = str(line.values[col])
    shown = value if len(value) <= 50 else value[:50] + "…"
    if col in line.formulas:
        row.problems.append(RowProblem(
            row.sheet.name, row.number, column,
            f"单元格是公式（{shown}），导入不计算公式：请改为直接填写数值或文字",
            f"the cell holds a formula ({shown}); imports do not calculate formulas: enter the value itself"))
        return True
    if col in line.errors:
        row.problems.append(RowProblem(
            row.sheet.name, row.number, column,
            f"单元格显示错误值 {shown}，请先在表格中改正", f"the cell shows the error value {shown}; correct it in the sheet first"))
        return True
    return False


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
            # A "warning" duplicate (the same standard number twice) is saved with a warning, so
            # an export holding two of them must import too.
            if f.unique != "error" or value is None:
                continue
            key = (row.sheet.form.id, f.id, value)
            if key in seen:
                row.problems.append(RowProblem(row.sheet.name, row.number, header(f), f"与本表第 {seen[key]} 行重复", f"repeats row {seen[key]} of this sheet"))
            else:
                seen[key] = row.number


def _check_keys_in_file(registry: Registry, mains: list[_Row]) -> None:
    """Two rows of one record by the form's de-duplication key (one enterprise's report for
    one year twice) are refused, as the store refuses the second."""
    seen: dict[tuple[str, str], int] = {}
    for row in mains:
        form = row.sheet.form
        if form.unique_key != "error":
            continue
        key = registry.duplicate_key(form.id, _normalised(form, row.data, form.key_fields()))
        if key is None:
            continue
        if (form.id, key) in seen:
            column = header(form.field(form.key_fields()[-1]))
            row.problems.append(RowProblem(row.sheet.name, row.number, column, f"与本表第 {seen[form.id, key]} 行重复", f"repeats row {seen[form.id, key]} of this sheet"))
        else:
            seen[form.id, key] = row.number


def _normalised(form: FormDefinition, data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    # Cells are read but not yet normalised: the engine's value is what a key is made of.
    return form.validate({n: data[n] for n in names if n in data}).data


def _link_references(service: RecordService, registry: Registry, mains: list[_Row]) -> None:
    """Fill an empty record reference from the row itself: an annual report's enterprise is
    the enterprise record whose key (credit code) the row carries, so a yearly sheet of all
    enterprises links each report without record ids."""
    lookup = StoreLookup(service.db)
    for row in mains:
        form = row.sheet.form
        for f in form.fields:
            if f.type != "record_ref" or not f.ref_form or row.data.get(f.id) is not None:
                continue
            fields = registry.duplicate_key_fields(f.ref_form)
            if len(fields) != 1 or not form.has_field(fields[0]) or row.data.get(fields[0]) is None:
                continue
            value = _normalised(form, row.data, fields).get(fields[0])
            hits = lookup(f.ref_form, fields[0], value) if value is not None else []
            if len(hits) == 1:
                row.data[f.id] = hits[0][0]


def _absent_keys(service: RecordService, rows: list[_Row]) -> set[tuple[str, str, str]]:
    """The exact keys of ``rows`` that no record holds (``lookup.absent_keys``), for the
    fields the engine looks records up by: unique fields and a de-duplication key's fields.

    Cells are not yet normalised here; a value the engine normalises to another key is
    simply looked up as usual.
    """
    looked_up: dict[str, list[str]] = {}
    wanted: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        form = row.sheet.form
        names = looked_up.get(form.id)
        if names is None:
            names = looked_up[form.id] = list(dict.fromkeys(
                [f.id for f in form.fields if f.unique] + (list(form.key_fields()) if form.unique_key else [])))
        for name in names:
            value = row.data.get(name)
            if value is not None:
                wanted.setdefault((form.id, name), []).append(value)
    absent: set[tuple[str, str, str]] = set()
    for (form_id, name), values in wanted.items():
        absent |= absent_keys(service.db, form_id, name, values)
    return absent


def _problems(row: _Row, problem: dict[str, Any]) -> RowProblem:
    path = str(problem.get("path") or "")
    top = path.split("[")[0].split(".")[0]
    form: FormDefinition = row.sheet.form
    if not (top and form.has_field(top)):
        return RowProblem(row.sheet.name, row.number, path, str(problem.get("message_zh", "")), str(problem.get("message_en", "")))
    f = form.field(top)
    # The column is named beside the message, so the message need not begin with it again.
    zh, en = str(problem.get("message_zh", "")), str(problem.get("message_en", ""))
    zh = zh.removeprefix(f"{f.label_zh}：")
    en = en.removeprefix(f"{f.label_en}: ")
    return RowProblem(row.sheet.name, row.number, header(f), zh, en)


def _write_report(source: Path, problems: list[RowProblem], target: Path) -> None:
    """The workbook back, each sheet with an "错误" column saying what is wrong in that row.

    Written by streaming the source again into a write-only workbook, so a report costs no
    more memory than the import did. Cell text is kept; a formula is written as its text.
    """
    by_cell: dict[tuple[str, int], list[str]] = {}
    for p in problems:
        by_cell.setdefault((p.sheet, p.row), []).append(f"{p.column}：{p.message}" if p.column else p.message)
    red = PatternFill("solid", fgColor="FFC7CE")
    book = Workbook(write_only=True)
    with open_workbook(source) as reader:
        for name in reader.sheet_names:
            ws = book.create_sheet(name)
            if name == LISTS_SHEET:
                # The template's choice lists: no record is read from it, so it comes back
                # as it was, without an "错误" column.
                for line in reader.rows(name):
                    ws.append(list(line.values))
                continue
            errors_col: int | None = None
            width = 0
            for number, line in enumerate(reader.rows(name), start=1):
                values = list(line.values)
                if number == 1:
                    # A report imported again: its old "错误" column is replaced, not kept.
                    errors_col = next((i for i, v in enumerate(values) if isinstance(v, str) and v.startswith(ERRORS_HEADER)), None)
                if errors_col is not None and errors_col < len(values):
                    del values[errors_col]
                if number == 1:
                    width = len(values)
                cells = [_text_cell(ws, v) if i in line.formulas else v for i, v in enumerate(values)]
                cells += [None] * (width - len(cells))  # the "错误" column lines up under its header
                messages = by_cell.get((name, number))
                if number == 1:
                    title = ERRORS_HEADER + ("：" + "；".join(messages) if messages else "")
                    note = WriteOnlyCell(ws, value=title)
                    note.font = Font(bold=True, color="9C0006")
                    cells.append(note)
                elif messages:
                    note = WriteOnlyCell(ws, value="；".join(messages))
                    note.fill = red
                    cells.append(note)
                else:
                    # An empty but formatted cell, so every row is as wide as the header.
                    empty = WriteOnlyCell(ws, value=None)
                    empty.number_format = "@"
                    cells.append(empty)
                ws.append(cells)
    book.save(target)


def _text_cell(ws: Any, text: Any) -> WriteOnlyCell:
    # Written as a formula it would run again when the report is opened; as text it shows
    # what the clerk typed.
    cell = WriteOnlyCell(ws, value=str(text))
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
