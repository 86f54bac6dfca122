"""Protocol version 2 of batches and receipts: a compressed batch, a compact receipt.

A batch's payload is JSON inside base64 inside JSON. Compressing the payload before it is
base64-encoded shrinks it to a fifth or less; compressing the base64 text afterwards (as
the HTTP layer does) cannot, because base64 hides the repeats. A version 2 batch therefore
signs the gzip of its canonical JSON.

A receipt answers every version of its batch. Version 1 repeats each version's ids and
content hash; the batch already holds them, so version 2 names versions by their position
in the batch and lists only what is not a plain acceptance. The province's Merkle log keeps
the full entry (:class:`~sync.protocol.LogEntry`) in both versions: whoever checks a compact
receipt expands it with the batch it answers, and the inclusion proof then holds only if the
expansion is exactly what the province logged.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sync import dsse
from sync.encoding import DEFAULT_LIMITS, DecodeError, JsonLimits, canonical_json, parse_json_object
from sync.errors import BatchTooLarge, MalformedPayload
from sync.fields import HEX64, Fields
from sync.protocol import (
    BATCH_TYPE,
    Accepted,
    BatchPayload,
    LogEntry,
    Reason,
    Receipt,
    Rejected,
)

BATCH_V2_TYPE = "application/vnd.anhui-collect.batch+json+gzip; version=2"
RECEIPT_V2_TYPE = "application/vnd.anhui-collect.receipt+json; version=2"
BATCH_TYPES = {1: BATCH_TYPE, 2: BATCH_V2_TYPE}
"""Batch payload type by protocol version; ``GET /v1/config`` lists the versions accepted."""
MAX_INDEXES = 100_000


def batch_payload(batch: BatchPayload, version: int, encoded: Sequence[bytes] | None = None) -> bytes:
    """The signed payload bytes of ``batch`` in protocol ``version`` (1 or 2).

    ``encoded`` may give the versions' canonical JSON already made: "versions" sorts last
    among the payload's keys, so the canonical payload is its other fields, then them.
    """
    parts = encoded if encoded is not None else [canonical_json(v.to_json()) for v in batch.versions]
    head = canonical_json({**batch.to_json(version), "versions": []})
    data = head[: -len(b"[]}")] + b"[" + b",".join(parts) + b"]}"
    return gzip.compress(data, compresslevel=6, mtime=0) if version == 2 else data


def parse_batch(payload_type: str, payload: bytes, *, max_bytes: int, max_versions: int = 100_000,
                limits: JsonLimits = DEFAULT_LIMITS) -> BatchPayload:
    """The batch in a verified payload of either version: canonical JSON within ``limits``.

    A version 2 payload is decompressed to at most ``max_bytes`` (the same bound the
    province puts on a request body), so a small payload cannot expand without limit.
    """
    version = 2 if payload_type == BATCH_V2_TYPE else 1
    data = gunzip(payload, max_bytes) if version == 2 else payload
    try:
        return BatchPayload.from_json(parse_json_object(data, canonical=True, limits=limits),
                                      max_versions=max_versions, version=version)
    except DecodeError as exc:
        raise MalformedPayload(f"payload: {exc}") from None


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """One gzip member, decompressed to at most ``max_bytes``; anything else is refused."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise MalformedPayload(f"payload is not valid gzip: {exc}") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise BatchTooLarge(f"payload over {max_bytes} bytes once decompressed", max_body_bytes=max_bytes)
    if not inflater.eof or inflater.unused_data:
        raise MalformedPayload("payload must be exactly one complete gzip member")
    return out


@dataclass(frozen=True)
class CompactEntry:
    """A log entry told by position in its batch: what is neither accepted nor new."""

    batch_id: str
    device_id: str
    org_unit: str
    sequence: int
    batch_hash: str
    received_at: str
    versions: int
    already_received: tuple[int, ...]
    rejected: tuple[tuple[int, tuple[Reason, ...]], ...]

    @classmethod
    def of(cls, entry: LogEntry, batch: BatchPayload) -> CompactEntry:
        """The compact form of the province's ``entry`` for ``batch`` (both in batch order)."""
        accepted, rejected = iter(entry.accepted), iter(entry.rejected)
        upcoming = next(accepted, None)
        already, refused, seen = [], [], set()
        for i, version in enumerate(batch.versions):
            # A repeated version id is refused as the later copy, as the province stores it.
            if version.version_id not in seen and upcoming is not None and upcoming.version_id == version.version_id:
                if upcoming.already_received:
                    already.append(i)
                upcoming = next(accepted, None)
            else:
                refused.append((i, next(rejected).reasons))
            seen.add(version.version_id)
        return cls(entry.batch_id, entry.device_id, entry.org_unit, entry.sequence, entry.batch_hash,
                   entry.received_at, len(batch.versions), tuple(already), tuple(refused))

    def expand(self, batch: BatchPayload) -> LogEntry:
        """The full log entry, with ids and hashes from ``batch``; ValueError if they disagree."""
        if self.versions != len(batch.versions):
            raise ValueError("the receipt answers another number of versions than the batch holds")
        reasons = dict(self.rejected)
        already = set(self.already_received)
        accepted, rejected = [], []
        for i, v in enumerate(batch.versions):
            if i in reasons:
                rejected.append(Rejected(v.version_id, v.record_id, reasons[i]))
            else:
                accepted.append(Accepted(v.version_id, v.record_id, v.content_hash, i in already))
        return LogEntry(self.batch_id, self.device_id, self.org_unit, self.sequence, self.batch_hash,
                        self.received_at, tuple(accepted), tuple(rejected))

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "batch", "batch_id": self.batch_id, "device_id": self.device_id,
            "org_unit": self.org_unit, "sequence": self.sequence, "batch_hash": self.batch_hash,
            "received_at": self.received_at, "versions": self.versions,
            "already_received": list(self.already_received),
            "rejected": [{"index": i, "reasons": [r.to_json() for r in rs]} for i, rs in self.rejected],
        }

    @classmethod
    def from_json(cls, obj: Any, path: str = "$.entry") -> CompactEntry:
        f = Fields(obj, path)
        if f.text("type") != "batch":
            raise f.fail("type", "must be 'batch'")
        entry = cls(
            batch_id=f.text("batch_id", max_len=128), device_id=f.text("device_id", max_len=128),
            org_unit=f.text("org_unit", max_len=32), sequence=f.integer("sequence", minimum=1),
            batch_hash=f.text("batch_hash", max_len=64, pattern=HEX64),
            received_at=f.text("received_at", max_len=40),
            versions=f.integer("versions", minimum=1, maximum=MAX_INDEXES),
            already_received=tuple(_index(f, "already_received", i, x)
                                   for i, x in enumerate(f.items("already_received", max_len=MAX_INDEXES))),
            rejected=tuple(_rejection(item, f"{path}.rejected[{i}]")
                           for i, item in enumerate(f.items("rejected", max_len=MAX_INDEXES))),
        )
        f.done()
        indexes = [*entry.already_received, *(i for i, _ in entry.rejected)]
        if len(set(indexes)) != len(indexes) or any(i >= entry.versions for i in indexes):
            raise f.fail("rejected", "positions must be distinct and inside the batch")
        if list(entry.already_received) != sorted(entry.already_received) or \
                [i for i, _ in entry.rejected] != sorted(i for i, _ in entry.rejected):
            raise f.fail("rejected", "positions must be in batch order")
        return entry


def _index(f: Fields, name: str, i: int, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise f.fail(f"{name}[{i}]", "must be a position in the batch (integer ≥ 0)")
    return value


def _rejection(obj: Any, path: str) -> tuple[int, tuple[Reason, ...]]:
    f = Fields(obj, path)
    index = f.integer("index", minimum=0, maximum=MAX_INDEXES)
    reasons = tuple(Reason.from_json(r, f"{path}.reasons[{i}]")
                    for i, r in enumerate(f.items("reasons", max_len=200)))
    if not reasons:
        raise f.fail("reasons", "must not be empty")
    f.done()
    return index, reasons


@dataclass(frozen=True)
class CompactReceipt:
    """The province's signed answer to a version 2 batch (payload of a version 2 receipt)."""

    entry: CompactEntry
    log_index: int
    checkpoint: dsse.Envelope
    inclusion_proof: tuple[str, ...]

    @classmethod
    def of(cls, receipt: Receipt, batch: BatchPayload) -> CompactReceipt:
        return cls(CompactEntry.of(receipt.entry, batch), receipt.log_index, receipt.checkpoint,
                   receipt.inclusion_proof)

    def expand(self, batch: BatchPayload) -> Receipt:
        """The full receipt (as version 1 states it); ValueError if the batch does not fit."""
        return Receipt(self.entry.expand(batch), self.log_index, self.checkpoint, self.inclusion_proof)

    def to_json(self) -> dict[str, Any]:
        return {"protocol": 2, "entry": self.entry.to_json(), "log_index": self.log_index,
                "checkpoint": self.checkpoint.to_json(), "inclusion_proof": list(self.inclusion_proof)}

    @classmethod
    def from_json(cls, obj: Any) -> CompactReceipt:
        f = Fields(obj)
        f.protocol(2)
        entry = CompactEntry.from_json(f.mapping("entry"))
        index = f.integer("log_index")
        checkpoint = dsse.parse(f.mapping("checkpoint"))
        proof = f.items("inclusion_proof", max_len=64)
        for i, item in enumerate(proof):
            if not isinstance(item, str) or not HEX64.match(item):
                raise f.fail(f"inclusion_proof[{i}]", "must be 64 hex digits")
        f.done()
        return cls(entry, index, checkpoint, tuple(proof))
