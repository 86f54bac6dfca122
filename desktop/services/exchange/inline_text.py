"""openpyxl's read-only sheets, reading a plain inline string without a rich-text object.

Workbooks written by openpyxl (this office's exports and templates, and most generated
files) hold their text as inline strings, ``<c t="inlineStr"><is><t>…</t></is></c>``.
openpyxl reads each through ``Text.from_tree``, its general rich-text model: a quarter of an
import's reading. A cell of exactly that plain shape is read here to the same value (the
``<t>`` element's text, "" when empty); a cell of any other shape (runs, phonetic text,
attributes on ``<is>``, a formula) goes to openpyxl's own code as before.
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet import _read_only
from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

_TEXT = f"{{{SHEET_MAIN_NS}}}t"


def plain_inline_text(element: Any) -> str | None:
    """The text of a cell holding one plain inline string, or None for any other cell."""
    if element.get("t") != "inlineStr" or len(element) != 1:
        return None
    inline = element[0]
    if inline.tag != INLINE_STRING or inline.attrib or len(inline) != 1:
        return None
    text = inline[0]
    if text.tag != _TEXT or len(text):
        return None
    return text.text or ""


class InlineTextParser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's sheet parser, with plain inline strings read directly."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        text = None if self.rich_text else plain_inline_text(element)
        if text is None:
            return super().parse_cell(element)  # type: ignore[no-any-return]
        # As openpyxl's parse_cell does for every cell: its style, its place.
        style_id = element.get("s", 0)
        if style_id:
            style_id = int(style_id)
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        return {"row": row, "column": column, "value": text, "data_type": "s", "style_id": style_id}


def install() -> None:
    """Make openpyxl's read-only worksheets parse with :class:`InlineTextParser`."""
    _read_only.WorkSheetParser = InlineTextParser  # type: ignore[attr-defined]
