"""Receiving a batch: verify, authorise, validate, store, log and sign a receipt, exactly once.

The order of checks is the protocol's: the envelope's shape, then the signature over the
exact bytes (with the key the key id names, if that key exists), and only then the payload.
Everything after that happens in one transaction that locks the device's row, so a batch is
stored with its versions, its log entry and its receipt, or not at all; the same batch id
and bytes get the stored receipt back, other bytes under that id get 409.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from province import faults, freshness, log
from province.attachments import missing_attachments
from province.clock import utc_now
from province.context import Province
from province.db import Tx
from province.limits import retry_after
from sync import dsse
from sync.compact import BATCH_TYPES, BATCH_V2_TYPE, RECEIPT_V2_TYPE, CompactReceipt, parse_batch
from sync.control import RECEIPT_REQUEST_TYPE, ReceiptRequest
from sync.encoding import DecodeError, JsonLimits, parse_json_object
from sync.errors import (
    BatchConflict,
    BatchTooLarge,
    ChainMismatch,
    DeviceMismatch,
    KeyRetired,
    MalformedPayload,
    MalformedRequest,
    NotFound,
    OrgUnitForbidden,
    RateLimited,
    Revoked,
    SequenceGap,
)
from sync.keys import Ed25519PublicKey
from sync.protocol import (
    RECEIPT_TYPE,
    Accepted,
    BatchPayload,
    LogEntry,
    Reason,
    Receipt,
    RecordVersion,
    Rejected,
)
from sync.receipts import batch_hash

M = TypeVar("M")
# A signed payload is parsed only after its signature verified, but an enrolled device is
# still held to bounds: a batch of the largest size stays far inside them.
PAYLOAD_LIMITS = JsonLimits(max_depth=32, max_values=500_000)


@dataclass(frozen=True)
class DeviceKey:
    device_id: str
    key: Ed25519PublicKey
    retired_from_sequence: int | None


def find_device_key(tx: Tx, keyid: str) -> DeviceKey | None:
    """The enrolled key with this id, and whose it is."""
    row = tx.one("SELECT device_id, public_key, retired_from_sequence FROM device_keys "
                 "WHERE key_id = ?", [keyid])
    if row is None:
        return None
    return DeviceKey(row[0], Ed25519PublicKey.from_public_bytes(bytes(row[1])), row[2])


def verify_device_envelope(
    province: Province, body: bytes, payload_type: str | Collection[str]
) -> tuple[dsse.Verified, DeviceKey]:
    """Verify an envelope signed by an enrolled device key; return it and the key's owner."""
    envelope = dsse.parse(body)
    allowed = {payload_type} if isinstance(payload_type, str) else set(payload_type)
    if envelope.payload_type not in allowed:
        dsse.verify(envelope, lambda k: None, allowed)  # raises UnsupportedPayloadType
    found: dict[str, DeviceKey] = {}

    def lookup(tx: Tx) -> None:
        for keyid, _sig in envelope.signatures:
            key = find_device_key(tx, keyid)
            if key is not None:
                found[keyid] = key

    province.db.run(lookup, write=False)
    verified = dsse.verify(envelope, lambda k: found[k].key if k in found else None, payload_type)
    owner = found[verified.key_id]
    wait = province.devices.take(owner.device_id)
    if wait:
        raise RateLimited("too many requests from this device; slow down",
                          retry_after=retry_after(wait))
    return verified, owner


def read_signed_read(province: Province, body: bytes, payload_type: str,
                     parse: Callable[[Any], M]) -> tuple[M, DeviceKey, str]:
    """A device's signed read request (a pull, a chain head): the message, the key's owner and
    when the request's one-time nonce expires. The caller uses the nonce up in its transaction
    (``freshness.consume``), so a captured request cannot be sent again."""
    verified, owner = verify_device_envelope(province, body, payload_type)
    request = read_payload(verified, parse)
    if getattr(request, "device_id", None) != owner.device_id:
        raise DeviceMismatch("the request names another device than the key's owner")
    if owner.retired_from_sequence is not None:
        raise KeyRetired("this key was rotated away; sign with the new key",
                         retired_from_sequence=owner.retired_from_sequence)
    nonce = getattr(request, "nonce")  # noqa: B009 (every signed read message carries one)
    return request, owner, freshness.check(province.signer, nonce, province.settings.limits.nonce_lifetime)


def read_payload(verified: dsse.Verified, parse: Callable[[Any], M]) -> M:
    """The verified payload as a message: canonical JSON within bounds, then strict fields."""
    try:
        return parse(parse_json_object(verified.payload, canonical=True, limits=PAYLOAD_LIMITS))
    except DecodeError as exc:
        raise MalformedPayload(f"payload: {exc}") from None


def receive_batch(province: Province, body: bytes) -> tuple[int, bytes]:
    """Handle ``POST /v1/batches``; return (201 or 200, receipt envelope bytes) or raise."""
    verified, owner = verify_device_envelope(province, body, BATCH_TYPES.values())
    # Only now, with the signature checked, is a compressed payload inflated (bounded), then
    # read as strictly as any signed payload.
    batch = parse_batch(verified.payload_type, verified.payload, max_bytes=province.settings.limits.max_body_bytes,
                        limits=PAYLOAD_LIMITS)
    if batch.device_id != owner.device_id:
        raise DeviceMismatch("the batch names another device than the key's owner")
    if len(batch.versions) > province.settings.max_batch_versions:
        raise BatchTooLarge(f"at most {province.settings.max_batch_versions} versions per batch",
                            max_batch_versions=province.settings.max_batch_versions)
    digest = batch_hash(body)
    registry = province.validator.registry()
    # Validation needs no lock and is the slow part: do it before the transaction.
    reasons = {i: province.validator.check(v, registry) for i, v in enumerate(batch.versions)}

    def work(tx: Tx) -> tuple[int, bytes]:
        device = tx.one("SELECT org_unit, revoked_at, next_sequence, last_batch_hash "
                        "FROM devices WHERE device_id = ? FOR UPDATE", [owner.device_id])
        assert device is not None  # device_keys references devices
        org_unit, revoked_at, next_sequence, last_hash = device
        if revoked_at is not None:
            raise Revoked("this device was revoked by the province", revoked_at=revoked_at)
        existing = tx.one("SELECT batch_hash, receipt FROM batches WHERE batch_id = ?",
                          [batch.batch_id])
        if existing is not None:
            if existing[0] == digest:
                return 200, bytes(existing[1])
            raise BatchConflict("this batch id was received with other bytes",
                                batch_id=batch.batch_id)
        if (owner.retired_from_sequence is not None
                and batch.sequence >= owner.retired_from_sequence):
            raise KeyRetired("this key was rotated away before this sequence",
                             retired_from_sequence=owner.retired_from_sequence)
        if batch.sequence != next_sequence:
            raise SequenceGap(f"expected sequence {next_sequence}, got {batch.sequence}",
                              expected_sequence=next_sequence, previous_batch_hash=last_hash)
        if batch.previous_batch_hash != last_hash:
            raise ChainMismatch("previous_batch_hash is not the hash of the last batch received",
                                expected_sequence=next_sequence, previous_batch_hash=last_hash)
        check_org_units(tx, batch, org_unit)
        received_at = utc_now()
        judged = dict(reasons)
        for i, missing in missing_attachments(tx, owner.device_id, batch.versions, registry).items():
            judged[i] = [*judged.get(i, []), *missing]
        accepted, rejected = store_versions(tx, batch, judged, received_at, org_unit)
        tx.execute_many(
            "INSERT INTO rejections (batch_id, position, version_id, record_id, reasons) "
            "VALUES (?, ?, ?, ?, ?)",
            [(batch.batch_id, position, item.version_id, item.record_id,
              json.dumps([r.to_json() for r in item.reasons], ensure_ascii=False))
             for position, item in enumerate(rejected)])
        faults.hit("after_versions")
        # Only now the log: appending locks its counter row until commit, and every batch of
        # every device waits for it, so nothing but the append and its bookkeeping follows.
        entry = LogEntry(batch.batch_id, batch.device_id, org_unit, batch.sequence, digest,
                         received_at, tuple(accepted), tuple(rejected))
        index, checkpoint, proof = log.append(tx, province.signer, entry.leaf(), batch.batch_id)
        full = Receipt(entry, index, checkpoint, tuple(proof))
        # A version 2 batch is answered by a compact receipt; the log holds the full entry.
        if verified.payload_type == BATCH_V2_TYPE:
            receipt = province.signer.sign(CompactReceipt.of(full, batch).to_json(), RECEIPT_V2_TYPE).to_bytes()
        else:
            receipt = province.signer.sign(full.to_json(), RECEIPT_TYPE).to_bytes()
        tx.execute(
            "INSERT INTO batches (batch_id, device_id, sequence, batch_hash, envelope, receipt, "
            "received_at, log_index, accepted, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [batch.batch_id, batch.device_id, batch.sequence, digest, body, receipt,
             received_at, index, len(accepted), len(rejected)])
        tx.execute("UPDATE devices SET next_sequence = ?, last_batch_hash = ? WHERE device_id = ?",
                   [batch.sequence + 1, digest, batch.device_id])
        faults.hit("before_commit")
        return 201, receipt

    result = province.db.run(work)
    faults.hit("after_commit")
    return result


def check_org_units(tx: Tx, batch: BatchPayload, org_unit: str) -> None:
    """Refuse the whole batch if any version is of another org unit's record."""
    for i, version in enumerate(batch.versions):
        if version.org_unit != org_unit:
            raise OrgUnitForbidden(f"versions[{i}] is of org unit {version.org_unit}, "
                                   f"this device writes only {org_unit}",
                                   field=f"$.versions[{i}].org_unit")
    ids = sorted({v.record_id for v in batch.versions})
    owners: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for record_id, owner in tx.rows(
                f"SELECT record_id, org_unit FROM records WHERE record_id IN ({marks})", chunk):
            owners[record_id] = owner
    for i, version in enumerate(batch.versions):
        if owners.get(version.record_id, org_unit) != org_unit:
            raise OrgUnitForbidden(f"versions[{i}] is a record of another org unit",
                                   field=f"$.versions[{i}].record_id")


def store_versions(
    tx: Tx, batch: BatchPayload, reasons: dict[int, list[Reason]], received_at: str,
    org_unit: str,
) -> tuple[list[Accepted], list[Rejected]]:
    """Insert the acceptable versions; sort every version into accepted or rejected.

    A version the province already holds (same id, record and content) is accepted as
    ``already_received`` and not stored again: that is what makes a rebuilt batch harmless.
    Reads and writes are set-based (a few statements per batch, not a few per version).
    """
    ids = sorted({v.version_id for v in batch.versions})
    prior: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for version_id, record_id, digest in tx.rows(
                "SELECT version_id, record_id, content_hash FROM record_versions "
                f"WHERE version_id IN ({marks})", chunk):
            prior[version_id] = (record_id, digest)
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    new: list[RecordVersion] = []
    seen: set[str] = set()
    for i, v in enumerate(batch.versions):
        if v.version_id in seen:
            rejected.append(Rejected(v.version_id, v.record_id, (Reason(
                "version_id", "duplicate_version", "同一批次中重复的版本。",
                "The same version appears twice in the batch."),)))
            continue
        seen.add(v.version_id)
        if v.version_id in prior:
            if prior[v.version_id] == (v.record_id, v.content_hash):
                accepted.append(Accepted(v.version_id, v.record_id, v.content_hash, True))
            else:
                rejected.append(Rejected(v.version_id, v.record_id, (Reason(
                    "version_id", "version_conflict", "此版本号已用于其他内容。",
                    "This version id was already received with other content."),)))
            continue
        if reasons.get(i):
            rejected.append(Rejected(v.version_id, v.record_id, tuple(reasons[i])))
            continue
        new.append(v)
        accepted.append(Accepted(v.version_id, v.record_id, v.content_hash, False))
    if not new:
        return accepted, rejected
    tx.execute_many(
        "INSERT INTO record_versions (version_id, record_id, form_id, form_version, org_unit, "
        "status, data, content_hash, batch_id, device_id, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(v.version_id, v.record_id, v.form_id, v.form_version, v.org_unit, v.status,
          json.dumps(v.data, ensure_ascii=False, sort_keys=True), v.content_hash,
          batch.batch_id, batch.device_id, received_at) for v in new])
    # Each record's current version is its last in the batch; records are written in one
    # order (by id) so two batches touching the same records cannot deadlock.
    current = {v.record_id: v for v in new}
    records = sorted(current.values(), key=lambda v: v.record_id)
    written = tx.execute_many(
        "INSERT INTO records (record_id, org_unit, form_id, current_version_id, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (record_id) DO UPDATE SET "
        "current_version_id = excluded.current_version_id, form_id = excluded.form_id, "
        "updated_at = excluded.updated_at WHERE records.org_unit = excluded.org_unit",
        [(v.record_id, org_unit, v.form_id, v.version_id, received_at) for v in records])
    if written != len(records):
        # Another org unit's device created one of these record ids since check_org_units
        # looked (both in flight at once): refuse the batch, as that check would have.
        raise OrgUnitForbidden("a record of this batch belongs to another org unit")
    return accepted, rejected


def fetch_receipt(province: Province, batch_id: str, body: bytes) -> bytes:
    """Handle ``POST /v1/batches/{batch_id}/receipt``: the stored receipt, to its own device.

    The request is signed by the device and carries a one-time nonce; a batch of another
    device is answered exactly like one that does not exist.
    """
    verified, owner = verify_device_envelope(province, body, RECEIPT_REQUEST_TYPE)
    request = read_payload(verified, ReceiptRequest.from_json)
    if request.device_id != owner.device_id:
        raise DeviceMismatch("the request names another device than the key's owner")
    if request.batch_id != batch_id:
        raise MalformedRequest("the signed batch_id is not the one in the path")
    expires_at = freshness.check(province.signer, request.nonce,
                                 province.settings.limits.nonce_lifetime)

    def work(tx: Tx) -> bytes:
        revoked = tx.scalar("SELECT revoked_at FROM devices WHERE device_id = ?",
                            [owner.device_id])
        if revoked is not None:
            raise Revoked("this device was revoked by the province", revoked_at=revoked)
        freshness.consume(tx, owner.device_id, request.nonce, expires_at)
        found = tx.scalar("SELECT receipt FROM batches WHERE batch_id = ? AND device_id = ?",
                          [batch_id, owner.device_id])
        if found is None:
            raise NotFound(f"this device has no batch {batch_id}")
        return bytes(found)

    return province.db.run(work)
