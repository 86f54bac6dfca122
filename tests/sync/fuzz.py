"""Fuzzing the endpoint over HTTP: schemathesis from /openapi.json, and signed mutations.

Two generators, one report:

- :func:`fuzz_openapi` lets schemathesis generate requests for every operation of the served
  OpenAPI document, valid by the schema and not, and checks every answer: never a 5xx, a
  status and a body the document declares, ``Allow`` on 405.
- :func:`fuzz_console` does the same for the staff console's routes (HTML, outside the API
  document), anonymous and signed in, checking only that no answer is a 5xx.
- :func:`fuzz_signed` generates every signed message the province takes (batch,
  pull-request, receipt-request, device-key-rotation, chain-head-request,
  enrollment-request) from Hypothesis
  strategies, mutates it (a field dropped, added or retyped; raw JSON no encoder writes: lone
  surrogates, ``1e999``, 5,000-digit numbers, deep nesting, duplicate keys, non-canonical
  spellings), **signs the mutated bytes with a real enrolled key** so they get past the
  signature to the code behind it, and checks the answer is a documented status and code.

``make fuzz`` (``python -m tests.sync.fuzz``) runs at least 10,000 requests and prints how many
answers were 5xx (it fails unless that is 0); the test suite runs a bounded number.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from forms.canonical import content_hash
from sync import dsse
from sync.chainhead import CHAIN_HEAD_REQUEST_TYPE
from sync.control import (
    DEVICE_KEY_ROTATION_TYPE,
    ENROLLMENT_REQUEST_TYPE,
    PULL_REQUEST_TYPE,
    RECEIPT_REQUEST_TYPE,
)
from sync.encoding import canonical_json
from sync.keys import Ed25519PrivateKey, generate_private_key, key_id, public_key_to_b64
from sync.protocol import BATCH_TYPE
from sync.receipts import batch_hash
from tests.sync.offices import Device, enroll_device, issue_code, team_data
from tests.sync.servers import ProvinceServer

# Codes any route may answer (docs/protocol.md §4): limits, rate limits, database trouble.
ANY_ROUTE = {"request_timeout", "request_too_large", "rate_limited", "service_unavailable",
             "malformed_request", "malformed_envelope", "unsupported_payload_type",
             "unknown_key", "bad_signature", "malformed_payload"}
ROUTE_CODES = {
    "/v1/batches": {"key_retired", "device_mismatch", "device_revoked", "org_unit_forbidden",
                    "batch_conflict", "sequence_gap", "chain_mismatch", "batch_too_large"},
    "/v1/updates/pull": {"key_retired", "stale_request", "device_mismatch", "device_revoked"},
    "receipt": {"stale_request", "device_mismatch", "device_revoked", "not_found"},
    "/v1/devices/key-rotations": {"device_mismatch", "device_revoked", "key_already_enrolled",
                                  "rotation_conflict"},
    "/v1/devices/chain-head": {"key_retired", "stale_request", "device_mismatch", "device_revoked"},
    "/v1/enrollments": {"enrollment_code_unknown", "enrollment_code_used",
                        "enrollment_org_unit_mismatch", "key_already_enrolled",
                        "enrollment_code_expired"},
}


@dataclass
class FuzzReport:
    """What was sent and what came back."""

    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    by_source: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def record(self, source: str, status: int, problem: str | None = None) -> None:
        self.statuses[status] += 1
        self.by_source[source] += 1
        if problem and len(self.failures) < 50:
            self.failures.append(f"{source}: {problem}")

    def summary(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        sources = ", ".join(f"{s} {n}" for s, n in sorted(self.by_source.items()))
        return (f"{self.requests} requests ({sources}); statuses {statuses}; "
                f"5xx answers: {self.server_errors}; other failures: {len(self.failures)}")


def _settings(examples: int, derandomize: bool) -> settings:
    return settings(max_examples=examples, deadline=None, database=None,
                    derandomize=derandomize, suppress_health_check=list(HealthCheck),
                    phases=[Phase.generate], report_multiple_bugs=False,
                    verbosity=Verbosity.quiet)


# -- schemathesis ---------------------------------------------------------------------------
def fuzz_openapi(url: str, examples: int, report: FuzzReport, *, derandomize: bool) -> None:
    """Every operation of ``url``/openapi.json, schema-valid and not, ``examples`` each."""
    import schemathesis
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    # A schema cannot say "signed by an enrolled key" or "canonical JSON": data the schema
    # allows is still refused (400/401). Every other check runs.
    excluded = [schemathesis.checks.positive_data_acceptance]
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            def call(case: Any) -> None:
                response = case.call(base_url=url, session=session)
                problem = None
                try:
                    case.validate_response(response, excluded_checks=excluded)
                except BaseException as exc:  # schemathesis raises a group of failures
                    problem = f"{case.method} {case.formatted_path}: " + \
                        " / ".join(str(exc).split("\n\n")[:3])[:400]
                report.record("openapi", response.status_code, problem)

            run = given(case=operation.as_strategy(mode))(call)
            # An operation without parameters has nothing invalid to send: Unsatisfiable.
            with contextlib.suppress(Unsatisfiable):
                _settings(examples, derandomize)(run)()


def fuzz_console(server: ProvinceServer, examples: int, report: FuzzReport, *,
                 derandomize: bool) -> None:
    """Every route of the staff console, anonymous and signed in, ``examples`` each: no 5xx.

    The console's pages are HTML, not part of the API document, so their schema is made here
    from the routes themselves and only server errors are checked (a form without its CSRF
    token, a page without a session, are refused as designed).
    """
    import schemathesis
    from fastapi import FastAPI
    from fastapi.openapi.utils import get_openapi
    from hypothesis.errors import Unsatisfiable

    from province import console
    from tests.console.seed import PASSWORD, add_user

    pages = FastAPI()
    console.mount(pages)
    schema = schemathesis.openapi.from_dict(get_openapi(title="console", version="1",
                                                        routes=pages.routes))
    add_user(server, "fuzz.admin", "admin")
    anonymous, staff = requests.Session(), requests.Session()
    login = staff.get(server.url + "/console/login", timeout=30).text
    token = login.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    staff.post(server.url + "/console/login", timeout=30, data={
        "csrf": token, "username": "fuzz.admin", "password": PASSWORD, "next": "/console/"})
    checks = [schemathesis.checks.not_a_server_error]

    def caller(session: requests.Session) -> Callable[[Any], None]:
        def call(case: Any) -> None:
            response = case.call(base_url=server.url, session=session, allow_redirects=False)
            problem = None
            try:
                case.validate_response(response, checks=checks)
            except BaseException as exc:
                problem = f"{case.method} {case.formatted_path}: {str(exc)[:300]}"
            report.record("console", response.status_code, problem)

        return call

    for result in schema.get_all_operations():
        operation = result.ok()
        for session in (anonymous, staff):
            run = given(case=operation.as_strategy())(caller(session))
            with contextlib.suppress(Unsatisfiable):
                _settings(examples, derandomize)(run)()


# -- signed mutations -----------------------------------------------------------------------
ids = st.one_of(st.uuids().map(str), st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:-]{0,20}\Z"))
hexes = st.one_of(st.binary(min_size=32, max_size=32).map(bytes.hex), st.just("0" * 64))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(["", "340104", "final", "talent_team", "量子计算", "2024", "\x00", "a" * 300]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
RAW = ['"\\ud800"', '"\\udfff\\ud800"', "1e999", "-1e999", "9" * 5000, "1." + "5" * 5000,
       "[" * 200 + "]" * 200, '{"a":1,"a":2}', "NaN", "Infinity", "1.0", "-0", "1E5",
       '"' + "x" * 70_000 + '"', "[" + "0," * 200_000 + "0]", '"\\u0000"', "true"]


@st.composite
def record_version(draw: Callable[..., Any], org_unit: str) -> dict[str, Any]:
    data = draw(st.one_of(st.just(team_data(draw(st.integers(0, 10**6)))),
                          st.dictionaries(st.sampled_from(sorted(team_data())), values,
                                          max_size=9)))
    form_version = draw(st.sampled_from([1, 1, 2, 99]))
    return {"record_id": draw(ids), "version_id": draw(ids), "form_id": "talent_team",
            "form_version": form_version, "org_unit": draw(st.sampled_from([org_unit, org_unit,
                                                                          "340102"])),
            "status": "final", "data": data,
            "content_hash": draw(st.one_of(st.just(content_hash("talent_team", form_version,
                                                                 data)), hexes))}


@dataclass
class Target:
    """One device the fuzzer signs for, and what it has sent so far."""

    device: Device
    new_key: Ed25519PrivateKey = field(default_factory=generate_private_key)
    batch_ids: list[str] = field(default_factory=list)
    sequence: int = 0
    """The last sequence the province accepted; batches mostly continue the chain."""
    previous: str | None = None


def messages(target: Target, url: str) -> st.SearchStrategy[tuple[str, str, dict[str, Any]]]:
    """(route, payload type, a valid-looking message) for each signed message type."""
    device = target.device

    def nonce() -> str:
        return str(requests.post(url + "/v1/nonces", timeout=10).json()["nonce"])

    batch = st.builds(lambda chained, seq, prev, versions, bid: {
        "protocol": 1, "batch_id": bid, "device_id": device.device_id,
        "sequence": target.sequence + 1 if chained else seq,
        "previous_batch_hash": target.previous if chained else prev, "versions": versions},
        st.integers(0, 3).map(bool), st.integers(1, 6), st.one_of(st.none(), hexes),
        st.lists(record_version(device.org_unit), min_size=1, max_size=5), ids)
    pull = st.builds(lambda since, limit, rid, fresh: {
        "protocol": 1, "device_id": device.device_id, "since": since, "limit": limit,
        "request_id": rid, "nonce": nonce() if fresh else "1.00.00"},
        st.integers(0, 10**6), st.integers(1, 500), ids, st.booleans())
    receipt = st.builds(lambda bid, fresh: {
        "protocol": 1, "device_id": device.device_id, "batch_id": bid,
        "nonce": nonce() if fresh else "1.00.00"},
        st.one_of(ids, st.integers(0, 1000).map(
            lambda i: target.batch_ids[i % len(target.batch_ids)] if target.batch_ids
            else "none")), st.booleans())
    rotation = st.builds(lambda seq: {
        "protocol": 1, "device_id": device.device_id, "old_key_id": key_id(device.key),
        "new_key_id": key_id(target.new_key), "new_public_key": public_key_to_b64(target.new_key),
        "from_sequence": seq}, st.integers(1, 10**6))
    enrollment = st.builds(lambda label, org: {
        "protocol": 1, "code": "ABCD-EFGH-JKMN-PQRS", "public_key": "", "label": label,
        "org_unit": org}, st.text(max_size=30), st.sampled_from(["340104", "340102", "999999"]))
    chain_head = st.builds(lambda seq, digest, rid, fresh: {
        "protocol": 1, "device_id": device.device_id, "history": {"seq": seq, "hash": digest},
        "request_id": rid, "nonce": nonce() if fresh else "1.00.00"},
        st.integers(0, 10**6), hexes, ids, st.booleans())
    return st.one_of(
        batch.map(lambda m: ("/v1/batches", BATCH_TYPE, m)),
        chain_head.map(lambda m: ("/v1/devices/chain-head", CHAIN_HEAD_REQUEST_TYPE, m)),
        pull.map(lambda m: ("/v1/updates/pull", PULL_REQUEST_TYPE, m)),
        receipt.map(lambda m: ("receipt", RECEIPT_REQUEST_TYPE, m)),
        rotation.map(lambda m: ("/v1/devices/key-rotations", DEVICE_KEY_ROTATION_TYPE, m)),
        enrollment.map(lambda m: ("/v1/enrollments", ENROLLMENT_REQUEST_TYPE, m)))


@st.composite
def mutated(draw: Callable[..., Any], message: dict[str, Any]) -> bytes:
    """The message's bytes, changed in one of the ways a hostile or broken sender would."""
    obj = json.loads(json.dumps(message))
    kind = draw(st.sampled_from(["none", "drop", "add", "retype", "deep", "raw", "raw",
                                 "spelling"]))
    container, key = _pick(draw, obj)
    if kind == "drop" and isinstance(container, dict) and key in container:
        del container[key]
    elif kind == "add":
        target = container if isinstance(container, dict) else obj
        target[draw(st.text(min_size=1, max_size=10))] = draw(values)
    elif kind in ("retype", "deep") and key is not None:
        container[key] = draw(values)
    body = canonical_json(obj)
    if kind == "raw" and key is not None:
        marker = '"@@RAW@@"'
        container[key] = "@@RAW@@"
        body = canonical_json(obj).replace(marker.encode(), draw(st.sampled_from(RAW)).encode())
    elif kind == "spelling":
        body = json.dumps(obj, ensure_ascii=draw(st.booleans()), indent=draw(
            st.sampled_from([None, 1]))).encode()
    return body


def _pick(draw: Callable[..., Any], obj: Any) -> tuple[Any, Any]:
    """A (container, key) somewhere inside ``obj``: a field to change (key None if empty)."""
    container = obj
    depth = draw(st.integers(1, 4))
    for level in range(depth):
        if isinstance(container, dict) and container:
            key: Any = draw(st.sampled_from(sorted(container)))
        elif isinstance(container, list) and container:
            key = draw(st.integers(0, len(container) - 1))
        else:
            return container, None
        inner = container[key]
        if (level == depth - 1 or not isinstance(inner, dict | list) or not inner
                or draw(st.booleans())):
            return container, key
        container = inner
    return container, None


def send_signed(url: str, target: Target, route: str, payload_type: str, body: bytes,
                message: dict[str, Any]) -> requests.Response:
    """Sign ``body`` as the device would (both keys for a rotation) and post it; follow the
    device's chain when the province accepts a batch."""
    device = target.device
    if route == "/v1/enrollments":
        key = generate_private_key()
        body = body.replace(b'"public_key":""', b'"public_key":"' +
                            public_key_to_b64(key).encode() + b'"', 1)
        envelope = dsse.sign(body, payload_type, [key]).to_json()
        data = canonical_json({"public_key": public_key_to_b64(key), "request": envelope})
        return requests.post(url + route, data=data, timeout=60)
    keys = [device.key, target.new_key] if route == "/v1/devices/key-rotations" else [device.key]
    envelope = dsse.sign_bytes(body, payload_type, keys)
    path = route
    if route == "receipt":
        batch_id = message.get("batch_id")
        path = f"/v1/batches/{batch_id if isinstance(batch_id, str) and batch_id else 'x'}/receipt"
    response = requests.post(url + path, data=envelope, timeout=60,
                             headers={"Content-Type": "application/json"})
    if route == "/v1/batches" and response.status_code == 201:
        sent = json.loads(body)
        target.sequence, target.previous = sent["sequence"], batch_hash(envelope)
        target.batch_ids.append(sent["batch_id"])
    return response


def fuzz_signed(server: ProvinceServer, examples: int, report: FuzzReport, *,
                derandomize: bool) -> None:
    """``examples`` signed, mutated messages of every type from two enrolled devices."""
    targets = [Target(enroll_device(server, "340104")), Target(enroll_device(server, "340102"))]
    issue_code(server, "340104")  # an unused code, so some enrollments get further

    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(targets))
        route, payload_type, message = data.draw(messages(target, server.url))
        body = data.draw(mutated(message))
        response = send_signed(server.url, target, route, payload_type, body, message)
        problem = None
        try:
            reply = response.json()
        except ValueError:
            reply = None
        if response.status_code >= 500:
            problem = f"{route} answered {response.status_code}: {response.text[:300]}"
        elif response.status_code >= 400:
            code = reply.get("error", {}).get("code") if isinstance(reply, dict) else None
            if code not in ANY_ROUTE | ROUTE_CODES[route]:
                problem = f"{route} answered an undocumented {response.status_code} {code!r}"
        report.record("signed", response.status_code, problem)

    _settings(examples, derandomize)(run)()


# -- make fuzz ------------------------------------------------------------------------------
def fuzz_server(folder: Path, database_url: str | None = None) -> ProvinceServer:
    """A province to fuzz: rate limits off (they would answer most of the fuzz with 429)."""
    server = ProvinceServer(folder / "province", database_url)
    server.start("--rate-per-address", "0", "--rate-per-device", "0")
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz the provincial endpoint over HTTP.")
    parser.add_argument("--openapi-examples", type=int, default=200,
                        help="schemathesis examples per operation and mode")
    parser.add_argument("--console-examples", type=int, default=50,
                        help="examples per console route, anonymous and signed in")
    parser.add_argument("--signed-examples", type=int, default=8000)
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, not SQLite")
    args = parser.parse_args(argv)
    report = FuzzReport()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="anhui-fuzz-") as tmp:
        cluster = None
        url = None
        if args.postgres:
            from tests.sync.servers import PostgresCluster, find_postgres

            bindir = find_postgres()
            if bindir is None:
                print("PostgreSQL is not installed", file=sys.stderr)
                return 2
            cluster = PostgresCluster(bindir)
            cluster.start()
            url = cluster.new_database()
        server = fuzz_server(Path(tmp), url)
        try:
            fuzz_openapi(server.url, args.openapi_examples, report, derandomize=False)
            fuzz_console(server, args.console_examples, report, derandomize=False)
            fuzz_signed(server, args.signed_examples, report, derandomize=False)
        finally:
            server.stop()
            if cluster is not None:
                cluster.stop()
        log = "\n".join(line for line in server.log_text().splitlines()
                        if "unexpected error" in line)
    print(f"fuzzed for {time.monotonic() - started:.0f} s: {report.summary()}")
    for failure in report.failures:
        print("  " + failure)
    if log:
        print("server log:\n" + log)
    print(f"5xx answers: {report.server_errors}")
    return 1 if report.server_errors or report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
