"""The province's signed statement of a device's chain head: what makes an export complete.

At the end of every sync the office asks for a ``chain-head`` statement. The province signs
where the device's batch chain ends (last sequence and batch hash), the office history head
the device reported when asking, and a checkpoint of its log, all at one province time. The
office keeps the newest statement and exports it: an auditor then knows that batches 1..N
must all be in the export, ending at exactly that hash, and that the office's history up to
the reported entry cannot have been rewritten since.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync import dsse
from sync.control import NONCE
from sync.dsse import KeyLookup
from sync.encoding import DecodeError, parse_json_object
from sync.errors import InvalidReply, ProtocolError, UnknownKey, UntrustedProvinceKey
from sync.fields import HEX64, ID, Fields
from sync.protocol import PROTOCOL_VERSION, Checkpoint, payload_type
from sync.receipts import verify_checkpoint

CHAIN_HEAD_REQUEST_TYPE = payload_type("chain-head-request")
CHAIN_HEAD_TYPE = payload_type("chain-head")


@dataclass(frozen=True)
class HistoryHead:
    """The office's own hash-chained history as the device reports it: last entry and hash.

    The province cannot check it; it only signs that the device said so at that time, which
    is what stops an office from rewriting its history before that entry later.
    """

    seq: int
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}

    @classmethod
    def from_json(cls, f: Fields) -> HistoryHead:
        head = cls(f.integer("seq"), f.text("hash", max_len=64, pattern=HEX64))
        f.done()
        return head


@dataclass(frozen=True)
class ChainHeadRequest:
    """Signed by the device: "where does my chain end?", with its history head.

    ``nonce`` is one the province issued (``POST /v1/nonces``); it works once, so a captured
    request cannot be replayed to have the province sign a fresh statement of this device.
    """

    device_id: str
    history: HistoryHead
    request_id: str
    nonce: str

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "device_id": self.device_id,
                "history": self.history.to_json(), "request_id": self.request_id,
                "nonce": self.nonce}

    @classmethod
    def from_json(cls, obj: Any) -> ChainHeadRequest:
        f = Fields(obj)
        f.protocol()
        msg = cls(f.text("device_id", max_len=128, pattern=ID),
                  HistoryHead.from_json(f.sub("history")),
                  f.text("request_id", max_len=128, pattern=ID),
                  f.text("nonce", max_len=128, pattern=NONCE))
        f.done()
        return msg


@dataclass(frozen=True)
class ChainHead:
    """Signed by the province: the device's batch chain and reported history at ``issued_at``.

    ``last_sequence`` is 0 and ``last_batch_hash`` null before the device's first batch.
    ``checkpoint`` is the province's newest signed checkpoint at that moment (its log size),
    which already holds every batch of the device.
    """

    device_id: str
    org_unit: str
    last_sequence: int
    last_batch_hash: str | None
    history: HistoryHead
    checkpoint: dsse.Envelope
    issued_at: str

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "device_id": self.device_id,
                "org_unit": self.org_unit, "last_sequence": self.last_sequence,
                "last_batch_hash": self.last_batch_hash, "history": self.history.to_json(),
                "checkpoint": self.checkpoint.to_json(), "issued_at": self.issued_at}

    @classmethod
    def from_json(cls, obj: Any) -> ChainHead:
        f = Fields(obj)
        f.protocol()
        msg = cls(
            device_id=f.text("device_id", max_len=128, pattern=ID),
            org_unit=f.text("org_unit", max_len=32, pattern=ID),
            last_sequence=f.integer("last_sequence"),
            last_batch_hash=f.opt_text("last_batch_hash", max_len=64, pattern=HEX64),
            history=HistoryHead.from_json(f.sub("history")),
            checkpoint=dsse.parse(f.mapping("checkpoint")),
            issued_at=f.text("issued_at", max_len=40),
        )
        if (msg.last_sequence == 0) != (msg.last_batch_hash is None):
            raise f.fail("last_batch_hash", "must be null exactly when last_sequence is 0")
        f.done()
        return msg


def verify_chain_head(data: bytes, lookup: KeyLookup) -> tuple[ChainHead, Checkpoint]:
    """Verify a chain-head statement and its embedded checkpoint with trusted province keys."""
    try:
        payload = dsse.verify(data, lookup, CHAIN_HEAD_TYPE).payload
    except UnknownKey:
        raise UntrustedProvinceKey("chain head signed by a key that is not trusted") from None
    except ProtocolError as exc:
        raise InvalidReply(f"chain head: {exc.message}") from None
    try:
        head = ChainHead.from_json(parse_json_object(payload))
    except (ProtocolError, DecodeError) as exc:
        raise InvalidReply(f"chain head: {exc}") from None
    return head, verify_checkpoint(head.checkpoint, lookup)
