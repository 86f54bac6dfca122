"""The relay the crash tests and the sync bench put between office and province."""

from __future__ import annotations

import socket
from typing import Any

from tests.sync.proxy import LossyProxy


def test_the_relay_sends_its_answers_without_waiting_for_acknowledgements() -> None:
    """An answer's head and body leave the relay in two writes. With Nagle's algorithm on, the
    body waited for the office's delayed acknowledgement of the head (about 45 ms a request on
    loopback, measured), so the bench's sync rate was mostly the relay's; uvicorn sets
    TCP_NODELAY, as the relay now does on every connection it accepts."""
    proxy = LossyProxy(1, lambda method, path, n: "pass")
    seen: list[int] = []
    handler = proxy.server.RequestHandlerClass
    setup = handler.setup

    def recording(self: Any) -> None:
        setup(self)
        seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    handler.setup = recording  # type: ignore[method-assign]
    try:
        with socket.create_connection(("127.0.0.1", proxy.port)) as client:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            client.recv(1024)  # the upstream (port 1) refuses: the relay hangs up
    finally:
        proxy.close()
    assert seen and all(seen)
