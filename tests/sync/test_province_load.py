"""Province-scale proof, bounded for ``make test``: twelve Anhui offices sync at once against
PostgreSQL with three worker processes, through a proxy that drops, hangs up on and delays
their requests, while a worker is killed twice and PostgreSQL is restarted. Every office
converges, every version is held exactly once, the log is one signed, consistent log.
(``make bench`` runs the same with 20, 60 and 120 offices and reports the numbers.)"""

from __future__ import annotations

from pathlib import Path

from tests.sync.conftest import TRIED
from tests.sync.load import LoadRun, anhui_offices
from tests.sync.servers import PostgresCluster


def test_twelve_offices_converge_through_faults(postgres: PostgresCluster,
                                                tmp_path: Path) -> None:
    run = LoadRun(tmp_path, postgres, offices=12, versions=400, workers=3, client_processes=2,
                  batch_versions=100, faults=True)
    try:
        run.setup()
        result = run.run()
        run.verify()
    finally:
        run.close()
    assert len(result.faults) == 3, result.faults
    assert sum(f.startswith("worker") for f in result.faults) == 2, result.faults
    assert any(f.startswith("PostgreSQL restarted") for f in result.faults)
    for action in ("drop", "reset", "delay"):
        assert result.proxy_actions.get(action, 0) > 0, result.proxy_actions
    TRIED["offices syncing at once through a faulty proxy"] += result.offices
    TRIED["server workers killed under load"] += 2
    TRIED["PostgreSQL restarts under load"] += 1
    TRIED["answers dropped, hung up or delayed by the proxy"] += sum(
        n for action, n in result.proxy_actions.items() if action != "pass")
    print(f"\n{result.offices} offices, {result.records} records in {result.seconds:.1f} s "
          f"({result.records_per_second:.0f}/s), batch p50 {result.latency(0.5):.2f} s, "
          f"p95 {result.latency(0.95):.2f} s, {result.sync_attempts} syncs; "
          f"faults: {'; '.join(result.faults)}; proxy: {result.proxy_actions}")


def test_the_offices_are_anhuis_county_units_and_parks() -> None:
    offices = anhui_offices(120)
    assert len(set(offices)) == 119  # 104 county-level units and 15 parks; one has two offices
    assert offices[:2] == ["340102", "340103"] and offices[119] == offices[0]
