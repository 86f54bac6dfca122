"""The forms engine's view of this office's records, for duplicate and reference checks.

Implements the lookup protocol of ``forms.duplicates`` from indexes only, so a check costs
the same in an office of a hundred records and of a hundred thousand: exact duplicates by
their key (``forms.keys.fold_key``) in ``record_keys``, similar names through the name keys (equal, contained, or
sharing a piece found by the ``name_search`` trigram index), and references by primary key.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import sqlite_utils

from forms.duplicates import SIMILARITY_THRESHOLD, key_similarity, name_key
from forms.keys import fold_key

MAX_EXACT_HITS = 50
# Candidates taken from the trigram index, newest first: enough to list the few similar
# names a warning shows, small enough that a common piece of a name costs little.
MAX_CANDIDATES = 32
MAX_SIMILAR = 10
# Keys longer than this are looked up whole and by piece, not by every substring.
MAX_SUBSTRING_KEY = 48
MIN_CONTAINED = 4
ABSENT_BATCH = 500  # keys per query of absent_keys, well under SQLite's limit of parameters

_CURRENT_DATA = (
    "SELECT r.record_id, v.data FROM records r JOIN versions v ON v.version_id = r.current_version_id "
    "WHERE r.record_id = ?"
)


class StoreLookup:
    def __init__(self, db: sqlite_utils.Database, *, similar: bool = True,
                 absent: Collection[tuple[str, str, str]] = ()) -> None:
        self.db = db
        # (form, field, key) known to be in no record, from ``absent_keys`` just before.
        self.absent = absent
        if not similar:
            # Exact duplicates only: the similar-name search only ever warns, and marking a
            # checked draft final (one or thousands) needs only what blocks.
            self.similar = None  # type: ignore[assignment,method-assign]

    def __call__(self, form_id: str, field: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
        key = fold_key(value)
        if not key or (form_id, field, key) in self.absent:
            return []
        rows = self.db.execute(
            "SELECT k.record_id, v.data FROM record_keys k JOIN records r ON r.record_id = k.record_id "
            "JOIN versions v ON v.version_id = r.current_version_id "
            "WHERE k.form_id = ? AND k.field = ? AND k.kind = 'exact' AND k.key = ? LIMIT ?",
            [form_id, field, key, MAX_EXACT_HITS],
        ).fetchall()
        return [(record_id, json.loads(data)) for record_id, data in rows]

    def similar(self, form_id: str, field: str, value: str) -> list[tuple[str, dict[str, Any]]]:
        """Records whose name is similar to ``value`` (the engine scores them again).

        Candidates come nearest first (equal keys, then contained ones, then ones sharing a
        piece) and the search stops once a warning has enough names to show.
        """
        key = name_key(value) if isinstance(value, str) else ""
        if not key:
            return []
        scored: dict[str, float] = {}
        for batch in self._candidates(form_id, field, key):
            for record_id, other in batch:
                if record_id not in scored and _may_be_similar(key, other):
                    score = key_similarity(key, other)
                    if score >= SIMILARITY_THRESHOLD:
                        scored[record_id] = score
            if len(scored) >= MAX_SIMILAR:
                break
        best = sorted(scored, key=lambda rid: -scored[rid])[:MAX_SIMILAR]
        hits = []
        for record_id in best:
            row = self.db.execute(_CURRENT_DATA, [record_id]).fetchone()
            if row is not None:
                hits.append((row[0], json.loads(row[1])))
        return hits

    def _candidates(self, form_id: str, field: str, key: str) -> Iterator[list[tuple[str, str]]]:
        # Equal keys, and keys contained in this one (a containment of four characters or
        # more counts as similar), are exact lookups of the key and of its substrings.
        probes = {key}
        if len(key) <= MAX_SUBSTRING_KEY:
            probes.update(
                key[i:j] for i in range(len(key)) for j in range(i + MIN_CONTAINED, len(key) + 1)
            )
        marks = ",".join("?" * len(probes))
        yield self.db.execute(
            f"SELECT record_id, key FROM record_keys WHERE form_id = ? AND field = ? AND kind = 'name' AND key IN ({marks})",
            [form_id, field, *sorted(probes)],
        ).fetchall()
        # Keys containing this one (four characters or more: similar by containment).
        query = (
            "SELECT k.record_id, k.key FROM name_search s JOIN record_keys k ON k.id = s.rowid "
            "WHERE name_search MATCH ? AND k.form_id = ? AND k.field = ? ORDER BY s.rowid DESC LIMIT ?"
        )
        if len(key) >= MIN_CONTAINED:
            yield self.db.execute(query, [_phrase(key), form_id, field, MAX_CANDIDATES]).fetchall()
        # Keys close to this one: a name similar enough differs in few places, so it holds
        # at least one of a few pieces of this key intact.
        pieces = _pieces(key)
        if pieces:
            yield self.db.execute(query, [" OR ".join(map(_phrase, pieces)), form_id, field, MAX_CANDIDATES]).fetchall()

    def attachment_exists(self, sha256: str) -> bool:
        return self.db.execute("SELECT 1 FROM attachments WHERE sha256 = ?", [sha256]).fetchone() is not None

    def exists(self, form_id: str, record_id: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM records WHERE record_id = ? AND form_id = ?", [str(record_id), form_id]
        ).fetchone() is not None


def absent_keys(db: sqlite_utils.Database, form_id: str, field: str, values: Iterable[Any]) -> set[tuple[str, str, str]]:
    """(form, field, key) for each exact key of ``values`` that no record holds for that field.

    One query per few hundred keys: an import checks thousands of rows, nearly all of them
    new, and asking the store once per row cost a third of checking one. A key found here
    is looked up as usual, so the rows that do repeat a record are reported as before.
    """
    keys = sorted({key for value in values if (key := fold_key(value))})
    held: set[str] = set()
    for start in range(0, len(keys), ABSENT_BATCH):
        part = keys[start : start + ABSENT_BATCH]
        held.update(row[0] for row in db.execute(
            "SELECT DISTINCT key FROM record_keys WHERE form_id = ? AND field = ? AND kind = 'exact' "
            f"AND key IN ({','.join('?' * len(part))})",
            [form_id, field, *part],
        ).fetchall())
    return {(form_id, field, key) for key in keys if key not in held}


def _may_be_similar(key: str, other: str) -> bool:
    # Cheap upper bounds of the similarity first (lengths, then characters in common, as
    # difflib's quick ratios): most candidates from a common piece fail them and never
    # reach the full comparison.
    shorter, longer = sorted((key, other), key=len)
    if len(shorter) >= MIN_CONTAINED and shorter in longer:
        return True
    total = len(key) + len(other)
    if 2 * len(shorter) < SIMILARITY_THRESHOLD * total:
        return False
    available: dict[str, int] = {}
    for char in key:
        available[char] = available.get(char, 0) + 1
    shared = 0
    for char in other:
        if available.get(char, 0) > 0:
            available[char] -= 1
            shared += 1
    return 2 * shared >= SIMILARITY_THRESHOLD * total


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _pieces(key: str) -> list[str]:
    """Disjoint pieces of the key, each at least three characters (a trigram).

    Two keys whose similarity reaches the threshold differ in at most about a third of this
    key's length; cutting the key into one more piece than that leaves one piece the other
    key holds unchanged (for keys long enough that each piece still has three characters).
    """
    if len(key) < 3:
        return []
    edits = int(len(key) * (1 - SIMILARITY_THRESHOLD) * 2.4)
    count = max(1, min(edits + 1, len(key) // 3))
    size = len(key) // count
    return [key[i * size : (i + 1) * size if i < count - 1 else len(key)] for i in range(count)]
