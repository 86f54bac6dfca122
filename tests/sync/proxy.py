"""A loopback HTTP proxy that can lose answers on purpose.

It forwards each request to the province, waits for the province's full answer, and then,
if told to, throws the answer away (closing the connection), or kills the client process
first. This is "the province did the work but the office never heard back", for real.
"""

from __future__ import annotations

import collections
import http.client
import os
import signal
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# decide(method, path, n) -> "pass" | "drop" | "kill" | "reset" | "cut" | "delay:<seconds>"; n
# counts requests to that path from 1. "drop" forwards and throws the answer away, "reset" hangs
# up before forwarding (the province never sees the request), "cut" forwards the headers and
# half the body and then hangs up on both sides (the connection dies mid-upload), "delay"
# waits before forwarding.
Decide = Callable[[str, str, int], str]


class _Server(ThreadingHTTPServer):
    # Many offices connect at once in the load tests; the default backlog of 5 would make
    # the kernel drop their connection attempts (a fault of the test, not of the province).
    request_queue_size = 256
    daemon_threads = True
HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class LossyProxy:
    def __init__(self, upstream_port: int, decide: Decide) -> None:
        self.upstream_port = upstream_port
        self.decide = decide
        self.counts: collections.Counter[str] = collections.Counter()
        self.dropped = 0
        self.bytes_up = 0
        """Request body bytes as sent on the wire (gzipped when the client gzips)."""
        self.bytes_down = 0
        """Response body bytes as sent on the wire (gzipped when the province gzips)."""
        self.kill_pid: int | None = None
        self.actions: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The head and the body of an answer go out in two writes: with Nagle's algorithm
            # the body waited for the office's delayed acknowledgement of the head, 40 ms and
            # more per request, which the province (uvicorn sets TCP_NODELAY) never costs.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.handle(self)

            def do_POST(self) -> None:
                proxy.handle(self)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        key = h.path.split("?")[0]
        with self._lock:
            self.counts[key] += 1
            self.bytes_up += len(body or b"")
            action = self.decide(h.command, key, self.counts[key])
            self.actions[action.partition(":")[0]] += 1
        if action == "reset":
            h.close_connection = True
            return
        if action == "cut":
            self._cut(h, body or b"")
            return
        if action.startswith("delay:"):
            time.sleep(float(action.partition(":")[2]))
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP}
            upstream.request(h.command, h.path, body=body, headers=headers)
            reply = upstream.getresponse()
            content = reply.read()
            reply_headers = [(k, v) for k, v in reply.getheaders() if k.lower() not in HOP]
            status = reply.status
        except (OSError, http.client.HTTPException):
            # The province went away mid-request (a killed worker): so does the answer.
            h.close_connection = True
            return
        finally:
            upstream.close()
        with self._lock:
            self.bytes_down += len(content)
        if action in ("drop", "kill"):
            with self._lock:
                self.dropped += 1
            if action == "kill" and self.kill_pid:
                os.kill(self.kill_pid, signal.SIGKILL)
            h.close_connection = True
            return
        h.send_response(status)
        for k, v in reply_headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        h.wfile.write(content)

    def _cut(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            upstream.putrequest(h.command, h.path, skip_host=True, skip_accept_encoding=True)
            for k, v in h.headers.items():
                if k.lower() not in ("connection", "keep-alive", "transfer-encoding"):
                    upstream.putheader(k, v)
            upstream.endheaders()
            upstream.send(body[: len(body) // 2])
        except (OSError, http.client.HTTPException):
            pass
        finally:
            upstream.close()
        h.close_connection = True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
