"""The province console at scale, on PostgreSQL: ``make bench`` section "console".

``run(sizes)`` fills a throwaway PostgreSQL database with that many record versions from 120
org units (about three versions per record, in batches of 500, as offices send them), brings
the console's index up to date, and times what a reviewer waits for: the first page of the
review list, a filtered page, a Chinese substring search, the duplicates page, and the 总览
totals (read from the totals kept as records are indexed; up to 100,000 versions also counted
afresh by the forms engine, which they must equal). With the default sizes it also runs
1,000,000 versions. ``python -m tests.bench.console --sizes 1000,10000``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from pathlib import Path
from typing import Any

from province import progress
from province.console import catalog, review
from province.console.catalog import Filters
from province.context import Province, Settings
from sync.encoding import sha256_hex
from tests.bench.report import table, timed

VERSIONS_PER_BATCH = 500
MILLION = 1_000_000


def org_units(province: Province, count: int = 120) -> list[str]:
    """``count`` county-level units and parks, spread over the 16 cities."""
    registry = province.validator.registry()
    units = [u.code for u in registry.org_units() if u.level in ("county", "park")]
    return (units * (count // len(units) + 1))[:count]


def _record(rng: random.Random, n: int, platform_names: int = 5000) -> tuple[str, dict[str, Any]]:
    sector, direction = rng.choice([("quantum", "quantum_communication"),
                                    ("general_ai", "general_llm"),
                                    ("low_carbon_energy", "hydrogen"),
                                    ("aerospace_info", "low_altitude_economy")])
    kind = n % 4
    if kind == 0:
        return "talent_team", {"name": f"未来产业创新团队{n}", "leader": f"负责人{n % 997}",
                               "sector": sector, "direction": direction, "origin": "grown",
                               "year": 2024, "host_kind": "university", "host_name": "中国科学技术大学"}
    if kind == 1:
        return "platform", {"name": f"安徽未来产业创新平台{(n // 4) % platform_names}", "platform_type": "key_lab",
                            "level": "provincial", "sector": sector, "direction": direction,
                            "status": "operating"}
    return "enterprise", {"name": f"安徽未来科技有限公司{n}", "credit_code": f"913401{n:012d}",
                          "sector": sector, "direction": direction, "ownership": "private",
                          "tiers": ["high_tech"] if n % 3 else ["listed"], "output": n % 5000}


def fill(province: Province, versions: int, seed: int = 7, platform_names: int = 5000) -> int:
    """Insert ``versions`` record versions with PostgreSQL's COPY; return the records made.

    Platforms get one of ``platform_names`` names, so some are reported by several units.
    """
    import psycopg

    rng = random.Random(seed)
    units = org_units(province)
    devices = {u: f"dev-{sha256_hex(u.encode())[:20]}" for u in units}
    records: list[tuple[str, str, str]] = []  # record id, org unit, form
    recent: dict[str, list[tuple[str, str]]] = {u: [] for u in units}
    with psycopg.connect(province.db.url, autocommit=False) as conn, conn.cursor() as cur:
        with cur.copy("COPY devices (device_id, org_unit, label, enrolled_at, next_sequence) "
                      "FROM STDIN") as copy:
            for unit, device in devices.items():
                copy.write_row([device, unit, f"{unit} bench", "2025-01-01T00:00:00.000000Z", 1])
        batches = (versions + VERSIONS_PER_BATCH - 1) // VERSIONS_PER_BATCH
        made = 0
        current: dict[str, tuple[str, str, str]] = {}
        with cur.copy("COPY record_versions (version_id, record_id, form_id, form_version, "
                      "org_unit, status, data, content_hash, batch_id, device_id, received_at) "
                      "FROM STDIN") as copy:
            for index in range(batches):
                unit = units[index % len(units)]
                batch_id = f"bench-{index}"
                at = f"2025-{1 + index * 11 // batches:02d}-{1 + index % 28:02d}T08:00:00.000000Z"
                for _ in range(min(VERSIONS_PER_BATCH, versions - index * VERSIONS_PER_BATCH)):
                    # About a third of the versions edit a record this unit sent before.
                    mine = recent[unit]
                    if mine and rng.random() < 0.66:
                        record_id, form_id = rng.choice(mine)
                        n = int(record_id.split("-")[1])
                    else:
                        n = len(records)
                        record_id = f"r-{n}-{uuid.UUID(int=rng.getrandbits(128))}"
                        form_id = _record(rng, n)[0]
                        records.append((record_id, unit, form_id))
                        mine.append((record_id, form_id))
                        del mine[:-50]
                    data = _record(rng, n, platform_names)[1]
                    version_id = str(uuid.UUID(int=rng.getrandbits(128)))
                    copy.write_row([version_id, record_id, form_id, 1, unit, "final",
                                    json.dumps(data, ensure_ascii=False, sort_keys=True),
                                    "0" * 64, batch_id, devices[unit], at])
                    current[record_id] = (version_id, at, form_id)
                    made += 1
        with cur.copy("COPY batches (batch_id, device_id, sequence, batch_hash, envelope, "
                      "receipt, received_at, log_index, accepted, rejected) FROM STDIN") as copy:
            for index in range(batches):
                unit = units[index % len(units)]
                copy.write_row([f"bench-{index}", devices[unit], index, "0" * 64, b"{}", b"{}",
                                "2025-06-01T00:00:00.000000Z", index, VERSIONS_PER_BATCH, 0])
        with cur.copy("COPY records (record_id, org_unit, form_id, current_version_id, "
                      "updated_at) FROM STDIN") as copy:
            for record_id, unit, form_id in records:
                version_id, at, _ = current[record_id]
                copy.write_row([record_id, unit, form_id, version_id, at])
        cur.execute("UPDATE counters SET value = %s WHERE name = 'log'", [batches])
        conn.commit()
    assert made == versions
    return len(records)


def measure(province: Province, versions: int) -> list[list[str]]:
    """Fill, index, and time each page's queries; one table row per measurement."""
    started = time.perf_counter()
    records = fill(province, versions)
    filled = time.perf_counter() - started
    started = time.perf_counter()
    catalog.catch_up(province)
    indexed = time.perf_counter() - started
    units = org_units(province)
    registry = province.validator.registry()
    city = registry.city_of(units[3])
    assert city is not None
    filtered = Filters(city=city.code, form_id="enterprise", state="received")
    started = time.perf_counter()
    totals = progress.compute(province)
    first = time.perf_counter() - started
    assert totals["records_counted"] == records
    rows = [
        ["fill (COPY)", filled, f"{records:,} records"],
        ["index catch-up (forms engine, kept totals)", indexed, ""],
        ["review list, first page + count",
         timed(lambda: catalog.list_page(province, Filters())), ""],
        ["review list, city + form + state",
         timed(lambda: catalog.list_page(province, filtered)), ""],
        ["review list, page 2 by key",
         timed(lambda: catalog.list_page(province, filtered, after=(versions // 1000, "r"))), ""],
        ["search 创新团队12 (substring)",
         timed(lambda: catalog.list_page(province, Filters(q="创新团队12")), repeat=3), ""],
        ["duplicates, first page",
         timed(lambda: review.duplicate_groups(province), repeat=3), ""],
        ["总览 totals, first read after indexing", first, ""],
        ["总览 totals", timed(lambda: progress.compute(province)), ""],
    ]
    if versions <= 100_000:
        # The reference the kept totals equal: the forms engine over every record.
        started = time.perf_counter()
        assert progress.compute_directly(province) == totals
        rows.append(["总览 totals, full count by the engine", time.perf_counter() - started,
                     "reference"])
    return [[f"{versions:,}", name, f"{seconds * 1000:,.0f}", note]
            for name, seconds, note in rows]


def run(sizes: list[int]) -> str:
    """The console's benchmark table (Markdown) for these version counts, on PostgreSQL."""
    from tests.sync.servers import PostgresCluster, find_postgres

    bindir = find_postgres()
    if bindir is None:
        return "\n### Console on PostgreSQL\n\n(skipped: no PostgreSQL server binaries)"
    if max(sizes) >= 100_000 and MILLION not in sizes:
        sizes = [*sizes, MILLION]
    cluster = PostgresCluster(bindir)
    cluster.start()
    out: list[list[str]] = []
    try:
        import tempfile

        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="anhui-console-bench-") as folder:
                province = Province.open(Settings.make(Path(folder), cluster.new_database()))
                try:
                    out += measure(province, size)
                finally:
                    province.close()
    finally:
        cluster.stop()
    return table("Console on PostgreSQL: 120 org units, ~3 versions per record (median ms)",
                 ["versions", "what", "ms", "note"], out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    print(run([int(s) for s in parser.parse_args().sizes.split(",")]))


if __name__ == "__main__":
    main()
