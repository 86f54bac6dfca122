"""Byte-exact encodings shared by both ends: canonical JSON, strict base64, strict parsing.

Every signature and hash in the protocol is taken over bytes these functions produce, so
the office, the province and an auditor reproduce them from the data alone. Parsing is
strict on purpose: two different byte strings must never decode to the same message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from typing import Any

from forms.canonical import canonical_json
from sync import jsonlimits
from sync.jsonlimits import DEFAULT_LIMITS, JsonLimitError, JsonLimits

__all__ = ["JsonLimits", "b64decode", "b64encode", "canonical_json", "parse_json_object",
           "sha256_hex"]


class DecodeError(ValueError):
    """Bytes that are not the strict encoding the protocol requires."""


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def b64encode(data: bytes) -> str:
    """Standard base64 (RFC 4648 section 4) with padding, as DSSE uses it."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: object) -> bytes:
    """Decode standard padded base64, refusing any other spelling of the same bytes.

    Re-encoding must give back the exact text: this refuses missing padding, whitespace and
    non-zero trailing bits, so a flipped character can never decode to the same bytes.
    """
    if not isinstance(text, str):
        raise DecodeError("base64 value must be a string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise DecodeError(f"invalid base64: {exc}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise DecodeError("base64 is not in canonical form")
    return raw


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_scalar_values(text: str, value: Any) -> None:
    # A \uD800-\uDFFF escape is valid JSON but only a *pair* of them is a character; a lone
    # one decodes to a string that cannot be written as UTF-8 (nor stored, nor hashed).
    # Re-encoding the parsed value checks every key and string at C speed.
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise DecodeError("JSON string holds a lone UTF-16 surrogate (not a Unicode "
                              "character)") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DecodeError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise DecodeError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise DecodeError(f"JSON number {text} is out of range")
    return value


def parse_json_object(data: bytes, *, canonical: bool = False,
                      limits: JsonLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Parse UTF-8 JSON that must be an object, within ``limits``, refusing what is not data.

    Refused: invalid UTF-8, lone surrogate escapes, duplicate keys, NaN/Infinity, numbers that
    overflow or are longer than ``limits.max_number_chars``, nesting or value counts over the
    limits (checked by a scan before any object is built). With ``canonical=True`` the bytes
    must also be exactly :func:`canonical_json` of the result, which makes the byte string
    the one and only spelling of the message.
    """
    try:
        jsonlimits.check(data, limits)
    except JsonLimitError as exc:
        raise DecodeError(str(exc)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError("not UTF-8") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                           parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise DecodeError(f"not JSON: {exc.msg} at {exc.pos}") from None
    except RecursionError:
        raise DecodeError("JSON nested too deeply") from None
    _check_scalar_values(text, value)
    if not isinstance(value, dict):
        raise DecodeError("JSON value must be an object")
    if canonical and canonical_json(value) != data:
        raise DecodeError("JSON is not in canonical form (sorted keys, no spaces, UTF-8)")
    return value
