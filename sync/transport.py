"""HTTP to the province with ``requests``: TLS, gzip, timeouts, bounded retries with jitter.

Retries happen only where repeating cannot change the outcome: network errors, timeouts and
5xx answers; a ``429`` is waited out as its ``Retry-After`` asks. Every request the protocol makes is idempotent (a batch is resent as the same
bytes, enrollment with the same code and key answers the same), so repeating is always safe;
a 4xx is a decision by the province and is never retried.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from sync.errors import Cancelled, ProtocolError, TransportError, error_from_body

USER_AGENT = "anhui-collect-sync/1"
MAX_RESPONSE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class TransportOptions:
    """How patiently and how safely to talk to the province."""

    ca_bundle: str | None = None
    """PEM file of CA certificates to trust instead of the system's (a provincial CA)."""
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    attempts: int = 5
    """Tries per request, the first included."""
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    gzip_min_bytes: int = 1024
    allow_insecure_http: bool = False
    """Plain http is refused except to loopback unless this is set (for tests only)."""
    rate_limit_waits: int = 20
    """Times one request waits as a ``429``'s ``Retry-After`` asks, before giving up."""
    max_retry_after: float = 300.0
    """Longest wait a ``Retry-After`` may ask for; a longer one ends the request at once."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": half the step fixed, half random.

    The random half spreads offices that lost the network together; the fixed half keeps a
    retry from coming back almost immediately.
    """
    step = min(cap, base * (2 ** attempt))
    return step / 2 + (rng or random).uniform(0, step / 2)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delay-seconds form), or None if absent or odd.

    The HTTP-date form is not read: it would judge the wait by this machine's clock.
    """
    if value is None or not value.strip().isdigit() or len(value.strip()) > 9:
        return None
    return float(value.strip())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class EndpointAddressError(ValueError):
    """An endpoint address the transport will not use: not an http(s) URL, or plain http
    to a host other than this computer (``plain_http``)."""

    def __init__(self, message: str, *, plain_http: bool) -> None:
        super().__init__(message)
        self.plain_http = plain_http


class Transport:
    """One province endpoint; thread-compatible (one transport per sync run)."""

    def __init__(
        self,
        endpoint: str,
        options: TransportOptions | None = None,
        *,
        cancel: threading.Event | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.options = options or TransportOptions()
        parts = urlsplit(endpoint)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise EndpointAddressError("endpoint must be an https:// URL", plain_http=False)
        if parts.scheme == "http" and not (
            _is_loopback(parts.hostname) or self.options.allow_insecure_http
        ):
            raise EndpointAddressError("plain http is allowed only to loopback; use https", plain_http=True)
        self.endpoint = endpoint.rstrip("/")
        self.cancel = cancel or threading.Event()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.attempts_made = 0
        """Requests sent over the transport's life, retries included (for tests and stats)."""

    def _wait(self, delay: float) -> None:
        if self.cancel.wait(delay):
            raise Cancelled("cancelled while waiting to retry")

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | Callable[[], bytes] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        raw: bool = False,
    ) -> Response:
        """Send one request, retrying transient failures; return a 2xx response or raise.

        A ``429`` is waited out as its ``Retry-After`` says (up to ``rate_limit_waits`` times
        and ``max_retry_after`` seconds), a ``503``'s ``Retry-After`` lengthens the backoff.
        Raises the typed :class:`ProtocolError` for another 4xx, :class:`TransportError` once
        retries are exhausted, :class:`Cancelled` when the cancel flag is set. A callable
        ``body`` is called for each try (a request that must be signed afresh each time).
        ``raw`` sends the body as bytes as they are (a chunk of a file: compressing a PDF or
        an image gains nothing); ``headers`` are added to the request's own.
        """
        encoded = None if callable(body) else self._encode(body, raw)
        last: str = ""
        attempt = waits = 0
        delay = 0.0
        while attempt < self.options.attempts:
            if self.cancel.is_set():
                raise Cancelled("cancelled")
            # A body signed afresh is made before the wait: making it may itself ask the
            # province for something (a nonce), and the wait is for this request's own turn.
            # Made after, a rate-limited office spent the awaited turn on the nonce and was
            # refused again, every time.
            sent_headers, data = encoded or self._encode(body() if callable(body) else None, raw)
            sent_headers = {**sent_headers, **(headers or {})}
            if delay:
                self._wait(delay)
            self.attempts_made += 1
            try:
                reply = self.session.request(
                    method, self.endpoint + path, data=data, params=params, headers=sent_headers,
                    timeout=(self.options.connect_timeout, self.options.read_timeout),
                    allow_redirects=False,
                    # Per request: a session-level setting loses to $REQUESTS_CA_BUNDLE.
                    verify=self.options.ca_bundle or True,
                )
                content = reply.content
            except requests.exceptions.SSLError as exc:
                # A certificate that does not verify will not verify on the next try either.
                raise TransportError(f"TLS verification failed: {exc}") from exc
            except (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                last = f"{type(exc).__name__}: {exc}"
                attempt += 1
                delay = self._backoff(attempt)
                continue
            if len(content) > MAX_RESPONSE_BYTES:
                raise TransportError("response too large")
            if 200 <= reply.status_code < 300:
                return Response(reply.status_code, content, reply.headers)
            asked = retry_after_seconds(reply.headers.get("Retry-After"))
            if reply.status_code == 429:
                # The province asks this office to slow down: waiting as asked is not a
                # failure, so it does not use up a try (but is itself bounded).
                waits += 1
                wait = 1.0 if asked is None else asked
                if waits > self.options.rate_limit_waits or wait > self.options.max_retry_after:
                    raise self._error(reply.status_code, content)
                delay = wait + random.uniform(0, min(1.0, wait / 4))
                continue
            if reply.status_code >= 500:
                last = f"HTTP {reply.status_code}"
                attempt += 1
                delay = self._backoff(attempt)
                if asked is not None:
                    delay = max(delay, min(asked, self.options.max_retry_after))
                continue
            raise self._error(reply.status_code, content)
        raise TransportError(f"{method} {path} failed after {self.options.attempts} tries: {last}")

    def _encode(self, body: bytes | None, raw: bool = False) -> tuple[dict[str, str], bytes | None]:
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
        if body is None:
            return headers, None
        if raw:
            headers["Content-Type"] = "application/octet-stream"
            return headers, body
        headers["Content-Type"] = "application/json"
        if len(body) < self.options.gzip_min_bytes:
            return headers, body
        headers["Content-Encoding"] = "gzip"
        return headers, gzip.compress(body, compresslevel=6, mtime=0)

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt - 1, self.options.backoff_base, self.options.backoff_max)

    @staticmethod
    def _error(status: int, content: bytes) -> ProtocolError:
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        return error_from_body(status, body)

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

