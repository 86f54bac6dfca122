"""Bounds on the structure of a JSON text, checked over the raw bytes before parsing.

Parsing builds one Python object per value, so a small body of many tiny values, or of deep
nesting, or of a 5,000-digit number could cost far more memory and time than its size; these
checks refuse it first, at C speed and without copying the text, so they cost little more
than the bytes themselves. Strings are told apart from the structure around them by their
quotes (a quote preceded by an odd number of backslashes is part of a string).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class JsonLimitError(ValueError):
    """A JSON text with more structure than its limits allow."""


@dataclass(frozen=True)
class JsonLimits:
    """How much structure a JSON text may have."""

    max_depth: int = 64
    max_values: int = 1_000_000
    """Strings (keys included), numbers, literals and containers, counted together."""
    max_number_chars: int = 40
    """Longer than any int64 or float repr; refuses 5,000-digit numbers before conversion."""


DEFAULT_LIMITS = JsonLimits()
# Up to this many quotes, the structure between strings is read in place, region by region;
# beyond it (a large signed payload) splitting on quotes is faster.
FEW_QUOTES = 4096
_BRACKET = re.compile(rb"[\[\]{}]")
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{20,}")


def check(data: bytes, limits: JsonLimits = DEFAULT_LIMITS) -> None:
    """Raise :class:`JsonLimitError` if ``data`` has more structure than ``limits`` allow.

    Values are counted as ``1 + commas + colons + open brackets`` outside strings (exact for
    valid JSON); depth is the running sum of brackets; numbers are the long runs of number
    characters. A text that is not JSON at all may pass: the parser refuses it next.
    """
    few = data.count(b'"') <= FEW_QUOTES
    regions = _regions(data) if few else [(_structure(data), 0, None)]
    values = 1
    opens = 0
    for text, start, end in regions:
        found = text.count(b"[", start, end) + text.count(b"{", start, end)
        opens += found
        values += found + text.count(b",", start, end) + text.count(b":", start, end)
        if values > limits.max_values:
            raise JsonLimitError(f"JSON has more than {limits.max_values} values")
    if opens > limits.max_depth:
        depth = 0
        for text, start, end in regions:
            for match in _BRACKET.finditer(text, start, len(text) if end is None else end):
                depth += 1 if match.group() in (b"[", b"{") else -1
                if depth > limits.max_depth:
                    raise JsonLimitError(f"JSON nested deeper than {limits.max_depth} levels")
    for text, start, end in regions:
        for match in _LONG_NUMBER.finditer(text, start, len(text) if end is None else end):
            if match.end() - match.start() > limits.max_number_chars:
                raise JsonLimitError(
                    f"JSON number longer than {limits.max_number_chars} characters")


def _regions(data: bytes) -> list[tuple[bytes, int, int | None]]:
    """The stretches of ``data`` outside strings, as (data, start, end) without copying."""
    regions: list[tuple[bytes, int, int | None]] = []
    pos = 0
    while True:
        quote = data.find(b'"', pos)
        if quote < 0:
            regions.append((data, pos, len(data)))
            return regions
        regions.append((data, pos, quote))
        pos = _string_end(data, quote)


def _string_end(data: bytes, start: int) -> int:
    """The position after the quote that closes the string opened at ``start`` (or the end)."""
    quote = start
    while True:
        quote = data.find(b'"', quote + 1)
        if quote < 0:
            return len(data)
        backslashes = 0
        while data[quote - 1 - backslashes] == 0x5C:
            backslashes += 1
        if backslashes % 2 == 0:
            return quote + 1


def _structure(data: bytes) -> bytes:
    """Everything outside strings, joined (for texts with many strings).

    Escaped backslashes and quotes are dropped first, left to right as JSON reads them, so
    every quote left delimits a string.
    """
    clean = data.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in data else data
    return b"".join(clean.split(b'"')[0::2])
