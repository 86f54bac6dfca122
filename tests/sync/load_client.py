"""One process of load-test offices: each office syncs in its own thread until it converges.

``python -m tests.sync.load_client URL DEADLINE STORE...`` syncs every store against ``URL``
(the province, or a proxy in front of it) at once, repeating a failed sync (province down,
answer lost, database restarting) until nothing is pending or ``DEADLINE`` (a Unix time)
passes, and prints one JSON line: per-batch latencies, sync attempts and the errors met.
Offices run in several processes so that their signing and verifying does not queue behind
one interpreter lock while the province is measured.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sync.client import ProvinceClient
from sync.errors import SyncError
from sync.runner import SyncProgress, run_sync
from sync.transport import TransportOptions
from sync.trust import ProvinceTrust
from tests.sync.office_double import OfficeDouble

OPTIONS = TransportOptions(attempts=4, backoff_base=0.2, backoff_max=2.0, connect_timeout=10,
                           read_timeout=120)


def converge(url: str, path: Path, deadline: float, out: dict[str, Any]) -> None:
    """Sync one office until nothing is pending (or the deadline passes)."""
    store = OfficeDouble(path)
    latencies: list[float] = []
    started: dict[int | None, float] = {}

    def progress(event: SyncProgress) -> None:
        now = time.monotonic()
        if event.step == "sending":
            started[event.sequence] = now
        elif event.step == "receipt_received" and event.sequence in started:
            latencies.append(now - started.pop(event.sequence))

    attempts, errors = 0, []
    while True:
        attempts += 1
        device = store.device()
        client = ProvinceClient(url, ProvinceTrust(store.province_keys()),
                                device_id=device.device_id, device_key=device.key,
                                options=OPTIONS, on_new_province_keys=store.trust_province_keys)
        try:
            with client:
                run_sync(client, store, progress=progress)
            if store.pending_count() == 0:
                break
        except SyncError as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        if time.monotonic() > deadline:
            errors.append("deadline passed before the office converged")
            break
        time.sleep(0.5)
    out.update(latencies=latencies, attempts=attempts, errors=errors,
               pending=store.pending_count(), finished=time.time())


def main(argv: list[str]) -> int:
    url, deadline = argv[0], float(argv[1])
    wall_deadline = time.monotonic() + max(0.0, deadline - time.time())
    results: dict[str, dict[str, Any]] = {p: {} for p in argv[2:]}
    threads = [threading.Thread(target=converge, args=(url, Path(p), wall_deadline, results[p]))
               for p in argv[2:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
