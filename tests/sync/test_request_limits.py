"""What a request may cost the province, measured on the real server process: a 65 KB gzip
body that inflates to 64 MB, bodies at the size limit, 800 stalled connections, slow bodies,
and rate limits answered with 429 + Retry-After that the office client waits out."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from sync.client import ProvinceClient
from sync.runner import run_sync
from sync.transport import TransportOptions
from sync.trust import ProvinceTrust
from tests.sync.conftest import TRIED
from tests.sync.offices import assert_consistent, new_office
from tests.sync.servers import ProvinceServer

MIB = 1024 * 1024
# What one 65 KB gzip bomb, twenty of them at once, or four plain bodies at the 8 MiB limit
# may add to the server process's peak memory (VmHWM). Before the guard, one bomb cost
# about 400 MB.
MEMORY_BOUND = 64 * MIB


def _status(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0]) * 1024
    return values


def _sockets(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            count += fd.readlink().name.startswith("socket:")
    return count


@pytest.fixture
def lone_server(tmp_path: Path) -> ProvinceServer:
    return ProvinceServer(tmp_path / "province")


def _warm_up(server: ProvinceServer) -> None:
    for path in ("/v1/config", "/v1/log/checkpoint", "/v1/province/keys"):
        requests.get(server.url + path, timeout=10)
    requests.post(server.url + "/v1/batches", data=b"{}", timeout=10)
    requests.post(server.url + "/v1/batches", data=gzip.compress(b"{}"), timeout=10,
                  headers={"Content-Encoding": "gzip"})


def test_gzip_bombs_and_large_bodies_stay_within_a_memory_bound(
        lone_server: ProvinceServer) -> None:
    proc = lone_server.start()
    try:
        _warm_up(lone_server)
        before = _status(proc.pid)["VmHWM"]
        # 64 MB of tiny JSON values, 65 KB on the wire.
        bomb = gzip.compress(b'{"payload":[' + b"0," * (32 * MIB) + b"0]}", 9)
        assert len(bomb) < 70_000
        answer = requests.post(lone_server.url + "/v1/batches", data=bomb, timeout=60,
                               headers={"Content-Encoding": "gzip",
                                        "Content-Type": "application/json"})
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "batch_too_large"

        def send(body: bytes, gzipped: bool) -> int:
            headers = {"Content-Encoding": "gzip"} if gzipped else {}
            return requests.post(lone_server.url + "/v1/enrollments", data=body, timeout=120,
                                 headers=headers).status_code

        with ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(lambda _: send(bomb, True), range(20)))
        assert set(statuses) == {413}
        # Plain bodies just under the limit, full of values: refused by the structure scan.
        plain = b'{"payload":[' + b"0," * (4 * MIB - 16) + b"0]}"
        assert len(plain) < 8 * MIB
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: send(plain, False), range(4)))
        assert set(statuses) == {400}
        grown = _status(proc.pid)["VmHWM"] - before
        TRIED["gzip bombs and limit-sized bodies sent"] += 25
        assert grown <= MEMORY_BOUND, f"peak memory grew {grown / MIB:.0f} MiB"
        print(f"\npeak server memory growth: {grown / MIB:.1f} MiB (bound "
              f"{MEMORY_BOUND / MIB:.0f} MiB)")
        assert requests.get(lone_server.url + "/healthz", timeout=10).status_code == 200
    finally:
        lone_server.stop()


def test_stalled_connections_are_timed_out_and_bounded(lone_server: ProvinceServer) -> None:
    proc = lone_server.start("--header-timeout", "2", "--max-connections", "300")
    stalled: list[socket.socket] = []
    try:
        _warm_up(lone_server)
        base_sockets = _sockets(proc.pid)
        before = _status(proc.pid)["VmHWM"]
        # Counted all along: the process keeps 300 and closes the others a few event-loop
        # turns after accepting them, at most 64 (its listen backlog) a turn.
        peak = [0]
        opening = threading.Event()
        opening.set()

        def watch() -> None:
            while opening.is_set():
                peak[0] = max(peak[0], _sockets(proc.pid) - base_sockets)
                time.sleep(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        for i in range(800):
            s = socket.create_connection(("127.0.0.1", lone_server.port), timeout=30)
            if i % 2:  # half send part of a request's headers, half send nothing at all
                s.sendall(b"POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Len")
            stalled.append(s)
        time.sleep(0.5)
        opening.clear()
        watcher.join()
        during = peak[0]
        assert during <= 300 + 4 * 64 + 5, f"{during} connections open at once"
        # Every stalled connection is closed once the header deadline passes.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _sockets(proc.pid) - base_sockets > 0:
            time.sleep(0.25)
        after = _sockets(proc.pid) - base_sockets
        assert after <= 0, f"{after} stalled connections still open"
        closed = 0
        for s in stalled:
            s.settimeout(5)
            try:
                closed += s.recv(1024) == b""
            except OSError:
                closed += 1
        assert closed == 800
        grown = _status(proc.pid)["VmHWM"] - before
        assert grown <= MEMORY_BOUND, f"peak memory grew {grown / MIB:.0f} MiB"
        TRIED["stalled connections opened and timed out"] += 800
        print(f"\n800 stalled connections: at most {during} open at once (bound 561), peak "
              f"memory growth {grown / MIB:.1f} MiB (bound {MEMORY_BOUND / MIB:.0f} MiB)")
        assert requests.get(lone_server.url + "/v1/config", timeout=10).status_code == 200
    finally:
        for s in stalled:
            s.close()
        lone_server.stop()


def test_a_stalled_body_is_answered_408(lone_server: ProvinceServer) -> None:
    lone_server.start("--body-timeout", "1")
    try:
        with socket.create_connection(("127.0.0.1", lone_server.port), timeout=10) as s:
            s.sendall(b"POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                      b"\r\nContent-Length: 1000\r\n\r\n{\"payload\":")
            started = time.monotonic()
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"request_timeout" in answer
            assert time.monotonic() - started < 10
    finally:
        lone_server.stop()


def test_rate_limits_answer_429_with_retry_after(lone_server: ProvinceServer) -> None:
    lone_server.start("--rate-per-address", "2", "--burst-per-address", "5")
    try:
        answers = [requests.get(lone_server.url + "/v1/config", timeout=10) for _ in range(12)]
        limited = [a for a in answers if a.status_code == 429]
        assert len(limited) >= 5
        for a in limited:
            assert int(a.headers["Retry-After"]) >= 1
            assert a.json()["error"]["code"] == "rate_limited"
            assert a.json()["error"]["retry_after"] >= 1
        # The liveness probe is never limited.
        assert requests.get(lone_server.url + "/healthz", timeout=10).status_code == 200
        time.sleep(3)
        assert requests.get(lone_server.url + "/v1/config", timeout=10).status_code == 200
    finally:
        lone_server.stop()


def test_the_office_client_waits_out_429_and_finishes(lone_server: ProvinceServer,
                                                      tmp_path: Path) -> None:
    # One request every two seconds per address once a burst of four is spent, and the
    # burst spent just before the sync starts: its first requests are limited however slowly
    # the machine runs (a rate the sync merely outpaces would depend on its speed).
    lone_server.start("--rate-per-device", "1", "--burst-per-device", "2",
                      "--rate-per-address", "0.5", "--burst-per-address", "4")
    try:
        store = new_office(lone_server, tmp_path / "office.db", versions=1200)
        for _ in range(20):
            if requests.get(lone_server.url + "/v1/config", timeout=10).status_code == 429:
                break
        else:
            raise AssertionError("the address limit never answered 429")
        device = store.device()
        options = TransportOptions(attempts=3, backoff_base=0.05, backoff_max=0.2)
        client = ProvinceClient(lone_server.url, ProvinceTrust(store.province_keys()),
                                device_id=device.device_id, device_key=device.key,
                                options=options)
        limited: list[str] = []
        client.transport.session.hooks["response"].append(
            lambda r, *a, **k: limited.append(r.headers["Retry-After"])
            if r.status_code == 429 else None)
        with client:
            summary = run_sync(client, store)
        assert summary.accepted == 1200
        assert limited, "the limits were never reached"
        TRIED["429 answers waited out by the office client"] += len(limited)
        assert_consistent(lone_server, store)
    finally:
        lone_server.stop()


def test_chunked_bodies_are_held_to_the_limits_and_gets_never_wait(
        lone_server: ProvinceServer) -> None:
    lone_server.start("--max-body-bytes", "100000", "--max-inflight-body-bytes", "200000")
    try:
        bomb = gzip.compress(b" " * (20 * MIB))

        def chunks(data: bytes):  # type: ignore[no-untyped-def]
            for i in range(0, len(data), 4096):
                yield data[i:i + 4096]

        # No Content-Length: the size is only known as the chunks arrive.
        answer = requests.post(lone_server.url + "/v1/batches", data=chunks(bomb), timeout=60,
                               headers={"Content-Encoding": "gzip"})
        assert answer.status_code == 413 and answer.json()["error"]["max_body_bytes"] == 100000
        plain = requests.post(lone_server.url + "/v1/enrollments", data=chunks(b"x" * 150_000),
                              timeout=60)
        assert plain.status_code == 413
        assert plain.json()["error"]["code"] == "request_too_large"
        # Requests without a body reserve nothing: many at once are all answered.
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda _: requests.get(
                lone_server.url + "/v1/log/checkpoint", timeout=30).status_code, range(64)))
        assert set(statuses) == {200}
    finally:
        lone_server.stop()


def _answer(port: int, request: bytes, pieces: int = 1) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        size = -(-len(request) // pieces)
        for start in range(0, len(request), size):
            s.sendall(request[start:start + size])
            if pieces > 1:
                time.sleep(0.01)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


def test_an_over_long_address_or_header_gets_a_short_chinese_page(lone_server: ProvinceServer) -> None:
    lone_server.start()
    try:
        # Within the bound, a long search is served, even sent in small pieces (h11 alone
        # refused an unfinished head over 16 KiB); beyond it, 414.
        query = b"GET /console/records?q=" + b"%E9%87%8F" * 10000
        answer = _answer(lone_server.port, query + b" HTTP/1.1\r\nHost: x\r\n\r\n", pieces=64)
        assert answer.startswith(b"HTTP/1.1 303"), answer[:200]
        long_query = b"GET /console/records?q=" + b"%E9%87%8F" * 16000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        answer = _answer(lone_server.port, long_query)
        assert answer.startswith(b"HTTP/1.1 414"), answer[:200]
        assert "网址过长".encode() in answer and b"text/html; charset=utf-8" in answer
        big_cookie = b"GET /console/ HTTP/1.1\r\nHost: x\r\nCookie: " + b"a" * 140000 + b"\r\n\r\n"
        answer = _answer(lone_server.port, big_cookie)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
        assert "请求头过大".encode() in answer
        # A request that is merely malformed still gets uvicorn's plain 400.
        assert _answer(lone_server.port, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400")
        assert requests.get(f"{lone_server.url}/healthz", timeout=10).status_code == 200
    finally:
        lone_server.stop()
