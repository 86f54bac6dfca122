"""Audit export and its offline verification (each in its own process, for its peak memory),
and Excel import into a new office, at each size.

``python -m tests.bench.exchange export|verify <office> <folder>`` is the measured child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.data import PASS, enterprise, new_office
from tests.sync.servers import ROOT


def _child(*args: str) -> tuple[float, float]:
    """Seconds and peak resident MiB of one child run."""
    errors = Path(args[-1]).with_suffix(".stderr")
    with open(errors, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "tests.bench.exchange", *args], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=err)
        # wait4 gives this child's own peak memory (RUSAGE_CHILDREN would mix all of them).
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {errors.read_text(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def measure(office_dir: Path, n: int, work: Path) -> dict[str, float]:
    export_s, export_mib = _child("export", str(office_dir), str(work / "export"))
    verify_s, verify_mib = _child("verify", str(office_dir), str(work / "export"))
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


def _run_child(what: str, office_dir: Path, folder: Path) -> None:
    if what == "export":
        from desktop.services.checking import default_checker
        from desktop.services.exchange.export import export_office
        from desktop.store.office import Office

        office = Office.unlock(office_dir, None, PASS)
        try:
            for _ in export_office(office, default_checker(office.paths.root).registry, folder):
                pass
        finally:
            office.close()
    else:
        from desktop.services.exchange.verify import verify_export

        report = verify_export(folder)
        if not report.ok:
            raise SystemExit(f"the export does not verify: {report}")


if __name__ == "__main__":
    _run_child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
