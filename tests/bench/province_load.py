"""Province ingest at scale for ``make bench``: 20, 60 and 120 Anhui offices syncing at once.

Each office holds 500 records (talent teams, each validated by the forms engine at the
province). The province runs on PostgreSQL with fsync on (as in production) and four worker
processes; one SQLite process with 60 offices is the baseline in the same run. The last row
repeats 120 offices with faults: a faulty proxy between offices and province, a worker killed
twice and PostgreSQL restarted mid-run; the run counts only if every office converged and the
province holds every version exactly once (:meth:`tests.sync.load.LoadRun.verify`).

Records/s is records over the wall time from the first office starting to the last one done;
batch latency is from sending a batch to its verified receipt, retries included; peak server
memory is the highest sampled sum of the server processes' resident memory. The machine's
other work shows in every number: read them as measured, and compare within one run.
``python -m tests.bench.province_load [--offices 20,60,120] [--versions 500]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from tests.bench.report import ratio, table
from tests.sync.load import MIB, LoadResult, LoadRun
from tests.sync.servers import PostgresCluster, find_postgres

WORKERS = 4


def measure(cluster: PostgresCluster | None, offices: int, versions: int, *, workers: int,
            faults: bool = False) -> LoadResult:
    folder = Path(tempfile.mkdtemp(prefix="anhui-province-load-"))
    run = LoadRun(folder, cluster, offices=offices, versions=versions, workers=workers,
                  faults=faults)
    try:
        run.setup()
        result = run.run()
        run.verify()
        return result
    finally:
        run.close()
        shutil.rmtree(folder, ignore_errors=True)


def row(label: str, result: LoadResult, baseline: LoadResult | None) -> list[str]:
    rate = result.records_per_second
    return [label, f"{result.offices}", f"{result.workers}", f"{result.records:,}",
            f"{result.seconds:.1f}", f"{rate:,.0f}",
            ratio(rate, baseline.records_per_second) if baseline else "-",
            f"{result.latency(0.5):.2f}", f"{result.latency(0.95):.2f}",
            f"{result.peak_server_bytes / MIB:,.0f}", f"{result.sync_attempts}",
            f"{len(result.faults)} + {sum(n for a, n in result.proxy_actions.items() if a != 'pass')}"
            if result.faults else "-"]


def run(sizes: list[int] | None = None, *, offices: list[int] | None = None,
        versions: int = 500) -> str:
    """The benchmark table (Markdown). ``sizes`` (the other suites' record counts) is not
    used: this suite's scale is the number of offices."""
    counts = offices or [20, 60, 120]
    bindir = find_postgres()
    if bindir is None:
        return "\n### Province ingest at scale\n\nskipped: PostgreSQL is not installed\n"
    cluster = PostgresCluster(bindir, durable=True)
    cluster.start()
    rows = []
    try:
        middle = counts[len(counts) // 2]
        baseline = measure(None, middle, versions, workers=1)
        rows.append(row("SQLite, 1 process (baseline)", baseline, None))
        for count in counts:
            rows.append(row("PostgreSQL", measure(cluster, count, versions, workers=WORKERS),
                            baseline))
        faulted = measure(cluster, counts[-1], versions, workers=WORKERS, faults=True)
        rows.append(row("PostgreSQL, faults injected", faulted, baseline))
    finally:
        cluster.stop()
    notes = "\n".join(f"- faults of the last run: {f}" for f in faulted.faults)
    return table(
        f"Province ingest: Anhui offices syncing at once ({versions} records each)",
        ["database", "offices", "workers", "records", "seconds", "records/s", "vs baseline",
         "batch p50 s", "batch p95 s", "peak server MiB", "syncs", "faults + proxy faults"],
        rows) + "\n\n" + notes + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", default="20,60,120")
    parser.add_argument("--versions", type=int, default=500)
    args = parser.parse_args()
    print(run(offices=[int(n) for n in args.offices.split(",")], versions=args.versions))
