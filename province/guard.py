"""The request guard: an ASGI layer in front of every route that bounds what a request costs.

Before any route runs, the guard charges the client address's rate limit, then reads the body
itself: the declared and the actual size are held to ``max_body_bytes``, a gzip body is
decompressed as it arrives (never more than ``max_body_bytes``, nor more than
``max_decompression_ratio`` times its compressed size once over 1 MiB), pauses and slow
bodies end in ``408``, and the bytes held in memory by all requests together stay within
``max_inflight_body_bytes`` (further requests wait for room, then get ``503``). The route then
sees a plain body with no ``Content-Encoding``, whatever encoding the client negotiated.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import JSONResponse

from province.limits import MIB, Limits, RateLimiter, retry_after
from sync.errors import (
    BatchTooLarge,
    MalformedRequest,
    ProtocolError,
    RateLimited,
    RequestTimeout,
    RequestTooLarge,
    ServiceUnavailable,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Liveness probes of a load balancer come often and cost nothing; they are never limited.
UNLIMITED_PATHS = frozenset({"/healthz"})
RATIO_FLOOR = MIB


class Disconnected(Exception):
    """The client went away while sending its body; there is no one to answer."""


class ByteBudget:
    """Bytes of request bodies one process holds at once; a request waits for its share."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._cond: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        # Made on first use, inside the server's event loop.
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    async def take(self, amount: int, timeout: float) -> None:
        """Reserve ``amount`` bytes, waiting up to ``timeout`` seconds for room."""
        cond = self._condition()
        async with cond:
            try:
                await asyncio.wait_for(
                    cond.wait_for(lambda: self.used + amount <= self.total), timeout)
            except TimeoutError:
                raise ServiceUnavailable("the province is busy receiving other requests; "
                                         "retry later", retry_after=5) from None
            self.used += amount

    async def give(self, amount: int) -> None:
        """Return ``amount`` reserved bytes and wake the requests waiting for room."""
        if amount <= 0:
            return
        cond = self._condition()
        async with cond:
            self.used -= amount
            cond.notify_all()


class RequestGuard:
    """ASGI middleware applying :class:`~province.limits.Limits` to every HTTP request."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits
        self.addresses = RateLimiter(limits.rate_per_address, limits.burst_per_address)
        self.budget = ByteBudget(max(limits.max_inflight_body_bytes, 2 * limits.max_body_bytes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            if scope["path"] not in UNLIMITED_PATHS:
                client = scope.get("client")
                wait = self.addresses.take(client[0] if client else "")
                if wait:
                    raise RateLimited("too many requests from this address; slow down",
                                      retry_after=retry_after(wait))
            reader = BodyReader(scope, self.limits)
            reserved = reader.reservation()
            await self.budget.take(reserved, self.limits.body_timeout)
        except ProtocolError as exc:
            await error_response(exc, close=True)(scope, receive, send)
            return
        try:
            try:
                body = await reader.read(receive)
            except Disconnected:
                return
            except ProtocolError as exc:
                await error_response(exc, close=True)(scope, receive, send)
                return
            # Keep only what the body really holds while the route works on it.
            await self.budget.give(reserved - len(body))
            reserved = len(body)
            await self.app(reader.plain_scope(len(body)), replay(body, receive), send)
        finally:
            await self.budget.give(reserved)


class BodyReader:
    """Reads one request's body within the limits, decompressing it if it was sent gzipped."""

    def __init__(self, scope: Scope, limits: Limits) -> None:
        self.scope = scope
        self.limits = limits
        self.cap = limits.max_body_bytes
        self.too_large = BatchTooLarge if scope["path"] == "/v1/batches" else RequestTooLarge
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        encoding = headers.get(b"content-encoding", b"identity").decode("latin-1").strip().lower()
        if encoding not in ("", "identity", "gzip"):
            raise MalformedRequest(f"unsupported Content-Encoding {encoding!r}; use gzip")
        self.gzip = encoding == "gzip"
        self.declared: int | None = None
        # HTTP/1.1: without Content-Length a body comes only chunked; else there is none.
        self.chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        length = headers.get(b"content-length")
        if length is not None:
            text = length.decode("latin-1").strip()
            if not text.isdigit() or len(text) > 18:
                raise MalformedRequest("Content-Length is not a number")
            self.declared = int(text)
            if self.declared > self.cap:
                raise self._over(f"request body over {self.cap} bytes")

    def _over(self, message: str) -> ProtocolError:
        return self.too_large(message, max_body_bytes=self.cap)

    def allowed(self, wire: int) -> int:
        """Most bytes the body may hold once decompressed, given ``wire`` bytes received."""
        if not self.gzip:
            return self.cap
        return min(self.cap, max(RATIO_FLOOR, self.limits.max_decompression_ratio * wire))

    def reservation(self) -> int:
        """The most memory reading this body can take: reserved before reading, so no request
        waits for room while holding some (waits that could block each other forever).

        Twice the body: the bytes read and, for a moment, the copy handed to the route.
        """
        if self.declared is None:
            return 2 * self.cap if self.chunked else 0
        return 2 * (self.allowed(self.declared) if self.gzip else self.declared)

    async def read(self, receive: Receive) -> bytes:
        """The whole body, plain; raises the protocol error that ends the request."""
        deadline = time.monotonic() + self.limits.request_timeout
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.gzip else None
        body = bytearray()
        wire = 0
        more = True
        while more:
            remaining = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(
                    receive(), max(0.0, min(self.limits.body_timeout, remaining)))
            except TimeoutError:
                raise RequestTimeout("the request body did not arrive in time") from None
            if message["type"] == "http.disconnect":
                raise Disconnected()
            chunk = message.get("body", b"")
            more = bool(message.get("more_body", False))
            wire += len(chunk)
            if wire > self.cap or (self.declared is not None and wire > self.declared):
                raise self._over(f"request body over {self.cap} bytes")
            if inflater is None:
                body += chunk
                continue
            allowed = self.allowed(wire)
            try:
                body += inflater.decompress(chunk, allowed - len(body) + 1)
            except zlib.error as exc:
                raise MalformedRequest(f"body is not valid gzip: {exc}") from None
            if len(body) > allowed or inflater.unconsumed_tail:
                raise self._over(f"request body over {allowed} bytes once decompressed "
                                 f"(at most {self.limits.max_decompression_ratio} times its "
                                 f"compressed size, and {self.cap} bytes)")
        if inflater is not None and wire:
            if not inflater.eof:
                raise MalformedRequest("gzip body is truncated")
            if inflater.unused_data:
                raise MalformedRequest("data after the end of the gzip body")
        return bytes(body)

    def plain_scope(self, size: int) -> Scope:
        """The scope the route sees: the body is plain, of exactly ``size`` bytes."""
        headers = [(k, v) for k, v in self.scope.get("headers", [])
                   if k.lower() not in (b"content-encoding", b"content-length",
                                        b"transfer-encoding")]
        headers.append((b"content-length", str(size).encode()))
        return {**self.scope, "headers": headers}


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the route the body already read, then waits for disconnect."""
    sent = False

    async def inner() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return inner


def error_response(exc: ProtocolError, *, close: bool = False) -> JSONResponse:
    """The JSON error answer for ``exc``, with ``Retry-After`` when it says when to retry."""
    headers = {}
    wait = exc.details.get("retry_after")
    if isinstance(wait, int | float) and wait > 0:
        headers["Retry-After"] = str(retry_after(float(wait)))
    if close:
        # The body may be left half-read: the connection cannot carry another request.
        headers["Connection"] = "close"
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)
