"""The province's signed chain-head statement: where a device's chain ends, for its exports."""

from __future__ import annotations

import pytest
import requests

from sync import dsse
from sync.chainhead import CHAIN_HEAD_REQUEST_TYPE, ChainHeadRequest, HistoryHead
from sync.encoding import canonical_json
from sync.errors import DeviceMismatch, Revoked
from sync.merkle import leaf_hash, verify_inclusion
from tests.sync.offices import enroll_device, error_code, post, version
from tests.sync.servers import ProvinceServer

HEAD = HistoryHead(7, "ab" * 32)


def _nonce(server: ProvinceServer) -> str:
    return str(requests.post(server.url + "/v1/nonces", timeout=10).json()["nonce"])


def test_chain_head_names_the_last_batch_and_echoes_the_history(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    with device.client() as client:
        head, checkpoint, body = client.chain_head(HEAD)
        assert (head.last_sequence, head.last_batch_hash, head.history) == (0, None, HEAD)
        sent = [client.send_batch(device.batch([version(device.org_unit, i)]).envelope) for i in range(2)]
        head, checkpoint, body = client.chain_head(HistoryHead(9, "cd" * 32))
    assert (head.device_id, head.org_unit, head.last_sequence) == (device.device_id, device.org_unit, 2)
    assert head.last_batch_hash == device.previous and head.history == HistoryHead(9, "cd" * 32)
    # Its checkpoint covers the last batch: the receipt's log entry is under its root.
    receipt = sent[-1].receipt
    proof = client.inclusion_proof(receipt.log_index, checkpoint.tree_size)
    assert verify_inclusion(leaf_hash(receipt.entry.leaf()), receipt.log_index, checkpoint.tree_size,
                            [bytes.fromhex(p) for p in proof], bytes.fromhex(checkpoint.root_hash))
    assert dsse.parse(body).signatures[0][0] == device.enrollment.province_key_id


def test_chain_head_only_for_the_device_itself_and_never_once_revoked(shared_province: ProvinceServer) -> None:
    victim = enroll_device(shared_province)
    attacker = enroll_device(shared_province)
    # The attacker's key asking about the victim's chain: refused.
    forged = ChainHeadRequest(victim.device_id, HEAD, "r-1", _nonce(shared_province))
    body = dsse.sign_bytes(canonical_json(forged.to_json()), CHAIN_HEAD_REQUEST_TYPE, [attacker.key])
    answer = post(shared_province, "/v1/devices/chain-head", body)
    assert answer.status_code == 403 and error_code(answer) == DeviceMismatch.code
    # A malformed history head is named as such.
    bad = dict(forged.to_json(), device_id=attacker.device_id, history={"seq": -1, "hash": "x"})
    answer = post(shared_province, "/v1/devices/chain-head",
                  dsse.sign_bytes(canonical_json(bad), CHAIN_HEAD_REQUEST_TYPE, [attacker.key]))
    assert answer.status_code == 400 and "history" in answer.json()["error"]["field"]
    shared_province.cli("devices", "revoke", victim.device_id, "--reason", "laptop stolen")
    with victim.client() as client, pytest.raises(Revoked):
        client.chain_head(HEAD)


def test_a_captured_chain_head_request_cannot_be_replayed(shared_province: ProvinceServer) -> None:
    """A request works once: replayed later, it would have the province sign a fresh statement
    of the device's chain for whoever captured it."""
    device = enroll_device(shared_province)
    request = ChainHeadRequest(device.device_id, HEAD, "r-2", _nonce(shared_province))
    body = dsse.sign_bytes(canonical_json(request.to_json()), CHAIN_HEAD_REQUEST_TYPE, [device.key])
    assert post(shared_province, "/v1/devices/chain-head", body).status_code == 200
    again = post(shared_province, "/v1/devices/chain-head", body)
    assert again.status_code == 401 and error_code(again) == "stale_request"
    # Without a nonce the request is malformed, not answered.
    bare = {k: v for k, v in request.to_json().items() if k != "nonce"}
    answer = post(shared_province, "/v1/devices/chain-head",
                  dsse.sign_bytes(canonical_json(bare), CHAIN_HEAD_REQUEST_TYPE, [device.key]))
    assert answer.status_code == 400
