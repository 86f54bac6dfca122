"""Export, verify and import at each size: time, CPU and peak memory of the real commands.

Export and verification run as the commands a user runs (``anhui-collect export`` and
``verify-export``), each in its own process, so their peak memory is their own: the export's
includes the 64 MiB of the passphrase's key derivation, the verification's nothing but itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from desktop.services.checking import RecordChecker, default_checker
from desktop.services.exchange.importer import import_workbook
from desktop.services.exchange.tables import cell, sheets_of
from desktop.services.records import RecordService
from desktop.store.office import Office
from tests.bench.report import table
from tests.conftest import ROOT

PASS = "benchmark passphrase"


def _enterprise(i: int) -> dict:
    from stdnum.cn import uscc

    base = f"9134010{i:010d}"[:17]
    code = next(base + c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if uscc.is_valid(base + c))
    return {"name": f"安徽未来产业科技有限公司{i}", "credit_code": code, "sector": "general_ai",
            "direction": "industry_llm" if i % 2 else "general_llm", "ownership": "private",
            "employees": i % 500, "output": 100 + i % 1000, "output_year": 2024}


def _sheet(registry, path: Path, n: int) -> None:
    form = registry.form("enterprise")
    sheet = sheets_of(form)[0]
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet.name)
    ws.append(sheet.headers)
    for i in range(n):
        data = _enterprise(i)
        ws.append([f"r{i}", None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])
    book.save(path)


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


def _command(*args: str, home: Path) -> tuple[float, float, float, int]:
    """Run ``anhui-collect ARGS``; (wall s, CPU s, peak MiB, exit code) of that process alone."""
    env = {**os.environ, "ANHUI_COLLECT_HOME": str(home), "ANHUI_COLLECT_PASSPHRASE": PASS, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", PEAK, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # CPU times are the child's own (not inherited)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    peak = int(err.rsplit("peak_kib", 1)[1].split()[0]) / 1024 if "peak_kib" in err else float("nan")
    return wall, usage.ru_utime + usage.ru_stime, peak, proc.returncode


def measure(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        office, _ = Office.create(root / "a", org_unit="340104", office_name="基准", admin="bench", passphrase=PASS)
        checker = default_checker(office.paths.root)
        # Filling is set-up, not what is measured: the data is already clean, so it is saved
        # without the duplicate checks that dominate a save into a large office.
        service = RecordService(office, RecordChecker())
        for start in range(0, n, 5000):
            service.add_many("enterprise", [_enterprise(i) for i in range(start, min(n, start + 5000))])
        office.close()
        export = _command("export", "--out", str(root / "export"), home=root / "a")
        verify = _command("verify-export", str(root / "export"), home=root / "nowhere")
        _sheet(checker.registry, root / "sheet.xlsx", n)
        target, _ = Office.create(root / "b", org_unit="340104", office_name="基准", admin="bench", passphrase=PASS)
        target_service = RecordService(target, default_checker(target.paths.root))
        start_t = time.perf_counter()
        last = list(import_workbook(target_service, checker.registry, root / "sheet.xlsx"))[-1]
        import_s = time.perf_counter() - start_t
        target.close()
    # verify-export exits 3 here: the bench office never synced, so nothing anchors it.
    assert export[3] == 0 and verify[3] == 3 and last.imported == n, "benchmark data must export, verify and import cleanly"
    return {"export_s": export[0], "export_cpu": export[1], "export_mib": export[2],
            "verify_s": verify[0], "verify_cpu": verify[1], "verify_mib": verify[2],
            "import": n / import_s, "import_s": import_s}


def run(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        m = measure(n)
        rows.append([f"{n:,}", f"{m['export_s']:.1f}", f"{m['export_cpu']:.1f}", f"{m['export_mib']:.0f}",
                     f"{m['verify_s']:.1f}", f"{m['verify_cpu']:.1f}", f"{m['verify_mib']:.0f}",
                     f"{m['import']:.0f}", f"{m['import_s']:.1f}"])
    return table(
        "Audit export and offline verification (the commands, each its own process; goal <= 30 s at 100k, "
        "memory flat), and Excel import (enterprise records, encrypted store)",
        ["records", "export s", "export CPU s", "export peak MiB", "verify s", "verify CPU s", "verify peak MiB",
         "import rec/s", "import s"], rows,
    )
