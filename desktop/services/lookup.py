"""The forms engine's view of this office's records, for duplicate and reference checks.

Implements the lookup protocol of ``forms.duplicates``: exact matches on a field, candidate
records for name similarity (narrowed through the trigram index rather than every record),
and whether a referenced record exists.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from forms.duplicates import name_key

MAX_SIMILAR_CANDIDATES = 200


class StoreLookup:
    def __init__(self, db: sqlite_utils.Database, *, similar: bool = True) -> None:
        self.db = db
        if not similar:
            # Exact duplicates only: the similar-name search only ever warns, and marking a
            # checked draft final (one or thousands) needs only what blocks.
            self.similar = None  # type: ignore[assignment,method-assign]

    def __call__(self, form_id: str, field: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
        if not isinstance(value, (str, int, float)) or not field.isidentifier():
            return []
        # Written versions-first so SQLite can use the expression index on credit codes.
        rows = self.db.query(
            "SELECT r.record_id, v.data FROM versions v JOIN records r ON r.current_version_id = v.version_id "
            f"WHERE json_extract(v.data, '$.{field}') = ? AND r.form_id = ?",
            [value, form_id],
        )
        return [(r["record_id"], json.loads(r["data"])) for r in rows]

    def similar(self, form_id: str, field: str, value: str) -> list[tuple[str, dict[str, Any]]]:
        key = name_key(value) if isinstance(value, str) else ""
        if len(key) < 3:
            return []
        # A similar name shares some of its three-character pieces; ask the index for
        # records holding any of a few spread across the name.
        grams = {key[i : i + 3] for i in range(0, len(key) - 2, max(1, (len(key) - 2) // 4))}
        query = " OR ".join('"' + g.replace('"', '""') + '"' for g in sorted(grams))
        rows = self.db.query(
            "SELECT r.record_id, v.data FROM record_search s JOIN records r ON r.rowid = s.rowid "
            "JOIN versions v ON v.version_id = r.current_version_id "
            "WHERE record_search MATCH ? AND r.form_id = ? LIMIT ?",
            [query, form_id, MAX_SIMILAR_CANDIDATES],
        )
        return [(r["record_id"], json.loads(r["data"])) for r in rows]

    def exists(self, form_id: str, record_id: str) -> bool:
        return next(self.db.query("SELECT 1 AS x FROM records WHERE record_id = ? AND form_id = ?", [str(record_id), form_id]), None) is not None
