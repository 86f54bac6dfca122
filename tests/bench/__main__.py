"""``make bench``: one table of what the office does at 1k, 10k and 100k records.

One encrypted office grows through the sizes, every record saved through the records
service with the office's own checks. At each size every suite runs on it (or on a copy
it may spend): the store (saves, validation, searches, paging, against its plain copy and
bare inserts), ``record list`` from a cold process, the desktop app's start, a whole sync
to a real province, the audit export and its verification, and an Excel import.

Other parts of the product add their own tables after it (SECTIONS: modules with
``run(sizes) -> str``), such as the province console's.

``--sizes 1000,10000`` for a quicker run; ``--only store,cli,console`` to run some suites.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench import cli, exchange, gui, store, sync
from tests.bench.data import copy_office, grow, new_office
from tests.bench.report import Row, render

SUITES = ("store", "cli", "gui", "sync", "exchange")
SECTIONS = ["tests.bench.progress", "tests.bench.bulk", "tests.bench.console", "tests.bench.province_load",
            "tests.bench.attachments"]


def rows() -> list[Row]:
    return [
        Row("save one record", "ms", "RecordService.add on the encrypted office: the forms engine's checks "
            "(duplicate keys, similar names, in the writer's transaction), the version, its search text and keys, "
            "history, one durable commit; median of interleaved single saves", "≤ 5, flat", "SQLCipher insert",
            limit=5, flat=True),
        Row("  the same, plain SQLite", "ms", "the same code on a plain copy of the same office, interleaved "
            "with the row above", "", "plain SQLite insert"),
        Row("  validation on a reader", "ms", "RecordService.check of a new record (final) on the service's "
            "reader, whose page cache the save before emptied: the check the editor shows before it saves",
            "flat", limit=None, flat=True),
        Row("search, 1 character", "ms", "first 50 records (newest first) holding 量", "≤ 5", "trigram 4 chars",
            limit=5),
        Row("search, 2 characters", "ms", "first 50 records holding 量子, 芯片, 储能 (mean of the three)", "≤ 5",
            "trigram 4 chars", limit=5),
        Row("search, 4 characters", "ms", "first 50 records holding 量子通信", "≤ 5", "trigram 4 chars", limit=5),
        Row("list page deep in the list", "ms", "a page of 50 enterprises 90% of the way down, by keyset", "flat",
            limit=None, flat=True),
        Row("sync", "records/s", "sync_office from the encrypted office to anhui-province serve (SQLite) on "
            "loopback: queueing, batches, receipts, settling, pull; every record once", "≥ 2,000",
            higher_is_better=True, limit=2000),
        Row("  bytes on the wire", "× raw", "request and answer bodies as sent (a relay counts them) over "
            "the versions' canonical JSON", "≤ 0.25", "gzip of the JSON", limit=0.25),
        Row("audit export", "s", "export_office of every record, in its own process", "≤ 30 at 100k", limit=30),
        Row("  export's peak memory", "MiB", "peak resident memory of that process", "flat", flat=True),
        Row("verify-export", "s", "verify_export of that export, in its own process", "—"),
        Row("  verify's peak memory", "MiB", "peak resident memory of that process", "flat", flat=True),
        Row("Excel import", "rows/s", "import_workbook of an n-row enterprise sheet into a new office "
            "(checks and saving included)", "≥ 2,000", higher_is_better=True, limit=2000),
        Row("record list: imports", "s", "python -X importtime of `record list --limit 50`, beyond what "
            "`python -c pass` imports", "≤ 0.3", limit=0.3),
        Row("record list: whole run", "s", "a new process of `record list --limit 50`, start to exit, with "
            "the passphrase in the environment", "key + ≤ 0.3", "python -c pass"),
        Row("  whole run − key derivation", "s", "the same run less its own Argon2id unwrap, timed inside the "
            "process (floor column: the unwrap itself)", "≤ 0.3", "Argon2id", limit=0.3),
        Row("app: unlock dialog", "ms", "process start to the unlock dialog's first paint", "—",
            "bare QMainWindow"),
        Row("app: main window", "ms", "from the key being derived to the main window's first paint", "≤ 500",
            limit=500),
        Row("app: overview numbers", "ms", "from the key being derived to the overview having drawn its counts",
            "≤ 500", limit=500),
        Row("app: progress toward targets", "ms", "from the key being derived to the overview's table of targets "
            "(reads every final, queued and synced record)", "—"),
    ]


def fill(table: dict[str, Row], n: int, suite: str, m: dict[str, Any]) -> None:
    def put(what: str, key: str, floor: str | None = None) -> None:
        if key in m:
            table[what].values[n] = m[key]
        if floor and floor in m:
            table[what].floors[n] = m[floor]

    if suite == "store":
        put("save one record", "save", "floor_cipher")
        put("  the same, plain SQLite", "save_plain", "floor_plain")
        put("  validation on a reader", "check")
        for what, key in (("search, 1 character", "search1"), ("search, 2 characters", "search2"),
                          ("search, 4 characters", "search4")):
            put(what, key, "floor_trigram")
        put("list page deep in the list", "page_deep")
    elif suite == "sync":
        put("sync", "rate")
        put("  bytes on the wire", "wire", "gzip")
    elif suite == "exchange":
        put("audit export", "export")
        put("  export's peak memory", "export_mib")
        put("verify-export", "verify")
        put("  verify's peak memory", "verify_mib")
        put("Excel import", "import")
    elif suite == "cli":
        put("record list: imports", "imports")
        put("record list: whole run", "list", "pass")
        put("  whole run − key derivation", "beyond_kdf", "kdf")
    elif suite == "gui":
        put("app: unlock dialog", "unlock", "bare")
        put("app: main window", "main")
        put("app: overview numbers", "numbers")
        put("app: progress toward targets", "progress")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--only", default=None, help="suites or sections to run, e.g. store,cli,console")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    wanted = args.only.split(",") if args.only else [*SUITES, *(s.rsplit(".", 1)[-1] for s in SECTIONS)]
    suites = [s for s in SUITES if s in wanted]
    if suites:
        office_table(sizes, suites)
    for section in SECTIONS:
        if section.rsplit(".", 1)[-1] in wanted:
            print(importlib.import_module(section).run(sizes), flush=True)


def office_table(sizes: list[int], suites: list[str]) -> None:
    """Grow one office through ``sizes``, run ``suites`` at each, print the table."""
    all_rows = rows()
    table = {row.what: row for row in all_rows}
    work = Path(tempfile.mkdtemp(prefix="anhui-bench-"))
    started = time.perf_counter()
    try:
        office = new_office(work / "office")
        held = 0
        for n in sizes:
            grow(office, held, n)
            held = n
            print(f"[{time.perf_counter() - started:6.0f} s] {n:,} records", flush=True)
            for suite in suites:
                spare = work / f"{suite}-{n}"
                spare.mkdir()
                if suite == "store":
                    m = store.measure(office, n, spare)
                elif suite == "cli":
                    m = cli.measure(office.paths.root)
                elif suite == "gui":
                    m = gui.measure(copy_office(office, spare / "office"))
                elif suite == "sync":
                    m = sync.measure(copy_office(office, spare / "office"), spare)
                else:
                    m = exchange.measure(copy_office(office, spare / "office"), n, spare)
                fill(table, n, suite, m)
                shutil.rmtree(spare, ignore_errors=True)
                print(f"[{time.perf_counter() - started:6.0f} s]   {suite} done", flush=True)
        office.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    title = (f"Flat cost: the office at {', '.join(f'{n:,}' for n in sizes)} records "
             f"({time.perf_counter() - started:.0f} s in all)")
    print(render(all_rows, sizes, title), flush=True)


if __name__ == "__main__":
    main()
