"""Running the endpoint under uvicorn, with the connection limits an ASGI app cannot enforce.

uvicorn closes an idle keep-alive connection, but a connection that sends part of a request's
headers (or nothing at all) is kept forever, and every such connection holds a socket. The
protocol class here gives each connection ``header_timeout`` seconds to deliver a request's
headers and closes connections over ``max_connections`` as soon as they are accepted, so
stalled clients can neither pile up nor starve the process of file descriptors.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from functools import cache
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from province.limits import Limits

logger = logging.getLogger("anhui_province")


@cache
def _limits() -> Limits:
    # Worker processes get their limits through the environment (see province.cli serve).
    return Limits.from_env()


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline and a cap on open connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > _limits().max_connections:
            # Refusing politely would need a request to answer; there is none yet.
            _warn_refused(len(self.connections))
            transport.abort()
            return
        self._arm_header_deadline()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_deadline(self) -> None:
        if self.header_deadline is None:
            self.header_deadline = self.loop.call_later(_limits().header_timeout,
                                                        self._header_deadline_passed)

    def _disarm_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _header_deadline_passed(self) -> None:
        self.header_deadline = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            if self.conn.our_state is h11.IDLE and self.conn.their_state is h11.IDLE:
                # Nothing (or only part of a request line) arrived: just hang up.
                self.transport.close()
            else:
                self.transport.abort()

    def data_received(self, data: bytes) -> None:
        # Bytes between requests start (not restart) the clock: a client trickling a header
        # one byte at a time still has to finish within header_timeout.
        if self._waiting_for_headers():
            self._arm_header_deadline()
            if self._too_long(self.conn.trailing_data[0] + data):
                return
        super().data_received(data)
        if not self._waiting_for_headers():
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The keep-alive timer now watches the idle connection; the next request's headers
        # get a fresh header deadline when their first byte arrives.
        if self.transport is not None and not self.transport.is_closing():
            self._disarm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def _too_long(self, pending: bytes) -> bool:
        """Answer 414 or 431 with a short Chinese page when the request line or the headers
        being received pass ``MAX_HEAD_BYTES``, and say whether it did.

        h11 refuses such a head only while it is incomplete, and uvicorn then answers a bare
        English 400; checked here on every read, the answer is the same however the bytes
        arrive."""
        head_end = pending.find(b"\r\n\r\n")
        if (head_end if head_end >= 0 else len(pending)) <= MAX_HEAD_BYTES:
            return False
        line_end = pending.find(b"\r\n")
        status, page = ("414 URI Too Long", URI_TOO_LONG) if not 0 <= line_end <= MAX_HEAD_BYTES else (
            "431 Request Header Fields Too Large", HEADERS_TOO_LARGE)
        body = page.encode("utf-8")
        response = (f"HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n"
                    f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode("ascii")
        self.transport.write(response + body)
        self.transport.close()
        return True


def _page(title: str, text: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{title}</title>'
            f"<h1>{title}</h1><p>{text}</p><p><a href=\"/console/\">返回控制台首页</a></p></html>")


MAX_HEAD_BYTES = 128 * 1024
"""The longest request line plus headers read; h11 holds an unfinished head up to the same
bound (``serve`` sets it), so what is accepted does not depend on how the bytes arrive. A
console search with every filter filled in with long text stays well below it."""
URI_TOO_LONG = _page("网址过长", f"请求的网址太长（超过 {MAX_HEAD_BYTES // 1024} KB），服务器没有处理。请缩短搜索条件后再试。")
HEADERS_TOO_LARGE = _page("请求头过大", f"请求头太大（超过 {MAX_HEAD_BYTES // 1024} KB），服务器没有处理。请清除本站的 Cookie 后再试。")


_last_warning = [0.0]


def _warn_refused(open_connections: int) -> None:
    # Once a minute at most: a flood of connections must not become a flood of log lines.
    now = time.monotonic()
    if now - _last_warning[0] >= 60:
        _last_warning[0] = now
        logger.warning("connections refused: %d open, the limit is %d", open_connections - 1,
                       _limits().max_connections)


def raise_open_file_limit(wanted: int) -> None:
    """Let the process hold ``wanted`` descriptors if the hard limit allows (sockets count)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


PROTOCOL = f"{GuardedH11Protocol.__module__}:{GuardedH11Protocol.__name__}"

BACKLOG = 64
"""Connections the kernel queues for a process before it accepts them. The event loop
accepts up to this many per turn, and a connection over ``max_connections`` is closed a few
turns after it was accepted, so a process busy with other work while a flood arrives holds
at most ``max_connections + 4 * BACKLOG`` sockets for a moment (uvicorn's default of 2,048
would let such a burst exhaust the open-file limit)."""
