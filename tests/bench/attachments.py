"""Evidence files: attaching into the encrypted store, and uploading them to the province.

For each file size, one office holds one final record naming one PDF of that size, synced
with ``sync_office`` as the CLI and the GUI call it to ``anhui-province serve`` (SQLite) on
loopback through a byte-counting relay in its own process. The upload is timed from its
first chunk to the sync's next step (every chunk read from the encrypted store, signed,
sent, checked and stored by the province, the whole file hashed again there); the whole
sync (config, upload, the batch naming the file, its receipt, pulls) is given beside it.
Attaching is ``Attachments.attach``: reading, checking and storing the file encrypted. The floor is the same bytes posted in
the same chunk sizes through the same relay to a bare loopback HTTP sink that only reads
them: what the network path itself costs. The wire overhead is every byte sent and received
(chunks, their signed headers, the batch, receipts, config and pulls; HTTP headers not
counted, as the relay counts bodies) over the file's size. The file sizes do not follow the
record counts of the other tables; they are 1, 5, 15 and 20 MB whatever ``--sizes`` says.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from desktop.services.attachments import Attachments
from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.services.sync_office import enroll_office, sync_office
from desktop.store.office import Office
from forms.examples import example
from sync.runner import SyncProgress
from sync.uploads import CHUNK_BYTES
from tests.bench.report import ratio, table
from tests.bench.sync import RELAY
from tests.sync.servers import ROOT, ProvinceServer

PASS = "benchmark passphrase"
MB = 1024 * 1024
FILE_SIZES = (1 * MB, 5 * MB, 15 * MB, 20 * MB - 1024)


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST  # noqa: N815


def _relay(port: int) -> tuple[subprocess.Popen[str], int]:
    relay = subprocess.Popen([sys.executable, "-c", RELAY, str(port)], cwd=ROOT, text=True, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert relay.stdout is not None
    return relay, int(relay.stdout.readline())


def _counted(relay: subprocess.Popen[str]) -> tuple[int, int]:
    assert relay.stdin is not None and relay.stdout is not None
    relay.stdin.write("\n")
    relay.stdin.flush()
    up, down = json.loads(relay.stdout.readline())
    relay.kill()
    relay.wait()
    return up, down


def _pdf(size: int) -> bytes:
    body = hashlib.shake_256(f"bench-{size}".encode()).digest(size - 16)
    return b"%PDF-1.7\n" + body + b"\n%%EOF\n"


def floor(content: bytes, chunk: int) -> float:
    """Seconds to post ``content`` in ``chunk``-sized bodies through a relay to a bare sink."""
    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    relay, port = _relay(sink.server_address[1])
    try:
        with requests.Session() as session:
            start = time.perf_counter()
            for offset in range(0, len(content), chunk):
                session.post(f"http://127.0.0.1:{port}/", data=content[offset:offset + chunk], timeout=60).raise_for_status()
            return time.perf_counter() - start
    finally:
        _counted(relay)
        sink.shutdown()
        sink.server_close()


def measure(size: int, work: Path) -> dict[str, float]:
    content = _pdf(size)
    source = work / "evidence.pdf"
    source.write_bytes(content)
    province = ProvinceServer(work / "province")
    province.start()
    office, _ = Office.create(work / "office", org_unit="340104", office_name="基准测试", admin="bench", passphrase=PASS)
    try:
        service = RecordService(office, default_checker(office.paths.root))
        record_id = service.add("platform", example("platform")).record_id
        start = time.perf_counter()
        Attachments(service).attach(record_id, source, final=True)
        attach = time.perf_counter() - start
        source.unlink()
        code = re.search(r"登记码：\s*(\S+)", province.cli("enroll-code", "--org-unit", "340104"))
        assert code is not None
        enroll_office(office, province.url, code.group(1))
        relay, port = _relay(province.port)
        office.write(lambda db: db.execute("UPDATE device SET endpoint = ?", [f"http://127.0.0.1:{port}"]))
        marks: dict[str, float] = {}

        def mark(step: SyncProgress) -> None:
            # The upload runs from its first chunk until the sync's next step begins.
            if step.step == "uploading":
                marks.setdefault("upload", time.perf_counter())
            elif "upload" in marks:
                marks.setdefault("uploaded", time.perf_counter())

        start = time.perf_counter()
        summary = sync_office(office, progress=mark)
        whole = time.perf_counter() - start
        upload = marks["uploaded"] - marks["upload"]
        up, down = _counted(relay)
        assert summary.attachments == 1 and summary.accepted == 1, summary
    finally:
        office.close()
        province.stop()
    return {"attach": attach, "upload": upload, "sync": whole, "wire": up + down, "floor": floor(content, CHUNK_BYTES),
            "chunks": -(-size // CHUNK_BYTES)}


def run(sizes: list[int]) -> str:
    out = []
    for size in FILE_SIZES:
        with tempfile.TemporaryDirectory(prefix="anhui-bench-attach-") as tmp:
            m = measure(size, Path(tmp))
        mb = size / MB
        out.append([
            f"{mb:.1f}", f"{mb / m['attach']:.1f}", f"{mb / m['upload']:.1f}", f"{mb / m['floor']:.1f}",
            ratio(m["upload"], m["floor"]), f"{m['sync']:.2f}", f"{int(m['chunks'])}",
            f"{(m['wire'] - size) / 1024:.1f}", f"{100 * (m['wire'] - size) / size:.2f}%",
        ])
    headers = ["file MB", "attach MB/s", "upload MB/s", "floor MB/s", "upload vs floor", "whole sync s", "chunks",
               "wire overhead KiB", "overhead / file"]
    return table("Attachments: one PDF attached into the encrypted store and synced (chunks signed, checked "
                 "and stored by the province), against posting the same chunks to a bare loopback sink",
                 headers, out)
