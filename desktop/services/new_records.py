"""New records saved together: the rows worked out first, then written a table at a time.

Saving a record is mostly Python that needs no database: ids, canonical JSON and its hash,
the search text folded and cut into tokens, duplicate keys. ``prepare`` does that part on
the caller's thread, so an import can prepare one chunk while the office's writer saves the
one before. ``write`` (the writer's job) then inserts each table's rows with one multi-row
statement: SQLite runs it, encryption and the full-text indexes included, without holding
the GIL, so the two threads really overlap. Row per row, the writer would wait for the GIL
at every statement.

The rows are exactly those a single save writes (``RecordService.save_job`` uses this
too): timestamps and the history chain are taken inside the writer's transaction, as
before, so their order follows the commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.services.checking import Checked
from desktop.store.chain import HistoryEvent, append_history_many
from desktop.store.clock import utc_now
from desktop.store.ids import new_id
from desktop.store.search import short_tokens
from forms.canonical import canonical_json, content_hash_of_json
from forms.keys import fold_search

# The most parameters one statement takes: SQLite's default limit since 3.32.
MAX_PARAMETERS = 32_766


@dataclass(frozen=True)
class NewRecord:
    """One record's rows, but for their timestamps and rowids."""

    checked: Checked
    record_id: str
    version_id: str
    data: str  # canonical JSON
    content_hash: str
    search: str  # folded search text
    short: str  # its one- and two-character tokens
    keys: list[tuple[str, str, str]]  # (field, kind, key)


@dataclass(frozen=True)
class NewRecords:
    status: str
    org_unit: str
    user: str
    records: list[NewRecord]


def prepare(checked_items: list[Checked], status: str, *, org_unit: str, user: str) -> NewRecords:
    """Everything of saving ``checked_items`` as new records that needs no database."""
    made = []
    for checked in checked_items:
        data = canonical_json(checked.data)
        search = fold_search(checked.search_text)
        made.append(NewRecord(
            checked, new_id(), new_id(), data.decode("utf-8"),
            content_hash_of_json(checked.form_id, checked.form_version, data),
            search, short_tokens(search), [(k.field, k.kind, k.key) for k in checked.keys],
        ))
    return NewRecords(status, org_unit, user, made)


def write(db: Any, new: NewRecords) -> list[tuple[NewRecord, str]]:
    """Insert the prepared records (inside the writer's transaction); each with its time."""
    conn = db.conn
    status, org_unit, user = new.status, new.org_unit, new.user
    first = int(conn.execute("SELECT ifnull(max(rowid), 0) FROM records").fetchone()[0]) + 1
    times = [utc_now() for _ in new.records]
    _insert_rows(conn, "INSERT INTO versions (version_id, record_id, number, form_id, form_version, org_unit, status, "
                 "author, created_at, data, content_hash)",
                 [(r.version_id, r.record_id, 1, r.checked.form_id, r.checked.form_version, org_unit, status, user, now,
                   r.data, r.content_hash) for r, now in zip(new.records, times, strict=True)])
    _insert_rows(conn, "INSERT INTO records (rowid, record_id, form_id, form_version, status, status_reason, org_unit, "
                 "title, sector, direction, current_version_id, version_count, created_at, updated_at)",
                 [(first + i, r.record_id, r.checked.form_id, r.checked.form_version, status, None, org_unit,
                   r.checked.title, r.checked.sector, r.checked.direction, r.version_id, 1, now, now)
                  for i, (r, now) in enumerate(zip(new.records, times, strict=True))])
    # The search and key indexes go in after every record row: a records insert fires the
    # counting trigger, so it runs in a statement journal, and opening one makes each
    # full-text index write what it holds to disk. Written between the records, the
    # indexes would flush a one-record segment per record; written after them, they flush
    # once per chunk. The search rows share their record's rowid.
    _insert_rows(conn, "INSERT INTO record_search (rowid, record_id, body)",
                 [(first + i, r.record_id, r.search) for i, r in enumerate(new.records)])
    _insert_rows(conn, "INSERT INTO short_search (rowid, grams)",
                 [(first + i, r.short) for i, r in enumerate(new.records)])
    keys = [(r.record_id, r.checked.form_id, field, kind, key) for r in new.records for field, kind, key in r.keys]
    if keys:
        first_key = int(conn.execute("SELECT ifnull(max(id), 0) FROM record_keys").fetchone()[0]) + 1
        _insert_rows(conn, "INSERT INTO record_keys (id, record_id, form_id, field, kind, key)",
                     [(first_key + i, *row) for i, row in enumerate(keys)])
        _insert_rows(conn, "INSERT INTO name_search (rowid, key)",
                     [(first_key + i, row[4]) for i, row in enumerate(keys) if row[3] == "name"])
    events: list[HistoryEvent] = [(r.record_id, r.version_id, "create", status, user, now, {}, r.content_hash)
                                  for r, now in zip(new.records, times, strict=True)]
    append_history_many(db, events)
    return list(zip(new.records, times, strict=True))


def _insert_rows(conn: Any, insert: str, rows: list[tuple[Any, ...]]) -> None:
    """``insert`` (up to its column list) of ``rows``, as few multi-row statements.

    executemany runs a statement per row and gives the GIL up and takes it back for each;
    while the importer prepares the next chunk, taking it back waits for the importer's
    thread to yield it. One statement of many rows is one wait, and SQLite binds and
    inserts them all in C.
    """
    if not rows:
        return
    width = len(rows[0])
    group = "(" + ", ".join("?" * width) + ")"
    per = max(1, MAX_PARAMETERS // width)
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        conn.execute(f"{insert} VALUES {', '.join([group] * len(part))}", [value for row in part for value in row])
