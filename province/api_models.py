"""Pydantic models that describe the wire formats in the served OpenAPI document.

The handlers work on exact bytes (signatures are over bytes, not over re-serialised models),
so these classes document the shapes; the strict parsers in :mod:`sync.protocol` and
:mod:`sync.control` enforce them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Signature(BaseModel):
    keyid: str = Field(description="Hex SHA-256 of the signer's raw Ed25519 public key.")
    sig: str = Field(description="Base64 Ed25519 signature over PAE(payloadType, payload).")


class Envelope(BaseModel):
    """A DSSE envelope, sent and answered as canonical JSON (sorted keys, no spaces)."""

    payload: str = Field(description="Base64 of the payload bytes (a JSON message).")
    payloadType: str = Field(  # noqa: N815 - the DSSE field name
        description="application/vnd.anhui-collect.<message>+json; version=1")
    signatures: list[Signature]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable error code; see docs/protocol.md.")
    message: str
    model_config = {"extra": "allow"}


class Error(BaseModel):
    error: ErrorDetail


class EnrollmentBody(BaseModel):
    public_key: str = Field(description="Base64 raw Ed25519 public key of the new device.")
    request: Envelope = Field(description="enrollment-request envelope signed by that key.")


class CodeCheckBody(BaseModel):
    code: str = Field(description="The enrollment code as the operator gave it.", max_length=64)


class CodeInfo(BaseModel):
    org_unit: str = Field(description="The org unit the code is bound to.")
    expires_at: str = Field(description="When the code stops working (province time).")


class Nonce(BaseModel):
    nonce: str = Field(description="Put it in one signed read request; it works once.")
    expires_at: str = Field(description="When it stops working (province time).")


class ChunkAnswer(BaseModel):
    sha256: str
    received: int = Field(description="Bytes of the file the province holds, from the start.")
    complete: bool = Field(description="The file is whole and matches its SHA-256 and media type.")


class Health(BaseModel):
    status: str


class Config(BaseModel):
    protocol: int
    log_id: str
    province_key_id: str
    max_batch_versions: int
    max_body_bytes: int
    max_pull: int
    server_time: str
    batch_versions: list[int] = Field(
        description="Batch protocol versions accepted (2: compressed batch, compact receipt).")


class PullReply(BaseModel):
    updates: list[Envelope] = Field(description="update envelopes signed by the province.")
    next_since: int = Field(description="The cursor to send as `since` next time.")
    more: bool


class KeyRotationReply(BaseModel):
    device_id: str
    key_id: str
    from_sequence: int


class ProvinceKey(BaseModel):
    key_id: str
    public_key: str
    created_at: str


class ProvinceKeys(BaseModel):
    log_id: str
    current_key_id: str
    keys: list[ProvinceKey]
    rotations: list[Envelope]


class LogEntryReply(BaseModel):
    index: int
    leaf_hash: str = Field(description="RFC 6962 leaf hash (hex) of the entry.")
    leaf_size: int = Field(description="Bytes of the leaf; the leaf itself is in the receipt "
                                       "its device holds.")


class InclusionReply(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyReply(BaseModel):
    first: int
    second: int
    proof: list[str]


def json_body(schema: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint that reads its JSON body itself (as exact bytes)."""
    return {"requestBody": {"required": True, "description": description, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}}


def envelope_body(description: str) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint whose request body is raw envelope bytes."""
    return json_body("Envelope", description)


# Models only named by ``$ref`` in ``openapi_extra``: FastAPI does not see them, so the app
# adds them to the document's components itself.
REFERENCED = (Envelope, Signature, Error, ErrorDetail, EnrollmentBody, CodeCheckBody)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses`` entries for the error statuses an endpoint can answer."""
    return {code: {"model": Error} for code in codes}
