"""Run one office sync in its own process, optionally SIGKILLing itself at a given step.

``python -m tests.sync.sync_script STORE ENDPOINT [STEP N]``: kill at the N-th progress event
named STEP (batch_built, sending, receipt_received, receipt_saved, updates_applied).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from sync.client import ProvinceClient
from sync.runner import SyncProgress, run_sync
from sync.trust import ProvinceTrust
from tests.sync.office_double import OfficeDouble
from tests.sync.offices import FAST


def main(argv: list[str]) -> int:
    store = OfficeDouble(Path(argv[0]))
    step, count = (argv[2], int(argv[3])) if len(argv) > 3 else ("", 0)
    seen = 0

    def progress(event: SyncProgress) -> None:
        nonlocal seen
        if event.step == step:
            seen += 1
            if seen == count:
                os.kill(os.getpid(), signal.SIGKILL)

    device = store.device()
    client = ProvinceClient(argv[1], ProvinceTrust(store.province_keys()),
                            device_id=device.device_id, device_key=device.key, options=FAST,
                            on_new_province_keys=store.trust_province_keys)
    summary = run_sync(client, store, progress=progress)
    print(summary.accepted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
