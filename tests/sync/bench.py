"""End-to-end sync throughput for ``make bench``: office to a local province and back.

``run(sizes)`` starts a real province (SQLite, loopback), fills an office store with that many
record versions, runs one complete sync (batches, signed receipts, consistency proofs, pull)
through a byte-counting proxy and reports records per second and bytes on the wire against
the raw JSON size of the versions. ``python -m tests.sync.bench --sizes 1000,10000``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from sync.encoding import canonical_json
from tests.sync.offices import new_office, sync_office, version
from tests.sync.proxy import LossyProxy
from tests.sync.servers import ProvinceServer


def measure(size: int, folder: Path) -> list[str]:
    province = ProvinceServer(folder / "province")
    province.start()
    proxy = LossyProxy(province.port, lambda method, path, n: "pass")
    try:
        store = new_office(province, folder / "office.db")
        versions = [version("340104", i) for i in range(size)]
        raw = sum(len(canonical_json(v.to_json())) for v in versions)
        store.add_versions(versions)
        started = time.perf_counter()
        summary = sync_office(proxy.url, store)
        elapsed = time.perf_counter() - started
        assert summary.accepted == size
        wire = proxy.bytes_up + proxy.bytes_down
        return [f"{size:,}", f"{summary.batches}", f"{elapsed:.2f}", f"{size / elapsed:,.0f}",
                f"{raw / 1e6:.2f}", f"{proxy.bytes_up / 1e6:.2f}", f"{proxy.bytes_down / 1e6:.2f}",
                f"{wire / raw:.2f}x"]
    finally:
        proxy.close()
        province.stop()


def run(sizes: list[int]) -> str:
    """The benchmark table (Markdown) for these record counts."""
    from tests.bench.report import table

    rows = []
    for size in sizes:
        folder = Path(tempfile.mkdtemp(prefix="anhui-sync-bench-"))
        try:
            rows.append(measure(size, folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return table(
        "End-to-end sync: office → local province → receipts back (SQLite, loopback, gzip)",
        ["records", "batches", "seconds", "records/s", "raw JSON MB", "sent MB", "received MB",
         "wire / raw"], rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    print(run([int(s) for s in parser.parse_args().sizes.split(",")]))
