"""Office store: save throughput, search latency, open+unlock, encrypted vs plain SQLite.

The same code runs twice per size; only the key differs (``encrypted=False`` opens the
file as plain SQLite), so the ratio is the cost of SQLCipher alone.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from desktop.services.checking import RecordChecker
from desktop.services.records import RecordService
from desktop.store.office import Office
from tests.bench.report import ratio, table, timed

PASS = "benchmark passphrase"
SECTORS = ["quantum", "general_ai", "low_carbon_energy", "future_network"]
WORDS = ["量子", "通信", "芯片", "智能", "储能", "氢能", "材料", "网络", "卫星", "生物"]
SINGLE_SAVES = 300


def _record(i: int) -> dict:
    a, b, c = WORDS[i % 10], WORDS[(i // 10) % 10], WORDS[(i // 100) % 10]
    return {"name": f"安徽{a}{b}{c}科技有限公司{i}", "sector": SECTORS[i % 4], "intro": f"合肥市{b}{c}产业园区企业，编号{i}"}


def _fill(root: Path, n: int, encrypted: bool) -> Path:
    office, _ = Office.create(root, org_unit="340104", office_name="基准测试", admin="bench", passphrase=PASS, encrypted=encrypted)
    service = RecordService(office, RecordChecker())
    chunk = 5000
    for start in range(0, n, chunk):
        service.add_many("enterprise", [_record(i) for i in range(start, min(n, start + chunk))])
    office.close()
    return root


def measure(n: int, encrypted: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = _fill(Path(tmp) / "office", n, encrypted)
        open_s = timed(lambda: Office.unlock(root, None, PASS).close(), repeat=3)
        office = Office.unlock(root, None, PASS)
        service = RecordService(office, RecordChecker())
        start = time.perf_counter()
        for i in range(SINGLE_SAVES):
            service.add("enterprise", _record(n + i))
        saves_per_s = SINGLE_SAVES / (time.perf_counter() - start)
        search3 = timed(lambda: service.query(search="量子通信", limit=50))
        search2 = timed(lambda: service.query(search="储能", limit=50))
        office.close()
    return {"saves": saves_per_s, "search3": search3 * 1000, "search2": search2 * 1000, "open": open_s * 1000}


def run(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        enc = measure(n, True)
        plain = measure(n, False)
        rows.append([
            f"{n:,}",
            f"{enc['saves']:.0f}", f"{plain['saves']:.0f}", ratio(plain["saves"], enc["saves"]),
            f"{enc['search3']:.1f}", f"{plain['search3']:.1f}", ratio(enc["search3"], plain["search3"]),
            f"{enc['search2']:.1f}", f"{plain['search2']:.1f}", ratio(enc["search2"], plain["search2"]),
            f"{enc['open']:.0f}", f"{plain['open']:.0f}", ratio(enc["open"], plain["open"]),
        ])
    headers = [
        "records", "saves/s enc", "saves/s plain", "slowdown",
        "search 4-char ms enc", "plain", "ratio",
        "search 2-char ms enc", "plain", "ratio",
        "open+unlock ms enc", "plain", "ratio",
    ]
    return table(
        f"Office store: SQLCipher vs plain SQLite (same code; {SINGLE_SAVES} single-record saves, each its own durable transaction)",
        headers, rows,
    )
