"""The protocol's errors: one class per documented error code, shared by both ends.

The province raises these and renders them as ``{"error": {"code", "message", ...}}`` with
the class's HTTP status; the client turns that body back into the same class, so office code
catches ``SequenceGap`` rather than parsing status codes. ``docs/protocol.md`` lists them.
"""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    """Base of every error the sync package raises."""


class ProtocolError(SyncError):
    """An error with a documented code and HTTP status, sent by the province."""

    code: str = "protocol_error"
    status: int = 400

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON body the province sends for this error."""
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class MalformedRequest(ProtocolError):
    """The request body or query is not what the endpoint takes."""

    code = "malformed_request"
    status = 400


class MalformedEnvelope(ProtocolError):
    """The body is not a canonical DSSE envelope (checked before any signature)."""

    code = "malformed_envelope"
    status = 400


class UnsupportedPayloadType(ProtocolError):
    """The envelope's payloadType (or its version) is not one this endpoint takes."""

    code = "unsupported_payload_type"
    status = 415


class Unauthorized(ProtocolError):
    """Base of the errors that mean "we could not tell who signed this"."""

    code = "unauthorized"
    status = 401


class UnknownKey(Unauthorized):
    """No enrolled key has the envelope's key id."""

    code = "unknown_key"


class BadSignature(Unauthorized):
    """The signature does not verify with the key the key id names."""

    code = "bad_signature"


class KeyRetired(Unauthorized):
    """The key was rotated away before this batch's sequence number."""

    code = "key_retired"


class MalformedPayload(ProtocolError):
    """The signed payload is not a valid message of its type."""

    code = "malformed_payload"
    status = 400


class Forbidden(ProtocolError):
    """Base of the errors that mean "we know who you are, and you may not"."""

    code = "forbidden"
    status = 403


class DeviceMismatch(Forbidden):
    """The payload names another device than the one whose key signed it."""

    code = "device_mismatch"


class Revoked(Forbidden):
    """The device was revoked by the province."""

    code = "device_revoked"


class OrgUnitForbidden(Forbidden):
    """The batch holds a record of another org unit than the device's."""

    code = "org_unit_forbidden"


class BatchConflict(ProtocolError):
    """The batch id is known with other bytes."""

    code = "batch_conflict"
    status = 409


class SequenceGap(ProtocolError):
    """The batch's sequence is not the one the province expects next for this device."""

    code = "sequence_gap"
    status = 409

    @property
    def expected(self) -> int:
        """The sequence number the province expects next."""
        return int(self.details.get("expected_sequence", 0))

    @property
    def previous_batch_hash(self) -> str | None:
        """The hash of the device's last batch the province holds (None before the first)."""
        value = self.details.get("previous_batch_hash")
        return str(value) if value else None


class ChainMismatch(SequenceGap):
    """The sequence is right but ``previous_batch_hash`` is not the province's last batch."""

    code = "chain_mismatch"


class RequestTooLarge(ProtocolError):
    """A request body over ``max_body_bytes``, before or after decompression."""

    code = "request_too_large"
    status = 413


class BatchTooLarge(RequestTooLarge):
    """More record versions or more bytes than the province advertises."""

    code = "batch_too_large"


class EnrollmentCodeUnknown(Forbidden):
    """No such enrollment code."""

    code = "enrollment_code_unknown"


class EnrollmentCodeExpired(ProtocolError):
    """The enrollment code's expiry has passed."""

    code = "enrollment_code_expired"
    status = 410


class EnrollmentCodeUsed(ProtocolError):
    """The enrollment code was already used by another key."""

    code = "enrollment_code_used"
    status = 409


class EnrollmentOrgUnitMismatch(ProtocolError):
    """The code is bound to another org unit than the one the office declared; it stays unused."""

    code = "enrollment_org_unit_mismatch"
    status = 409

    @property
    def code_org_unit(self) -> str:
        """The org unit the code is bound to."""
        return str(self.details.get("org_unit", ""))


class KeyAlreadyEnrolled(ProtocolError):
    """This public key already belongs to a device."""

    code = "key_already_enrolled"
    status = 409


class RotationConflict(ProtocolError):
    """A different key rotation was already recorded for this device and key."""

    code = "rotation_conflict"
    status = 409


class NotFound(ProtocolError):
    """No such batch, receipt, log index or update."""

    code = "not_found"
    status = 404


class StaleRequest(ProtocolError):
    """A signed read request whose nonce is unknown, expired or already used; sign a new one."""

    code = "stale_request"
    status = 401


class RequestTimeout(ProtocolError):
    """The request's headers or body did not arrive in time."""

    code = "request_timeout"
    status = 408


class RateLimited(ProtocolError):
    """Too many requests from this address or device; retry after ``retry_after`` seconds."""

    code = "rate_limited"
    status = 429

    @property
    def retry_after(self) -> float:
        """Seconds to wait before the next request."""
        try:
            return max(0.0, float(self.details.get("retry_after", 1)))
        except (TypeError, ValueError):
            return 1.0


class ServiceUnavailable(ProtocolError):
    """The province is busy or its database is unreachable; retry later."""

    code = "service_unavailable"
    status = 503


class InternalError(ProtocolError):
    """An unexpected failure in the province; retry later."""

    code = "internal_error"
    status = 500


class ChunkMismatch(ProtocolError):
    """The chunk's bytes are not those its signed header names (length or SHA-256)."""

    code = "chunk_mismatch"
    status = 400


class ChunkOutOfOrder(ProtocolError):
    """The chunk starts after the end of what the province holds; ``received`` says where."""

    code = "chunk_out_of_order"
    status = 409


class UploadConflict(ProtocolError):
    """The file was announced before with another size or media type, or a chunk sent again
    differs from the one held at its offset."""

    code = "upload_conflict"
    status = 409


class AttachmentHashMismatch(ProtocolError):
    """The whole file does not hash to the SHA-256 the device signed (or is not the kind of
    file it says); what was received is dropped."""

    code = "attachment_hash_mismatch"
    status = 422


class TooManyUploads(ProtocolError):
    """The device has as many unfinished uploads as the province keeps; ``max_open_uploads``."""

    code = "too_many_uploads"
    status = 409


ERRORS: dict[str, type[ProtocolError]] = {
    cls.code: cls
    for cls in (
        MalformedRequest, MalformedEnvelope, UnsupportedPayloadType, Unauthorized, UnknownKey,
        BadSignature, KeyRetired, MalformedPayload, Forbidden, DeviceMismatch, Revoked,
        OrgUnitForbidden, BatchConflict, SequenceGap, ChainMismatch, RequestTooLarge,
        BatchTooLarge, EnrollmentCodeUnknown, EnrollmentCodeExpired, EnrollmentCodeUsed,
        EnrollmentOrgUnitMismatch, KeyAlreadyEnrolled, RotationConflict, NotFound, StaleRequest,
        RequestTimeout, RateLimited, ServiceUnavailable, InternalError, ChunkMismatch,
        ChunkOutOfOrder, UploadConflict, AttachmentHashMismatch, TooManyUploads,
    )
}


def error_from_body(status: int, body: Any) -> ProtocolError:
    """Rebuild the typed error from a province error body (a generic one if unknown)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return ProtocolError(f"HTTP {status} without an error body")
    code = str(error.get("code", ""))
    message = str(error.get("message", code))
    details = {k: v for k, v in error.items() if k not in ("code", "message")}
    cls = ERRORS.get(code)
    if cls is None:
        generic = ProtocolError(message, **details)
        generic.code = code or "protocol_error"
        generic.status = status
        return generic
    return cls(message, **details)


# Errors only the client raises: nothing the province said, but what the office must handle.
class TransportError(SyncError):
    """The province could not be reached (or answered 5xx) after every retry."""


class InvalidReply(SyncError):
    """The province answered, but the reply failed verification; it proves nothing."""


class UntrustedProvinceKey(InvalidReply):
    """A reply was signed by a key that no verified chain links to the pinned key."""


class Cancelled(SyncError):
    """The user cancelled; everything done so far is kept."""
