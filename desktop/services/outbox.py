"""The office's side of sync: the outbox and everything the province sent back.

``OfficeOutbox`` implements ``sync.office.OfficeSyncStore`` over the encrypted store. Each
method is one write transaction, so the sync runner can be killed between any two steps
and the next run carries on: batches are stored before they are sent, receipts and updates
are stored together with the record status changes they cause.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from desktop.services.attachments import read_range
from desktop.services.device import device_key, enrollment, replace_device_key
from desktop.services.records import change_status
from desktop.services.updates import write_published_file
from desktop.store.chain import append_history_many, head
from desktop.store.clock import utc_now
from desktop.store.office import Office
from sync import dsse
from sync.chainhead import HistoryHead
from sync.control import DeviceKeyRotation
from sync.encoding import parse_json_object
from sync.keys import Ed25519PrivateKey, private_key_from_pem, private_key_to_pem, public_key_to_b64
from sync.office import Consistency, DeviceCredentials, PendingUpload, SignedUpdate, StoredBatch
from sync.protocol import Receipt, RecordVersion

PROVINCE = "province"


class NotEnrolled(Exception):
    pass


# The queued records still showing one of the answered versions. The records are found by
# their version (``+`` keeps SQLite from using the status index instead: that walks every
# queued record for each receipt, so a whole sync of an office grew with its square).
_SHOWING_QUEUED = (
    "SELECT r.record_id, r.current_version_id, v.content_hash FROM records r "
    "JOIN versions v ON v.version_id = r.current_version_id "
    "WHERE r.current_version_id IN ({marks}) AND +r.status = 'queued'"
)


class OfficeOutbox:
    """The outbox, receipts, trusted keys and updates of one office store."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.db = office.db

    # -- queueing -----------------------------------------------------------------
    def enqueue_final(self) -> int:
        """Put the current version of every final record in the outbox (status: queued).

        Set-based: one statement per table and one history append for all of them, so
        queueing 100,000 records is one short transaction, not 100,000 small ones.
        """

        def job(db: Any) -> int:
            rows = db.execute(
                "SELECT r.record_id, r.current_version_id, v.content_hash FROM records r "
                "JOIN versions v ON v.version_id = r.current_version_id "
                "WHERE r.status = 'final' ORDER BY r.updated_at, r.record_id"
            ).fetchall()
            if not rows:
                return 0
            now = utc_now()
            db.conn.executemany(
                "INSERT OR IGNORE INTO outbox (version_id, record_id, queued_at, state) VALUES (?, ?, ?, 'pending')",
                [(version_id, record_id, now) for record_id, version_id, _ in rows],
            )
            db.execute("UPDATE records SET status = 'queued', status_reason = NULL, updated_at = ? WHERE status = 'final'", [now])
            append_history_many(db, [
                (record_id, version_id, "status", "queued", self.office.user, now, {}, digest)
                for record_id, version_id, digest in rows
            ])
            return len(rows)

        return self.office.write(job)

    # -- OfficeSyncStore ------------------------------------------------------------
    def device(self) -> DeviceCredentials:
        enrolled = enrollment(self.office)
        if enrolled is None:
            raise NotEnrolled()
        return DeviceCredentials(enrolled.device_id, device_key(self.office))

    def province_keys(self) -> list[str]:
        return [r["public_key"] for r in self.db.query("SELECT public_key FROM province_keys ORDER BY position")]

    def trust_province_keys(self, keys: list[str], rotations: Sequence[bytes] = ()) -> None:
        def job(db: Any) -> None:
            db.execute("DELETE FROM province_keys")
            now = utc_now()
            for position, key in enumerate(keys, start=1):
                db.execute("INSERT INTO province_keys (position, public_key, added_at) VALUES (?, ?, ?)", [position, key, now])
            for statement in rotations:
                db.execute("INSERT OR IGNORE INTO province_key_rotations (statement, saved_at) VALUES (?, ?)", [statement, now])

        self.office.write(job)

    def pending_count(self) -> int:
        return int(next(self.db.query("SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'batched')"))["n"])

    def pending_attachments(self) -> list[PendingUpload]:
        # Files not yet uploaded whole that a version waiting to be sent names: only what
        # goes to the province, never a draft's evidence. A version names a file by its
        # hash, which no other value of the record can spell by chance.
        rows = self.db.execute(
            "SELECT a.sha256, a.size, a.media_type, ifnull(u.acknowledged, 0) FROM attachments a "
            "LEFT JOIN attachment_uploads u ON u.sha256 = a.sha256 WHERE u.completed_at IS NULL AND EXISTS ("
            "SELECT 1 FROM outbox o JOIN versions v ON v.version_id = o.version_id "
            "WHERE o.state IN ('pending', 'batched') AND instr(v.data, a.sha256) > 0) ORDER BY a.rowid"
        ).fetchall()
        return [PendingUpload(*row) for row in rows]

    def attachment_range(self, sha256: str, offset: int, length: int) -> bytes:
        return read_range(self.db, sha256, offset, length)

    def save_upload_progress(self, sha256: str, received: int, complete: bool) -> None:
        def job(db: Any) -> None:
            db.execute(
                "INSERT INTO attachment_uploads (sha256, acknowledged, completed_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sha256) DO UPDATE SET acknowledged = excluded.acknowledged, "
                "completed_at = excluded.completed_at",
                [sha256, received, utc_now() if complete else None],
            )

        self.office.write(job)

    def pending_versions(self, limit: int) -> list[RecordVersion]:
        # Queue order is insertion order: the outbox's rowid, which its state index keeps.
        rows = self.db.execute(
            "SELECT v.record_id, v.version_id, v.form_id, v.form_version, v.org_unit, v.status, v.data, v.content_hash "
            "FROM outbox o JOIN versions v ON v.version_id = o.version_id "
            "WHERE o.state = 'pending' ORDER BY o.rowid LIMIT ?",
            [int(limit)],
        ).fetchall()
        return [
            RecordVersion(record_id, version_id, form_id, form_version, org_unit, status, json.loads(data), digest)
            for record_id, version_id, form_id, form_version, org_unit, status, data, digest in rows
        ]

    def next_batch_position(self) -> tuple[int, str | None]:
        state = self._state()
        return int(state.get("next_sequence", "1")), state.get("previous_batch_hash") or None

    def save_batch(self, batch: StoredBatch) -> None:
        def job(db: Any) -> None:
            db.execute(
                "INSERT INTO batches (sequence, batch_id, envelope, batch_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [batch.sequence, batch.batch_id, batch.envelope, batch.batch_hash, utc_now()],
            )
            db.conn.executemany(
                "UPDATE outbox SET state = 'batched', batch_sequence = ? WHERE version_id = ?",
                [(batch.sequence, version_id) for version_id in batch.version_ids],
            )
            self._set_state(db, next_sequence=str(batch.sequence + 1), previous_batch_hash=batch.batch_hash)

        self.office.write(job)

    def unacknowledged_batches(self) -> list[StoredBatch]:
        return [self._stored(r) for r in self.db.query("SELECT * FROM batches WHERE acknowledged_at IS NULL ORDER BY sequence")]

    def batch_envelope(self, sequence: int) -> bytes | None:
        row = next(self.db.query("SELECT envelope FROM batches WHERE sequence = ?", [sequence]), None)
        return bytes(row["envelope"]) if row else None

    def save_receipt(self, batch: StoredBatch, receipt: Receipt, receipt_bytes: bytes, *,
                     checkpoint: bytes | None = None, consistency: Consistency | None = None) -> None:
        entry = receipt.entry

        def job(db: Any) -> None:
            if consistency is not None:
                self._save_consistency(db, *consistency)
            if checkpoint is not None:
                self._save_checkpoint(db, checkpoint)
            db.execute(
                "INSERT INTO receipts (sequence, batch_id, receipt, received_at, accepted, rejected) VALUES (?, ?, ?, ?, ?, ?)",
                [batch.sequence, batch.batch_id, receipt_bytes, entry.received_at, len(entry.accepted), len(entry.rejected)],
            )
            db.execute("UPDATE batches SET acknowledged_at = ? WHERE sequence = ? AND acknowledged_at IS NULL", [utc_now(), batch.sequence])
            db.conn.executemany("UPDATE outbox SET state = 'accepted' WHERE version_id = ?",
                                [(a.version_id,) for a in entry.accepted])
            db.conn.executemany(
                "UPDATE outbox SET state = 'rejected', reasons = ? WHERE version_id = ?",
                [(json.dumps([r.to_json() for r in rejected.reasons], ensure_ascii=False), rejected.version_id)
                 for rejected in entry.rejected],
            )
            outcomes: dict[str, tuple[str, str | None]] = {a.version_id: ("synced", None) for a in entry.accepted}
            for rejected in entry.rejected:
                # The province's messages begin with the field's label; field ids mean nothing to a clerk.
                text = "；".join(r.message_zh.rstrip("。") for r in rejected.reasons)
                outcomes[rejected.version_id] = ("returned", text or "省级端点拒收")
            self._settle(db, outcomes)

        self.office.write(job)

    @staticmethod
    def _settle(db: Any, outcomes: dict[str, tuple[str, str | None]]) -> None:
        """Give records still showing an answered version its outcome (synced or returned).

        Only the version a record still shows decides its status: a record edited since it
        was queued keeps its newer draft. All records of a receipt change together.
        """
        if not outcomes:
            return
        current = []
        ids = list(outcomes)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            current += db.execute(_SHOWING_QUEUED.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
        if not current:
            return
        now = utc_now()
        db.conn.executemany(
            "UPDATE records SET status = ?, status_reason = ?, updated_at = ? WHERE record_id = ?",
            [(*outcomes[version_id], now, record_id) for record_id, version_id, _ in current],
        )
        append_history_many(db, [
            (record_id, version_id, "status", outcomes[version_id][0], PROVINCE, now,
             {"reason": outcomes[version_id][1]} if outcomes[version_id][1] else {}, digest)
            for record_id, version_id, digest in current
        ])

    def last_checkpoint(self) -> bytes | None:
        row = next(self.db.query("SELECT envelope FROM checkpoints WHERE id = 1"), None)
        return bytes(row["envelope"]) if row else None

    def save_checkpoint(self, envelope: bytes) -> None:
        self.office.write(lambda db: self._save_checkpoint(db, envelope))

    def save_consistency(self, older: bytes, newer: bytes, proof: list[str]) -> None:
        self.office.write(lambda db: self._save_consistency(db, older, newer, proof))

    @staticmethod
    def _save_checkpoint(db: Any, envelope: bytes) -> None:
        db.execute("INSERT OR REPLACE INTO checkpoints (id, envelope, saved_at) VALUES (1, ?, ?)", [envelope, utc_now()])

    @staticmethod
    def _save_consistency(db: Any, older: bytes, newer: bytes, proof: list[str]) -> None:
        db.execute("INSERT INTO log_consistency (older, newer, proof, saved_at) VALUES (?, ?, ?, ?)",
                   [older, newer, json.dumps(proof), utc_now()])

    def history_head(self) -> HistoryHead:
        seq, digest = head(self.db)
        return HistoryHead(seq, digest)

    def save_chain_head(self, envelope: bytes) -> None:
        def job(db: Any) -> None:
            db.execute("INSERT OR REPLACE INTO chain_head (id, envelope, saved_at) VALUES (1, ?, ?)", [envelope, utc_now()])

        self.office.write(job)

    def rebase(self, next_sequence: int, previous_batch_hash: str | None) -> None:
        def job(db: Any) -> None:
            dropped = [r["sequence"] for r in db.query("SELECT sequence FROM batches WHERE acknowledged_at IS NULL")]
            for sequence in dropped:
                db.execute("UPDATE outbox SET state = 'pending', batch_sequence = NULL WHERE batch_sequence = ? AND state = 'batched'", [sequence])
                db.execute("DELETE FROM batches WHERE sequence = ?", [sequence])
            self._set_state(db, next_sequence=str(next_sequence), previous_batch_hash=previous_batch_hash or "")

        self.office.write(job)

    def update_cursor(self) -> int:
        return int(self._state().get("update_cursor", "0"))

    def apply_updates(self, updates: list[SignedUpdate], cursor: int) -> int:
        # Published forms and reference data are public; they go to the folder the forms
        # registry reads, before the transaction, so a crash only means writing them again.
        for update in updates:
            if update.kind in ("form_version", "reference_data"):
                write_published_file(self.office.paths.root, update.kind, update.body)

        def job(db: Any) -> int:
            now = utc_now()
            returned = 0
            for update in updates:
                db.execute(
                    "INSERT OR IGNORE INTO updates (update_id, kind, audience, published_at, body, envelope, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [update.update_id, update.kind, update.audience, update.published_at,
                     json.dumps(update.body, ensure_ascii=False), update.envelope, now],
                )
                if update.kind == "record_returned":
                    returned += self._returned(db, update.body)
            self._set_state(db, update_cursor=str(cursor))
            return returned

        return int(self.office.write(job))

    def _returned(self, db: Any, body: dict[str, Any]) -> bool:
        """Mark a record of this office returned; False for a record this device never held."""
        record_id, reason = str(body.get("record_id", "")), str(body.get("reason", "")) or "省里退回"
        row = db.execute("SELECT status FROM records WHERE record_id = ?", [record_id]).fetchone()
        if row is None:
            return False
        if row[0] in ("queued", "synced"):
            change_status(db, record_id, "returned", reason=reason, actor=PROVINCE)
        else:
            # Already being corrected: keep its status, note the province's reason.
            change_status(db, record_id, row[0], reason=reason, actor=PROVINCE, event="province_return")
        return True

    def pending_key_rotation(self) -> tuple[Ed25519PrivateKey, bytes] | None:
        row = next(self.db.query("SELECT new_private_key, statement FROM key_rotation WHERE id = 1"), None)
        if row is None:
            return None
        return private_key_from_pem(row["new_private_key"].encode("ascii")), bytes(row["statement"])

    def begin_key_rotation(self, new_key: Ed25519PrivateKey, statement: bytes) -> None:
        def job(db: Any) -> None:
            db.execute(
                "INSERT OR REPLACE INTO key_rotation (id, new_private_key, statement, started_at) VALUES (1, ?, ?, ?)",
                [private_key_to_pem(new_key).decode("ascii"), statement, utc_now()],
            )

        self.office.write(job)

    def finish_key_rotation(self) -> None:
        pending = self.pending_key_rotation()
        if pending is None:
            return
        new_key, statement = pending
        old_public = public_key_to_b64(device_key(self.office))
        from_sequence = DeviceKeyRotation.from_json(parse_json_object(dsse.parse(statement).payload)).from_sequence

        def job(db: Any) -> None:
            # The new key and the end of the rotation are saved together, with the statement
            # kept for audit exports: the chain of device keys from the enrolled one.
            replace_device_key(self.office, new_key)
            db.execute("INSERT OR IGNORE INTO device_key_rotations (from_sequence, old_public_key, statement, finished_at) "
                       "VALUES (?, ?, ?, ?)", [from_sequence, old_public, statement, utc_now()])
            db.execute("DELETE FROM key_rotation WHERE id = 1")

        self.office.write(job)

    # -- reading for screens and exports ---------------------------------------------
    def receipts(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT id, sequence, batch_id, received_at, accepted, rejected, receipt FROM receipts ORDER BY id"))

    def chain_head(self) -> bytes | None:
        row = next(self.db.query("SELECT envelope FROM chain_head WHERE id = 1"), None)
        return bytes(row["envelope"]) if row else None

    def consistency_proofs(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT older, newer, proof FROM log_consistency ORDER BY id"))

    def device_key_rotations(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT from_sequence, old_public_key, statement FROM device_key_rotations ORDER BY from_sequence"))

    def province_key_rotations(self) -> list[bytes]:
        return [bytes(r["statement"]) for r in self.db.query("SELECT statement FROM province_key_rotations ORDER BY saved_at, rowid")]

    def batches(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT sequence, batch_id, batch_hash, created_at, acknowledged_at, envelope FROM batches ORDER BY sequence"))

    # -- helpers --------------------------------------------------------------------
    def _stored(self, row: dict[str, Any]) -> StoredBatch:
        ids = tuple(r["version_id"] for r in self.db.query("SELECT version_id FROM outbox WHERE batch_sequence = ? ORDER BY version_id", [row["sequence"]]))
        return StoredBatch(row["batch_id"], row["sequence"], bytes(row["envelope"]), ids)

    def _state(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.query("SELECT key, value FROM sync_state")}

    @staticmethod
    def _set_state(db: Any, **values: str) -> None:
        for key, value in values.items():
            db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", [key, value])
