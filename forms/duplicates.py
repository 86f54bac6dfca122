"""Duplicate checks: the lookup the store passes in, and name similarity.

The engine does not see the office's records; the caller hands it a *lookup*. Any of these
work as ``lookup=`` for :meth:`forms.Registry.validate`:

* a plain callable ``lookup(form_id, field, value) -> [(record_id, data), ...]`` returning
  the office's records whose ``field`` has the same duplicate key as ``value``
  (:func:`forms.keys.fold_key`: exact duplicates);
* an object with that ``__call__`` and also ``similar(form_id, field, value)``, returning
  candidate records whose ``field`` may resemble ``value`` (the engine decides which really
  are similar, so over-returning is fine — e.g. every enterprise of the office);
* optionally ``exists(form_id, record_id) -> bool | None`` to check record references
  (None means "cannot tell" and is not a problem).

:class:`InMemoryLookup` implements all three over a list of records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Protocol, runtime_checkable

from forms.keys import fold_key
from forms.text import fold_width

Hit = tuple[str, Mapping[str, Any]]

SIMILARITY_THRESHOLD = 0.85
# Candidates examined per check; an office has at most some thousands of enterprises.
MAX_CANDIDATES = 5000

# Legal-form suffixes and the province prefix that make two names of one enterprise differ;
# a city prefix is left alone ("合肥X" and "芜湖X" are usually different companies) and a
# name containing another is caught by the containment test below.
_SUFFIXES = re.compile(
    r"(股份有限公司|有限责任公司|集团有限公司|集团股份有限公司|有限公司|集团|公司|"
    r"CO\.?,?LTD\.?|COMPANY|LIMITED|LTD\.?|INC\.?|CORP\.?|CORPORATION|GROUP)$"
)
_PLACES = re.compile(r"^(安徽省|安徽)")
_NOISE = re.compile(r"[\s\W_]+")


@runtime_checkable
class DuplicateLookup(Protocol):
    """What the engine asks the store about existing records (see the module docstring)."""

    def __call__(self, form_id: str, field: str, value: Any) -> Iterable[Hit]: ...

    def similar(self, form_id: str, field: str, value: str) -> Iterable[Hit]: ...


def name_key(name: str) -> str:
    """A name reduced to what identifies it: no spaces, punctuation, legal form or province prefix."""
    text = fold_width(name[:500]).upper()
    text = re.sub(r"[(（][^)）]*[)）]", "", text)  # "(合肥)" branch or place qualifiers
    text = _NOISE.sub("", text)
    for _ in range(3):
        stripped = _PLACES.sub("", _SUFFIXES.sub("", text))
        if stripped == text:
            break
        text = stripped
    return text


def name_similarity(a: str, b: str) -> float:
    """Similarity of two names from 0 to 1, after reducing both with :func:`name_key`."""
    return key_similarity(name_key(a), name_key(b))


def key_similarity(ka: str, kb: str) -> float:
    """:func:`name_similarity` of two names already reduced by :func:`name_key`.

    A store that keeps each record's name key can score candidates with this without
    reducing their names again.
    """
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    shorter, longer = sorted((ka, kb), key=len)
    if len(shorter) >= 4 and shorter in longer:
        return max(0.9, SequenceMatcher(None, ka, kb).ratio())
    return SequenceMatcher(None, ka, kb).ratio()


@dataclass(frozen=True)
class RecordKey:
    """One key under which a record is found by duplicate checks.

    ``kind`` is ``"exact"`` for a field whose value must not repeat (the key is
    :func:`forms.keys.fold_key` of the value) and ``"name"`` for a field whose near repeats are
    warned about (the key is :func:`name_key` of the value).
    """

    field: str
    kind: str
    key: str


def record_keys(form: Any, data: Any) -> list[RecordKey]:
    """Every key of a record's (normalised) ``data`` under ``form``: one per filled unique
    field, one per filled field of a form's de-duplication key (an annual report's credit
    code and year, which the key check asks the store for one field at a time) and one per
    similarity-checked name. What a store indexes so that :class:`DuplicateLookup` answers
    from the index rather than from every record."""
    if not isinstance(data, Mapping):
        return []
    in_key = set(form.key_fields()) if getattr(form, "unique_key", None) else set()
    keys: list[RecordKey] = []
    for f in form.fields:
        value = data.get(f.id)
        if (f.unique or f.id in in_key) and (exact := fold_key(value)):
            keys.append(RecordKey(f.id, "exact", exact))
        if f.similar and isinstance(value, str) and (name := name_key(value)):
            keys.append(RecordKey(f.id, "name", name))
    return keys


def similar_hits(
    value: str,
    field: str,
    candidates: Iterable[Hit],
    *,
    threshold: float = SIMILARITY_THRESHOLD,
    exclude: str | None = None,
    limit: int = 5,
) -> list[tuple[str, str, float]]:
    """(record id, name, score) of the candidates whose ``field`` resembles ``value``, best first."""
    found = []
    for n, hit in enumerate(candidates):
        if n >= MAX_CANDIDATES:
            break
        try:
            record_id, data = hit
        except (TypeError, ValueError):
            continue
        other = data.get(field) if isinstance(data, Mapping) else None
        if record_id == exclude or not isinstance(other, str):
            continue
        score = name_similarity(value, other)
        if score >= threshold:
            found.append((str(record_id), other, score))
    found.sort(key=lambda hit: -hit[2])
    return found[:limit]


class InMemoryLookup:
    """A :class:`DuplicateLookup` over ``(record_id, form_id, data)`` triples (tests, the province)."""

    def __init__(self, records: Iterable[tuple[str, str, Mapping[str, Any]]] = ()) -> None:
        self.records = list(records)

    def add(self, record_id: str, form_id: str, data: Mapping[str, Any]) -> None:
        self.records.append((record_id, form_id, data))

    def __call__(self, form_id: str, field: str, value: Any) -> list[Hit]:
        key = fold_key(value)
        return [
            (rid, data)
            for rid, fid, data in self.records
            if key and fid == form_id and fold_key(data.get(field)) == key
        ]

    def similar(self, form_id: str, field: str, value: str) -> list[Hit]:
        return [(rid, data) for rid, fid, data in self.records if fid == form_id]

    def exists(self, form_id: str, record_id: str) -> bool:
        return any(rid == record_id and fid == form_id for rid, fid, _ in self.records)
