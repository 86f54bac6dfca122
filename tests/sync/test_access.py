"""Nothing readable without a reason: receipts go to their device only, the public log shows
hashes and sizes, and a captured signed read request cannot be replayed, on both databases
(and across two server processes sharing one database)."""

from __future__ import annotations

import json

import pytest
import requests

from sync import dsse
from sync.control import PULL_REQUEST_TYPE, RECEIPT_REQUEST_TYPE, PullRequest, ReceiptRequest
from sync.encoding import canonical_json
from sync.errors import NotFound
from tests.sync.conftest import TRIED
from tests.sync.offices import enroll_device, error_code, post, team_data, version
from tests.sync.servers import ProvinceServer

SECRET = "机密的团队名称-7f3a"  # a value one office submits and no one else may read


def _nonce(server: ProvinceServer) -> str:
    return str(requests.post(server.url + "/v1/nonces", timeout=10).json()["nonce"])


def test_receipts_and_log_entries_reveal_nothing_to_others(shared_province: ProvinceServer) -> None:
    victim = enroll_device(shared_province, "340104")
    other = enroll_device(shared_province, "340102")
    # A choice the forms engine does not know: its rejection message quotes the value.
    bad = version(victim.org_unit, data={**team_data(), "leader_category": SECRET})
    with victim.client() as client:
        result = client.send_batch(victim.batch([bad, version(victim.org_unit)]).envelope)
    assert SECRET in result.receipt.rejected[0].reasons[0].message_en
    batch_id, index = result.receipt.batch_id, result.receipt.log_index
    # The device itself gets its receipt back, with a signed request.
    with victim.client() as client:
        assert client.fetch_receipt(batch_id).receipt_bytes == result.receipt_bytes
    # Anyone else: the old unauthenticated GET is gone...
    for method in ("GET", "POST"):
        answer = requests.request(method, f"{shared_province.url}/v1/batches/{batch_id}/receipt",
                                  timeout=10)
        assert answer.status_code in (400, 405), answer.text
        assert SECRET not in answer.text and victim.device_id not in answer.text
    # ...another enrolled device's signed request is answered as if the batch did not exist...
    with other.client() as client, pytest.raises(NotFound):
        client.fetch_receipt(batch_id)
    # ...and the public log entry is a hash and a size, nothing of the entry itself.
    entry = requests.get(f"{shared_province.url}/v1/log/entries/{index}", timeout=10)
    assert entry.status_code == 200
    assert set(entry.json()) == {"index", "leaf_hash", "leaf_size"}
    listing = requests.get(f"{shared_province.url}/v1/log/entries", timeout=10)
    assert listing.status_code == 404  # no listing of entries, to anyone
    for public in (entry.text, listing.text,
                   requests.get(f"{shared_province.url}/v1/log/checkpoint", timeout=10).text):
        assert SECRET not in public and victim.device_id not in public
        assert victim.org_unit not in public and batch_id not in public
    TRIED["unauthenticated reads of another office's receipt and log entry"] += 4


def test_a_captured_pull_request_cannot_be_replayed(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province, "340111")
    request = PullRequest(device.device_id, 0, 10, "req-1", _nonce(shared_province))
    body = dsse.sign_bytes(canonical_json(request.to_json()), PULL_REQUEST_TYPE, [device.key])
    first = post(shared_province, "/v1/updates/pull", body)
    assert first.status_code == 200
    # The same bytes again, at once and later: refused, nothing returned.
    for _ in range(3):
        again = post(shared_province, "/v1/updates/pull", body)
        assert again.status_code == 401 and error_code(again) == "stale_request"
        assert "updates" not in again.json()
        TRIED["replayed pull requests refused"] += 1
    # A nonce the province never issued, and one whose MAC was altered, are refused too.
    issued = _nonce(shared_province)
    altered = issued[:-1] + ("1" if issued[-1] == "0" else "0")
    for forged in ("1.00000000000000000000000000000000.00000000000000000000000000000000",
                   altered):
        request = PullRequest(device.device_id, 0, 10, "req-2", forged)
        body = dsse.sign_bytes(canonical_json(request.to_json()), PULL_REQUEST_TYPE, [device.key])
        refused = post(shared_province, "/v1/updates/pull", body)
        assert refused.status_code == 401 and error_code(refused) == "stale_request"
    # The client signs each pull with a new nonce, so syncing goes on working.
    with device.client() as client:
        client.pull_updates(0)
        client.pull_updates(0)


def test_a_captured_receipt_request_cannot_be_replayed(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province, "340121")
    with device.client() as client:
        batch = device.batch([version(device.org_unit)])
        client.send_batch(batch.envelope)
    request = ReceiptRequest(device.device_id, batch.batch_id, _nonce(shared_province))
    body = dsse.sign_bytes(canonical_json(request.to_json()), RECEIPT_REQUEST_TYPE, [device.key])
    path = f"/v1/batches/{batch.batch_id}/receipt"
    assert post(shared_province, path, body).status_code == 200
    again = post(shared_province, path, body)
    assert again.status_code == 401 and error_code(again) == "stale_request"
    # The signed batch id must be the one in the path.
    request = ReceiptRequest(device.device_id, batch.batch_id, _nonce(shared_province))
    body = dsse.sign_bytes(canonical_json(request.to_json()), RECEIPT_REQUEST_TYPE, [device.key])
    moved = post(shared_province, "/v1/batches/another-batch/receipt", body)
    assert moved.status_code == 400


def test_replay_is_refused_across_two_server_processes(province: ProvinceServer) -> None:
    """The replay cache is the database: a request used at one process is refused at another."""
    first = province.url
    province.start()
    second = province.url
    device = enroll_device(province)
    nonce = str(requests.post(first + "/v1/nonces", timeout=10).json()["nonce"])
    request = PullRequest(device.device_id, 0, 10, "req-1", nonce)
    body = dsse.sign_bytes(canonical_json(request.to_json()), PULL_REQUEST_TYPE, [device.key])
    headers = {"Content-Type": "application/json"}
    assert requests.post(second + "/v1/updates/pull", data=body, headers=headers,
                         timeout=10).status_code == 200
    replay = requests.post(first + "/v1/updates/pull", data=body, headers=headers, timeout=10)
    assert replay.status_code == 401 and json.loads(replay.content)["error"]["code"] == \
        "stale_request"
    TRIED["replayed pull requests refused"] += 1


def test_the_client_resigns_when_a_nonce_went_stale(shared_province: ProvinceServer) -> None:
    """A stale_request (here: the nonce was used by a replay first) makes the client sign a
    fresh request instead of failing the sync."""
    device = enroll_device(shared_province)
    with device.client() as client:
        issued: list[str] = []
        real_nonce = client.nonce

        def nonce_used_by_someone_else() -> str:
            nonce = real_nonce()
            issued.append(nonce)
            if len(issued) == 1:
                request = PullRequest(device.device_id, 0, 1, "thief", nonce)
                post(shared_province, "/v1/updates/pull", dsse.sign_bytes(
                    canonical_json(request.to_json()), PULL_REQUEST_TYPE, [device.key]))
            return nonce

        client.nonce = nonce_used_by_someone_else  # type: ignore[method-assign]
        client.pull_updates(0)
        assert len(issued) == 2
