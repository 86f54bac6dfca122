"""A whole sync from the real encrypted office to a real province on loopback.

What is timed is ``sync_office`` as the CLI and the GUI call it: queueing every final record,
building, signing and storing batches, sending them, verifying receipts and the log's
consistency, settling the records, pulling updates. The province is ``anhui-province serve``
(SQLite) in its own process; a byte-counting relay, also its own process, sits between them.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from desktop.services.outbox import OfficeOutbox
from desktop.services.sync_office import enroll_office, sync_office
from desktop.store.office import Office
from sync.encoding import canonical_json
from tests.bench.data import PASS
from tests.sync.servers import ROOT, ProvinceServer

RELAY = """
import json, sys
from tests.sync.proxy import LossyProxy
proxy = LossyProxy(int(sys.argv[1]), lambda method, path, n: "pass")
print(proxy.port, flush=True)
sys.stdin.readline()
print(json.dumps([proxy.bytes_up, proxy.bytes_down]), flush=True)
"""


def _raw_versions(office: Office) -> list[bytes]:
    rows = office.db.execute(
        "SELECT v.record_id, v.version_id, v.form_id, v.form_version, v.org_unit, v.status, v.data, v.content_hash "
        "FROM records r JOIN versions v ON v.version_id = r.current_version_id WHERE r.status = 'final'"
    ).fetchall()
    keys = ("record_id", "version_id", "form_id", "form_version", "org_unit", "status", "data", "content_hash")
    return [canonical_json({**dict(zip(keys, row, strict=True)), "data": json.loads(row[6])}) for row in rows]


def measure(office_dir: Path, work: Path) -> dict[str, float]:
    """Records per second end to end, and bytes on the wire against the versions' raw JSON."""
    province = ProvinceServer(work / "province")
    province.start()
    relay = subprocess.Popen([sys.executable, "-c", RELAY, str(province.port)], cwd=ROOT, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    office = Office.unlock(office_dir, None, PASS)
    try:
        assert relay.stdout is not None and relay.stdin is not None
        port = int(relay.stdout.readline())
        code = re.search(r"登记码：\s*(\S+)", province.cli("enroll-code", "--org-unit", "340104"))
        assert code is not None
        enroll_office(office, province.url, code.group(1))
        office.write(lambda db: db.execute("UPDATE device SET endpoint = ?", [f"http://127.0.0.1:{port}"]))
        raw = _raw_versions(office)
        raw_bytes = sum(len(r) for r in raw)
        gzipped = len(gzip.compress(b"\n".join(raw), compresslevel=6))
        start = time.perf_counter()
        summary = sync_office(office)
        elapsed = time.perf_counter() - start
        relay.stdin.write("\n")
        relay.stdin.flush()
        up, down = json.loads(relay.stdout.readline())
        assert summary.accepted == len(raw) and OfficeOutbox(office).pending_count() == 0, summary
    finally:
        office.close()
        relay.kill()
        relay.wait()
        province.stop()
    return {"rate": len(raw) / elapsed, "wire": (up + down) / raw_bytes, "gzip": gzipped / raw_bytes,
            "seconds": elapsed, "batches": summary.batches}
