"""DSSE envelopes signed with Ed25519 (https://github.com/secure-systems-lab/dsse).

An envelope is the canonical JSON object
``{"payload": <base64>, "payloadType": <str>, "signatures": [{"keyid": <hex>, "sig": <base64>}]}``
and each signature is Ed25519 over the pre-authentication encoding
``PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body``.

Verification works on the exact bytes received and hands back the payload bytes only once a
signature has verified, so nothing unsigned is ever parsed as a message. The key id is used
only to *find* a key; the signature must then verify with that key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from sync.encoding import (
    DecodeError,
    JsonLimits,
    b64decode,
    b64encode,
    canonical_json,
    parse_json_object,
)
from sync.errors import BadSignature, MalformedEnvelope, UnknownKey, UnsupportedPayloadType
from sync.keys import Ed25519PrivateKey, Ed25519PublicKey, key_id

MAX_SIGNATURES = 4
_KEYS = {"payload", "payloadType", "signatures"}
# An envelope is three fields and up to four signatures: a text with more structure than
# that is refused before any of it is built into objects.
ENVELOPE_LIMITS = JsonLimits(max_depth=3, max_values=32, max_number_chars=0)

KeyLookup = Callable[[str], Ed25519PublicKey | None]


def pae(payload_type: str, payload: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding, the bytes that are actually signed."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


@dataclass(frozen=True)
class Envelope:
    """A parsed but not yet verified envelope."""

    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...]

    def to_json(self) -> dict[str, Any]:
        """The envelope as a JSON object (for embedding, e.g. a checkpoint in a receipt)."""
        return {
            "payload": b64encode(self.payload),
            "payloadType": self.payload_type,
            "signatures": [{"keyid": k, "sig": b64encode(s)} for k, s in self.signatures],
        }

    def to_bytes(self) -> bytes:
        """The canonical bytes of the envelope."""
        return canonical_json(self.to_json())


@dataclass(frozen=True)
class Verified:
    """A payload whose signature verified, with the key that verified it."""

    payload_type: str
    payload: bytes
    key_id: str
    key: Ed25519PublicKey


def sign(payload: bytes, payload_type: str, keys: Iterable[Ed25519PrivateKey]) -> Envelope:
    """Sign ``payload`` with each key in ``keys`` (usually one) and return the envelope."""
    message = pae(payload_type, payload)
    signatures = tuple((key_id(k), k.sign(message)) for k in keys)
    if not signatures:
        raise ValueError("at least one signing key is required")
    return Envelope(payload_type, payload, signatures)


def sign_bytes(payload: bytes, payload_type: str, keys: Iterable[Ed25519PrivateKey]) -> bytes:
    """Like :func:`sign`, returning the canonical envelope bytes ready to store and send."""
    return sign(payload, payload_type, keys).to_bytes()


def parse(data: bytes | Mapping[str, Any]) -> Envelope:
    """Check the envelope's shape (not its signatures) and decode it.

    Bytes must be canonical JSON, so each envelope has exactly one spelling and any changed
    byte is either refused here or caught by the signature. An already-parsed object (an
    envelope embedded in another message) is checked the same way minus the byte form.
    """
    try:
        obj = (parse_json_object(data, canonical=True, limits=ENVELOPE_LIMITS)
               if isinstance(data, bytes) else dict(data))
    except DecodeError as exc:
        raise MalformedEnvelope(f"envelope: {exc}") from None
    if set(obj) != _KEYS:
        raise MalformedEnvelope("envelope must have exactly payload, payloadType, signatures")
    payload_type = obj["payloadType"]
    if not isinstance(payload_type, str) or not payload_type or len(payload_type) > 200:
        raise MalformedEnvelope("payloadType must be a non-empty string")
    try:
        payload = b64decode(obj["payload"])
    except DecodeError as exc:
        raise MalformedEnvelope(f"payload: {exc}") from None
    sigs = obj["signatures"]
    if not isinstance(sigs, list) or not 1 <= len(sigs) <= MAX_SIGNATURES:
        raise MalformedEnvelope(f"signatures must be a list of 1 to {MAX_SIGNATURES}")
    parsed: list[tuple[str, bytes]] = []
    for i, sig in enumerate(sigs):
        if not isinstance(sig, dict) or set(sig) != {"keyid", "sig"}:
            raise MalformedEnvelope(f"signatures[{i}] must have exactly keyid and sig")
        keyid = sig["keyid"]
        if not isinstance(keyid, str) or not _is_key_id(keyid):
            raise MalformedEnvelope(f"signatures[{i}].keyid must be 64 lower-case hex digits")
        try:
            raw = b64decode(sig["sig"])
        except DecodeError as exc:
            raise MalformedEnvelope(f"signatures[{i}].sig: {exc}") from None
        if len(raw) != 64:
            raise MalformedEnvelope(f"signatures[{i}].sig must be a 64-byte Ed25519 signature")
        parsed.append((keyid, raw))
    return Envelope(payload_type, payload, tuple(parsed))


def _is_key_id(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def verify(
    data: bytes | Mapping[str, Any] | Envelope,
    lookup: KeyLookup,
    payload_types: str | Iterable[str],
) -> Verified:
    """Verify an envelope and return its payload; raise the protocol error that explains why not.

    Exactly one signature is expected to matter: the first whose key id ``lookup`` resolves
    must verify, else :class:`BadSignature`. No resolvable key id at all is
    :class:`UnknownKey`. The payload type is checked first so a signature made for one kind
    of message can never be presented as another (PAE binds the type as well).
    """
    envelope = data if isinstance(data, Envelope) else parse(data)
    allowed = {payload_types} if isinstance(payload_types, str) else set(payload_types)
    if envelope.payload_type not in allowed:
        raise UnsupportedPayloadType(
            f"payloadType {envelope.payload_type!r} is not accepted here",
            accepted=sorted(allowed),
        )
    message = pae(envelope.payload_type, envelope.payload)
    for keyid, sig in envelope.signatures:
        key = lookup(keyid)
        if key is None:
            continue
        # Defence in depth: a lookup must return the key the id names, not merely some key.
        if key_id(key) != keyid:
            raise BadSignature("key id does not match the key it names")
        try:
            key.verify(sig, message)
        except InvalidSignature:
            raise BadSignature("signature does not verify") from None
        return Verified(envelope.payload_type, envelope.payload, keyid, key)
    raise UnknownKey("no signature is by a known key")


def verify_all(
    data: bytes | Mapping[str, Any] | Envelope,
    keys: Iterable[Ed25519PublicKey],
    payload_type: str,
) -> bytes:
    """Verify that *every* key in ``keys`` signed the envelope; return the payload.

    Used where one signature is not enough, e.g. a key rotation, which must be signed by the
    old key (authority) and the new one (possession).
    """
    envelope = data if isinstance(data, Envelope) else parse(data)
    if envelope.payload_type != payload_type:
        raise UnsupportedPayloadType(f"payloadType {envelope.payload_type!r} is not {payload_type!r}")
    message = pae(envelope.payload_type, envelope.payload)
    by_id = dict(envelope.signatures)
    for key in keys:
        sig = by_id.get(key_id(key))
        if sig is None:
            raise BadSignature(f"missing signature by key {key_id(key)}")
        try:
            key.verify(sig, message)
        except InvalidSignature:
            raise BadSignature(f"signature by key {key_id(key)} does not verify") from None
    return envelope.payload
