"""Batch and receipt messages: what an office sends and what the province signs back.

Each message is a frozen dataclass with ``to_json`` (the JSON object whose canonical bytes are
signed) and ``from_json`` (a strict parser that names the offending field). Envelope payload
types carry the protocol version; see ``docs/protocol.md`` for the field-by-field description.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms.canonical import content_hash
from sync import dsse
from sync.encoding import canonical_json
from sync.fields import HEX64, ID, Fields

PROTOCOL_VERSION = 1


def payload_type(name: str) -> str:
    """The versioned DSSE payloadType of message ``name``."""
    return f"application/vnd.anhui-collect.{name}+json; version={PROTOCOL_VERSION}"


BATCH_TYPE = payload_type("batch")
RECEIPT_TYPE = payload_type("receipt")
CHECKPOINT_TYPE = payload_type("checkpoint")

MAX_DATA_FIELDS = 2000
MAX_REASONS = 200


@dataclass(frozen=True)
class RecordVersion:
    """One immutable version of one record, as the office holds it."""

    record_id: str
    version_id: str
    form_id: str
    form_version: int
    org_unit: str
    status: str
    data: dict[str, Any]
    content_hash: str

    @classmethod
    def make(
        cls, *, record_id: str, version_id: str, form_id: str, form_version: int,
        org_unit: str, status: str, data: dict[str, Any],
    ) -> RecordVersion:
        """A version with its content hash computed the one shared way (forms.canonical)."""
        return cls(record_id, version_id, form_id, form_version, org_unit, status, data,
                   content_hash(form_id, form_version, data))

    def hash_matches(self) -> bool:
        """Whether ``content_hash`` is the hash of this version's form, form version and data."""
        return content_hash(self.form_id, self.form_version, self.data) == self.content_hash

    def to_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id, "version_id": self.version_id, "form_id": self.form_id,
            "form_version": self.form_version, "org_unit": self.org_unit, "status": self.status,
            "data": self.data, "content_hash": self.content_hash,
        }

    @classmethod
    def from_json(cls, obj: Any, path: str = "$") -> RecordVersion:
        f = Fields(obj, path)
        version = cls(
            record_id=f.text("record_id", max_len=128, pattern=ID),
            version_id=f.text("version_id", max_len=128, pattern=ID),
            form_id=f.text("form_id", max_len=64, pattern=ID),
            form_version=f.integer("form_version", minimum=1, maximum=1_000_000),
            org_unit=f.text("org_unit", max_len=32, pattern=ID),
            status=f.text("status", max_len=32, pattern=ID),
            data=f.mapping("data"),
            content_hash=f.text("content_hash", max_len=64, pattern=HEX64),
        )
        if len(version.data) > MAX_DATA_FIELDS:
            raise f.fail("data", f"has more than {MAX_DATA_FIELDS} fields")
        f.done()
        return version


@dataclass(frozen=True)
class BatchPayload:
    """The signed content of a batch: who sends it, where it sits in the chain, what it holds."""

    batch_id: str
    device_id: str
    sequence: int
    previous_batch_hash: str | None
    versions: tuple[RecordVersion, ...]

    def to_json(self, version: int = PROTOCOL_VERSION) -> dict[str, Any]:
        """The payload object; ``version`` is the protocol version it is sent in (1 or 2)."""
        return {
            "protocol": version, "batch_id": self.batch_id, "device_id": self.device_id,
            "sequence": self.sequence, "previous_batch_hash": self.previous_batch_hash,
            "versions": [v.to_json() for v in self.versions],
        }

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: Any, *, max_versions: int = 100_000, version: int = PROTOCOL_VERSION) -> BatchPayload:
        f = Fields(obj)
        f.protocol(version)
        batch = cls(
            batch_id=f.text("batch_id", max_len=128, pattern=ID),
            device_id=f.text("device_id", max_len=128, pattern=ID),
            sequence=f.integer("sequence", minimum=1),
            previous_batch_hash=f.opt_text("previous_batch_hash", max_len=64, pattern=HEX64),
            versions=tuple(
                RecordVersion.from_json(v, f"$.versions[{i}]")
                for i, v in enumerate(f.items("versions", max_len=max_versions))
            ),
        )
        if not batch.versions:
            raise f.fail("versions", "must not be empty")
        if (batch.sequence == 1) != (batch.previous_batch_hash is None):
            raise f.fail("previous_batch_hash", "must be null exactly for sequence 1")
        f.done()
        return batch


@dataclass(frozen=True)
class Reason:
    """Why one field (``path``, JSON-pointer-like; empty for the whole record) was refused."""

    path: str
    code: str
    message_zh: str
    message_en: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "code": self.code, "message_zh": self.message_zh,
                "message_en": self.message_en}

    @classmethod
    def from_json(cls, obj: Any, path: str) -> Reason:
        f = Fields(obj, path)
        reason = cls(f.text("path", max_len=500, empty=True), f.text("code", max_len=100),
                     f.text("message_zh", max_len=2000, empty=True),
                     f.text("message_en", max_len=2000, empty=True))
        f.done()
        return reason


@dataclass(frozen=True)
class Accepted:
    """A version the province now holds; ``already_received`` if an earlier batch brought it."""

    version_id: str
    record_id: str
    content_hash: str
    already_received: bool

    def to_json(self) -> dict[str, Any]:
        return {"version_id": self.version_id, "record_id": self.record_id,
                "content_hash": self.content_hash, "already_received": self.already_received}

    @classmethod
    def from_json(cls, obj: Any, path: str) -> Accepted:
        f = Fields(obj, path)
        item = cls(f.text("version_id", max_len=128), f.text("record_id", max_len=128),
                   f.text("content_hash", max_len=64, pattern=HEX64), f.flag("already_received"))
        f.done()
        return item


@dataclass(frozen=True)
class Rejected:
    """A version the province refused, with every reason; the rest of the batch is unaffected."""

    version_id: str
    record_id: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {"version_id": self.version_id, "record_id": self.record_id,
                "reasons": [r.to_json() for r in self.reasons]}

    @classmethod
    def from_json(cls, obj: Any, path: str) -> Rejected:
        f = Fields(obj, path)
        item = cls(
            f.text("version_id", max_len=128), f.text("record_id", max_len=128),
            tuple(Reason.from_json(r, f"{path}.reasons[{i}]")
                  for i, r in enumerate(f.items("reasons", max_len=MAX_REASONS))),
        )
        f.done()
        return item


@dataclass(frozen=True)
class LogEntry:
    """What the province's Merkle log records for one batch; the leaf is its canonical JSON."""

    batch_id: str
    device_id: str
    org_unit: str
    sequence: int
    batch_hash: str
    received_at: str
    accepted: tuple[Accepted, ...]
    rejected: tuple[Rejected, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "batch", "batch_id": self.batch_id, "device_id": self.device_id,
            "org_unit": self.org_unit, "sequence": self.sequence, "batch_hash": self.batch_hash,
            "received_at": self.received_at,
            "accepted": [a.to_json() for a in self.accepted],
            "rejected": [r.to_json() for r in self.rejected],
        }

    def leaf(self) -> bytes:
        """The exact leaf data hashed into the log."""
        return canonical_json(self.to_json())

    @classmethod
    def from_json(cls, obj: Any, path: str = "$.entry") -> LogEntry:
        f = Fields(obj, path)
        if f.text("type") != "batch":
            raise f.fail("type", "must be 'batch'")
        entry = cls(
            batch_id=f.text("batch_id", max_len=128), device_id=f.text("device_id", max_len=128),
            org_unit=f.text("org_unit", max_len=32), sequence=f.integer("sequence", minimum=1),
            batch_hash=f.text("batch_hash", max_len=64, pattern=HEX64),
            received_at=f.text("received_at", max_len=40),
            accepted=tuple(Accepted.from_json(a, f"{path}.accepted[{i}]")
                           for i, a in enumerate(f.items("accepted", max_len=100_000))),
            rejected=tuple(Rejected.from_json(r, f"{path}.rejected[{i}]")
                           for i, r in enumerate(f.items("rejected", max_len=100_000))),
        )
        f.done()
        return entry


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log's size and root hash at the time the province signed it."""

    log_id: str
    tree_size: int
    root_hash: str
    issued_at: str

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "log_id": self.log_id, "tree_size": self.tree_size,
                "root_hash": self.root_hash, "issued_at": self.issued_at}

    @classmethod
    def from_json(cls, obj: Any) -> Checkpoint:
        f = Fields(obj, "$.checkpoint")
        f.protocol()
        cp = cls(f.text("log_id", max_len=128), f.integer("tree_size"),
                 f.text("root_hash", max_len=64, pattern=HEX64), f.text("issued_at", max_len=40))
        f.done()
        return cp


@dataclass(frozen=True)
class Receipt:
    """The province's signed answer to one batch (payload of a ``receipt`` envelope)."""

    entry: LogEntry
    log_index: int
    checkpoint: dsse.Envelope
    inclusion_proof: tuple[str, ...]

    @property
    def batch_id(self) -> str:
        return self.entry.batch_id

    @property
    def sequence(self) -> int:
        return self.entry.sequence

    @property
    def received_at(self) -> str:
        """The province's clock when it received the batch (never the device's)."""
        return self.entry.received_at

    @property
    def accepted(self) -> tuple[Accepted, ...]:
        return self.entry.accepted

    @property
    def rejected(self) -> tuple[Rejected, ...]:
        return self.entry.rejected

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "entry": self.entry.to_json(),
                "log_index": self.log_index, "checkpoint": self.checkpoint.to_json(),
                "inclusion_proof": list(self.inclusion_proof)}

    @classmethod
    def from_json(cls, obj: Any) -> Receipt:
        f = Fields(obj)
        f.protocol()
        entry = LogEntry.from_json(f.mapping("entry"))
        index = f.integer("log_index")
        checkpoint = dsse.parse(f.mapping("checkpoint"))
        proof = f.items("inclusion_proof", max_len=64)
        for i, item in enumerate(proof):
            if not isinstance(item, str) or not HEX64.match(item):
                raise f.fail(f"inclusion_proof[{i}]", "must be 64 hex digits")
        f.done()
        return cls(entry, index, checkpoint, tuple(proof))
