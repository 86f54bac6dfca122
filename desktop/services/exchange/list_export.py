"""One form's list as the clerk sees it (with its filters), saved as an Excel workbook.

The same layout as the audit export and the import templates (``tables``), so a list saved
here can be corrected in Excel and imported again. Text is stored as text cells, never as
formulas, whatever it begins with. This is a working copy for the office, not an audit
export: it is not signed.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from desktop.errors import WorkCancelled
from desktop.services.exchange.tables import group_rows, main_row, sheets_of
from desktop.services.records import RecordService
from forms.model import FormDefinition
from sync.fsutil import write_atomic

PAGE = 1000


@dataclass
class ListExportProgress:
    step: str  # writing | done
    done: int
    total: int
    path: Path | None = None


def export_list(service: RecordService, form: FormDefinition, filters: dict[str, Any], target: Path, *,
                cancel: threading.Event | None = None) -> Iterator[ListExportProgress]:
    """Write the records of ``form`` matching ``filters`` (as ``RecordService.query`` takes
    them) to ``target``; yields progress, the last step ("done") names the file."""
    filters = {k: v for k, v in filters.items() if v and k != "form"}
    total = service.count(form=form.id, **filters)
    book = Workbook(write_only=True)
    sheets = sheets_of(form)
    pages = {sheet.name: book.create_sheet(sheet.name) for sheet in sheets}
    for sheet in sheets:
        pages[sheet.name].append([_cell(pages[sheet.name], h, bold=True) for h in sheet.headers])
    done, after = 0, None
    # Pages by keyset (after the last row written), so the last page costs what the first does.
    while rows := service.query(form=form.id, limit=PAGE, after=after, order="title ASC", **filters):
        for record in rows:
            if cancel is not None and cancel.is_set():
                raise WorkCancelled()
            data = json.loads(service.version(record["current_version_id"])["data"])
            for sheet in sheets:
                ws = pages[sheet.name]
                lines = [main_row(form, sheet, record, data)] if sheet.group is None else group_rows(
                    form, sheet, record["record_id"], data)
                for line in lines:
                    ws.append([_cell(ws, value) for value in line])
        done += len(rows)
        after = rows[-1]
        yield ListExportProgress("writing", done, total)
        if len(rows) < PAGE:
            break
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(target, buffer.getvalue(), mode=0o600)
    yield ListExportProgress("done", done, total, target)


def _cell(ws: Any, value: Any, bold: bool = False) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # "=…" typed by a clerk stays text; Excel never runs it
    if bold:
        cell.font = Font(bold=True)
    return cell
