"""Text as typed, and text folded for parsing codes and numbers.

Free text (names, titles, descriptions, reasons) is kept as the person typed it: only the
outer whitespace is trimmed and the text put in Unicode NFC, so an enterprise name with
full-width brackets （） still matches its business licence. Invisible and control characters
that pasting from Word, Excel and PDFs brings along are removed (and reported by the engine).
Identifiers, numbers and dates are parsed from a width-folded copy (NFKC), so "２０２４" and
"９１３４…" are read as the digits they are; comparison keys live in :mod:`forms.keys`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Strings longer than this are refused before any work is done on them, so a 1 MB value
# costs one length check, not a normalisation pass.
HARD_MAX_CHARS = 100_000

# C0/C1 controls other than tab, newline and carriage return, plus lone surrogates (which
# JSON can carry as "\ud800" escapes but UTF-8 cannot encode).
_BAD_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Invisible format characters (zero-width space/joiners, direction marks, word joiner,
# byte-order mark, soft hyphen); they only ever make equal strings look different.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Line breaks of every kind a single-line field may receive from a pasted cell.
_BREAKS = re.compile("[\t\r\n\u2028\u2029\x85]+")
_SPACES = re.compile(r"\s+")


def has_bad_control(value: str) -> bool:
    """True when ``value`` holds control or invisible characters that are removed from it."""
    return _BAD_CONTROL.search(value) is not None or _INVISIBLE.search(value) is not None


def strip_invisible(value: str) -> str:
    """``value`` without control characters, lone surrogates and invisible format characters."""
    return _INVISIBLE.sub("", _BAD_CONTROL.sub("", value))


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Free text as typed: NFC, outer whitespace trimmed, invisible characters removed.

    A single-line value keeps its inner spaces but has tabs and line breaks (from a pasted
    spreadsheet cell) turned into one space; a multi-line value keeps its lines, with
    Windows and old Mac line ends made ``\\n``. Nothing else changes: full-width brackets,
    punctuation and digits stay as they were typed.
    """
    text = unicodedata.normalize("NFC", strip_invisible(value))
    if not multiline:
        return _BREAKS.sub(" ", text).strip()
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def fold_width(value: str) -> str:
    """``value`` with full-width and compatibility forms folded (NFKC) and spaces tidied,
    for reading identifiers, numbers and dates — never for text that is stored as typed."""
    text = unicodedata.normalize("NFKC", strip_invisible(value))
    return _SPACES.sub(" ", text).strip()


def compact_code(value: str) -> str:
    """An identifier typed by hand: width-folded, upper case, and no spaces at all."""
    return _SPACES.sub("", fold_width(value)).upper()


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns, on the left when ``right``
    (numbers in a table), so columns of Chinese and Latin text line up."""
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def column_widths(rows: Sequence[Sequence[str]]) -> list[int]:
    """Each column's width in terminal columns: its widest cell over ``rows``."""
    return [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]


def aligned(rows: Sequence[Sequence[str]], right: Sequence[bool] = ()) -> list[str]:
    """``rows`` as terminal lines, each column padded by display width to its widest cell
    (right-aligned where ``right`` says so), two spaces apart, trailing spaces dropped."""
    widths = column_widths(rows)
    flags = [i < len(right) and right[i] for i in range(len(widths))]
    return ["  ".join(pad(cell, widths[i], flags[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
