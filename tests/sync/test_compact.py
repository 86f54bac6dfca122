"""Protocol version 2: compressed batches, compact receipts, and both versions side by side."""

from __future__ import annotations

import dataclasses
import gzip
import json

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from sync import dsse
from sync.compact import (
    BATCH_V2_TYPE,
    RECEIPT_V2_TYPE,
    CompactEntry,
    CompactReceipt,
    batch_payload,
    gunzip,
    parse_batch,
)
from sync.control import ServerConfig
from sync.encoding import canonical_json, parse_json_object
from sync.errors import BatchTooLarge, InvalidReply, MalformedPayload
from sync.keys import generate_private_key
from sync.merkle import leaf_hash
from sync.office import build_batch
from sync.protocol import (
    RECEIPT_TYPE,
    Accepted,
    BatchPayload,
    LogEntry,
    Reason,
    RecordVersion,
    Rejected,
)
from sync.receipts import verify_checkpoint, verify_inclusion, verify_receipt
from sync.runner import batch_version
from tests.sync.offices import enroll_device, error_code, invalid_version, post, version
from tests.sync.servers import ProvinceServer


def test_version_2_batch_gets_a_compact_receipt_that_expands_to_the_logged_entry(
        shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    good = [version(device.org_unit, i) for i in range(40)]
    bad = invalid_version(device.org_unit)
    versions = [*good[:20], bad, *good[20:], good[3]]  # a rejection and a repeated version
    with device.client() as client:
        batch = device.batch(versions, version=2)
        envelope = dsse.parse(batch.envelope)
        assert envelope.payload_type == BATCH_V2_TYPE
        raw = canonical_json({"v": [v.to_json() for v in versions]})
        assert len(envelope.payload) < len(raw) / 4  # the payload itself is compressed
        result = client.send_batch(batch.envelope)
        assert dsse.parse(result.receipt_bytes).payload_type == RECEIPT_V2_TYPE
        receipt = result.receipt
        assert [a.version_id for a in receipt.accepted] == [v.version_id for v in good]
        assert [(r.version_id, r.reasons[0].code) for r in receipt.rejected] == [
            (bad.version_id, "type"), (good[3].version_id, "duplicate_version")]
        # The compact receipt carries no per-version ids or hashes.
        assert len(result.receipt_bytes) < 3000
        # What the province logged is the full entry the office rebuilt from its batch.
        logged = requests.get(f"{shared_province.url}/v1/log/entries/{receipt.log_index}", timeout=10).json()
        leaf = receipt.entry.leaf()
        assert (logged["leaf_hash"], logged["leaf_size"]) == (leaf_hash(leaf).hex(), len(leaf))
        # Resending the same bytes answers the stored compact receipt, byte for byte.
        again = client.send_batch(batch.envelope)
        assert again.replayed and again.receipt_bytes == result.receipt_bytes


def test_an_office_on_version_1_still_syncs_with_a_version_2_province(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client:
        config = client.fetch_config()
        assert set(config.batch_versions) == {1, 2}
        result = client.send_batch(device.batch([version(device.org_unit, i) for i in range(3)]).envelope)
        assert dsse.parse(result.receipt_bytes).payload_type == RECEIPT_TYPE
        assert len(result.receipt.accepted) == 3


def test_a_province_that_does_not_list_versions_takes_and_gets_version_1() -> None:
    old = {"protocol": 1, "log_id": "x", "province_key_id": "a" * 64, "max_batch_versions": 500,
           "max_body_bytes": 1 << 20, "max_pull": 100, "server_time": "2025-01-01T00:00:00.000000Z"}
    assert ServerConfig.from_json(old).batch_versions == (1,)
    assert ServerConfig.from_json({**old, "batch_versions": [1, 2, 7]}).batch_versions == (1, 2, 7)
    # The office sends the newest version both ends take.
    assert batch_version(ServerConfig.from_json(old)) == 1
    assert batch_version(ServerConfig.from_json({**old, "batch_versions": [1]})) == 1
    assert batch_version(ServerConfig.from_json({**old, "batch_versions": [1, 2, 7]})) == 2
    with pytest.raises(Exception, match="batch_versions"):
        ServerConfig.from_json({**old, "batch_versions": "2"})


def test_a_compressed_payload_is_inflated_only_within_the_body_limit(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    payload = BatchPayload("b-bomb", device.device_id, 1, None, (version(device.org_unit),)).to_json(2)
    # Valid JSON padded with 65 MiB of spaces: a few dozen KiB on the wire.
    bomb = gzip.compress(canonical_json(payload)[:-1] + b" " * (65 << 20) + b"}", mtime=0)
    assert len(bomb) < 200_000
    envelope = dsse.sign_bytes(bomb, BATCH_V2_TYPE, [device.key])
    response = post(shared_province, "/v1/batches", envelope)
    assert (response.status_code, error_code(response)) == (413, "batch_too_large")
    for garbage in (b"not gzip at all", gzip.compress(canonical_json(payload)) + b"trailing",
                    gzip.compress(canonical_json(payload))[:-5]):
        response = post(shared_province, "/v1/batches", dsse.sign_bytes(garbage, BATCH_V2_TYPE, [device.key]))
        assert (response.status_code, error_code(response)) == (400, "malformed_payload")
    # A version 2 payload that says it is version 1 inside is refused as well.
    mislabelled = gzip.compress(canonical_json(BatchPayload("b-2", device.device_id, 1, None, (version(device.org_unit),)).to_json(1)))
    response = post(shared_province, "/v1/batches", dsse.sign_bytes(mislabelled, BATCH_V2_TYPE, [device.key]))
    assert (response.status_code, error_code(response)) == (400, "malformed_payload")


def test_gunzip_limits() -> None:
    data = gzip.compress(b"x" * 1000)
    assert gunzip(data, 1000) == b"x" * 1000
    with pytest.raises(BatchTooLarge):
        gunzip(data, 999)
    with pytest.raises(MalformedPayload):
        gunzip(data + data, 5000)  # two members: one spelling only
    with pytest.raises(MalformedPayload):
        parse_batch(BATCH_V2_TYPE, gzip.compress(b"[1, 2]"), max_bytes=100)


REASON = (Reason("year", "type", "年份无效", "bad year"),)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["new", "again", "rejected"])), min_size=1, max_size=30))
def test_compact_entry_expands_to_exactly_the_full_entry(outcomes: list[tuple[int, str]]) -> None:
    """Whatever the mix of acceptances, repeats and rejections, the province's compact form
    expands (with the batch) to the very entry it logged."""
    versions = tuple(RecordVersion(f"r{n}", f"v{n}", "talent_team", 1, "340104", "final", {"n": n}, f"{n:064x}")
                     for n, _ in outcomes)
    batch = BatchPayload("b", "dev-1", 1, None, versions)
    accepted, rejected, seen = [], [], set()
    for v, (_, outcome) in zip(versions, outcomes, strict=True):
        if v.version_id in seen:
            rejected.append(Rejected(v.version_id, v.record_id, (Reason("version_id", "duplicate_version", "重", "dup"),)))
        elif outcome == "rejected":
            rejected.append(Rejected(v.version_id, v.record_id, REASON))
        else:
            accepted.append(Accepted(v.version_id, v.record_id, v.content_hash, outcome == "again"))
        seen.add(v.version_id)
    entry = LogEntry("b", "dev-1", "340104", 1, "0" * 64, "2025-01-01T00:00:00.000000Z", tuple(accepted), tuple(rejected))
    compact = CompactEntry.of(entry, batch)
    assert CompactEntry.from_json(json.loads(canonical_json(compact.to_json()))) == compact
    assert compact.expand(batch) == entry
    assert compact.expand(batch).leaf() == entry.leaf()


def test_a_compact_receipt_needs_its_batch_and_must_fit_it(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client:
        first = device.batch([version(device.org_unit, i) for i in range(5)], version=2)
        receipt_bytes = client.send_batch(first.envelope).receipt_bytes
        second = device.batch([version(device.org_unit, i) for i in range(4)], version=2)
        client.send_batch(second.envelope)
        lookup = client.trust.lookup
    with pytest.raises(InvalidReply, match="together with the batch"):
        verify_receipt(receipt_bytes, lookup)
    with pytest.raises(InvalidReply):
        verify_receipt(receipt_bytes, lookup, batch_envelope=second.envelope)
    verify_receipt(receipt_bytes, lookup, batch_envelope=first.envelope)
    # A province that rewrote which version it refused would no longer match its own log.
    signed = CompactReceipt.from_json(parse_json_object(dsse.parse(receipt_bytes).payload))
    forged = dataclasses.replace(signed, entry=dataclasses.replace(signed.entry, rejected=((1, REASON),)))
    batch = parse_batch(BATCH_V2_TYPE, dsse.parse(first.envelope).payload, max_bytes=1 << 20)
    checkpoint = verify_checkpoint(signed.checkpoint, lookup)
    assert verify_inclusion(signed.expand(batch), checkpoint)
    assert not verify_inclusion(forged.expand(batch), checkpoint)


def test_batches_are_cut_by_bytes() -> None:
    key = generate_private_key()
    versions = [version("340104", i) for i in range(10)]
    size = len(canonical_json(versions[0].to_json()))

    def cut(max_bytes: int | None, v: int = 2) -> BatchPayload:
        batch = build_batch(key, "dev-1", 1, None, versions, version=v, max_bytes=max_bytes)
        payload = parse_batch(dsse.parse(batch.envelope).payload_type, dsse.parse(batch.envelope).payload,
                              max_bytes=1 << 20)
        assert tuple(w.version_id for w in payload.versions) == batch.version_ids
        return payload

    assert len(cut(size * 3 + 1).versions) == 3
    assert len(cut(1).versions) == 1  # one version always goes, however large
    assert len(cut(None).versions) == len(cut(10**9, v=1).versions) == 10
    # The payload assembled from each version's own encoding is the canonical JSON of it all.
    whole = BatchPayload("b", "dev-1", 1, None, tuple(versions))
    assert batch_payload(whole, 1) == canonical_json(whole.to_json(1))
