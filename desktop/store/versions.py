"""Appending record versions at the store level, for the services and for migrations."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from desktop.store.ids import new_id


def declare_final(db: sqlite_utils.Database, version: dict[str, Any], author: str, now: str) -> dict[str, Any]:
    """Append a final copy of ``version`` (data, content hash and form version unchanged) and
    make it its record's current version; runs inside the caller's write transaction.

    A record's status is the state of its current version: a record made final must show a
    version that declares itself final, because that version is what the outbox sends.
    """
    record_id = version["record_id"]
    number = int(next(db.query("SELECT version_count FROM records WHERE record_id = ?", [record_id]))["version_count"]) + 1
    row = dict(version, version_id=new_id(), number=number, status="final", author=author, created_at=now)
    columns = ", ".join(row)
    db.execute(f"INSERT INTO versions ({columns}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
    db.execute(
        "UPDATE records SET current_version_id = ?, version_count = ? WHERE record_id = ?",
        [row["version_id"], number, record_id],
    )
    return row
