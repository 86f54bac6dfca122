"""A plain-SQLite office store implementing ``sync.office.OfficeSyncStore`` for the tests.

It is what the real (encrypted) office store must do, minus the encryption: every method is
one transaction, batches are stored as bytes before they are sent, receipts are kept. Being a
file, it survives the client process being killed, which the crash tests rely on.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from sync.chainhead import HistoryHead
from sync.keys import Ed25519PrivateKey, private_key_from_pem, private_key_to_pem
from sync.office import Consistency, DeviceCredentials, PendingUpload, SignedUpdate, StoredBatch
from sync.protocol import Receipt, RecordVersion
from sync.receipts import batch_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS versions (
    version_id TEXT PRIMARY KEY, position INTEGER, body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending', batch_id TEXT, reasons TEXT);
CREATE INDEX IF NOT EXISTS versions_state ON versions (state, position);
CREATE INDEX IF NOT EXISTS versions_batch ON versions (batch_id);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY, sequence INTEGER UNIQUE, envelope BLOB NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS receipts (id INTEGER PRIMARY KEY, batch_id TEXT, receipt BLOB);
CREATE TABLE IF NOT EXISTS updates (update_id INTEGER PRIMARY KEY, kind TEXT, body TEXT,
    envelope BLOB);
"""


class OfficeDouble:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.executescript(SCHEMA)

    # -- helpers for tests -------------------------------------------------------------
    def _tx(self) -> Any:
        conn = self.conn

        class Tx:
            def __enter__(self) -> sqlite3.Connection:
                conn.execute("BEGIN IMMEDIATE")
                return conn

            def __exit__(self, exc_type: Any, *rest: Any) -> None:
                conn.execute("ROLLBACK" if exc_type else "COMMIT")

        return Tx()

    def get(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def put(self, conn: sqlite3.Connection, key: str, value: str | None) -> None:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    def setup(self, device_id: str, key: Ed25519PrivateKey, province_keys: list[str],
              org_unit: str) -> None:
        with self._tx() as c:
            self.put(c, "device_id", device_id)
            self.put(c, "device_key", private_key_to_pem(key).decode())
            self.put(c, "province_keys", json.dumps(province_keys))
            self.put(c, "org_unit", org_unit)

    def add_versions(self, versions: list[RecordVersion]) -> None:
        with self._tx() as c:
            start = c.execute("SELECT COALESCE(MAX(position), 0) FROM versions").fetchone()[0]
            c.executemany("INSERT INTO versions (version_id, position, body) VALUES (?, ?, ?)",
                          [(v.version_id, start + i + 1, json.dumps(v.to_json(), ensure_ascii=False))
                           for i, v in enumerate(versions)])

    def states(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT version_id, state FROM versions").fetchall())

    def receipts(self) -> list[bytes]:
        return [bytes(r[0]) for r in self.conn.execute("SELECT receipt FROM receipts ORDER BY id")]

    def copy_to(self, path: Path) -> OfficeDouble:
        """A backup of the store (as an office restoring from last week's copy would have)."""
        dest = sqlite3.connect(path)
        self.conn.backup(dest)
        dest.close()
        return OfficeDouble(path)

    # -- OfficeSyncStore -----------------------------------------------------------------
    def device(self) -> DeviceCredentials:
        return DeviceCredentials(str(self.get("device_id")),
                                 private_key_from_pem(str(self.get("device_key")).encode()))

    def province_keys(self) -> list[str]:
        return list(json.loads(self.get("province_keys") or "[]"))

    def trust_province_keys(self, keys: list[str], rotations: Any = ()) -> None:
        with self._tx() as c:
            self.put(c, "province_keys", json.dumps(keys))

    def pending_count(self) -> int:
        return int(self.conn.execute(
            "SELECT COUNT(*) FROM versions WHERE state IN ('pending', 'batched')").fetchone()[0])

    def pending_attachments(self) -> list[PendingUpload]:
        return []  # the double's records name no files (the office's own store does)

    def attachment_range(self, sha256: str, offset: int, length: int) -> bytes:
        raise AssertionError("the double holds no files")

    def save_upload_progress(self, sha256: str, received: int, complete: bool) -> None:
        raise AssertionError("the double holds no files")

    def pending_versions(self, limit: int) -> list[RecordVersion]:
        rows = self.conn.execute("SELECT body FROM versions WHERE state = 'pending' "
                                 "ORDER BY position LIMIT ?", [limit]).fetchall()
        return [RecordVersion.from_json(json.loads(r[0])) for r in rows]

    def next_batch_position(self) -> tuple[int, str | None]:
        last = self.conn.execute("SELECT sequence, envelope FROM batches "
                                 "ORDER BY sequence DESC LIMIT 1").fetchone()
        base = self.get("rebase")
        if base:
            seq, prev = json.loads(base)
            if last is None or seq > last[0]:
                return int(seq), prev
        if last is None:
            return 1, None
        return int(last[0]) + 1, batch_hash(bytes(last[1]))

    def save_batch(self, batch: StoredBatch) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO batches (batch_id, sequence, envelope) VALUES (?, ?, ?)",
                      [batch.batch_id, batch.sequence, batch.envelope])
            for vid in batch.version_ids:
                c.execute("UPDATE versions SET state = 'batched', batch_id = ? "
                          "WHERE version_id = ? AND state = 'pending'", [batch.batch_id, vid])

    def unacknowledged_batches(self) -> list[StoredBatch]:
        rows = self.conn.execute("SELECT batch_id, sequence, envelope FROM batches "
                                 "WHERE acknowledged = 0 ORDER BY sequence").fetchall()
        out = []
        for batch_id, seq, env in rows:
            vids = tuple(r[0] for r in self.conn.execute(
                "SELECT version_id FROM versions WHERE batch_id = ?", [batch_id]))
            out.append(StoredBatch(batch_id, int(seq), bytes(env), vids))
        return out

    def batch_envelope(self, sequence: int) -> bytes | None:
        row = self.conn.execute("SELECT envelope FROM batches WHERE sequence = ?",
                                [sequence]).fetchone()
        return None if row is None else bytes(row[0])

    def save_receipt(self, batch: StoredBatch, receipt: Receipt, receipt_bytes: bytes, *,
                     checkpoint: bytes | None = None, consistency: Consistency | None = None) -> None:
        with self._tx() as c:
            if consistency is not None:
                older, newer, proof = consistency
                self.put(c, "consistency", json.dumps([older.decode(), newer.decode(), proof]))
            if checkpoint is not None:
                self.put(c, "checkpoint", checkpoint.decode())
            c.execute("INSERT INTO receipts (batch_id, receipt) VALUES (?, ?)",
                      [batch.batch_id, receipt_bytes])
            c.execute("UPDATE batches SET acknowledged = 1 WHERE batch_id = ?", [batch.batch_id])
            for a in receipt.accepted:
                c.execute("UPDATE versions SET state = 'synced', reasons = NULL "
                          "WHERE version_id = ?", [a.version_id])
            for r in receipt.rejected:
                c.execute("UPDATE versions SET state = 'rejected', reasons = ? "
                          "WHERE version_id = ? AND state != 'synced'",
                          [json.dumps([x.to_json() for x in r.reasons], ensure_ascii=False),
                           r.version_id])

    def last_checkpoint(self) -> bytes | None:
        value = self.get("checkpoint")
        return value.encode() if value else None

    def save_checkpoint(self, envelope: bytes) -> None:
        with self._tx() as c:
            self.put(c, "checkpoint", envelope.decode())

    def save_consistency(self, older: bytes, newer: bytes, proof: list[str]) -> None:
        with self._tx() as c:
            self.put(c, "consistency", json.dumps([older.decode(), newer.decode(), proof]))

    def history_head(self) -> HistoryHead:
        return HistoryHead(0, "0" * 64)  # the double keeps no record history

    def save_chain_head(self, envelope: bytes) -> None:
        with self._tx() as c:
            self.put(c, "chain_head", envelope.decode())

    def rebase(self, next_sequence: int, previous_batch_hash: str | None) -> None:
        with self._tx() as c:
            ids = [r[0] for r in c.execute("SELECT batch_id FROM batches WHERE acknowledged = 0")]
            for batch_id in ids:
                c.execute("UPDATE versions SET state = 'pending', batch_id = NULL "
                          "WHERE batch_id = ? AND state = 'batched'", [batch_id])
                c.execute("DELETE FROM batches WHERE batch_id = ?", [batch_id])
            self.put(c, "rebase", json.dumps([next_sequence, previous_batch_hash]))

    def update_cursor(self) -> int:
        return int(self.get("cursor") or 0)

    def apply_updates(self, updates: list[SignedUpdate], cursor: int) -> int:
        with self._tx() as c:
            for u in updates:
                c.execute("INSERT OR IGNORE INTO updates (update_id, kind, body, envelope) "
                          "VALUES (?, ?, ?, ?)",
                          [u.update_id, u.kind, json.dumps(u.body, ensure_ascii=False),
                           u.envelope])
            self.put(c, "cursor", str(cursor))
        return sum(u.kind == "record_returned" for u in updates)  # the double holds no records

    def pending_key_rotation(self) -> tuple[Ed25519PrivateKey, bytes] | None:
        value = self.get("rotation")
        if not value:
            return None
        data = json.loads(value)
        return private_key_from_pem(data["key"].encode()), data["statement"].encode()

    def begin_key_rotation(self, new_key: Ed25519PrivateKey, statement: bytes) -> None:
        with self._tx() as c:
            self.put(c, "rotation", json.dumps({"key": private_key_to_pem(new_key).decode(),
                                                "statement": statement.decode()}))

    def finish_key_rotation(self) -> None:
        with self._tx() as c:
            data = json.loads(self.get("rotation") or "{}")
            if data:
                self.put(c, "device_key", data["key"])
                self.put(c, "rotation", None)


def new_id() -> str:
    return str(uuid.uuid4())
