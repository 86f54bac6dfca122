"""Export, verify and import throughput (records per second) at each size."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from desktop.services.checking import RecordChecker, default_checker
from desktop.services.exchange.export import export_office
from desktop.services.exchange.importer import import_workbook
from desktop.services.exchange.tables import cell, sheets_of
from desktop.services.exchange.verify import verify_export
from desktop.services.records import RecordService
from desktop.store.office import Office
from tests.bench.report import table

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
        start_t = time.perf_counter()
        list(export_office(office, checker.registry, root / "export"))
        export_s = time.perf_counter() - start_t
        office.close()
        start_t = time.perf_counter()
        ok = verify_export(root / "export").ok
        verify_s = time.perf_counter() - start_t
        _sheet(checker.registry, root / "sheet.xlsx", n)
        target, _ = Office.create(root / "b", org_unit="340104", office_name="基准", admin="bench", passphrase=PASS)
        target_service = RecordService(target, default_checker(target.paths.root))
        start_t = time.perf_counter()
        last = list(import_workbook(target_service, checker.registry, root / "sheet.xlsx"))[-1]
        import_s = time.perf_counter() - start_t
        target.close()
    assert ok and last.imported == n, "benchmark data must export, verify and import cleanly"
    return {"export": n / export_s, "verify": n / verify_s, "import": n / import_s,
            "export_s": export_s, "import_s": import_s}


def run(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        m = measure(n)
        rows.append([f"{n:,}", f"{m['export']:.0f}", f"{m['export_s']:.1f}", f"{m['verify']:.0f}",
                     f"{m['import']:.0f}", f"{m['import_s']:.1f}"])
    return table(
        "Audit export, offline verification and Excel import (enterprise records, encrypted store)",
        ["records", "export rec/s", "export s", "verify rec/s", "import rec/s", "import s"], rows,
    )
