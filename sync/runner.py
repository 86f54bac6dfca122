"""One sync, start to end: resend, batch, send, record receipts, recover, pull updates.

This is the office's whole sync logic; the office supplies an :class:`OfficeSyncStore` and
shows the progress. Every step that matters is recorded in the store *before* the next one,
so a crash or kill at any point leaves a state from which the next run finishes the job:
batches are stored before they are sent and resent as the same bytes, and the province
answers a batch it already has with the receipt it already gave.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sync.chainhead import ChainHead
from sync.client import ProvinceClient, VerifiedReceipt
from sync.compact import BATCH_TYPES
from sync.control import ServerConfig
from sync.errors import Cancelled, ChunkOutOfOrder, InvalidReply, NotFound, SequenceGap
from sync.office import Consistency, OfficeSyncStore, PendingUpload, StoredBatch, build_batch
from sync.protocol import Checkpoint
from sync.receipts import parse_batch_envelope, verify_checkpoint, verify_consistency
from sync.uploads import CHUNK_BYTES

MAX_RECOVERIES = 3
MAX_BATCH_BYTES = 8 * 1024 * 1024
SENT_VERSIONS = frozenset(BATCH_TYPES)
"""Batch versions this office sends: the newest of them that the province offers is used."""


@dataclass(frozen=True)
class SyncProgress:
    """One step of a sync, for a progress bar: ``done`` of ``total`` versions answered."""

    step: str
    """config | key_rotation | uploading | batch_built | sending | receipt_received | receipt_saved |
    recovering | pulling | updates_applied | chain_head | done"""
    done: int
    total: int
    sequence: int | None = None
    message: str = ""


@dataclass
class SyncSummary:
    """What one sync did; the numbers the office shows at the end."""

    batches: int = 0
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    already_received: int = 0
    returned: int = 0
    pulled: int = 0
    recoveries: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)
    """(version id, first reason code) of each rejected version."""
    attachments: int = 0
    """Files uploaded whole in this sync."""
    uploaded_bytes: int = 0
    """Bytes of files sent in this sync (a chunk sent again counts again)."""


ProgressCallback = Callable[[SyncProgress], None]
# The newest checkpoint's envelope, and the consistency proof that showed it (older and newer
# envelope, proof), when one was needed.
LogStep = tuple[bytes, Consistency | None]


class _Run:
    def __init__(self, client: ProvinceClient, store: OfficeSyncStore,
                 progress: ProgressCallback | None) -> None:
        self.client, self.store = client, store
        self.progress = progress or (lambda p: None)
        self.summary = SyncSummary()
        self.total = 0
        self.checkpoint = store.last_checkpoint()
        """The newest signed checkpoint seen (envelope bytes), as the store keeps it."""

    def emit(self, step: str, sequence: int | None = None, message: str = "") -> None:
        self.progress(SyncProgress(step, self.summary.sent, self.total, sequence, message))

    def check_cancel(self) -> None:
        if self.client.cancel.is_set():
            raise Cancelled("sync cancelled")

    def finish_key_rotation(self) -> None:
        pending = self.store.pending_key_rotation()
        if pending is None:
            return
        self.emit("key_rotation")
        new_key, statement = pending
        self.client.rotate_device_key(statement)
        self.store.finish_key_rotation()
        self.client.device_key = new_key

    def upload_attachments(self, config: ServerConfig) -> None:
        """Upload every file a version waiting to be sent names, before that version goes:
        the province accepts a version only once it holds the files it names, whole.

        Each file resumes from the bytes the province last acknowledged; an answer lost on
        the way is learnt from the next one (a chunk the province holds is answered with how
        far it has come, a chunk past its end with where to go on from), so no byte is
        stored twice and none is skipped.
        """
        # A chunk is at most half the largest body the province takes (room for its header).
        chunk_bytes = max(64 * 1024, min(CHUNK_BYTES, config.max_body_bytes // 2))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-upload") as sender:
            for item in self.store.pending_attachments():
                self.emit("uploading", message=item.sha256)
                self.upload(sender, item, chunk_bytes)

    def upload(self, sender: ThreadPoolExecutor, item: PendingUpload, chunk_bytes: int) -> None:
        """Upload one file from where the province last acknowledged it; while the province
        takes a chunk, the next is read from the encrypted store."""
        offset = item.acknowledged
        data = self.store.attachment_range(item.sha256, offset, chunk_bytes)
        for _ in range(item.size // 1024 + 16):  # bounded: each turn moves forward or corrects
            self.check_cancel()
            answer = sender.submit(self.client.upload_chunk, item.sha256, item.size, item.media_type, offset, data)
            following = offset + len(data)
            ahead = self.store.attachment_range(item.sha256, following, chunk_bytes) if following < item.size else b""
            try:
                done = answer.result()
            except ChunkOutOfOrder as exc:
                offset = _received(exc.details.get("received"), item.size)
                data = self.store.attachment_range(item.sha256, offset, chunk_bytes)
                continue
            self.store.save_upload_progress(item.sha256, done.received, done.complete)
            self.summary.uploaded_bytes += len(data)
            if done.complete:
                self.summary.attachments += 1
                return
            offset = done.received
            data = ahead if offset == following else self.store.attachment_range(item.sha256, offset, chunk_bytes)
        raise InvalidReply("the province's answers to an upload did not move it forward")

    def send_outbox(self, config: ServerConfig) -> None:
        """Resend stored batches, then build, store and send new ones until none is left.

        The office's work and the province's overlap: while one batch is with the province
        the next is built and stored, and the next goes out as soon as the province answered
        (it takes a device's batches strictly in sequence), before the answer is recorded.
        Every batch is stored before it is sent, so a crash at any point only means sending
        stored bytes again, which the province answers with the receipt it already gave.
        """
        version = batch_version(config)
        max_bytes = batch_bytes(config)
        waiting = self.store.unacknowledged_batches()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-send") as sender:
            flight: tuple[StoredBatch, Future[tuple[VerifiedReceipt, LogStep]]] | None = None
            while True:
                self.check_cancel()
                if not waiting:
                    built = self.build(config, max_bytes, version)
                    waiting = [built] if built is not None else []
                if flight is None:
                    if not waiting:
                        return
                    flight = self.send(sender, waiting.pop(0), self.checkpoint)
                    continue
                batch, answer = flight
                flight = None
                try:
                    result, newest = answer.result()
                except SequenceGap as gap:
                    self.recover(batch, gap)
                    waiting = self.store.unacknowledged_batches()
                    continue
                if waiting and not self.client.cancel.is_set():
                    flight = self.send(sender, waiting.pop(0), newest[0])
                self.record(batch, result, newest)

    def send(self, sender: ThreadPoolExecutor, batch: StoredBatch, known: bytes | None
             ) -> tuple[StoredBatch, Future[tuple[VerifiedReceipt, LogStep]]]:
        self.emit("sending", batch.sequence)
        return batch, sender.submit(self.exchange, batch, known)

    def exchange(self, batch: StoredBatch, known: bytes | None) -> tuple[VerifiedReceipt, LogStep]:
        """Send a batch, verify the receipt and that the log extends ``known``: network and
        checks only (the office's store is written on its own thread, in ``record``)."""
        result = self.client.send_batch(batch.envelope, batch.payload)
        return result, self.newer_checkpoint(known, result.checkpoint, result.receipt.checkpoint.to_bytes())

    def build(self, config: ServerConfig, max_bytes: int, version: int) -> StoredBatch | None:
        """Sign the next batch of pending versions and store it (None when nothing is pending)."""
        versions = self.store.pending_versions(config.max_batch_versions)
        if not versions:
            return None
        device = self.store.device()
        sequence, previous = self.store.next_batch_position()
        batch = build_batch(device.key, device.device_id, sequence, previous, versions, version=version,
                            max_bytes=max_bytes)
        # The province refuses a body over max_body_bytes, and a stored batch is never
        # rebuilt: so one that still does not fit (a version's envelope overhead, say) is
        # halved until it does, before it is stored.
        while len(batch.envelope) > config.max_body_bytes and len(batch.version_ids) > 1:
            versions = versions[: len(batch.version_ids) // 2]
            batch = build_batch(device.key, device.device_id, sequence, previous, versions, version=version,
                                max_bytes=max_bytes)
        self.store.save_batch(batch)
        self.emit("batch_built", batch.sequence)
        return batch

    def record(self, batch: StoredBatch, result: VerifiedReceipt, newest: LogStep | None = None) -> None:
        """Store a verified receipt and count it.

        The newest checkpoint and the consistency proof that showed it go into the receipt's
        own transaction: one durable commit per receipt instead of three (each commit is a
        sync of the office's log to disk, on the path every batch waits on).
        """
        self.emit("receipt_received", batch.sequence)
        if newest is None:
            newest = self.newer_checkpoint(self.checkpoint, result.checkpoint, result.receipt.checkpoint.to_bytes())
        envelope, proven = newest
        self.store.save_receipt(batch, result.receipt, result.receipt_bytes,
                                checkpoint=envelope if envelope != self.checkpoint else None,
                                consistency=proven)
        self.checkpoint = envelope
        receipt = result.receipt
        self.summary.batches += 1
        self.summary.sent += len(receipt.accepted) + len(receipt.rejected)
        self.summary.accepted += len(receipt.accepted)
        self.summary.already_received += sum(a.already_received for a in receipt.accepted)
        self.summary.rejected += len(receipt.rejected)
        self.summary.rejections.extend(
            (r.version_id, r.reasons[0].code if r.reasons else "") for r in receipt.rejected
        )
        self.emit("receipt_saved", batch.sequence)

    def newer_checkpoint(self, known: bytes | None, new: Checkpoint, new_envelope: bytes) -> LogStep:
        """The newer of the known checkpoint and ``new``, once the province proved the larger
        tree extends the smaller; refuse a province whose log is not an extension of the one
        this office saw before.

        A receipt replayed for an old batch may carry an older checkpoint, so the proof is
        asked for whichever of the two trees is smaller.
        """
        if known is None:
            return new_envelope, None
        old = verify_checkpoint(known, self.client.trust.lookup)
        if old == new:
            return known, None
        small, large = sorted((old, new), key=lambda c: c.tree_size)
        try:
            proof = self.client.consistency_proof(small.tree_size, large.tree_size)
        except NotFound:
            raise InvalidReply("the province's log is shorter than one it signed before; "
                               "it lost entries (restored from a backup?)") from None
        if not verify_consistency(small, large, proof):
            raise InvalidReply("the province's log is not an extension of the one seen before")
        # The proof is kept with both signed tree heads, so an auditor can check it offline.
        if large is old:
            return known, (new_envelope, known, proof)
        return new_envelope, (known, new_envelope, proof)

    def remember(self, step: LogStep) -> None:
        envelope, proven = step
        if proven is not None:
            self.store.save_consistency(*proven)
        if envelope != self.checkpoint:
            self.store.save_checkpoint(envelope)
            self.checkpoint = envelope

    def check_log(self, new: Checkpoint, new_envelope: bytes) -> None:
        """Refuse a province whose log is not an extension of the one seen before; keep the newer."""
        self.remember(self.newer_checkpoint(self.checkpoint, new, new_envelope))

    def confirm_chain_head(self) -> ChainHead:
        """Ask the province where this device's chain ends and keep its signed statement.

        Asked last, once everything is sent and pulled, so the statement covers the whole
        sync; a province whose chain for this device ends elsewhere than the office's is
        refused (nothing is kept), as is a log that is not an extension of the one seen.
        """
        self.emit("chain_head")
        head, checkpoint, body = self.client.chain_head(self.store.history_head())
        sequence, previous = self.store.next_batch_position()
        if (head.last_sequence, head.last_batch_hash) != (sequence - 1, previous):
            raise InvalidReply(f"the province says this device's chain ends at sequence "
                               f"{head.last_sequence}; this office's ends at {sequence - 1}")
        self.check_log(checkpoint, head.checkpoint.to_bytes())
        self.store.save_chain_head(body)
        return head

    def recover(self, batch: StoredBatch, gap: SequenceGap) -> None:
        """Bring the office's chain back in line with the province's, or give up loudly."""
        self.summary.recoveries += 1
        if self.summary.recoveries > MAX_RECOVERIES:
            raise gap
        expected = gap.expected
        self.emit("recovering", batch.sequence, f"province expects sequence {expected}")
        if expected < batch.sequence and gap.code == "sequence_gap":
            # The province lost batches it once acknowledged (restored from a backup): resend
            # the stored bytes. Their ids are unchanged, so nothing can be counted twice.
            missing = [self.store.batch_envelope(s) for s in range(expected, batch.sequence)]
            if any(e is None for e in missing):
                raise gap
            # Losing acknowledged batches means the province's log lost entries too: refuse
            # to go on (and to resend) until the log is again one this office can accept.
            self.check_log(*self.client.checkpoint())
            for sequence, envelope in zip(range(expected, batch.sequence), missing, strict=True):
                assert envelope is not None
                resent = StoredBatch(_batch_id(envelope), sequence, envelope)
                self.record(resent, self.client.send_batch(envelope))
            return
        # The province is ahead (this office was restored from a backup) or its chain differs.
        # Our unacknowledged batch ids are unknown to it (a known id is answered, never a gap),
        # so they were never received: rebuild them on top of the province's chain. Versions it
        # already holds come back as ``already_received``, never twice.
        self.store.rebase(expected, gap.previous_batch_hash)

    def pull(self) -> None:
        since = self.store.update_cursor()
        while True:
            self.check_cancel()
            self.emit("pulling")
            result = self.client.pull_updates(since)
            returned = 0
            if result.updates or result.next_since != since:
                returned = self.store.apply_updates(result.updates, result.next_since)
            self.summary.pulled += len(result.updates)
            self.summary.returned += returned
            self.emit("updates_applied", message=f"{len(result.updates)} updates")
            since = result.next_since
            if not result.more:
                return


def _batch_id(envelope: bytes) -> str:
    return parse_batch_envelope(envelope).batch_id


def batch_version(config: ServerConfig) -> int:
    """The newest batch version both this office and the province take; 1 where it lists none."""
    return max((v for v in config.batch_versions if v in SENT_VERSIONS), default=1)


def batch_bytes(config: ServerConfig) -> int:
    """How many bytes of record versions (as canonical JSON) one batch may carry.

    Half the province's body limit leaves room for base64 and the envelope when the
    payload is not compressed; the cap keeps one batch's round trip short.
    """
    return max(1, min(config.max_body_bytes // 2, MAX_BATCH_BYTES))


def run_sync(
    client: ProvinceClient,
    store: OfficeSyncStore,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    pull: bool = True,
) -> SyncSummary:
    """Send everything pending, then pull updates; return what was done.

    ``progress`` is called after each step (from the calling thread); setting ``cancel``
    stops at the next step or retry wait with :class:`~sync.errors.Cancelled`, keeping all
    work done so far. Raises the protocol errors the office must show (``Revoked``,
    ``Unauthorized``, ``BatchConflict``, ...) and ``TransportError`` when offline.
    """
    if cancel is not None:
        client.transport.cancel = cancel
    run = _Run(client, store, progress)
    run.emit("config")
    config = client.fetch_config()
    device = store.device()
    client.device_id, client.device_key = device.device_id, device.key
    run.finish_key_rotation()
    run.total = store.pending_count()
    run.upload_attachments(config)
    run.send_outbox(config)
    if pull:
        run.pull()
    run.confirm_chain_head()
    run.emit("done")
    return run.summary


def _received(value: object, size: int) -> int:
    # Where the province says it stands; anything else is not an answer to go on from.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size:
        return value
    raise InvalidReply("the province named no valid place to resume an upload from")
