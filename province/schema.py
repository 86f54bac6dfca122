"""The province's tables, as named migrations recorded in ``schema_migrations``.

Written once for both engines: ``BLOB`` becomes ``BYTEA`` and ``INTEGER`` becomes ``BIGINT``
on PostgreSQL. Migrations run at every start, under a lock, so several processes starting at
once on a fresh database apply each exactly once.
"""

from __future__ import annotations

import uuid

from province.clock import utc_now
from province.db import Database, Tx

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE province_keys (
    key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL, position INTEGER NOT NULL UNIQUE,
    created_at TEXT NOT NULL, rotation BLOB);
CREATE TABLE enrollment_codes (
    code_hash TEXT PRIMARY KEY, org_unit TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, used_at TEXT, device_id TEXT, public_key BLOB, reply BLOB);
CREATE TABLE devices (
    device_id TEXT PRIMARY KEY, org_unit TEXT NOT NULL, label TEXT NOT NULL,
    enrolled_at TEXT NOT NULL, revoked_at TEXT, revoke_reason TEXT,
    next_sequence INTEGER NOT NULL, last_batch_hash TEXT);
CREATE TABLE device_keys (
    key_id TEXT PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices (device_id),
    public_key BLOB NOT NULL, added_at TEXT NOT NULL, retired_from_sequence INTEGER,
    rotation BLOB);
CREATE INDEX device_keys_device ON device_keys (device_id);
CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices (device_id),
    sequence INTEGER NOT NULL, batch_hash TEXT NOT NULL, envelope BLOB NOT NULL,
    receipt BLOB NOT NULL, received_at TEXT NOT NULL, log_index INTEGER NOT NULL UNIQUE,
    accepted INTEGER NOT NULL, rejected INTEGER NOT NULL,
    UNIQUE (device_id, sequence));
CREATE TABLE record_versions (
    version_id TEXT PRIMARY KEY, record_id TEXT NOT NULL, form_id TEXT NOT NULL,
    form_version INTEGER NOT NULL, org_unit TEXT NOT NULL, status TEXT NOT NULL,
    data TEXT NOT NULL, content_hash TEXT NOT NULL, batch_id TEXT NOT NULL,
    device_id TEXT NOT NULL, received_at TEXT NOT NULL, log_index INTEGER NOT NULL);
CREATE INDEX record_versions_record ON record_versions (record_id, log_index);
CREATE TABLE records (
    record_id TEXT PRIMARY KEY, org_unit TEXT NOT NULL, form_id TEXT NOT NULL,
    current_version_id TEXT NOT NULL, updated_at TEXT NOT NULL,
    returned_version_id TEXT, return_reason TEXT, returned_at TEXT);
CREATE INDEX records_org_unit ON records (org_unit, form_id);
CREATE TABLE rejections (
    batch_id TEXT NOT NULL, position INTEGER NOT NULL, version_id TEXT NOT NULL,
    record_id TEXT NOT NULL, reasons TEXT NOT NULL, PRIMARY KEY (batch_id, position));
CREATE TABLE log_entries (
    log_index INTEGER PRIMARY KEY, leaf BLOB NOT NULL, leaf_hash BLOB NOT NULL,
    batch_id TEXT NOT NULL);
CREATE TABLE log_nodes (
    level INTEGER NOT NULL, node_index INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (level, node_index));
CREATE TABLE checkpoints (tree_size INTEGER PRIMARY KEY, envelope BLOB NOT NULL);
CREATE TABLE updates (
    update_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, audience TEXT NOT NULL,
    subject TEXT NOT NULL, envelope BLOB NOT NULL, published_at TEXT NOT NULL);
CREATE INDEX updates_audience ON updates (audience, update_id);
CREATE TABLE published (
    kind TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, content TEXT NOT NULL,
    content_hash TEXT NOT NULL, update_id INTEGER NOT NULL,
    PRIMARY KEY (kind, name, version));
"""),
    # The staff console: accounts, sessions, the action log, review decisions, duplicate
    # decisions, and the console's own index of current records (titles, duplicate keys,
    # cities) kept in step with the log so lists and totals stay SQL with indexes.
    ("0002_console", """
CREATE TABLE staff_users (
    username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, password_changed_at TEXT NOT NULL, disabled_at TEXT,
    failed_logins INTEGER NOT NULL, locked_until TEXT, last_login_at TEXT);
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES staff_users (username),
    csrf_token TEXT NOT NULL, created_at TEXT NOT NULL, last_seen TEXT NOT NULL,
    expires_at TEXT NOT NULL);
CREATE INDEX staff_sessions_user ON staff_sessions (username);
CREATE TABLE action_log (
    action_id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    subject TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE reviews (
    record_id TEXT PRIMARY KEY, version_id TEXT NOT NULL, state TEXT NOT NULL,
    actor TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE duplicate_decisions (
    form_id TEXT NOT NULL, dup_key TEXT NOT NULL, org_unit TEXT NOT NULL, actor TEXT NOT NULL,
    at TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (form_id, dup_key));
CREATE TABLE console_records (
    record_id TEXT PRIMARY KEY, form_id TEXT NOT NULL, org_unit TEXT NOT NULL,
    city TEXT NOT NULL, sector TEXT NOT NULL, direction TEXT NOT NULL, title TEXT NOT NULL,
    search TEXT NOT NULL, dup_key TEXT, version_id TEXT NOT NULL, first_received_at TEXT NOT NULL,
    received_at TEXT NOT NULL, log_index INTEGER NOT NULL, state TEXT NOT NULL);
CREATE INDEX console_records_list ON console_records (log_index, record_id);
CREATE INDEX console_records_city ON console_records (city, form_id, log_index, record_id);
CREATE INDEX console_records_unit ON console_records (org_unit, form_id, log_index, record_id);
CREATE INDEX console_records_form ON console_records (form_id, sector, log_index, record_id);
CREATE INDEX console_records_dup ON console_records (form_id, dup_key, org_unit);
CREATE TABLE duplicate_groups (
    form_id TEXT NOT NULL, dup_key TEXT NOT NULL, org_units INTEGER NOT NULL,
    records INTEGER NOT NULL, latest INTEGER NOT NULL, PRIMARY KEY (form_id, dup_key));
CREATE INDEX duplicate_groups_latest ON duplicate_groups (latest);
CREATE INDEX record_versions_log ON record_versions (log_index);
CREATE TABLE progress_cache (fingerprint TEXT PRIMARY KEY, computed_at TEXT NOT NULL,
    body TEXT NOT NULL);
"""),
    # One-time nonces of signed read requests, once used (see province.freshness).
    ("0003_used_nonces", """
CREATE TABLE used_nonces (
    nonce TEXT PRIMARY KEY, device_id TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE INDEX used_nonces_device ON used_nonces (device_id, expires_at);
"""),
    # A version's place in the log is its batch's (batches.log_index): storing it with each
    # version meant taking the log's lock before storing the versions.
    ("0004_versions_without_log_index", """
DROP INDEX record_versions_log;
DROP INDEX record_versions_record;
ALTER TABLE record_versions DROP COLUMN log_index;
CREATE INDEX record_versions_record ON record_versions (record_id);
CREATE INDEX record_versions_batch ON record_versions (batch_id);
"""),
    # Progress kept as running totals (see province.console.tally); the console's index is
    # rebuilt once so every current record is judged.
    ("0005_progress_totals", """
CREATE TABLE progress_records (record_id TEXT PRIMARY KEY, kind TEXT NOT NULL);
CREATE TABLE progress_facts (
    record_id TEXT NOT NULL, target TEXT NOT NULL, reason TEXT NOT NULL, bucket TEXT NOT NULL,
    win_from TEXT, win_until TEXT, dkey TEXT NOT NULL, org_unit TEXT NOT NULL,
    city TEXT NOT NULL, sector TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (record_id, target));
CREATE INDEX progress_facts_key ON progress_facts (target, dkey, bucket);
CREATE INDEX progress_facts_days ON progress_facts (bucket, win_from);
CREATE TABLE progress_totals (
    target TEXT NOT NULL, bucket TEXT NOT NULL, scope TEXT NOT NULL, name TEXT NOT NULL,
    counted INTEGER NOT NULL, amount DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (target, bucket, scope, name));
DROP TABLE progress_cache;
UPDATE meta SET value = '-1' WHERE key = 'console_indexed'
"""),
    # A target may count another form's records where its own form has none (an enterprise's
    # own revenue where it filed no annual report): a fact says which it is. Judged again.
    ("0006_progress_fallback", """
ALTER TABLE progress_facts ADD COLUMN source_rank INTEGER NOT NULL DEFAULT 0;
UPDATE meta SET value = '-1' WHERE key = 'console_indexed'
"""),
    # Evidence files, uploaded in chunks by each device (see province.uploads); the chunks of a
    # complete upload are the file.
    ("0007_attachments", """
CREATE TABLE attachment_uploads (
    device_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, media_type TEXT NOT NULL,
    received INTEGER NOT NULL, started_at TEXT NOT NULL, completed_at TEXT,
    PRIMARY KEY (device_id, sha256));
CREATE TABLE attachment_chunks (
    device_id TEXT NOT NULL, sha256 TEXT NOT NULL, chunk_offset INTEGER NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (device_id, sha256, chunk_offset))
"""),
]


def _ddl(db: Database, script: str) -> list[str]:
    if db.dialect == "postgres":
        script = script.replace("BLOB", "BYTEA").replace("INTEGER", "BIGINT")
    return [s.strip() for s in script.split(";") if s.strip()]


def migrate(db: Database) -> list[str]:
    """Apply the migrations not yet applied; return their names."""

    def work(tx: Tx) -> list[str]:
        if db.dialect == "postgres":
            # Serialise concurrent starters; the lock ends with the transaction.
            tx.execute("SELECT pg_advisory_xact_lock(6962)")
        tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                   "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {r[0] for r in tx.rows("SELECT name FROM schema_migrations")}
        applied = []
        for name, script in MIGRATIONS:
            if name in done:
                continue
            for statement in _ddl(db, script):
                tx.execute(statement)
            tx.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                       [name, utc_now()])
            applied.append(name)
        if "0001_initial" in applied:
            tx.execute("INSERT INTO meta (key, value) VALUES ('log_id', ?)",
                       [f"anhui-province/{uuid.uuid4()}"])
            tx.execute("INSERT INTO counters (name, value) VALUES ('log', 0), ('updates', 0)")
        if "0002_console" in applied:
            tx.execute("INSERT INTO counters (name, value) VALUES ('actions', 0)")
            tx.execute("INSERT INTO meta (key, value) VALUES ('console_indexed', '-1')")
        if "0005_progress_totals" in applied and db.dialect == "postgres":
            _trigram_indexes(tx)
        return applied

    return db.run(work)


def _trigram_indexes(tx: Tx) -> None:
    """Substring search (the 记录 page's) by trigram indexes, where PostgreSQL offers them.

    pg_trgm sees Chinese characters as letters only in a database whose LC_CTYPE is a UTF-8
    locale (C.UTF-8, zh_CN.UTF-8); elsewhere, or without the extension, search still works,
    by reading every record.
    """
    tx.execute("SAVEPOINT trigram")
    try:
        tx.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        tx.execute("CREATE INDEX console_records_search ON console_records "
                   "USING gin (search gin_trgm_ops)")
        tx.execute("CREATE INDEX console_records_title ON console_records "
                   "USING gin (title gin_trgm_ops)")
    except Exception:  # no extension or no right to add it: search reads every record
        tx.execute("ROLLBACK TO SAVEPOINT trigram")
    tx.execute("RELEASE SAVEPOINT trigram")
