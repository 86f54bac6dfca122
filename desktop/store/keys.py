"""Each record's duplicate keys, kept beside its current version for indexed lookups.

Validation asks "which records of this form share this key?" on every save and import row.
Answering from ``record_keys`` (and ``name_search``, a trigram index over name keys for
near repeats) rather than from the versions keeps a save's cost flat however many records
the office holds. The keys are written in the same transaction as the version they
describe, so they never disagree with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from forms.errors import UnknownForm

if TYPE_CHECKING:
    from forms.duplicates import RecordKey
    from forms.registry import Registry


def replace_keys(db: Any, record_id: str, form_id: str, keys: Iterable[RecordKey], *, new: bool = False) -> None:
    """Make ``keys`` the keys of ``record_id`` (inside the caller's write transaction);
    ``new`` says the record has none yet."""
    if not new:
        db.execute(
            "DELETE FROM name_search WHERE rowid IN (SELECT id FROM record_keys WHERE record_id = ? AND kind = 'name')",
            [record_id],
        )
        db.execute("DELETE FROM record_keys WHERE record_id = ?", [record_id])
    for key in keys:
        cursor = db.execute(
            "INSERT INTO record_keys (record_id, form_id, field, kind, key) VALUES (?, ?, ?, ?, ?)",
            [record_id, form_id, key.field, key.kind, key.key],
        )
        if key.kind == "name":
            db.execute("INSERT INTO name_search (rowid, key) VALUES (?, ?)", [cursor.lastrowid, key.key])


def rebuild_keys(db: Any, registry: Registry) -> int:
    """Recompute every record's keys from its current version (a migration's back-fill).

    Records of a form the registry does not know get no keys; they are found again once
    they are saved under a known form. Returns how many records got keys.
    """
    from forms.duplicates import record_keys  # the name folding, only when keys are computed

    db.execute("DELETE FROM name_search")
    db.execute("DELETE FROM record_keys")
    done, after = 0, 0
    while True:
        # A page at a time by rowid: a large office's versions never sit in memory at once.
        rows = db.execute(
            "SELECT r.rowid, r.record_id, r.form_id, r.form_version, v.data FROM records r "
            "JOIN versions v ON v.version_id = r.current_version_id WHERE r.rowid > ? ORDER BY r.rowid LIMIT 2000",
            [after],
        ).fetchall()
        if not rows:
            return done
        for rowid, record_id, form_id, form_version, data in rows:
            after = rowid
            try:
                form = registry.form(form_id, form_version)
            except UnknownForm:
                continue
            keys = record_keys(form, json.loads(data))
            if keys:
                replace_keys(db, record_id, form_id, keys, new=True)
                done += 1
