"""Folded keys: how two spellings of one thing are recognised as the same, without changing either.

Stored text keeps the spelling a person typed (see :mod:`forms.text`). Comparison happens on
*keys*: :func:`fold_key` is the one function that reduces a value to its duplicate key,
:func:`fold_search` the same folding with spaces kept, for full-text search, and
:func:`choice_key` the same folding without quotation marks, for matching a typed choice. A record's
de-duplication key (:func:`record_key`) combines the folded values of the fields its form's
entry in the ``duplicate_keys`` reference list names, e.g. a platform's name and level.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from forms.canonical import canonical_json
from forms.text import strip_invisible

# Look-alikes that NFKC leaves apart but a reader takes for one character.
_QUOTES = str.maketrans({c: '"' for c in "“”„‟＂〝〞«»「」『』"} | {c: "'" for c in "‘’‚‛′"})
_DASHES = re.compile("[\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d]")
_DOTS = re.compile("[\u00b7\u2022\u2027\u30fb\uff65]")
_SPACE_RUNS = re.compile(r"\s+")


def _fold(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return canonical_json(value).decode("ascii")
    if not isinstance(value, str):
        return ""
    # Keys are upper case, so a credit code or a standard number reads as printed. Changing
    # case can undo NFKC's composition (a letter and a combining mark), so the text is put in
    # NFKC again after it.
    text = unicodedata.normalize("NFKC", strip_invisible(value)).upper()
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text.translate(_QUOTES))
    return _DOTS.sub("·", text)


def fold_key(value: Any) -> str:
    """The duplicate key of one value: full/half width, case, quote, dash and dot look-alikes
    folded, every space removed. ``"安徽（合肥）量子 Co."`` and ``"安徽(合肥)量子co."`` share the
    key ``"安徽(合肥)量子CO."``.

    Numbers and booleans give their JSON text; anything else gives "".
    """
    # Removing a space can bring a combining mark next to a letter it composes with.
    return unicodedata.normalize("NFKC", _SPACE_RUNS.sub("", _fold(value)))


def fold_search(value: Any) -> str:
    """Text folded like :func:`fold_key` but with runs of space kept as one, for search indexes
    and the terms searched for (so "ＡＩ芯片" finds "AI芯片")."""
    return unicodedata.normalize("NFKC", _SPACE_RUNS.sub(" ", _fold(value)).strip())


def choice_key(value: Any) -> str:
    """The key a typed choice is matched to an option's code, labels and synonyms by:
    :func:`fold_key` with quotation marks left out, since they never tell two options apart and
    offices write a tier with, without or with other quotes (专精特新“小巨人”企业,
    专精特新‘小巨人’企业, 专精特新小巨人企业)."""
    return fold_key(value).replace('"', "").replace("'", "")


def key_fields(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields a ``duplicate_keys`` item (or a target's ``distinct``) names."""
    fields = spec.get("fields")
    return tuple(fields) if isinstance(fields, list | tuple) else ()


def record_key(fields: Sequence[str], data: Any) -> str | None:
    """A record's de-duplication key over ``fields``: their folded values joined by " | "
    (a folded value holds no space, so the join is unambiguous), e.g.
    ``"量子信息国家实验室(合肥) | NATIONAL"``; None when any of them is empty, since a partial
    key would merge records that differ."""
    if not isinstance(data, Mapping) or not fields:
        return None
    parts = []
    for name in fields:
        part = fold_key(data.get(name))
        if not part:
            return None
        parts.append(part)
    return " | ".join(parts)
