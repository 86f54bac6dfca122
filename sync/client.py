"""The office's protocol client: enroll, send batches, pull updates, read the province's log.

Nothing the province says counts until it verifies: a batch is "sent" only when a receipt
signed by a trusted province key answers exactly its bytes, and updates are handed to the
office only with their signatures checked. Office code uses :func:`enroll` once and then a
:class:`ProvinceClient`; :func:`sync.runner.run_sync` drives a whole sync.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sync import dsse
from sync.chainhead import (
    CHAIN_HEAD_REQUEST_TYPE,
    ChainHead,
    ChainHeadRequest,
    HistoryHead,
    verify_chain_head,
)
from sync.control import (
    ENROLLMENT_REQUEST_TYPE,
    ENROLLMENT_TYPE,
    MAX_PULL,
    PULL_REQUEST_TYPE,
    RECEIPT_REQUEST_TYPE,
    UPDATE_TYPE,
    Enrollment,
    EnrollmentRequest,
    PullRequest,
    ReceiptRequest,
    ServerConfig,
    Update,
)
from sync.encoding import DecodeError, canonical_json, parse_json_object
from sync.errors import InvalidReply, ProtocolError, StaleRequest, UntrustedProvinceKey
from sync.keys import Ed25519PrivateKey, key_id, public_key_from_b64, public_key_to_b64
from sync.office import SignedUpdate
from sync.protocol import BatchPayload, Checkpoint, Receipt
from sync.receipts import verify_checkpoint, verify_receipt
from sync.transport import Transport, TransportOptions
from sync.trust import ProvinceTrust
from sync.uploads import CHUNK_HEADER, CHUNK_TYPE, ChunkAnswer, ChunkHeader, header_value


@dataclass(frozen=True)
class EnrollmentResult:
    """What the office must store after enrolling (the private key it already holds)."""

    device_id: str
    org_unit: str
    province_public_key: str
    """Base64 raw Ed25519 key to pin; every later reply must verify against it (or a
    successor announced by a rotation it signed)."""
    province_key_id: str
    log_id: str
    enrolled_at: str
    reply: bytes
    """The signed enrollment reply, kept as proof of enrollment."""


@dataclass(frozen=True)
class CodeInfo:
    """Whom an unused enrollment code is for, as the province says (unsigned: a hint)."""

    org_unit: str
    expires_at: str


@dataclass(frozen=True)
class VerifiedReceipt:
    """A receipt that verified, its checkpoint, and the exact bytes to keep."""

    receipt: Receipt
    checkpoint: Checkpoint
    receipt_bytes: bytes
    replayed: bool
    """True when the province already had this batch and answered with its stored receipt."""


@dataclass(frozen=True)
class PullResult:
    updates: list[SignedUpdate]
    next_since: int
    more: bool


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise InvalidReply("reply is not JSON") from None


def check_enrollment_code(
    endpoint: str,
    code: str,
    *,
    options: TransportOptions | None = None,
    cancel: threading.Event | None = None,
) -> CodeInfo:
    """Ask the province whom an enrollment code is for, before sending any key.

    Changes nothing at the province. Raises ``EnrollmentCodeUnknown``, ``EnrollmentCodeUsed``
    or ``EnrollmentCodeExpired`` as enrolling would. The answer is not signed (the province
    key is not pinned yet): it lets the office stop early; the province enforces the org unit
    again when the office enrolls (:func:`enroll` declares it).
    """
    body = canonical_json({"code": code.strip().upper()})
    transport = Transport(endpoint, options, cancel=cancel)
    try:
        reply = _json(transport.request("POST", "/v1/enrollments/check", body=body).body)
    finally:
        transport.close()
    org_unit = reply.get("org_unit") if isinstance(reply, dict) else None
    expires_at = reply.get("expires_at") if isinstance(reply, dict) else None
    if not isinstance(org_unit, str) or not isinstance(expires_at, str):
        raise InvalidReply("code check reply has no org_unit and expires_at")
    return CodeInfo(org_unit, expires_at)


def enroll(
    endpoint: str,
    code: str,
    device_key: Ed25519PrivateKey,
    *,
    org_unit: str,
    label: str = "",
    options: TransportOptions | None = None,
    expected_province_key_id: str | None = None,
    cancel: threading.Event | None = None,
) -> EnrollmentResult:
    """Register ``device_key`` with a one-time enrollment code and return what to pin.

    The request is signed by the device key itself (proof of possession). Repeating it with
    the same code and key is safe and answers the same, so a lost reply is simply retried.
    When the operator gave the province key's id (``anhui-province enroll-code`` prints it),
    pass it as ``expected_province_key_id`` to rule out a man in the middle at enrollment.
    ``org_unit`` is the office's own: the province refuses a code bound to another one
    (``EnrollmentOrgUnitMismatch``) without using it up.
    """
    request = EnrollmentRequest(code=code.strip().upper(),
                                public_key=public_key_to_b64(device_key), label=label,
                                org_unit=org_unit)
    envelope = dsse.sign(canonical_json(request.to_json()), ENROLLMENT_REQUEST_TYPE, [device_key])
    body = canonical_json({"public_key": request.public_key, "request": envelope.to_json()})
    transport = Transport(endpoint, options, cancel=cancel)
    try:
        reply = transport.request("POST", "/v1/enrollments", body=body)
    finally:
        transport.close()
    try:
        outer = dsse.parse(reply.body)
        enrollment = Enrollment.from_json(parse_json_object(outer.payload))
        province_key = public_key_from_b64(enrollment.province_public_key)
    except (ProtocolError, DecodeError, ValueError) as exc:
        raise InvalidReply(f"enrollment reply: {exc}") from None
    # The reply must be signed by the key it asks us to pin.
    try:
        dsse.verify(outer, {key_id(province_key): province_key}.get, ENROLLMENT_TYPE)
    except ProtocolError as exc:
        raise InvalidReply(f"enrollment reply signature: {exc.message}") from None
    if enrollment.device_key_id != key_id(device_key):
        raise InvalidReply("enrollment reply is for another device key")
    if enrollment.org_unit != org_unit:
        raise InvalidReply(f"enrollment reply binds org unit {enrollment.org_unit}, not {org_unit}")
    if key_id(province_key) != enrollment.province_key_id:
        raise InvalidReply("enrollment reply names a key id that is not its key's")
    if expected_province_key_id and expected_province_key_id.lower() != enrollment.province_key_id:
        raise UntrustedProvinceKey("the province key is not the one the operator named")
    return EnrollmentResult(enrollment.device_id, enrollment.org_unit,
                            enrollment.province_public_key, enrollment.province_key_id,
                            enrollment.log_id, enrollment.enrolled_at, reply.body)


class ProvinceClient:
    """An enrolled device talking to its province."""

    def __init__(
        self,
        endpoint: str,
        trust: ProvinceTrust,
        *,
        device_id: str | None = None,
        device_key: Ed25519PrivateKey | None = None,
        options: TransportOptions | None = None,
        cancel: threading.Event | None = None,
        on_new_province_keys: Callable[[list[str], list[bytes]], None] | None = None,
    ) -> None:
        self.transport = Transport(endpoint, options, cancel=cancel)
        self.trust = trust
        self.device_id = device_id
        self.device_key = device_key
        self.on_new_province_keys = on_new_province_keys

    @property
    def cancel(self) -> threading.Event:
        return self.transport.cancel

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> ProvinceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- trust ----------------------------------------------------------------------
    def refresh_province_keys(self) -> list[str]:
        """Fetch the province's key rotation announcements and trust verified successors.

        Returns the key ids newly trusted; ``on_new_province_keys`` gets the full trusted list
        (base64) and the verified rotation statements, so the office can persist both (an
        audit export carries the statements, which lead from the pinned key to the others).
        """
        reply = _json(self.transport.request("GET", "/v1/province/keys").body)
        rotations = reply.get("rotations") if isinstance(reply, dict) else None
        if not isinstance(rotations, list):
            raise InvalidReply("province keys reply has no rotations list")
        added = self.trust.extend(rotations)
        if added and self.on_new_province_keys is not None:
            self.on_new_province_keys(self.trust.public_keys_b64(), self.trust.rotations)
        return added

    def _with_trust(self, check: Callable[[], Any]) -> Any:
        # A reply signed by an unknown key may come after a province key rotation: learn the
        # announced keys (verified from the pinned one) and check once more, never more.
        try:
            return check()
        except UntrustedProvinceKey:
            if not self.refresh_province_keys():
                raise
            return check()

    # -- attachments ----------------------------------------------------------------
    def upload_chunk(self, sha256: str, size: int, media_type: str, offset: int, data: bytes) -> ChunkAnswer:
        """Send one chunk of a file (``data`` starting at ``offset``); return how much of the
        file the province holds. A chunk it already holds is answered the same way, so a lost
        answer costs one resend; ``ChunkOutOfOrder`` carries ``received`` to resume from."""
        device_id, key = self._device()
        header = ChunkHeader(device_id, sha256, size, media_type, offset, len(data),
                             hashlib.sha256(data).hexdigest())
        envelope = dsse.sign_bytes(canonical_json(header.to_json()), CHUNK_TYPE, [key])
        reply = self.transport.request("POST", "/v1/attachments/chunks", body=data, raw=True,
                                       headers={CHUNK_HEADER: header_value(envelope)})
        try:
            answer = ChunkAnswer.from_json(_json(reply.body))
        except ProtocolError as exc:
            raise InvalidReply(f"chunk answer: {exc}") from None
        if answer.sha256 != sha256 or answer.received > size:
            raise InvalidReply("the chunk answer is about another file")
        return answer

    # -- batches --------------------------------------------------------------------
    def send_batch(self, envelope: bytes, batch: BatchPayload | None = None) -> VerifiedReceipt:
        """Send stored batch bytes; return the verified receipt or raise.

        ``batch`` is what ``envelope`` holds, when the caller built it (see ``verify_receipt``).

        Raises the typed protocol errors (:class:`~sync.errors.SequenceGap`,
        :class:`~sync.errors.BatchConflict`, :class:`~sync.errors.Revoked`, ...),
        :class:`~sync.errors.TransportError` after retries, :class:`~sync.errors.InvalidReply`
        when the answer does not verify (then the batch is *not* sent; try again later).
        """
        reply = self.transport.request("POST", "/v1/batches", body=envelope)
        receipt, checkpoint = self._with_trust(
            lambda: verify_receipt(reply.body, self.trust.lookup, batch_envelope=envelope, batch=batch)
        )
        return VerifiedReceipt(receipt, checkpoint, reply.body, replayed=reply.status == 200)

    def fetch_receipt(self, batch_id: str, envelope: bytes | None = None) -> VerifiedReceipt:
        """The stored receipt of one of this device's batches (``NotFound`` otherwise).

        A version 2 (compact) receipt is checked only together with the batch's ``envelope``.
        """
        device_id, key = self._device()
        reply = self._signed_read(
            f"/v1/batches/{batch_id}/receipt", RECEIPT_REQUEST_TYPE,
            lambda nonce: ReceiptRequest(device_id, batch_id, nonce).to_json(), key)
        receipt, checkpoint = self._with_trust(
            lambda: verify_receipt(reply.body, self.trust.lookup, batch_envelope=envelope)
        )
        return VerifiedReceipt(receipt, checkpoint, reply.body, replayed=True)

    # -- updates and config --------------------------------------------------------
    def fetch_config(self) -> ServerConfig:
        """What the province advertises, including the largest batch it takes."""
        try:
            return ServerConfig.from_json(_json(self.transport.request("GET", "/v1/config").body))
        except ProtocolError as exc:
            raise InvalidReply(f"config: {exc.message}") from None

    def _device(self) -> tuple[str, Ed25519PrivateKey]:
        if self.device_id is None or self.device_key is None:
            raise ValueError("this request needs an enrolled device")
        return self.device_id, self.device_key

    def nonce(self) -> str:
        """A one-time nonce from the province for the next signed read request."""
        reply = _json(self.transport.request("POST", "/v1/nonces").body)
        nonce = reply.get("nonce") if isinstance(reply, dict) else None
        if not isinstance(nonce, str):
            raise InvalidReply("nonce reply has no nonce")
        return nonce

    def _signed_read(self, path: str, payload_type: str,
                     message: Callable[[str], dict[str, Any]], key: Ed25519PrivateKey) -> Any:
        # A nonce works once, so every try is signed afresh with a new one (a resend of the
        # same bytes after a lost answer would be refused as a replay). A nonce that aged
        # while the request waited is answered stale_request: sign once more.
        def fresh() -> bytes:
            return dsse.sign_bytes(canonical_json(message(self.nonce())), payload_type, [key])

        try:
            return self.transport.request("POST", path, body=fresh)
        except StaleRequest:
            return self.transport.request("POST", path, body=fresh)

    def pull_updates(self, since: int, limit: int = MAX_PULL) -> PullResult:
        """Signed updates after ``since`` for this device's org unit, each verified."""
        device_id, key = self._device()
        request_id = str(uuid.uuid4())
        response = self._signed_read(
            "/v1/updates/pull", PULL_REQUEST_TYPE,
            lambda nonce: PullRequest(device_id, since, limit, request_id, nonce).to_json(), key)
        reply = _json(response.body)
        if not isinstance(reply, dict) or not isinstance(reply.get("updates"), list):
            raise InvalidReply("pull reply has no updates list")
        updates: list[SignedUpdate] = []
        for item in reply["updates"]:
            updates.append(self._with_trust(partial(self._verify_update, item)))
        next_since = reply.get("next_since")
        if not isinstance(next_since, int) or next_since < since or any(
            u.update_id <= since or u.update_id > next_since for u in updates
        ):
            raise InvalidReply("pull reply's cursor does not match its updates")
        return PullResult(updates, next_since, bool(reply.get("more")))

    def _verify_update(self, item: Any) -> SignedUpdate:
        try:
            envelope = dsse.parse(item)
        except ProtocolError as exc:
            raise InvalidReply(f"update: {exc.message}") from None
        try:
            payload = dsse.verify(envelope, self.trust.lookup, UPDATE_TYPE).payload
            update = Update.from_json(parse_json_object(payload))
        except UntrustedProvinceKey:
            raise
        except ProtocolError as exc:
            if exc.code == "unknown_key":
                raise UntrustedProvinceKey("update signed by an untrusted key") from None
            raise InvalidReply(f"update: {exc.message}") from None
        except DecodeError as exc:
            raise InvalidReply(f"update: {exc}") from None
        return SignedUpdate(update.update_id, update.kind, update.audience, update.published_at,
                            update.body, envelope.to_bytes())

    def chain_head(self, history: HistoryHead) -> tuple[ChainHead, Checkpoint, bytes]:
        """The province's signed statement of this device's chain head, with its checkpoint.

        ``history`` is the office's history head, which the province signs back as reported.
        """
        device_id, key = self._device()
        request_id = str(uuid.uuid4())
        reply = self._signed_read(
            "/v1/devices/chain-head", CHAIN_HEAD_REQUEST_TYPE,
            lambda nonce: ChainHeadRequest(device_id, history, request_id, nonce).to_json(), key).body
        head, checkpoint = self._with_trust(lambda: verify_chain_head(reply, self.trust.lookup))
        if head.device_id != self.device_id or head.history != history:
            raise InvalidReply("chain head is for another device or another history head")
        return head, checkpoint, reply

    # -- keys -------------------------------------------------------------------------
    def rotate_device_key(self, statement: bytes) -> None:
        """Send a stored device key rotation statement (idempotent; see build_key_rotation)."""
        self.transport.request("POST", "/v1/devices/key-rotations", body=statement)

    # -- the province's log -------------------------------------------------------
    def checkpoint(self) -> tuple[Checkpoint, bytes]:
        """The newest signed checkpoint and its envelope bytes."""
        body = self.transport.request("GET", "/v1/log/checkpoint").body
        return self._with_trust(lambda: verify_checkpoint(body, self.trust.lookup)), body

    def consistency_proof(self, first: int, second: int) -> list[str]:
        """Hex hashes proving the tree of size ``first`` is a prefix of that of ``second``."""
        reply = _json(self.transport.request(
            "GET", "/v1/log/consistency", params={"first": first, "second": second}).body)
        return _hex_list(reply)

    def inclusion_proof(self, index: int, tree_size: int) -> list[str]:
        """Hex audit path of log entry ``index`` in the tree of ``tree_size`` entries."""
        reply = _json(self.transport.request(
            "GET", "/v1/log/inclusion", params={"index": index, "tree_size": tree_size}).body)
        return _hex_list(reply)


def _hex_list(reply: Any) -> list[str]:
    proof = reply.get("proof") if isinstance(reply, dict) else None
    if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof):
        raise InvalidReply("proof reply has no proof list")
    return proof
