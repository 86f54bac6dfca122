"""The hash-chained history: each entry commits to the one before it.

``entry_hash = sha256(canonical_json(entry without entry_hash))`` and every entry carries
the previous entry's hash, starting from a genesis value bound to the office id. Editing,
removing or reordering any entry breaks every hash after it, which ``check`` reports.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from forms.canonical import canonical_json, sha256_hex


def genesis_hash(office_id: str) -> str:
    return sha256_hex(f"anhui-collect history genesis|{office_id}".encode())


def entry_hash(entry: dict[str, Any]) -> str:
    """Hash of one history entry as stored (``detail`` as its JSON text)."""
    fields = {k: entry[k] for k in HASHED_FIELDS}
    return sha256_hex(canonical_json(fields))


HASHED_FIELDS = ("seq", "record_id", "version_id", "content_hash", "event", "status", "actor", "at", "detail", "prev_hash")


def head(db: sqlite_utils.Database) -> tuple[int, str]:
    """The last entry's sequence number and hash (0 and the genesis hash when empty)."""
    # Plain execute, not sqlite-utils' query(): that wraps each read in a SAVEPOINT, and
    # a savepoint makes every FTS5 table flush its pending writes into a new segment.
    row = db.execute("SELECT seq, entry_hash FROM history ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        office_id = db.execute("SELECT value FROM meta WHERE key = 'office_id'").fetchone()[0]
        return 0, genesis_hash(office_id)
    return int(row[0]), str(row[1])


HistoryEvent = tuple[str, str | None, str, str, str, str, dict[str, Any], str | None]
"""(record_id, version_id, event, status, actor, at, detail, version_hash), as append_history takes them."""


def append_history(
    db: sqlite_utils.Database,
    record_id: str,
    version_id: str | None,
    event: str,
    status: str,
    actor: str,
    at: str,
    detail: dict[str, Any],
    version_hash: str | None,
) -> str:
    """Append one entry; must run inside the caller's write transaction."""
    return append_history_many(db, [(record_id, version_id, event, status, actor, at, detail, version_hash)])


def append_history_many(db: sqlite_utils.Database, events: list[HistoryEvent]) -> str:
    """Append entries in order, chained as one by one (inside the caller's transaction).

    One statement for all of them: a sync settles hundreds of records per receipt.
    Returns the new head's hash.
    """
    seq, prev = head(db)
    rows = []
    for record_id, version_id, event, status, actor, at, detail, version_hash in events:
        seq += 1
        entry = {
            "seq": seq,
            "record_id": record_id,
            "version_id": version_id,
            "content_hash": version_hash,
            "event": event,
            "status": status,
            "actor": actor,
            "at": at,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else "{}",
            "prev_hash": prev,
        }
        digest = entry_hash(entry)
        rows.append((seq, record_id, version_id, event, status, actor, at, entry["detail"], prev, digest))
        prev = digest
    db.conn.executemany(
        "INSERT INTO history (seq, record_id, version_id, event, status, actor, at, detail, prev_hash, entry_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return prev
