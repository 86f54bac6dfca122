"""Records as spreadsheet rows and back: one layout shared by export, template and import.

A form becomes a sheet whose columns are its top-level fields, headed by their Chinese
labels (with the unit, e.g. "产值（万元）"); each repeat group becomes its own sheet keyed by
record id. Cells hold what a person reads (choice labels, 是/否); ``parse_cell`` turns them
back into the codes and numbers the forms engine takes.

Text is written formula-safe (``forms.spreadsheet``): a leading ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a quote, which ``parse_cell`` removes again, so nothing is lost. Dates
are date cells; the last-change time is Beijing time and says so in its header.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from desktop.services.records import STATUS_ZH
from desktop.store.clock import beijing_time
from forms.model import Field, FormDefinition
from forms.spreadsheet import column_header as header
from forms.spreadsheet import formula_safe, restore_formula_safe

RECORD_ID = "记录编号"
ITEM_NO = "序号"
STATUS = "状态"
UPDATED = "最后修改（北京时间）"
# Excel keeps 15 significant digits; a number needing more is written as text, never rounded.
EXACT_DIGITS = 15
META_HEADERS = [RECORD_ID, STATUS, UPDATED]
STATUS_FROM_ZH = {v: k for k, v in STATUS_ZH.items()}
MULTI_SEP = "、"
_SPLIT = re.compile(r"[、,，;；\n]+")
TRUE_WORDS = {"是", "yes", "y", "true", "1", "对", "有"}
FALSE_WORDS = {"否", "no", "n", "false", "0", "无"}


@dataclass(frozen=True)
class Sheet:
    """One sheet of the layout: a form's main sheet, or one of its repeat groups."""

    name: str
    form: FormDefinition
    group: Field | None
    fields: tuple[Field, ...]

    @property
    def headers(self) -> list[str]:
        lead = [RECORD_ID, ITEM_NO] if self.group else list(META_HEADERS)
        return lead + [header(f) for f in self.fields]


def sheets_of(form: FormDefinition) -> list[Sheet]:
    """The main sheet of ``form`` and one sheet per repeat group, in form order. Attachment
    fields have no column: a file is not a cell (an export lists them apart)."""
    main = Sheet(sheet_title(form.label("zh")), form, None,
                 tuple(f for f in form.fields if not f.is_group and f.type != "attachment"))
    groups = [
        Sheet(sheet_title(f"{form.label('zh')}-{g.label('zh')}"), form, g, tuple(g.fields))
        for g in form.fields if g.is_group
    ]
    return [main, *groups]


def sheet_title(text: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", "_", text)[:31]


# -- out ------------------------------------------------------------------------------
Cell = str | int | float | dt.date | dt.datetime | None


def cell(form: FormDefinition, f: Field, value: Any, data: dict[str, Any], item: dict[str, Any] | None = None) -> Cell:
    """The cell for one value: numbers stay numbers, dates are dates, codes become labels."""
    if value is None or value == "" or value == []:
        return None
    if f.type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if f.type == "choice":
        return _label(form, f, value, data, item)
    if f.type == "multi_choice" and isinstance(value, list):
        return MULTI_SEP.join(str(_label(form, f, v, data, item)) for v in value)
    if f.type == "boolean" and isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return str(value)


# (form, field id, code, parent code) -> label. Forms are immutable once loaded, and each
# entry keeps its form alive, so the id cannot be reused while the entry exists.
_labels: dict[tuple[int, str, str, Any], tuple[FormDefinition, Any]] = {}
LABEL_CACHE = 20_000


def _label(form: FormDefinition, f: Field, code: Any, data: dict[str, Any], item: dict[str, Any] | None) -> Any:
    if not isinstance(code, str):
        return code
    parent = None
    if f.parent is not None:
        parent = item[f.parent] if item is not None and f.parent in item else data.get(f.parent)
        if not isinstance(parent, str | int | None):
            parent = repr(parent)
    key = (id(form), f.id, code, parent)
    hit = _labels.get(key)
    if hit is not None:
        return hit[1]
    found, _ = form.find_choice(f, code, data, item)
    label = found.label("zh") if found else code
    if len(_labels) >= LABEL_CACHE:
        _labels.clear()
    _labels[key] = (form, label)
    return label


def main_row(form: FormDefinition, sheet: Sheet, record: dict[str, Any], data: dict[str, Any]) -> list[Cell]:
    return [record["record_id"], STATUS_ZH.get(record["status"], record["status"]), beijing_time(record["updated_at"])] + [
        cell(form, f, data.get(f.id), data) for f in sheet.fields
    ]


def group_rows(form: FormDefinition, sheet: Sheet, record_id: str, data: dict[str, Any]) -> list[list[Cell]]:
    assert sheet.group is not None
    items = data.get(sheet.group.id)
    if not isinstance(items, list):
        return []
    rows: list[list[Cell]] = []
    for n, item in enumerate(items, start=1):
        if isinstance(item, dict):
            rows.append([record_id, n, *(cell(form, f, item.get(f.id), data, item) for f in sheet.fields)])
    return rows


def csv_text(value: Cell) -> str:
    """How a cell is written to CSV: formula-safe text, ISO dates, exact numbers."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return formula_safe(value)
    return str(value)


def exact_in_excel(number: int | float) -> bool:
    """Whether Excel holds this number exactly (else it is written as text)."""
    try:
        return float(f"{number:.{EXACT_DIGITS}g}") == number and abs(number) < 1e300
    except (OverflowError, ValueError):
        return False


def xlsx_value(value: Cell) -> tuple[str, Any]:
    """How a cell is written to XLSX: ("string", text), ("number", n), ("date", d), ("datetime", t)."""
    if isinstance(value, dt.datetime):
        return "datetime", value
    if isinstance(value, dt.date):
        return "date", value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ("number", value) if exact_in_excel(value) else ("string", str(value))
    return "string", formula_safe(str(value)) if value is not None else ""


# -- in -------------------------------------------------------------------------------
class CellError(ValueError):
    """A cell that cannot be read as its field's type, with a Chinese and an English message."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh)
        self.message_zh = zh
        self.message_en = en


def parse_cell(form: FormDefinition, f: Field, raw: Any, data: dict[str, Any], item: dict[str, Any] | None = None) -> Any:
    """A cell back as the value the forms engine takes (None for an empty cell)."""
    if isinstance(raw, str):
        raw = restore_formula_safe(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if f.type == "choice":
        return _code(form, f, str(raw).strip(), data, item)
    if f.type == "multi_choice":
        return [_code(form, f, part.strip(), data, item) for part in _SPLIT.split(str(raw)) if part.strip()]
    if f.type == "boolean":
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError("请填写“是”或“否”", "enter 是 (yes) or 否 (no)")
    if f.type in ("integer", "year"):
        return _number(raw, integer=True)
    if f.type in ("decimal", "money"):
        return _number(raw, integer=False)
    if f.type == "date":
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a code typed as a number, e.g. a six-digit stock code
    # Free text goes to the forms engine as it stands in the cell (the engine decides what
    # to normalise), so an export's text comes back exactly; codes and the like are trimmed.
    return str(raw) if f.type in ("text", "textarea") else str(raw).strip()


def _code(form: FormDefinition, f: Field, text: str, data: dict[str, Any], item: dict[str, Any] | None) -> str:
    options = form.choices(f, data, item, include_retired=True)
    for option in options:
        if text in (option.code, option.label_zh, option.label_en):
            return option.code
    # Unknown: hand the text on, so the forms engine names it with its usual message.
    return text


def _number(raw: Any, *, integer: bool) -> int | float | str:
    if isinstance(raw, bool):
        raise CellError("应为数字", "must be a number")
    if isinstance(raw, int | float):
        value: int | float = raw
    else:
        text = str(raw).strip().replace(",", "").replace("，", "")
        try:
            value = float(text) if not integer or "." in text else int(text)
        except ValueError:
            raise CellError(f"“{str(raw)[:50]}”不是数字", f"'{str(raw)[:50]}' is not a number") from None
    if integer and isinstance(value, float):
        if not value.is_integer():
            raise CellError("应为整数", "must be a whole number")
        return int(value)
    return value
