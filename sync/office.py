"""What the office side provides and calls: batch building and the store interface.

The office store keeps the device's private key, the outbox (batches as *bytes*, stored before
their first send and resent byte-for-byte), every receipt, the trusted province keys and the
update cursor. :class:`OfficeSyncStore` is the whole of what :func:`sync.runner.run_sync` needs
from it; each method is one small transaction in the office database.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sync import dsse
from sync.chainhead import HistoryHead
from sync.compact import BATCH_TYPES, batch_payload
from sync.control import DEVICE_KEY_ROTATION_TYPE, DeviceKeyRotation
from sync.encoding import canonical_json
from sync.keys import Ed25519PrivateKey, key_id, public_key_to_b64
from sync.protocol import BatchPayload, Receipt, RecordVersion
from sync.receipts import batch_hash

Consistency = tuple[bytes, bytes, list[str]]
"""A verified consistency proof as kept: the older and the newer checkpoint (envelope bytes)
and the proof's hashes."""


@dataclass(frozen=True)
class StoredBatch:
    """A batch as the outbox keeps it: its id, place in the chain and exact envelope bytes."""

    batch_id: str
    sequence: int
    envelope: bytes
    version_ids: tuple[str, ...] = field(default=())
    payload: BatchPayload | None = field(default=None, compare=False, repr=False)
    """The batch as built in this process (None once read back from the store): its receipt
    is checked against it rather than against the envelope parsed back again."""

    @property
    def batch_hash(self) -> str:
        """SHA-256 hex of the envelope; the next batch's ``previous_batch_hash``."""
        return batch_hash(self.envelope)


def build_batch(
    device_key: Ed25519PrivateKey,
    device_id: str,
    sequence: int,
    previous_batch_hash: str | None,
    versions: Sequence[RecordVersion],
    *,
    batch_id: str | None = None,
    version: int = 1,
    max_bytes: int | None = None,
) -> StoredBatch:
    """Sign a batch of record versions; the office must store the result before sending it.

    ``sequence`` starts at 1 and has no gaps per device; ``previous_batch_hash`` is the
    ``batch_hash`` of the batch before (None for sequence 1). ``version`` 2 compresses the
    payload (when the province lists it in its config). With ``max_bytes`` the batch takes
    the longest prefix of ``versions`` whose canonical JSON fits (one version at least); the
    returned ``version_ids`` say which. The returned envelope bytes are the batch from now
    on: resend exactly them, never rebuild.
    """
    encoded: list[bytes] = []
    total = 0
    for version_ in versions:
        # Each version is encoded once, both to measure it and to build the payload.
        data = canonical_json(version_.to_json())
        total += len(data)
        if encoded and max_bytes is not None and total > max_bytes:
            break
        encoded.append(data)
    payload = BatchPayload(
        batch_id=batch_id or str(uuid.uuid4()),
        device_id=device_id,
        sequence=sequence,
        previous_batch_hash=previous_batch_hash,
        versions=tuple(versions[: len(encoded)]),
    )
    envelope = dsse.sign_bytes(batch_payload(payload, version, encoded), BATCH_TYPES[version], [device_key])
    return StoredBatch(payload.batch_id, sequence, envelope,
                       tuple(v.version_id for v in payload.versions), payload)


def build_key_rotation(
    old_key: Ed25519PrivateKey, new_key: Ed25519PrivateKey, device_id: str, from_sequence: int
) -> bytes:
    """A device key rotation statement signed by the old key and the new key.

    From ``from_sequence`` on, the province accepts batches only under the new key; batches
    already built (lower sequences) stay valid under the old one, so the outbox never has to
    be re-signed.
    """
    body = DeviceKeyRotation(
        device_id=device_id, old_key_id=key_id(old_key), new_key_id=key_id(new_key),
        new_public_key=public_key_to_b64(new_key), from_sequence=from_sequence,
    )
    return dsse.sign_bytes(canonical_json(body.to_json()), DEVICE_KEY_ROTATION_TYPE,
                           [old_key, new_key])


@dataclass(frozen=True)
class DeviceCredentials:
    """The enrolled device: its id and the private key it signs with now."""

    device_id: str
    key: Ed25519PrivateKey


@dataclass(frozen=True)
class PendingUpload:
    """A file the office must upload before the versions naming it are sent."""

    sha256: str
    size: int
    media_type: str
    acknowledged: int


class OfficeSyncStore(Protocol):
    """The office store as the sync runner sees it. Every method is its own transaction."""

    def device(self) -> DeviceCredentials:
        """The device id and current signing key (from the encrypted store)."""
        ...

    def province_keys(self) -> list[str]:
        """Trusted province public keys (base64): the pinned one plus verified successors."""
        ...

    def trust_province_keys(self, keys: list[str], rotations: Sequence[bytes] = ()) -> None:
        """Persist the full list of trusted province keys after a verified rotation, and the
        verified rotation statements that lead to them (kept for audit exports)."""
        ...

    def pending_count(self) -> int:
        """How many record versions still wait for a receipt (batched or not)."""
        ...

    def pending_attachments(self) -> list[PendingUpload]:
        """Files not yet uploaded whole that versions waiting to be sent name, with the bytes
        the province last acknowledged of each."""
        ...

    def attachment_range(self, sha256: str, offset: int, length: int) -> bytes:
        """``length`` bytes of a stored file from ``offset`` (fewer at its end)."""
        ...

    def save_upload_progress(self, sha256: str, received: int, complete: bool) -> None:
        """Record how much of a file the province acknowledged, and whether it is complete."""
        ...

    def pending_versions(self, limit: int) -> list[RecordVersion]:
        """Up to ``limit`` versions that are in no batch yet, oldest first."""
        ...

    def next_batch_position(self) -> tuple[int, str | None]:
        """The next batch's sequence and previous batch hash (1 and None at first)."""
        ...

    def save_batch(self, batch: StoredBatch) -> None:
        """Store the batch's bytes and mark its versions as batched, in one transaction."""
        ...

    def unacknowledged_batches(self) -> list[StoredBatch]:
        """Stored batches without a receipt, in sequence order."""
        ...

    def batch_envelope(self, sequence: int) -> bytes | None:
        """The stored bytes of this device's batch ``sequence``, acknowledged or not."""
        ...

    def save_receipt(self, batch: StoredBatch, receipt: Receipt, receipt_bytes: bytes, *,
                     checkpoint: bytes | None = None, consistency: Consistency | None = None) -> None:
        """Keep the receipt bytes; mark accepted versions synced and rejected ones with reasons.

        In the same transaction, ``checkpoint`` (when given) becomes the newest signed
        checkpoint seen, and ``consistency`` is kept as ``save_consistency`` keeps it: the log
        step a receipt brought is stored with the receipt, not in transactions of its own.
        Called again for an already acknowledged batch only when the province lost it and it
        was resent: keep both receipts.
        """
        ...

    def last_checkpoint(self) -> bytes | None:
        """The newest signed checkpoint seen (envelope bytes), for log consistency checks."""
        ...

    def save_checkpoint(self, envelope: bytes) -> None:
        """Remember the newest signed checkpoint seen."""
        ...

    def save_consistency(self, older: bytes, newer: bytes, proof: list[str]) -> None:
        """Keep a verified consistency proof between two signed checkpoints (envelope bytes)."""
        ...

    def history_head(self) -> HistoryHead:
        """The office's own history head (last entry and its hash), reported to the province."""
        ...

    def save_chain_head(self, envelope: bytes) -> None:
        """Keep the newest verified chain-head statement (envelope bytes)."""
        ...

    def rebase(self, next_sequence: int, previous_batch_hash: str | None) -> None:
        """Drop unacknowledged batches (their versions become pending again) and continue the
        chain at ``next_sequence`` after ``previous_batch_hash``, as the province says."""
        ...

    def update_cursor(self) -> int:
        """The id of the last update applied (0 at first)."""
        ...

    def apply_updates(self, updates: list[SignedUpdate], cursor: int) -> int:
        """Store signed updates (form versions, reference data, returned records) and the new
        cursor in one transaction; return how many of this office's own records came back
        returned (an org unit's returns reach all its devices, each holding some records)."""
        ...

    def pending_key_rotation(self) -> tuple[Ed25519PrivateKey, bytes] | None:
        """A device key rotation saved but not yet confirmed by the province."""
        ...

    def begin_key_rotation(self, new_key: Ed25519PrivateKey, statement: bytes) -> None:
        """Save the new key and its signed statement before sending it."""
        ...

    def finish_key_rotation(self) -> None:
        """The province confirmed: the new key is the device key from now on."""
        ...


@dataclass(frozen=True)
class SignedUpdate:
    """A verified update and the exact envelope bytes the province signed (keep them)."""

    update_id: int
    kind: str
    audience: str
    published_at: str
    body: dict[str, object]
    envelope: bytes
