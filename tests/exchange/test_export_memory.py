"""The export and its verification stream: 20,000 records each under a data-size limit in a
child process.

The child unlocks the office first (the key derivation alone takes 64 MiB, and is not the
export's), then resets its peak-memory mark, caps its data segment (``RLIMIT_DATA``) at what
it uses plus 64 MiB, exports, and reports how far its peak rose. The same is done for 2,000
records: a streaming export rises by about the same amount at both sizes (what grows is the
database's page cache, bounded at 32 MiB), where one that held its tables, files or workbook
in memory would need several times more at 20,000 and run out.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from desktop.services.checking import RecordChecker
from desktop.services.records import RecordService
from tests.bench.data import enterprise
from tests.conftest import PASSPHRASE, ROOT

MIB = 1 << 20
CHILD = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from desktop.services.checking import default_checker
    from desktop.services.exchange.export import export_office
    from desktop.store.office import Office

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024

    from desktop.services.exchange.verify import verify_export

    mode, folder, out = sys.argv[1:4]
    if mode == "export":
        office = Office.unlock(Path(folder), None, sys.argv[4])
        registry = default_checker(office.paths.root).registry
    import xlsxwriter  # noqa: F401 - loaded before the mark, like everything else
    open("/proc/self/clear_refs", "w").write("5")  # reset the peak-RSS mark
    base = status("VmHWM")
    limit = status("VmData") + 64 * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    if mode == "export":
        list(export_office(office, registry, Path(out)))
    else:
        assert verify_export(Path(out)).ok
    print("RISE", status("VmHWM") - base)
""")


def child(mode: str, office_dir, out) -> int:
    run = subprocess.run([sys.executable, "-c", CHILD, mode, str(office_dir), str(out), PASSPHRASE],
                         capture_output=True, text=True, timeout=900, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr
    return int(run.stdout.rsplit("RISE", 1)[1].split()[0])


def fill(service: RecordService, start: int, stop: int) -> None:
    for first in range(start, stop, 5000):
        service.add_many("enterprise", [enterprise(i) for i in range(first, min(stop, first + 5000))])


def test_twenty_thousand_records_export_and_verify_under_a_memory_limit(office, tmp_path):
    # Set-up, not what is measured: clean data saved without duplicate checks.
    fill(RecordService(office, RecordChecker()), 0, 20_000)
    rise = child("export", office.paths.root, tmp_path / "big")
    manifest = json.loads((tmp_path / "big" / "manifest.json").read_text("utf-8"))
    assert manifest["counts"]["records"]["enterprise"] == 20_000
    assert rise < 48 * MIB, rise / MIB
    # Verification streams too (its cross-references go through an index on disk).
    assert child("verify", office.paths.root, tmp_path / "big") < 48 * MIB
