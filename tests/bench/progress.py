"""Progress: counting records toward the targets, in memory and from the office's store.

The same rows are counted twice: handed to ``compute_progress`` as plain dicts (what the
province does with rows of its database), and read by ``office_progress`` from an encrypted
office store; the ratio is what reading and decoding the store adds to the count.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from desktop.services.checking import RecordChecker, default_checker
from desktop.services.progress import current_records, office_progress
from desktop.services.records import STATUSES, RecordService
from desktop.store.office import Office
from forms.progress import compute_progress
from tests.bench.report import ratio, table, timed

PASS = "benchmark passphrase"
AS_OF = dt.date(2026, 11, 26)


def _row(i: int) -> tuple[str, dict[str, Any]]:
    """One record of a mix of forms, with duplicates, old items and several revenue years."""
    kind = i % 4
    if kind == 0:
        return "enterprise", {"name": f"企业{i}", "credit_code": f"91340100{i % (10**9):09d}X", "sector": "quantum",
                              "tiers": ["high_tech"] if i % 3 else ["listed"], "hte_cert_date": "2025-01-01",
                              "output": 1000 + i % 500, "output_year": 2023 + i % 3}
    if kind == 1:
        return "platform", {"name": f"平台{i // 8}", "platform_type": "key_lab", "level": "provincial",
                            "status": "operating", "approval_date": "2025-03-01" if i % 5 else "2015-03-01",
                            "sector": "general_ai"}
    if kind == 2:
        return "standard", {"number": f"DB34/T {i // 4 % 3000 + 1}-2025", "level": "local", "status": "published",
                            "publish_date": "2025-05-01", "sector": "quantum"}
    return "key_technology", {"name": f"技术{i // 6}", "stage": "broken_through", "trl": 3 + i % 7,
                              "breakthrough_date": "2025-06-01", "sector": "quantum"}


def measure(n: int, registry: Any) -> dict[str, float]:
    rows = []
    for i in range(n):
        form_id, data = _row(i)
        rows.append({"record_id": f"r{i:08d}", "form_id": form_id, "form_version": 1, "org_unit": "340104",
                     "status": "final" if i % 10 else "draft", "data": data})
    memory = timed(lambda: compute_progress(registry, rows, as_of=AS_OF), repeat=3)
    with tempfile.TemporaryDirectory() as tmp:
        office, _ = Office.create(Path(tmp) / "office", org_unit="340104", office_name="基准测试", admin="bench",
                                  passphrase=PASS)
        service = RecordService(office, RecordChecker())
        for form_id in ("enterprise", "platform", "standard", "key_technology"):
            mine = [r["data"] for r in rows if r["form_id"] == form_id]
            for start in range(0, len(mine), 5000):
                service.add_many(form_id, mine[start:start + 5000], final=True)
        read = timed(lambda: sum(1 for _ in current_records(office.db, STATUSES)), repeat=3)
        stored = timed(lambda: office_progress(office, registry, as_of=AS_OF), repeat=3)
        office.close()
    return {"memory": memory, "read": read, "stored": stored}


def run(sizes: list[int]) -> str:
    registry = default_checker(None).registry
    out = []
    for n in sizes:
        m = measure(n, registry)
        out.append([
            f"{n:,}", f"{n / m['memory']:,.0f}", f"{m['memory'] * 1000:.0f}", f"{m['read'] * 1000:.0f}",
            f"{m['stored'] * 1000:.0f}", ratio(m["stored"], m["memory"]),
        ])
    headers = ["records", "counted/s in memory", "in memory ms", "store read ms", "office_progress ms",
               "store vs memory"]
    return table("Progress toward the targets: 22 targets, windows, keys and exclusions (rows in memory vs read from the encrypted store)",
                 headers, out)
