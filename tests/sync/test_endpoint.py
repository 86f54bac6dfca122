"""The provincial endpoint over real HTTP, on SQLite and on PostgreSQL: batches, receipts,
exactly-once, refusals. Each test enrolls its own devices on a province shared by the module."""

from __future__ import annotations

import gzip
import json

import pytest
import requests

from sync import merkle
from sync.encoding import canonical_json
from sync.errors import (
    BadSignature,
    BatchConflict,
    BatchTooLarge,
    ChainMismatch,
    DeviceMismatch,
    OrgUnitForbidden,
    Revoked,
    SequenceGap,
    UnknownKey,
)
from sync.keys import generate_private_key, key_id
from sync.receipts import verify_checkpoint, verify_consistency, verify_inclusion
from tests.sync.conftest import TRIED
from tests.sync.offices import (
    enroll_device,
    error_code,
    invalid_version,
    post,
    stored,
    version,
)
from tests.sync.servers import ProvinceServer


def test_batch_gets_a_signed_receipt_with_a_verifiable_inclusion_proof(
        shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client:
        batch = device.batch([version(device.org_unit, i) for i in range(3)])
        result = client.send_batch(batch.envelope)
        assert not result.replayed
        receipt = result.receipt
        assert [a.version_id for a in receipt.accepted] == list(batch.version_ids)
        assert receipt.rejected == ()
        assert receipt.entry.org_unit == device.org_unit and receipt.sequence == 1
        # The proof verifies offline against the receipt's own signed checkpoint...
        assert verify_inclusion(receipt, result.checkpoint)
        # ...and the log the province serves extends that checkpoint.
        latest, _ = client.checkpoint()
        assert latest.tree_size >= result.checkpoint.tree_size
        proof = client.consistency_proof(result.checkpoint.tree_size, latest.tree_size)
        assert verify_consistency(result.checkpoint, latest, proof)
        path = client.inclusion_proof(receipt.log_index, latest.tree_size)
        leaf = merkle.leaf_hash(receipt.entry.leaf())
        assert merkle.verify_inclusion(leaf, receipt.log_index, latest.tree_size,
                                       [bytes.fromhex(p) for p in path],
                                       bytes.fromhex(latest.root_hash))
    # The public log shows the entry's hash and size only; the entry itself is in the receipt.
    served = requests.get(f"{shared_province.url}/v1/log/entries/{receipt.log_index}",
                          timeout=10).json()
    leaf = receipt.entry.leaf()
    assert served == {"index": receipt.log_index, "leaf_hash": merkle.leaf_hash(leaf).hex(),
                      "leaf_size": len(leaf)}
    assert stored(shared_province, device.device_id) == (1, 3)


def test_same_batch_again_gets_the_stored_receipt_and_stores_nothing(
        shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client:
        batch = device.batch([version(device.org_unit, i) for i in range(2)])
        first = client.send_batch(batch.envelope)
        for _ in range(3):
            again = client.send_batch(batch.envelope)
            assert again.replayed and again.receipt_bytes == first.receipt_bytes
        TRIED["replayed batches answered with the stored receipt"] += 3
        assert client.fetch_receipt(batch.batch_id, batch.envelope).receipt_bytes == first.receipt_bytes
    assert stored(shared_province, device.device_id) == (1, 2)


def test_same_batch_id_with_other_bytes_is_a_conflict(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client:
        batch = device.batch([version(device.org_unit)])
        client.send_batch(batch.envelope)
        other = device.batch([version(device.org_unit)], batch_id=batch.batch_id, sequence=1,
                             previous=None, advance=False)
        with pytest.raises(BatchConflict):
            client.send_batch(other.envelope)
    assert stored(shared_province, device.device_id) == (1, 1)


def test_sequence_gap_names_the_expected_sequence(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client:
        first = device.batch([version(device.org_unit)])
        client.send_batch(first.envelope)
        ahead = device.batch([version(device.org_unit)], sequence=3, advance=False)
        with pytest.raises(SequenceGap) as gap:
            client.send_batch(ahead.envelope)
        assert gap.value.code == "sequence_gap" and gap.value.expected == 2
        assert gap.value.previous_batch_hash == first.batch_hash
        # An old sequence number under a new batch id (a replayed position) is refused too.
        behind = device.batch([version(device.org_unit)], sequence=1, previous=None,
                              advance=False)
        with pytest.raises(SequenceGap) as gap:
            client.send_batch(behind.envelope)
        assert gap.value.expected == 2
        # Right sequence, wrong previous hash: the chain does not continue.
        forked = device.batch([version(device.org_unit)], previous="0" * 64, advance=False)
        with pytest.raises(ChainMismatch) as gap:
            client.send_batch(forked.envelope)
        assert gap.value.expected == 2 and gap.value.previous_batch_hash == first.batch_hash
    assert stored(shared_province, device.device_id) == (1, 1)


def test_one_invalid_record_among_500_is_rejected_alone(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province, "340111")
    versions = [version(device.org_unit, i) for i in range(500)]
    bad = invalid_version(device.org_unit)
    versions[250] = bad
    with device.client() as client:
        receipt = client.send_batch(device.batch(versions).envelope).receipt
        assert len(receipt.accepted) == 499 and len(receipt.rejected) == 1
        rejected = receipt.rejected[0]
        assert rejected.version_id == bad.version_id
        assert [(r.path, r.code) for r in rejected.reasons] == [("year", "type")]
        assert rejected.reasons[0].message_zh and rejected.reasons[0].message_en
        # The queue is not blocked: the next batch goes through.
        following = client.send_batch(device.batch([version(device.org_unit)]).envelope)
        assert len(following.receipt.accepted) == 1
    assert stored(shared_province, device.device_id) == (2, 500)
    shown = json.loads(shared_province.cli("batches", "show", receipt.batch_id))
    assert shown[0]["version_id"] == bad.version_id and shown[0]["reasons"][0]["path"] == "year"


def test_content_hash_and_duplicate_versions_are_rejected_per_version(
        shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    good = version(device.org_unit)
    forged = version(device.org_unit)
    object.__setattr__(forged, "content_hash", "0" * 64)
    with device.client() as client:
        receipt = client.send_batch(device.batch([good, forged, good]).envelope).receipt
        assert [a.version_id for a in receipt.accepted] == [good.version_id]
        assert [r.version_id for r in receipt.rejected] == [forged.version_id, good.version_id]
        assert [r.reasons[0].code for r in receipt.rejected] == ["content_hash_mismatch",
                                                                 "duplicate_version"]
        # A version the province already holds comes back as already received, never twice.
        again = client.send_batch(device.batch([good]).envelope).receipt
        assert again.accepted[0].already_received
    assert stored(shared_province, device.device_id) == (2, 1)


def test_revoked_device_is_refused_and_nothing_is_stored(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    shared_province.cli("devices", "revoke", device.device_id, "--reason", "laptop stolen")
    with device.client() as client:
        with pytest.raises(Revoked):
            client.send_batch(device.batch([version(device.org_unit)]).envelope)
        with pytest.raises(Revoked):
            client.pull_updates(0)
    assert stored(shared_province, device.device_id) == (0, 0)
    listed = json.loads(shared_province.cli("devices", "list", "--json"))
    assert any(d["device_id"] == device.device_id and d["revoked_at"] for d in listed)


def test_unknown_key_and_another_devices_key_id_are_refused(shared_province: ProvinceServer) -> None:
    victim = enroll_device(shared_province)
    attacker = enroll_device(shared_province, "340102")
    with victim.client() as client:
        # A key the province never enrolled, claiming the victim's device id.
        stranger = generate_private_key()
        forged = victim.batch([version(victim.org_unit)], key=stranger, advance=False)
        with pytest.raises(UnknownKey):
            client.send_batch(forged.envelope)
        # The attacker's own signature, with the victim's key id swapped in.
        signed = attacker.batch([version(victim.org_unit)], device_id=victim.device_id,
                                advance=False)
        obj = json.loads(signed.envelope)
        obj["signatures"][0]["keyid"] = key_id(victim.key)
        with pytest.raises(BadSignature):
            client.send_batch(canonical_json(obj))
        # The attacker's valid signature over a batch naming the victim's device.
        with pytest.raises(DeviceMismatch):
            client.send_batch(signed.envelope)
    assert stored(shared_province, victim.device_id) == (0, 0)


def test_writing_another_org_units_record_is_refused(shared_province: ProvinceServer) -> None:
    ours = enroll_device(shared_province, "340104")
    theirs = enroll_device(shared_province, "340102")
    with theirs.client() as client:
        their_version = version(theirs.org_unit)
        client.send_batch(theirs.batch([their_version]).envelope)
    with ours.client() as client:
        # A version that says it belongs to the other org unit.
        foreign = version(theirs.org_unit)
        with pytest.raises(OrgUnitForbidden):
            client.send_batch(ours.batch([version(ours.org_unit), foreign], advance=False).envelope)
        # A new version of the other org unit's record, relabelled as ours.
        takeover = version(ours.org_unit, record_id=their_version.record_id)
        with pytest.raises(OrgUnitForbidden) as refused:
            client.send_batch(ours.batch([takeover], advance=False).envelope)
        assert refused.value.status == 403
    assert stored(shared_province, ours.device_id) == (0, 0)
    records = json.loads(shared_province.cli("records", "list", "--json", "--org-unit", "340102"))
    mine = [r for r in records if r["record_id"] == their_version.record_id]
    assert mine[0]["version_id"] == their_version.version_id


def test_oversized_batches_and_bodies_are_refused(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client, pytest.raises(BatchTooLarge):
        client.send_batch(device.batch([version(device.org_unit, i) for i in range(501)],
                                       advance=False).envelope)


    bomb = gzip.compress(b" " * (70 * 1024 * 1024))
    response = post(shared_province, "/v1/batches", bomb, **{"Content-Encoding": "gzip"})
    assert response.status_code == 413 and error_code(response) == "batch_too_large"
    assert stored(shared_province, device.device_id) == (0, 0)


FIELDS = ("payload", "payloadType", "signatures.keyid", "signatures.sig")


def test_tampering_with_every_envelope_field_is_refused_over_http(
        shared_province: ProvinceServer) -> None:
    """Flip bytes in each field of a real batch envelope and send it: always a documented
    4xx (never 5xx, never accepted), nothing stored, and the untouched batch then works."""
    device = enroll_device(shared_province)
    batch = device.batch([version(device.org_unit, i) for i in range(2)])
    original = json.loads(batch.envelope)
    seen: dict[str, set[str]] = {}

    def send(obj_or_bytes: dict[str, object] | bytes, label: str) -> None:
        body = obj_or_bytes if isinstance(obj_or_bytes, bytes) else canonical_json(obj_or_bytes)
        response = post(shared_province, "/v1/batches", body)
        assert 400 <= response.status_code < 500, (label, response.status_code, response.text)
        seen.setdefault(label, set()).add(error_code(response))
        TRIED["tampered envelopes sent over HTTP and refused"] += 1

    def flipped(text: str, i: int) -> str:
        return text[:i] + chr(ord(text[i]) ^ 0x01) + text[i + 1:]

    for field_name in FIELDS:
        value = (original["signatures"][0][field_name.split(".")[1]] if "." in field_name
                 else original[field_name])
        positions = sorted(set(range(0, len(value), max(1, len(value) // 12))) | {len(value) - 1})
        for i in positions:
            obj = json.loads(batch.envelope)
            if "." in field_name:
                obj["signatures"][0][field_name.split(".")[1]] = flipped(value, i)
            else:
                obj[field_name] = flipped(value, i)
            send(obj, field_name)
    # Structure: missing fields, extra fields, wrong types, two signatures, raw byte flips.
    for key in original:
        send({k: v for k, v in original.items() if k != key}, "missing field")
    send({**original, "extra": 1}, "extra field")
    send({**original, "signatures": []}, "no signature")
    send({**original, "signatures": "x"}, "wrong type")
    send(batch.envelope[:-1], "truncated")
    send(b"\xff" + batch.envelope, "not UTF-8")
    send(json.dumps(original, indent=2).encode(), "not canonical")
    for i in range(0, len(batch.envelope), 97):
        raw = bytearray(batch.envelope)
        raw[i] ^= 0x04
        send(bytes(raw), "raw byte flip")
    assert stored(shared_province, device.device_id) == (0, 0)
    assert seen["payload"] <= {"bad_signature", "malformed_envelope"}
    assert seen["payloadType"] <= {"unsupported_payload_type"}
    assert seen["signatures.keyid"] <= {"unknown_key", "malformed_envelope"}
    assert seen["signatures.sig"] <= {"bad_signature", "malformed_envelope"}
    with device.client() as client:
        assert len(client.send_batch(batch.envelope).receipt.accepted) == 2


def test_openapi_description_is_served(shared_province: ProvinceServer) -> None:
    spec = requests.get(shared_province.url + "/openapi.json", timeout=10).json()
    for path in ("/v1/config", "/v1/enrollments", "/v1/batches", "/v1/updates/pull",
                 "/v1/log/checkpoint", "/v1/log/inclusion", "/v1/log/consistency",
                 "/v1/province/keys", "/v1/devices/key-rotations"):
        assert path in spec["paths"], path
    assert "Envelope" in spec["components"]["schemas"]
    # Every schema the document refers to is defined in it.
    refs: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    defined = {f"#/components/schemas/{name}" for name in spec["components"]["schemas"]}
    assert refs and refs <= defined, sorted(refs - defined)
    # Every schema a $ref names is defined (schemathesis and code generators need them all).
    refs: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                refs.add(ref)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(spec)
    assert "#/components/schemas/EnrollmentBody" in refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in spec["components"]["schemas"], ref
    for path in ("/v1/nonces", "/v1/enrollments/check", "/v1/batches/{batch_id}/receipt"):
        assert path in spec["paths"], path
    checkpoint = requests.get(shared_province.url + "/v1/log/checkpoint", timeout=10).content
    keys = requests.get(shared_province.url + "/v1/province/keys", timeout=10).json()
    from sync.trust import ProvinceTrust

    trust = ProvinceTrust([k["public_key"] for k in keys["keys"]])
    assert verify_checkpoint(checkpoint, trust.lookup).log_id == keys["log_id"]
