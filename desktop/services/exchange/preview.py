"""What an import will read, before it reads it: each sheet, the form it goes to, how
many rows, the template's example rows it skips and the first rows as they will be read.

The import page shows this as soon as a workbook is chosen, so a wrong file, a renamed
sheet or an example row left in is seen before anything is imported.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.errors import WorkCancelled
from desktop.services.exchange.tables import RECORD_ID, sheets_of
from desktop.services.exchange.template import LISTS_SHEET, is_example
from desktop.services.exchange.workbook import SheetRow, open_workbook
from forms.registry import Registry

SHOWN_ROWS = 5


@dataclass
class SheetPreview:
    """One sheet of the workbook as the import will treat it."""

    name: str
    form_zh: str | None  # the form (or repeat group) it goes to; None: not imported
    form_en: str | None
    group: bool = False  # the sheet of a repeat group: its rows are items of the main sheet's records
    rows: int = 0  # rows with something in them, the example rows excepted
    examples: list[int] = field(default_factory=list)  # sheet row numbers of example rows
    headers: list[str] = field(default_factory=list)
    first_rows: list[list[str]] = field(default_factory=list)

    def form(self, lang: str = "zh") -> str | None:
        return self.form_en if lang == "en" else self.form_zh


def preview_workbook(registry: Registry, path: Path, shown: int = SHOWN_ROWS,
                     cancel: threading.Event | None = None) -> list[SheetPreview]:
    """Read ``path`` the way the import will (the same checked reader) and say what it found.

    Counting the rows reads the whole sheet; ``cancel`` (set when the clerk picks another
    file or leaves) stops the reading at the next row with WorkCancelled.
    """
    layouts = {s.name: s for form in registry.forms() for s in sheets_of(form)}
    found = []
    with open_workbook(path) as reader:
        for name in reader.sheet_names:
            if name == LISTS_SHEET:
                continue  # the template's hidden lists of choices
            layout = layouts.get(name)
            if layout is None:
                found.append(SheetPreview(name, None, None))
                continue
            zh, en = layout.form.label("zh"), layout.form.label("en")
            if layout.group is not None:
                zh, en = f"{zh} · {layout.group.label('zh')}", f"{en} · {layout.group.label('en')}"
            found.append(_read(reader.rows(name), SheetPreview(name, zh, en, layout.group is not None), shown, cancel))
    return found


def _read(rows: Any, sheet: SheetPreview, shown: int, cancel: threading.Event | None) -> SheetPreview:
    first: SheetRow | None = next(rows, None)
    sheet.headers = [_text(v) for v in first.values] if first else []
    key = sheet.headers.index(RECORD_ID) if RECORD_ID in sheet.headers else None
    for row in rows:
        if cancel is not None and cancel.is_set():
            raise WorkCancelled()
        raw = row.values
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        if key is not None and key < len(raw) and is_example(raw[key]):
            sheet.examples.append(row.number)
            continue
        sheet.rows += 1
        if len(sheet.first_rows) < shown:
            sheet.first_rows.append([_text(v) for v in raw])
    return sheet


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)[:200]
