"""Offline checks of what the province signed: checkpoints, receipts, log consistency.

Pure functions over bytes and trusted keys; the office runs them before it records a receipt
as proof, and an auditor runs the same ones over an export without any network.
"""

from __future__ import annotations

from collections.abc import Sequence

from sync import dsse, merkle
from sync.compact import BATCH_TYPES, RECEIPT_V2_TYPE, CompactReceipt, parse_batch
from sync.dsse import KeyLookup
from sync.encoding import DecodeError, parse_json_object, sha256_hex
from sync.errors import InvalidReply, ProtocolError, UnknownKey, UntrustedProvinceKey
from sync.protocol import (
    CHECKPOINT_TYPE,
    RECEIPT_TYPE,
    BatchPayload,
    Checkpoint,
    Receipt,
)

# The office's own stored batches, decompressed to check a receipt against them.
MAX_BATCH_BYTES = 256 * 1024 * 1024


def batch_hash(envelope: bytes) -> str:
    """The hash by which a batch is chained and logged: SHA-256 hex of its envelope bytes."""
    return sha256_hex(envelope)


def _verify(data: bytes | dsse.Envelope, lookup: KeyLookup, payload_type: str) -> bytes:
    try:
        return dsse.verify(data, lookup, payload_type).payload
    except UnknownKey:
        raise UntrustedProvinceKey("signed by a key that is not trusted") from None
    except ProtocolError as exc:
        raise InvalidReply(f"{payload_type.split(';')[0]}: {exc.message}") from None


def _verify_any(data: bytes | dsse.Envelope, lookup: KeyLookup, payload_types: tuple[str, ...]) -> dsse.Verified:
    try:
        return dsse.verify(data, lookup, payload_types)
    except UnknownKey:
        raise UntrustedProvinceKey("signed by a key that is not trusted") from None
    except ProtocolError as exc:
        raise InvalidReply(f"receipt: {exc.message}") from None


def parse_batch_envelope(batch_envelope: bytes) -> BatchPayload:
    """The batch inside stored envelope bytes of either version (signature not checked)."""
    try:
        envelope = dsse.parse(batch_envelope)
        if envelope.payload_type not in BATCH_TYPES.values():
            raise InvalidReply("not a batch envelope")
        return parse_batch(envelope.payload_type, envelope.payload, max_bytes=MAX_BATCH_BYTES)
    except (ProtocolError, DecodeError) as exc:
        raise InvalidReply(f"batch: {exc}") from None


def verify_checkpoint(envelope: bytes | dsse.Envelope, lookup: KeyLookup) -> Checkpoint:
    """Verify a signed checkpoint and return it."""
    payload = _verify(envelope, lookup, CHECKPOINT_TYPE)
    try:
        return Checkpoint.from_json(parse_json_object(payload))
    except (ProtocolError, DecodeError) as exc:
        raise InvalidReply(f"checkpoint: {exc}") from None


def verify_inclusion(receipt: Receipt, checkpoint: Checkpoint) -> bool:
    """Does the receipt's inclusion proof put its log entry under the checkpoint's root?"""
    try:
        proof = [bytes.fromhex(p) for p in receipt.inclusion_proof]
        root = bytes.fromhex(checkpoint.root_hash)
    except ValueError:
        return False
    leaf = merkle.leaf_hash(receipt.entry.leaf())
    return merkle.verify_inclusion(leaf, receipt.log_index, checkpoint.tree_size, proof, root)


def verify_receipt(
    data: bytes, lookup: KeyLookup, *, batch_envelope: bytes | None = None, batch: BatchPayload | None = None
) -> tuple[Receipt, Checkpoint]:
    """Verify a receipt completely; raise :class:`InvalidReply` (or its subclass) if anything fails.

    Checks the province's signature over the receipt and over its embedded checkpoint, the
    inclusion proof of the receipt's log entry under that checkpoint, and, when the batch's
    envelope is given, that the receipt is about exactly those bytes and answers every version
    in it exactly once. ``batch`` is the payload of ``batch_envelope`` when the caller built
    that envelope from it (a batch just signed): it saves parsing the whole batch back.
    """
    if batch is not None and batch_envelope is None:
        raise ValueError("a batch is checked together with its envelope bytes")
    verified = _verify_any(data, lookup, (RECEIPT_TYPE, RECEIPT_V2_TYPE))
    if batch is None and batch_envelope is not None:
        batch = parse_batch_envelope(batch_envelope)
    try:
        obj = parse_json_object(verified.payload)
        if verified.payload_type == RECEIPT_TYPE:
            receipt = Receipt.from_json(obj)
        elif batch is None:
            raise InvalidReply("a compact receipt is checked together with the batch it answers")
        else:
            receipt = CompactReceipt.from_json(obj).expand(batch)
    except (ProtocolError, DecodeError, ValueError) as exc:
        raise InvalidReply(f"receipt: {exc}") from None
    checkpoint = verify_checkpoint(receipt.checkpoint, lookup)
    if not verify_inclusion(receipt, checkpoint):
        raise InvalidReply("receipt: inclusion proof does not verify against its checkpoint")
    if batch_envelope is not None and batch is not None:
        _check_matches(receipt, batch_envelope, batch)
    return receipt, checkpoint


def check_receipt_matches_batch(receipt: Receipt, batch_envelope: bytes) -> None:
    """Raise :class:`InvalidReply` unless ``receipt`` answers exactly this batch's bytes."""
    _check_matches(receipt, batch_envelope, parse_batch_envelope(batch_envelope))


def _check_matches(receipt: Receipt, batch_envelope: bytes, batch: BatchPayload) -> None:
    if receipt.entry.batch_hash != batch_hash(batch_envelope):
        raise InvalidReply("receipt is for other bytes than the batch sent")
    entry = receipt.entry
    if (entry.batch_id, entry.device_id, entry.sequence) != (
        batch.batch_id, batch.device_id, batch.sequence
    ):
        raise InvalidReply("receipt names another batch, device or sequence")
    answered = [a.version_id for a in entry.accepted] + [r.version_id for r in entry.rejected]
    if sorted(answered) != sorted(v.version_id for v in batch.versions):
        raise InvalidReply("receipt does not answer every version of the batch exactly once")
    hashes = {v.version_id: v.content_hash for v in batch.versions}
    if any(hashes[a.version_id] != a.content_hash for a in entry.accepted):
        raise InvalidReply("receipt accepts a version with another content hash")


def verify_consistency(
    old: Checkpoint, new: Checkpoint, proof_hex: Sequence[str]
) -> bool:
    """Is ``old`` a prefix of ``new``? (The province never rewrote what it had logged.)"""
    if old.log_id != new.log_id:
        return False
    try:
        proof = [bytes.fromhex(p) for p in proof_hex]
        return merkle.verify_consistency(
            old.tree_size, new.tree_size, proof,
            bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash),
        )
    except ValueError:
        return False
