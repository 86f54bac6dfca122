"""Spreadsheet cells that Excel, WPS and LibreOffice never run as formulas, and back.

OWASP's advice for CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return may be taken as a formula, so such text is written with a leading single
quote. A text that already starts with a quote gets one more, which makes the mapping
one-to-one: :func:`restore_cell` removes exactly one leading quote, so every value comes
back as it was (a round trip through a sheet is lossless).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def formula_safe(text: str) -> str:
    """``text`` as a cell a spreadsheet shows as text, never evaluates."""
    if text.startswith(FORMULA_STARTS) or text.startswith(QUOTE):
        return QUOTE + text
    return text


def restore_cell(text: str) -> str:
    """The value :func:`formula_safe` was given (a hand-typed leading quote is dropped too)."""
    return text[1:] if text.startswith(QUOTE) else text
