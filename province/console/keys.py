"""What makes two records from different offices the same thing, per form.

An enterprise is its unified social credit code, a standard its number (normalised, so
``GB/T 15776—2016`` and ``GB/T 15776-2016`` meet), a platform its name and a talent team its
name with its leader's, names reduced by :func:`forms.duplicates.name_key` (no legal form,
province prefix, spaces or punctuation). Records of other forms have no key: they are never
offered as cross-office duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.duplicates import name_key
from forms.standard_numbers import StandardNumberError, normalize_standard_number
from forms.text import compact_code

MAX_KEY = 300


def _name(data: Mapping[str, Any], field: str) -> str:
    value = data.get(field)
    return name_key(value) if isinstance(value, str) else ""


def _standard(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        return normalize_standard_number(value[:200])
    except StandardNumberError:
        return " ".join(value.upper().split())


def duplicate_key(form_id: str, data: Any) -> str | None:
    """The key under which ``data`` of ``form_id`` meets its duplicates, or None."""
    if not isinstance(data, Mapping):
        return None
    key = ""
    if form_id == "enterprise":
        code = data.get("credit_code")
        key = compact_code(code).upper() if isinstance(code, str) else ""
    elif form_id == "standard":
        key = _standard(data.get("number"))
    elif form_id == "platform":
        key = _name(data, "name")
    elif form_id == "talent_team":
        team, leader = _name(data, "name"), _name(data, "leader")
        key = f"{team}|{leader}" if team and leader else ""
    return key[:MAX_KEY] or None
