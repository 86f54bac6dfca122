"""An empty import sheet for one form: the export's headers, choice lists as data
validation, and one example row a clerk can copy.

The example row is marked as one (its record id ``EXAMPLE_ID``, its status cell, grey
cells and a comment) and the import never reads it, even if it was left in the sheet or
written over: the rows to import go below it.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from desktop.services.exchange.tables import group_rows, main_row, sheets_of
from forms.examples import example
from forms.model import Field, FormDefinition
from sync.fsutil import write_atomic

LISTS_SHEET = "选项"
EXAMPLE_ID = "示例-1"
EXAMPLE_STATUS = "示例（不导入）"
NOTE = "这是示例行，导入时不会读取。请从下一行起填写要导入的记录。"


def is_example(record_id: object) -> bool:
    """Whether a row's record id marks it as the template's example row (never imported)."""
    return isinstance(record_id, str) and record_id.strip() == EXAMPLE_ID


def write_template(form: FormDefinition, target: Path) -> None:
    """Write the template workbook for ``form`` to ``target`` (atomically)."""
    book = Workbook()
    book.remove(book.active)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    next_list_col = 1
    data = example(form.id) or {}
    grey = PatternFill("solid", fgColor="F2F2F2")
    for sheet in sheets_of(form):
        ws = book.create_sheet(sheet.name)
        ws.append(sheet.headers)
        for c in ws[1]:
            c.font = Font(bold=True)
        ws.freeze_panes = "B2"
        if sheet.group is None:
            record = {"record_id": EXAMPLE_ID, "status": "draft", "updated_at": ""}
            rows = [main_row(form, sheet, record, data)] if data else []
            for row in rows:
                row[1] = EXAMPLE_STATUS
        else:
            rows = group_rows(form, sheet, EXAMPLE_ID, data) if data else []
        for row in rows:
            ws.append(row)
            for c in ws[ws.max_row]:
                c.fill = grey
        if rows:
            ws.cell(row=2, column=1).comment = Comment(NOTE, "anhui-collect")
        lead = 2 if sheet.group is not None else 3
        for offset, f in enumerate(sheet.fields, start=lead + 1):
            letter = get_column_letter(offset)
            ws.column_dimensions[letter].width = max(12, min(40, len(f.label("zh")) * 2 + 4))
            if f.type in ("choice", "boolean"):
                next_list_col = _choice_validation(form, f, ws, letter, lists, next_list_col)
    buffer = _bytes(book)
    write_atomic(Path(target), buffer, mode=0o644)


def _choice_validation(form: FormDefinition, f: Field, ws: object, letter: str, lists: object, col: int) -> int:
    if f.type == "boolean":
        labels = ["是", "否"]
    else:
        # Options that depend on another field (a sector's directions) get every option;
        # the forms engine checks the pairing on import.
        options = form.choices(f) if f.parent is None else _all_children(form, f)
        labels = [o.label("zh") for o in options]
    if not labels:
        return col
    column = get_column_letter(col)
    for row, label in enumerate(labels, start=1):
        lists.cell(row=row, column=col, value=label)  # type: ignore[attr-defined]
    rule = DataValidation(type="list", formula1=f"={LISTS_SHEET}!${column}$1:${column}${len(labels)}", allow_blank=True)
    rule.error = "请从下拉列表中选择"
    rule.errorTitle = f.label("zh")
    ws.add_data_validation(rule)  # type: ignore[attr-defined]
    rule.add(f"{letter}2:{letter}5000")
    return col + 1


def _all_children(form: FormDefinition, f: Field) -> list:
    parent = form.field(f.parent) if f.parent else None
    if parent is None:
        return []
    return [child for option in form.choices(parent) for child in option.children]


def _bytes(book: Workbook) -> bytes:
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
