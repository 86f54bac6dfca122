"""Text normalisation shared by every validator: NFKC, control characters, whitespace.

Offices paste from Word, Excel and PDFs, so input carries full-width digits and letters,
ideographic spaces, zero-width characters and stray tabs. Normalising first means the
same credit code or standard number typed two ways compares equal.
"""

from __future__ import annotations

import re
import unicodedata

# Strings longer than this are refused before any work is done on them, so a 1 MB value
# costs one length check, not a normalisation pass.
HARD_MAX_CHARS = 100_000

# C0/C1 controls other than tab, newline and carriage return, plus lone surrogates (which
# JSON can carry as "\ud800" escapes but UTF-8 cannot encode).
_BAD_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Invisible format characters that survive NFKC (zero-width space/joiners, word joiner,
# byte-order mark, soft hyphen); they only ever make equal strings look different.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[ \t\r\n]+")
_LINE_SPACES = re.compile(r"[ \t]+")


def has_bad_control(value: str) -> bool:
    """True when ``value`` holds control characters or lone surrogates that are refused."""
    return _BAD_CONTROL.search(value) is not None


def normalize_text(value: str, *, multiline: bool = False) -> str:
    """NFKC-normalise ``value``, drop invisible and control characters, tidy whitespace.

    Single-line text has every run of whitespace (tabs and newlines from a pasted cell
    included) collapsed to one space; multi-line text keeps its line breaks but loses
    trailing spaces and runs of more than one blank line. Callers that must report control
    characters check :func:`has_bad_control` first.
    """
    text = _BAD_CONTROL.sub("", value)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    if not multiline:
        return _SPACES.sub(" ", text).strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def compact_code(value: str) -> str:
    """Normalise a code typed by hand: NFKC, uppercase, and no spaces at all."""
    return re.sub(r"\s+", "", normalize_text(value)).upper()


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
