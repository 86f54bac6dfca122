"""Lost answers and killed processes, on both databases: afterwards the province holds exactly
the versions the office holds as synced, none lost, none twice."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sync.errors import TransportError
from sync.transport import TransportOptions
from tests.sync.conftest import TRIED
from tests.sync.offices import assert_consistent, new_office, sync_office, version
from tests.sync.proxy import LossyProxy
from tests.sync.servers import ROOT, ProvinceServer


def test_dropped_responses_are_resent_and_answered_with_the_same_receipt(
        shared_province: ProvinceServer, tmp_path: Path) -> None:
    # Every other answer to a batch or a pull is thrown away after the province did the work.
    proxy = LossyProxy(shared_province.port, lambda method, path, n: (
        "drop" if path in ("/v1/batches", "/v1/updates/pull") and n % 2 == 1 else "pass"))
    try:
        store = new_office(shared_province, tmp_path / "office.db", versions=1300)
        summary = sync_office(proxy.url, store)
    finally:
        proxy.close()
    assert summary.batches == 3 and summary.accepted == 1300
    assert proxy.dropped >= 4
    TRIED["responses dropped after the province processed the request"] += proxy.dropped
    assert_consistent(shared_province, store)


STEPS = [("batch_built", 2), ("sending", 2), ("receipt_received", 1), ("receipt_saved", 1),
         ("updates_applied", 1)]


@pytest.mark.parametrize(("step", "nth"), STEPS + [("request_sent", 2)])
def test_client_killed_at_each_step_of_a_sync(shared_province: ProvinceServer, tmp_path: Path,
                                              step: str, nth: int) -> None:
    store = new_office(shared_province, tmp_path / "office.db", versions=700)
    url, proxy = shared_province.url, None
    args = []
    if step == "request_sent":
        # The province receives and commits batch 2; the client dies before the answer.
        proxy = LossyProxy(shared_province.port, lambda method, path, n: (
            "kill" if path == "/v1/batches" and n == nth else "pass"))
        url = proxy.url
    else:
        args = [step, str(nth)]
    try:
        proc = subprocess.Popen([sys.executable, "-m", "tests.sync.sync_script",
                                 str(store.path), url, *args], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proxy is not None:
            proxy.kill_pid = proc.pid
        proc.communicate(timeout=120)
    finally:
        if proxy is not None:
            proxy.close()
    assert proc.returncode == -9, f"client was not killed at {step}"
    TRIED["office processes SIGKILLed mid-sync"] += 1
    # Reopen the store as the restarted app would, and finish.
    from tests.sync.office_double import OfficeDouble

    reopened = OfficeDouble(store.path)
    sync_office(shared_province.url, reopened)
    assert_consistent(shared_province, reopened)
    assert {s for s in reopened.states().values()} == {"synced"}


@pytest.mark.parametrize("point", ["after_versions", "before_commit", "after_commit"])
def test_server_killed_mid_commit(province: ProvinceServer, tmp_path: Path, point: str) -> None:
    store = new_office(province, tmp_path / "office.db", versions=1200)
    province.stop()
    province.start(env={"ANHUI_PROVINCE_FAULT": f"{point}:2"})
    impatient = TransportOptions(attempts=2, backoff_base=0.01, backoff_max=0.02)
    with pytest.raises(TransportError):
        sync_office(province.url, store, options=impatient)
    assert province.procs[-1].wait(timeout=10) == 137
    TRIED["province processes killed mid-commit"] += 1
    province.start()
    summary = sync_office(province.url, store)
    assert summary.accepted == 1200 - 500
    assert_consistent(province, store)


def test_server_killed_at_random_moments(province: ProvinceServer, tmp_path: Path) -> None:
    # A sync gives up once its tries are used up, and a province process takes from one to
    # over ten seconds to come back, depending on the machine's load; a request can also meet
    # two outages in a row. So the office does what a clerk does: when a sync ends with
    # "cannot reach the province" it syncs again. Any other error is a bug, and once the
    # killing stops the next sync must finish, whatever the outages cost.
    store = new_office(province, tmp_path / "office.db", versions=2500)
    store.add_versions([version("340104", 9000 + i) for i in range(10)])
    patient = TransportOptions(attempts=60, backoff_base=0.05, backoff_max=0.2)
    errors: list[BaseException] = []
    gave_up: list[str] = []
    killing = threading.Event()
    killing.set()

    from tests.sync.office_double import OfficeDouble

    def run() -> None:
        try:  # SQLite connections belong to one thread: the sync thread opens its own
            while True:
                province_stays_up = not killing.is_set()
                try:
                    sync_office(province.url, OfficeDouble(store.path), options=patient)
                    return
                except TransportError as exc:
                    if province_stays_up:
                        raise  # no outage to blame
                    gave_up.append(str(exc)[:120])
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    rng = random.Random(6962)
    kills = 0
    outages: list[float] = []
    while thread.is_alive() and kills < 3:
        time.sleep(rng.uniform(0.2, 0.6))
        down = time.monotonic()
        province.kill()
        kills += 1
        province.start(port=province.port)
        outages.append(time.monotonic() - down)
    killing.clear()
    thread.join(timeout=300)
    assert not thread.is_alive(), "the sync did not finish after the province came back"
    assert not errors, (errors, gave_up, [f"{s:.1f} s" for s in outages])
    print(f"\nprovince down for {', '.join(f'{s:.1f}' for s in outages)} s; "
          f"syncs that ran out of tries: {len(gave_up)}")
    TRIED["province processes SIGKILLed at random moments"] += kills
    TRIED["syncs that ran out of tries while the province was down, then ran again"] += len(gave_up)
    assert_consistent(province, OfficeDouble(store.path))
