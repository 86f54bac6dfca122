"""DSSE envelopes: the pre-authentication encoding, signing, and strict verification."""

from __future__ import annotations

import json

import pytest

from sync import dsse
from sync.encoding import b64encode, canonical_json
from sync.errors import (
    BadSignature,
    MalformedEnvelope,
    ProtocolError,
    UnknownKey,
    UnsupportedPayloadType,
)
from sync.keys import generate_private_key, key_id
from sync.protocol import BATCH_TYPE, RECEIPT_TYPE
from tests.sync.conftest import TRIED


def test_pae_matches_the_dsse_specification() -> None:
    # The example of the DSSE protocol document.
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    # Lengths are of bytes, not characters.
    assert dsse.pae("类型", b"\xe4") == b"DSSEv1 6 \xe7\xb1\xbb\xe5\x9e\x8b 1 \xe4"


def test_sign_and_verify_with_the_looked_up_key() -> None:
    key = generate_private_key()
    envelope = dsse.sign_bytes(b'{"a":1}', BATCH_TYPE, [key])
    verified = dsse.verify(envelope, {key_id(key): key.public_key()}.get, BATCH_TYPE)
    assert verified.payload == b'{"a":1}' and verified.key_id == key_id(key)
    # The signature is over PAE, as any DSSE implementation (or openssl) can check.
    parsed = json.loads(envelope)
    key.public_key().verify(__import__("base64").b64decode(parsed["signatures"][0]["sig"]),
                            dsse.pae(BATCH_TYPE, b'{"a":1}'))


def test_wrong_key_unknown_key_and_wrong_type_are_refused() -> None:
    key, other = generate_private_key(), generate_private_key()
    envelope = dsse.sign_bytes(b"{}", BATCH_TYPE, [key])
    with pytest.raises(UnknownKey):
        dsse.verify(envelope, lambda k: None, BATCH_TYPE)
    # A lookup that answers the id with another key: never trusted on the id alone.
    with pytest.raises(BadSignature):
        dsse.verify(envelope, lambda k: other.public_key(), BATCH_TYPE)
    with pytest.raises(UnsupportedPayloadType):
        dsse.verify(envelope, {key_id(key): key.public_key()}.get, RECEIPT_TYPE)
    # The same payload signed as another type does not verify as this one (PAE binds it).
    obj = json.loads(envelope)
    obj["payloadType"] = RECEIPT_TYPE
    with pytest.raises(BadSignature):
        dsse.verify(canonical_json(obj), {key_id(key): key.public_key()}.get, RECEIPT_TYPE)


def test_non_canonical_spellings_are_refused() -> None:
    key = generate_private_key()
    envelope = dsse.sign_bytes(b"{}", BATCH_TYPE, [key])
    obj = json.loads(envelope)
    for variant in (
        json.dumps(obj).encode(),  # spaces
        json.dumps(obj, indent=1).encode(),
        envelope + b"\n",
        envelope.replace(b'"payload":', b'"payload":', 1).replace(b"{", b'{"payload":"",', 1),
        canonical_json({**obj, "extra": 1}),
        canonical_json({**obj, "signatures": []}),
        canonical_json({**obj, "payload": obj["payload"].rstrip("=")}),
    ):
        with pytest.raises(MalformedEnvelope):
            dsse.verify(variant, {key_id(key): key.public_key()}.get, BATCH_TYPE)


def test_every_single_byte_change_is_refused() -> None:
    """Flip each byte of an envelope (three ways): never accepted, always a protocol error."""
    key = generate_private_key()
    payload = canonical_json({"batch_id": "b-1", "versions": [{"data": {"名称": "量子"}}]})
    envelope = dsse.sign_bytes(payload, BATCH_TYPE, [key])
    lookup = {key_id(key): key.public_key()}.get
    tried = 0
    for i in range(len(envelope)):
        for delta in (0x01, 0x20, 0x80):
            changed = bytearray(envelope)
            changed[i] ^= delta
            with pytest.raises(ProtocolError):
                dsse.verify(bytes(changed), lookup, BATCH_TYPE)
            tried += 1
    TRIED["envelope byte flips refused offline"] += tried


def test_multi_signature_verification_requires_every_key() -> None:
    old, new = generate_private_key(), generate_private_key()
    both = dsse.sign_bytes(b"{}", BATCH_TYPE, [old, new])
    assert dsse.verify_all(both, [old.public_key(), new.public_key()], BATCH_TYPE) == b"{}"
    only_old = dsse.sign_bytes(b"{}", BATCH_TYPE, [old])
    with pytest.raises(BadSignature):
        dsse.verify_all(only_old, [old.public_key(), new.public_key()], BATCH_TYPE)
    # A signature by new over other bytes, spliced in, does not count.
    other = json.loads(dsse.sign_bytes(b"[]", BATCH_TYPE, [new]))
    spliced = json.loads(only_old)
    spliced["signatures"].append(other["signatures"][0])
    with pytest.raises(BadSignature):
        dsse.verify_all(canonical_json(spliced), [old.public_key(), new.public_key()], BATCH_TYPE)
    assert b64encode(b"") == ""
