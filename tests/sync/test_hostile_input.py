"""Hostile bytes at the endpoint: every one answered with a documented 4xx, never a 500.

Each case is signed with a real enrolled key where a signature is needed, so the bytes reach
the parser that once failed on them (a lone surrogate, a 5,000-digit number, ``1e999``, an
index past 2**63), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
import requests

from forms.canonical import content_hash
from sync import dsse
from sync.control import ENROLLMENT_REQUEST_TYPE
from sync.encoding import canonical_json
from sync.keys import generate_private_key, public_key_to_b64
from sync.protocol import BATCH_TYPE
from tests.sync.conftest import TRIED
from tests.sync.offices import (
    enroll_device,
    error_code,
    issue_code,
    post,
    stored,
    team_data,
    version,
)
from tests.sync.servers import ProvinceServer

LONE = "\\ud800"  # a JSON escape of a lone UTF-16 surrogate: valid JSON, not valid Unicode


def _batch_payload(device_id: str, org_unit: str, data_json: str) -> bytes:
    """A batch payload whose record data is given as raw JSON text (bytes no encoder makes)."""
    data = team_data()
    version = {"record_id": "r-1", "version_id": "v-1", "form_id": "talent_team",
               "form_version": 1, "org_unit": org_unit, "status": "final",
               "data": "@DATA@", "content_hash": content_hash("talent_team", 1, data)}
    batch = {"protocol": 1, "batch_id": "b-1", "device_id": device_id, "sequence": 1,
             "previous_batch_hash": None, "versions": [version]}
    return canonical_json(batch).replace(b'"@DATA@"', data_json.encode())


@pytest.mark.parametrize("data_json", [
    '{"name":"' + LONE + '"}',             # a lone surrogate in a value
    '{"' + LONE + '":"x"}',                 # ... in a key
    '{"name":"\\udc00\\ud800"}',            # a reversed pair
    '{"year":1e999}',                       # a float that overflows to infinity
    '{"year":' + "9" * 5000 + "}",          # a 5,000-digit integer
    '{"year":-' + "1" * 400 + "}",          # a long negative integer
    '{"year":1.' + "5" * 5000 + "}",        # a 5,000-digit fraction
], ids=["value", "key", "reversed-pair", "1e999", "5000-digits", "400-digits", "long-fraction"])
def test_signed_payload_with_invalid_unicode_or_numbers_is_a_400(
        shared_province: ProvinceServer, data_json: str) -> None:
    device = enroll_device(shared_province)
    payload = _batch_payload(device.device_id, device.org_unit, data_json)
    envelope = dsse.sign_bytes(payload, BATCH_TYPE, [device.key])
    response = post(shared_province, "/v1/batches", envelope)
    TRIED["hostile payloads signed by an enrolled key"] += 1
    assert response.status_code == 400, response.text
    assert error_code(response) == "malformed_payload"
    assert stored(shared_province, device.device_id) == (0, 0)


def _respellings(payload: bytes) -> dict[str, bytes]:
    """Other spellings of the same payload: each parses to the same object."""
    obj = json.loads(payload)
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    return {
        "spaces": json.dumps(obj, ensure_ascii=False, sort_keys=True).encode(),
        "unsorted-keys": json.dumps(dict(reversed(obj.items())), **compact).encode(),
        "u-escapes": json.dumps(obj, ensure_ascii=True, sort_keys=True,
                                separators=(",", ":")).encode(),
        "trailing-newline": payload + b"\n",
        "exponent": payload.replace(b'"sequence":1', b'"sequence":1e0'),
        "duplicate-key": payload.replace(b'{"batch_id"', b'{"batch_id":"x","batch_id"', 1),
    }


def test_signed_payload_in_another_spelling_is_refused(shared_province: ProvinceServer) -> None:
    device = enroll_device(shared_province)
    batch = device.batch([version(device.org_unit)], advance=False)
    payload = dsse.parse(batch.envelope).payload
    for name, spelling in _respellings(payload).items():
        assert spelling != payload and json.loads(spelling) == json.loads(payload), name
        response = post(shared_province, "/v1/batches",
                        dsse.sign_bytes(spelling, BATCH_TYPE, [device.key]))
        assert response.status_code == 400, (name, response.text)
        assert error_code(response) == "malformed_payload", name
        TRIED["signed payloads in a non-canonical spelling"] += 1
    assert stored(shared_province, device.device_id) == (0, 0)
    # The canonical spelling of the very same batch is taken.
    assert post(shared_province, "/v1/batches", batch.envelope).status_code == 201


@pytest.mark.parametrize("body", [
    b'{"payload": 1e999}',
    b'{"payload":1e999,"payloadType":"x","signatures":[]}',
    b'{"payload": ' + b"1" * 5000 + b"}",
    b'{"payload": -' + b"7" * 5000 + b".5}",
    b'{"payload":"' + LONE.encode() + b'"}',
    b'{"' + LONE.encode() + b'":1}',
    b'[' * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"payload": NaN}',
    b'\xef\xbb\xbf{"payload":"x"}',
], ids=["1e999", "1e999-envelope", "5000-digits", "5000-digit-float", "lone-value",
        "lone-key", "deep-list", "deep-object", "nan", "bom"])
@pytest.mark.parametrize("path", ["/v1/batches", "/v1/enrollments", "/v1/updates/pull",
                                  "/v1/devices/key-rotations"])
def test_unsigned_garbage_is_a_400_on_every_route(shared_province: ProvinceServer, path: str,
                                                  body: bytes) -> None:
    response = post(shared_province, path, body)
    TRIED["hostile unsigned bodies"] += 1
    assert response.status_code == 400, (response.status_code, response.text)
    assert error_code(response) in ("malformed_request", "malformed_envelope")


def test_lone_surrogate_in_the_enrollment_label_is_a_400(shared_province: ProvinceServer) -> None:
    key = generate_private_key()
    code = issue_code(shared_province, "340104")
    public = public_key_to_b64(key)
    payload = canonical_json({"protocol": 1, "code": code, "public_key": public, "label": "@L@",
                              "org_unit": "340104"}).replace(b'"@L@"', b'"' + LONE.encode() + b'"')
    envelope = dsse.sign(payload, ENROLLMENT_REQUEST_TYPE, [key]).to_json()
    response = post(shared_province, "/v1/enrollments",
                    canonical_json({"public_key": public, "request": envelope}))
    assert response.status_code == 400, response.text
    assert error_code(response) == "malformed_payload"
    # The code was not used up by the refused request: it still enrolls.
    from sync.client import enroll
    from tests.sync.offices import FAST

    assert enroll(shared_province.url, code, key, org_unit="340104", options=FAST).org_unit == "340104"


@pytest.mark.parametrize("path", [
    "/v1/log/entries/" + "9" * 20,
    "/v1/log/entries/-1",
    "/v1/log/entries/1e3",
    "/v1/log/inclusion?index=" + "9" * 20 + "&tree_size=1",
    "/v1/log/inclusion?index=0&tree_size=" + "9" * 30,
    "/v1/log/consistency?first=0&second=" + "9" * 400,
    "/v1/log/consistency?first=-5&second=1",
    "/v1/batches/" + "x" * 5000 + "/receipt",
    "/v1/batches/%ED%A0%80/receipt",
])
def test_ids_in_paths_and_queries_are_bounded(shared_province: ProvinceServer, path: str) -> None:
    response = requests.get(shared_province.url + path, timeout=10)
    TRIED["out-of-range ids in paths and queries"] += 1
    assert response.status_code in (400, 404, 405), (response.status_code, response.text)
    assert "error" in response.json()


def test_every_error_body_is_json_with_a_code(shared_province: ProvinceServer) -> None:
    for method, path in [("GET", "/nowhere"), ("DELETE", "/v1/batches"), ("PUT", "/v1/config"),
                         ("POST", "/v1/config")]:
        response = requests.request(method, shared_province.url + path, timeout=10)
        assert 400 <= response.status_code < 500
        assert json.loads(response.content)["error"]["code"]
        if response.status_code == 405:
            assert response.headers["Allow"]
