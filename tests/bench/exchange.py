"""Audit export and its offline verification, and Excel import into a new office, at each size.

Export and verification run as the commands a user runs (``anhui-collect export`` and
``verify-export``), each in its own process, so their peak memory (VmHWM) is their own: the
export's includes the 64 MiB of the passphrase's key derivation, the verification's nothing
but itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.data import PASS, enterprise, new_office
from tests.sync.servers import ROOT

# The command, then its own peak memory (VmHWM): ru_maxrss of a child also counts the
# process it was started from, here the bench itself with the office it filled.
PEAK = (
    "import sys\n"
    "from desktop.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "hwm = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
    "print('peak_kib', hwm, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _command(*args: str, home: Path) -> tuple[float, float, int]:
    """Run ``anhui-collect ARGS``; (wall s, peak MiB, exit code) of that process alone."""
    env = {**os.environ, "ANHUI_COLLECT_HOME": str(home), "ANHUI_COLLECT_PASSPHRASE": PASS, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", PEAK, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    _out, err = proc.communicate()
    wall = time.perf_counter() - start
    peak = int(err.rsplit("peak_kib", 1)[1].split()[0]) / 1024 if "peak_kib" in err else float("nan")
    return wall, peak, proc.returncode


def measure(office_dir: Path, n: int, work: Path) -> dict[str, float]:
    export_s, export_mib, export_code = _command("export", "--out", str(work / "export"), home=office_dir)
    verify_s, verify_mib, verify_code = _command("verify-export", str(work / "export"), home=work / "nowhere")
    # verify-export exits 3 here: the bench office never synced, so nothing anchors it.
    assert (export_code, verify_code) == (0, 3), (export_code, verify_code)
    import_rate = _import(n, work)
    return {"export": export_s, "export_mib": export_mib, "verify": verify_s, "verify_mib": verify_mib,
            "import": import_rate}


def _import(n: int, work: Path) -> float:
    """Rows per second importing an ``n``-row workbook into a new office (checks included)."""
    from openpyxl import Workbook

    from desktop.services.checking import default_checker
    from desktop.services.exchange.importer import import_workbook
    from desktop.services.exchange.tables import cell, sheets_of
    from desktop.services.records import RecordService

    office = new_office(work / "import-office")
    checker = default_checker(office.paths.root)
    form = checker.registry.form("enterprise")
    sheet = sheets_of(form)[0]
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet.name)
    ws.append(sheet.headers)
    for i in range(n):
        data = enterprise(20_000_000 + i)
        ws.append([f"r{i}", None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])
    book.save(work / "sheet.xlsx")
    try:
        start = time.perf_counter()
        last = list(import_workbook(RecordService(office, checker), checker.registry, work / "sheet.xlsx"))[-1]
        elapsed = time.perf_counter() - start
    finally:
        office.close()
    assert last.imported == n, [p.text("en") for p in last.problems[:5]]
    return n / elapsed
