"""Spreadsheet cells that a spreadsheet program never runs as a formula.

A text value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken by
Excel, LibreOffice and WPS as a formula (OWASP "CSV injection"): ``=HYPERLINK(...)`` typed by
an office into an enterprise's name would run on the reviewer's machine. Every export that
writes values offices typed (XLSX or CSV) passes them through :func:`formula_safe`, which
puts an apostrophe in front; :func:`restore_formula_safe` undoes it exactly, so an export
read back in gives the value that was typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forms.model import Field

def column_header(f: Field, lang: str = "zh") -> str:
    """A column header of a sheet: the field's label, with its unit when it has one
    ("产值（万元）"), as every workbook the office and the province write shows it."""
    unit = f.unit(lang)
    return f"{f.label(lang)}（{unit}）" if unit and lang == "zh" else (f"{f.label(lang)} ({unit})" if unit else f.label(lang))


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def formula_safe(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell; anything but text is returned unchanged.

    Text starting with a formula trigger gets a leading apostrophe. Text that already starts
    with an apostrophe gets one more, so that :func:`restore_formula_safe` can tell the two
    apart and the round trip is exact.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_TRIGGERS, QUOTE)):
        return QUOTE + value
    return value


def restore_formula_safe(value: Any) -> Any:
    """The value :func:`formula_safe` was given (one leading apostrophe removed from text)."""
    if isinstance(value, str) and value.startswith(QUOTE):
        rest = value[1:]
        if rest.startswith((*FORMULA_TRIGGERS, QUOTE)):
            return rest
    return value
