"""Transport policy against real loopback servers: retry only what is transient, gzip, TLS."""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.client import enroll
from sync.errors import BatchConflict, Cancelled, MalformedRequest, TransportError
from sync.keys import generate_private_key
from sync.transport import Transport, TransportOptions, backoff_delay
from tests.sync.conftest import TRIED
from tests.sync.offices import issue_code
from tests.sync.servers import ProvinceServer

QUICK = TransportOptions(attempts=4, backoff_base=0.01, backoff_max=0.02, read_timeout=0.5,
                         connect_timeout=1)
Script = Callable[[BaseHTTPRequestHandler, int, bytes], None]


class Scripted:
    """A loopback HTTP server whose n-th answer is decided by ``script``."""

    def __init__(self, script: Script) -> None:
        self.calls = 0
        self.bodies: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.calls += 1
                outer.bodies.append((dict(self.headers.items()), body))
                script(self, outer.calls, body)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(h: BaseHTTPRequestHandler, status: int, body: bytes = b"{}") -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def scripted(script: Script) -> Scripted:
    return Scripted(script)


def test_5xx_and_dropped_connections_are_retried_then_succeed() -> None:
    def script(h: BaseHTTPRequestHandler, n: int, body: bytes) -> None:
        if n == 1:
            answer(h, 503)
        elif n == 2:
            h.close_connection = True  # no answer at all
        elif n == 3:
            answer(h, 500)
        else:
            answer(h, 201, b'{"ok":true}')

    server = scripted(script)
    try:
        transport = Transport(server.url, QUICK)
        reply = transport.request("POST", "/x", body=b"{}")
        assert reply.status == 201 and transport.attempts_made == 4
        TRIED["transient failures retried"] += 3
    finally:
        server.close()


def test_4xx_is_never_retried_and_becomes_the_typed_error() -> None:
    bodies = {1: (409, b'{"error":{"code":"batch_conflict","message":"m"}}'),
              2: (400, b'{"error":{"code":"malformed_request","message":"m"}}')}
    server = scripted(lambda h, n, body: answer(h, *bodies[min(n, 2)]))
    try:
        transport = Transport(server.url, QUICK)
        with pytest.raises(BatchConflict):
            transport.request("POST", "/x", body=b"{}")
        with pytest.raises(MalformedRequest):
            transport.request("POST", "/x", body=b"{}")
        assert server.calls == 2 and transport.attempts_made == 2
    finally:
        server.close()


def test_timeouts_are_retried_and_exhaustion_is_a_transport_error() -> None:
    def slow(h: BaseHTTPRequestHandler, n: int, body: bytes) -> None:
        time.sleep(1.0)
        answer(h, 200)

    server = scripted(slow)
    try:
        transport = Transport(server.url, TransportOptions(attempts=2, backoff_base=0.01,
                                                           read_timeout=0.2))
        with pytest.raises(TransportError, match="2 tries"):
            transport.request("GET", "/x")
        assert transport.attempts_made == 2
    finally:
        server.close()


def test_unreachable_province_is_a_transport_error_after_backoff() -> None:
    transport = Transport("http://127.0.0.1:9", QUICK)
    started = time.monotonic()
    with pytest.raises(TransportError):
        transport.request("GET", "/v1/config")
    assert transport.attempts_made == 4 and time.monotonic() - started < 5


def test_large_bodies_go_gzipped_and_arrive_byte_exact() -> None:
    server = scripted(lambda h, n, body: answer(h, 200))
    try:
        payload = ("量子" * 5000).encode()
        Transport(server.url, QUICK).request("POST", "/x", body=payload)
        Transport(server.url, QUICK).request("POST", "/x", body=b"{}")
        (big_headers, big), (small_headers, small) = server.bodies
        assert big_headers["Content-Encoding"] == "gzip" and gzip.decompress(big) == payload
        assert len(big) < len(payload) / 10
        assert "Content-Encoding" not in small_headers and small == b"{}"
    finally:
        server.close()


def test_backoff_grows_with_jitter_within_bounds() -> None:
    import random

    rng = random.Random(1)
    for attempt in range(8):
        step = min(30.0, 0.5 * 2 ** attempt)
        delays = [backoff_delay(attempt, 0.5, 30.0, rng) for _ in range(200)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len({round(d, 6) for d in delays}) > 150  # really jittered


def test_cancel_interrupts_the_backoff_wait() -> None:
    cancel = threading.Event()
    transport = Transport("http://127.0.0.1:9", TransportOptions(attempts=5, backoff_base=5.0),
                          cancel=cancel)
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        transport.request("GET", "/v1/config")
    assert time.monotonic() - started < 3


def test_plain_http_only_to_loopback() -> None:
    with pytest.raises(ValueError):
        Transport("http://province.example.gov.cn")
    with pytest.raises(ValueError):
        Transport("ftp://127.0.0.1")
    Transport("https://province.example.gov.cn")
    Transport("http://localhost:1")


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a certificate for 127.0.0.1 signed by it (PEM files)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "安徽省测试根证书")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def test_tls_with_a_custom_ca_bundle(tmp_path: Path) -> None:
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    server = ProvinceServer(tmp_path / "province")
    server.start(tls=(cert, key), ca=ca)
    try:
        options = TransportOptions(ca_bundle=str(ca), attempts=2, backoff_base=0.01)
        result = enroll(server.url, issue_code(server, "340104"), generate_private_key(),
                        org_unit="340104", options=options)
        assert result.org_unit == "340104"
        # Without the province's CA the certificate does not verify: refused at once.
        plain = Transport(server.url, TransportOptions(attempts=5))
        with pytest.raises(TransportError, match="TLS"):
            plain.request("GET", "/v1/config")
        assert plain.attempts_made == 1
    finally:
        server.stop()
