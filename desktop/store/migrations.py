"""Numbered schema migrations, recorded in the database, with a backup before each run.

A migration is a function taking the open database; it runs inside one write
transaction together with the row that records it, so it is applied fully or not at all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from desktop.store.chain import append_history
from desktop.store.clock import utc_now
from desktop.store.connection import write_transaction
from desktop.store.keys import rebuild_keys
from desktop.store.search import short_tokens
from desktop.store.versions import declare_final


def _m1_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('admin', 'clerk')),
            created_at TEXT NOT NULL,
            created_by TEXT
        );
        CREATE TABLE records (
            record_id TEXT PRIMARY KEY,
            form_id TEXT NOT NULL,
            form_version INTEGER NOT NULL,
            status TEXT NOT NULL,
            status_reason TEXT,
            org_unit TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            sector TEXT,
            direction TEXT,
            current_version_id TEXT NOT NULL,
            version_count INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX records_form_status ON records (form_id, status);
        CREATE INDEX records_form_updated ON records (form_id, updated_at);
        CREATE TABLE versions (
            version_id TEXT PRIMARY KEY,
            record_id TEXT NOT NULL REFERENCES records (record_id) DEFERRABLE INITIALLY DEFERRED,
            number INTEGER NOT NULL,
            form_id TEXT NOT NULL,
            form_version INTEGER NOT NULL,
            org_unit TEXT NOT NULL,
            status TEXT NOT NULL,
            author TEXT NOT NULL,
            created_at TEXT NOT NULL,
            data TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            UNIQUE (record_id, number)
        );
        CREATE TABLE history (
            seq INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL,
            version_id TEXT,
            event TEXT NOT NULL,
            status TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            entry_hash TEXT NOT NULL
        );
        CREATE INDEX history_record ON history (record_id, seq);
        -- Versions and history are append-only; these refuse ordinary edits (tampering
        -- that gets past them is caught by the hash chain in `check`).
        CREATE TRIGGER versions_no_update BEFORE UPDATE ON versions
            BEGIN SELECT RAISE(ABORT, 'record versions are immutable'); END;
        CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
            BEGIN SELECT RAISE(ABORT, 'record versions are immutable'); END;
        CREATE TRIGGER history_no_update BEFORE UPDATE ON history
            BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
        CREATE TRIGGER history_no_delete BEFORE DELETE ON history
            BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
        -- Trigram tokens find Chinese substrings of three characters or more through
        -- the index; shorter queries fall back to LIKE over the same table.
        CREATE VIRTUAL TABLE record_search USING fts5 (
            record_id UNINDEXED, body, tokenize = 'trigram'
        );
        """
    )


def _m2_autosave(db: sqlite_utils.Database) -> None:
    # Typed-but-unsaved editor contents, kept inside the encrypted file (never a plaintext
    # temp file) so a crash, a power cut or an idle lock loses nothing.
    db.executescript(
        """
        CREATE TABLE autosave (
            slot TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            form_id TEXT NOT NULL,
            record_id TEXT,
            data TEXT NOT NULL,
            saved_at TEXT NOT NULL
        );
        """
    )


def _m3_sync(db: sqlite_utils.Database) -> None:
    # Everything the office holds for sync lives in the encrypted file: the device's private
    # key, the batches exactly as signed (resent byte-for-byte), every receipt and update.
    db.executescript(
        """
        CREATE TABLE device (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            private_key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            device_id TEXT,
            endpoint TEXT,
            ca_bundle TEXT,
            enrolled_at TEXT,
            enrollment_reply BLOB
        );
        CREATE TABLE province_keys (
            position INTEGER PRIMARY KEY,
            public_key TEXT NOT NULL UNIQUE,
            added_at TEXT NOT NULL
        );
        CREATE TABLE key_rotation (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            new_private_key TEXT NOT NULL,
            statement BLOB NOT NULL,
            started_at TEXT NOT NULL
        );
        CREATE TABLE outbox (
            version_id TEXT PRIMARY KEY,
            record_id TEXT NOT NULL,
            queued_at TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'batched', 'accepted', 'rejected')),
            batch_sequence INTEGER,
            reasons TEXT
        );
        CREATE INDEX outbox_state ON outbox (state, queued_at);
        CREATE TABLE batches (
            sequence INTEGER PRIMARY KEY,
            batch_id TEXT NOT NULL UNIQUE,
            envelope BLOB NOT NULL,
            batch_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            acknowledged_at TEXT
        );
        CREATE TABLE receipts (
            id INTEGER PRIMARY KEY,
            sequence INTEGER NOT NULL,
            batch_id TEXT NOT NULL,
            receipt BLOB NOT NULL,
            received_at TEXT NOT NULL,
            accepted INTEGER NOT NULL,
            rejected INTEGER NOT NULL
        );
        CREATE TABLE checkpoints (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            envelope BLOB NOT NULL,
            saved_at TEXT NOT NULL
        );
        CREATE TABLE updates (
            update_id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            audience TEXT NOT NULL,
            published_at TEXT NOT NULL,
            body TEXT NOT NULL,
            envelope BLOB NOT NULL,
            applied_at TEXT NOT NULL
        );
        CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


def _m4_lookup_indexes(db: sqlite_utils.Database) -> None:
    # Duplicate checks look records up by credit code on every save and import row.
    db.executescript(
        """
        CREATE INDEX records_current_version ON records (current_version_id);
        CREATE INDEX versions_credit_code ON versions (json_extract(data, '$.credit_code'));
        """
    )


def _m5_final_versions(db: sqlite_utils.Database) -> None:
    # Records made final before finalizing made a final version still show their draft
    # version, which the outbox would send declaring "draft". Each such record not yet in a
    # batch gets a final copy of that version (same data and content hash) and the outbox
    # queues the copy; versions already in a batch keep their bytes, as sent.
    rows = list(db.query(
        "SELECT r.record_id, r.status, v.* FROM records r JOIN versions v ON v.version_id = r.current_version_id "
        "WHERE r.status IN ('final', 'queued') AND v.status != 'final' AND NOT EXISTS ("
        "SELECT 1 FROM outbox o WHERE o.version_id = v.version_id AND o.state != 'pending') ORDER BY r.rowid"
    ))
    for row in rows:
        status = row.pop("status")
        version = next(db.query("SELECT * FROM versions WHERE version_id = ?", [row["version_id"]]))
        now = utc_now()
        final = declare_final(db, version, "system", now)
        db.execute("UPDATE outbox SET version_id = ? WHERE version_id = ?", [final["version_id"], version["version_id"]])
        append_history(db, row["record_id"], final["version_id"], "finalize", status, "system", now, {}, final["content_hash"])


def _m6_disabled_users(db: sqlite_utils.Database) -> None:
    # A disabled user keeps their row (their name is on what they entered) but cannot sign in.
    db.executescript(
        """
        ALTER TABLE users ADD COLUMN disabled_at TEXT;
        ALTER TABLE users ADD COLUMN disabled_by TEXT;
        """
    )


def _m7_audit_anchors(db: sqlite_utils.Database) -> None:
    # What an audit export needs to be checked from the province's key alone: the newest
    # chain-head statement, the consistency proofs checked between signed checkpoints, and
    # every key rotation statement (device and province) with the keys they link.
    db.executescript(
        """
        CREATE TABLE chain_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            envelope BLOB NOT NULL,
            saved_at TEXT NOT NULL
        );
        CREATE TABLE log_consistency (
            id INTEGER PRIMARY KEY,
            older BLOB NOT NULL,
            newer BLOB NOT NULL,
            proof TEXT NOT NULL,
            saved_at TEXT NOT NULL
        );
        CREATE TABLE device_key_rotations (
            from_sequence INTEGER PRIMARY KEY,
            old_public_key TEXT NOT NULL,
            statement BLOB NOT NULL,
            finished_at TEXT NOT NULL
        );
        CREATE TABLE province_key_rotations (
            statement BLOB PRIMARY KEY,
            saved_at TEXT NOT NULL
        );
        """
    )


def _m8_indexed_lookups(db: sqlite_utils.Database) -> None:
    # Saving, searching, listing and syncing must cost the same in an office of 100
    # records and of 100,000: duplicate checks read keys kept beside each record
    # (desktop.store.keys), one- and two-character searches have their own index
    # (desktop.store.search), each list order has an index that pages by keyset, counts are
    # kept rather than counted, and the outbox is read in queue (rowid) order and by batch
    # without sorting or scanning.
    db.executescript(
        """
        CREATE TABLE record_keys (
            id INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL,
            form_id TEXT NOT NULL,
            field TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('exact', 'name')),
            key TEXT NOT NULL
        );
        CREATE INDEX record_keys_key ON record_keys (form_id, field, kind, key);
        CREATE INDEX record_keys_record ON record_keys (record_id);
        CREATE VIRTUAL TABLE name_search USING fts5 (
            key, tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1
        );
        CREATE VIRTUAL TABLE short_search USING fts5 (
            grams, tokenize = 'unicode61 remove_diacritics 0', detail = 'none', content = '', contentless_delete = 1
        );
        DROP INDEX versions_credit_code;
        DROP INDEX records_form_updated;
        CREATE INDEX records_updated ON records (updated_at, record_id);
        CREATE INDEX records_form_updated ON records (form_id, updated_at, record_id);
        CREATE INDEX records_form_title ON records (form_id, title, record_id);
        DROP INDEX records_form_status;
        CREATE INDEX records_status ON records (status, form_id);
        DROP INDEX outbox_state;
        CREATE INDEX outbox_state ON outbox (state);
        CREATE INDEX outbox_batch ON outbox (batch_sequence);
        -- How many records each form has in each status and sector, kept by triggers in the
        -- transaction that changes a record: the overview and the navigation read a handful
        -- of rows here instead of every record (which a cold start would read from disk).
        CREATE TABLE record_counts (
            form_id TEXT NOT NULL,
            status TEXT NOT NULL,
            sector TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (form_id, status, sector)
        ) WITHOUT ROWID;
        INSERT INTO record_counts (form_id, status, sector, n)
            SELECT form_id, status, ifnull(sector, ''), count(*) FROM records GROUP BY 1, 2, 3;
        CREATE TRIGGER records_counted AFTER INSERT ON records BEGIN
            INSERT INTO record_counts (form_id, status, sector, n) VALUES (new.form_id, new.status, ifnull(new.sector, ''), 1)
                ON CONFLICT (form_id, status, sector) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER records_recounted AFTER UPDATE OF form_id, status, sector ON records
            WHEN old.form_id IS NOT new.form_id OR old.status IS NOT new.status OR old.sector IS NOT new.sector
        BEGIN
            UPDATE record_counts SET n = n - 1
                WHERE form_id = old.form_id AND status = old.status AND sector = ifnull(old.sector, '');
            INSERT INTO record_counts (form_id, status, sector, n) VALUES (new.form_id, new.status, ifnull(new.sector, ''), 1)
                ON CONFLICT (form_id, status, sector) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER records_uncounted AFTER DELETE ON records BEGIN
            UPDATE record_counts SET n = n - 1
                WHERE form_id = old.form_id AND status = old.status AND sector = ifnull(old.sector, '');
        END;
        """
    )
    after = 0
    while True:
        rows = db.execute("SELECT rowid, body FROM record_search WHERE rowid > ? ORDER BY rowid LIMIT 2000", [after]).fetchall()
        if not rows:
            break
        for rowid, body in rows:
            db.execute("INSERT INTO short_search (rowid, grams) VALUES (?, ?)", [rowid, short_tokens(body)])
        after = rows[-1][0]
    if db.execute("SELECT 1 FROM records LIMIT 1").fetchone():
        from forms.registry import load_registry

        rebuild_keys(db, load_registry(_published_forms(db)))


def _m9_attachments(db: sqlite_utils.Database) -> None:
    # Evidence files live inside the encrypted database, as everything else the office
    # holds: no file of them exists in plaintext on disk, and a backup of office.db carries
    # them. Stored once per content (SHA-256), in pieces so that reading one never needs the
    # whole file in memory, and never changed or removed (a version that names a file is
    # immutable, so must the file be).
    db.executescript(
        """
        CREATE TABLE attachments (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            media_type TEXT NOT NULL,
            pieces INTEGER NOT NULL,
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL
        );
        CREATE TABLE attachment_pieces (
            sha256 TEXT NOT NULL REFERENCES attachments (sha256) DEFERRABLE INITIALLY DEFERRED,
            n INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (sha256, n)
        );
        CREATE TRIGGER attachments_no_update BEFORE UPDATE ON attachments
            BEGIN SELECT RAISE(ABORT, 'attachments are immutable'); END;
        CREATE TRIGGER attachments_no_delete BEFORE DELETE ON attachments
            BEGIN SELECT RAISE(ABORT, 'attachments are immutable'); END;
        CREATE TRIGGER attachment_pieces_no_update BEFORE UPDATE ON attachment_pieces
            BEGIN SELECT RAISE(ABORT, 'attachments are immutable'); END;
        CREATE TRIGGER attachment_pieces_no_delete BEFORE DELETE ON attachment_pieces
            BEGIN SELECT RAISE(ABORT, 'attachments are immutable'); END;
        -- How far each file's upload to the province has come: the bytes it acknowledged.
        CREATE TABLE attachment_uploads (
            sha256 TEXT PRIMARY KEY REFERENCES attachments (sha256),
            acknowledged INTEGER NOT NULL,
            completed_at TEXT
        );
        """
    )


def _m10_export_order(db: sqlite_utils.Database) -> None:
    # The audit export writes each form's records in the order they were created: with this
    # index it streams them, where a sort held every record's data in memory at once.
    db.execute("CREATE INDEX records_form_created ON records (form_id, created_at, record_id)")
    # Every check of a name searches name_search (the editor's on a reader whose page cache
    # the last save emptied): each segment of the index costs a few page reads (and
    # decryptions) per trigram. FTS5 merges segments once four share a level; merged at
    # two, with the index merged whole once here (a fraction of a second at 100,000
    # names), a check of a new enterprise in an office of 100,000 read 51 pages instead
    # of 124, for a little more merging on save.
    db.execute("INSERT INTO name_search (name_search, rank) VALUES ('automerge', 2)")
    db.execute("INSERT INTO name_search (name_search) VALUES ('optimize')")


def _published_forms(db: sqlite_utils.Database) -> Path | None:
    # The forms the province published live beside the database (desktop.services.updates).
    main = next((row[2] for row in db.execute("PRAGMA database_list").fetchall() if row[1] == "main"), "")
    return Path(main).parent / "published" if main else None


Migration = tuple[int, str, Callable[[sqlite_utils.Database], None]]

MIGRATIONS: list[Migration] = [
    (1, "initial schema", _m1_initial),
    (2, "editor autosave", _m2_autosave),
    (3, "sync: device, outbox, batches, receipts, updates", _m3_sync),
    (4, "indexes for duplicate lookups", _m4_lookup_indexes),
    (5, "final records show final versions", _m5_final_versions),
    (6, "users can be disabled", _m6_disabled_users),
    (7, "audit anchors: chain head, consistency proofs, key rotations", _m7_audit_anchors),
    (8, "duplicate keys, short-term search and list indexes", _m8_indexed_lookups),
    (9, "encrypted evidence attachments", _m9_attachments),
    (10, "records in the order the audit export writes them; name search merged tighter", _m10_export_order),
]


def applied(db: sqlite_utils.Database) -> set[int]:
    if "_migrations" not in db.table_names():
        return set()
    return {row["number"] for row in db.query("SELECT number FROM _migrations")}


def migrate(
    db: sqlite_utils.Database,
    backups: Path,
    migrations: list[Migration] | None = None,
) -> list[int]:
    """Apply pending migrations in order; return the numbers applied.

    An existing database is copied (still encrypted) to ``backups`` first, so a failed
    or faulty migration never costs the office its data.
    """
    migrations = MIGRATIONS if migrations is None else migrations
    done = applied(db)
    pending = [m for m in sorted(migrations) if m[0] not in done]
    if not pending:
        return []
    if done:
        backup_copy(db, backups, f"before-migration-{pending[0][0]}")
    with write_transaction(db):
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations "
            "(number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
    for number, name, apply in pending:
        with write_transaction(db):
            apply(db)
            db.execute(
                "INSERT INTO _migrations (number, name, applied_at) VALUES (?, ?, ?)",
                [number, name, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())],
            )
    return [m[0] for m in pending]


def backup_copy(db: sqlite_utils.Database, backups: Path, label: str) -> Path:
    """Copy the database into ``backups``: one file, encrypted with the same key and salt,
    so the office's key file opens it as it opens the store.

    SQLite writes the copy (``VACUUM INTO``) rather than Python copying the file: closing
    our own descriptor of the open database would drop SQLite's locks on it (see
    ``connection.file_salt``).
    """
    backups.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = backups / f"office-{stamp}-{label}.db"
    # One name for an unfinished copy, so a failed one (a full disk) is replaced by the next
    # attempt rather than left beside it; made empty and private before SQLite fills it.
    partial = backups / "backup-in-progress.partial"
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    db.execute("VACUUM INTO ?", [str(partial)])
    partial.replace(target)
    _fsync_dir(backups)
    return target


def _fsync_dir(folder: Path) -> None:
    # The rename is durable once the folder's entry is on disk (POSIX; Windows has no need).
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
