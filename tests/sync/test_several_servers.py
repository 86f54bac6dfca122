"""Several server processes on one database (PostgreSQL in production; SQLite works too):
concurrent offices, the same batch raced through two processes, one consistent log."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from sync import merkle
from sync.receipts import verify_checkpoint
from sync.trust import ProvinceTrust
from tests.sync.conftest import TRIED
from tests.sync.offices import assert_consistent, enroll_device, new_office, sync_office, version
from tests.sync.servers import ProvinceServer


def test_two_processes_share_one_database(province: ProvinceServer, tmp_path: Path) -> None:
    first_url = province.url
    province.start()  # a second process on the same data dir and database
    urls = [first_url, province.url]
    stores = [new_office(province, tmp_path / f"office{i}.db", org_unit=org, versions=700)
              for i, org in enumerate(["340104", "340102", "340111", "340121"])]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        from tests.sync.office_double import OfficeDouble

        try:
            sync_office(urls[i % 2], OfficeDouble(stores[i].path))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    for store in stores:
        assert_consistent(province, store)

    # One batch, sent 16 times at once through both processes: one stored, one receipt.
    device = enroll_device(province, "340104")
    batch = device.batch([version(device.org_unit, i) for i in range(50)])

    def send(i: int) -> tuple[int, bytes]:
        r = requests.post(urls[i % 2] + "/v1/batches", data=batch.envelope, timeout=60,
                          headers={"Content-Type": "application/json"})
        return r.status_code, r.content

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(16)))
    TRIED["identical batches raced through two server processes"] += len(answers)
    statuses = sorted(s for s, _ in answers)
    assert statuses == [200] * 15 + [201]
    assert len({body for _, body in answers}) == 1
    assert province.query("SELECT COUNT(*) FROM batches WHERE batch_id = ?",
                          (batch.batch_id,))[0][0] == 1

    # The log the processes wrote together is one log: its root over every leaf matches the
    # signed checkpoint, and every entry is a batch.
    keys = requests.get(first_url + "/v1/province/keys", timeout=10).json()
    trust = ProvinceTrust([k["public_key"] for k in keys["keys"]])
    checkpoint = verify_checkpoint(
        requests.get(first_url + "/v1/log/checkpoint", timeout=10).content, trust.lookup)
    leaves = [bytes.fromhex(requests.get(f"{urls[i % 2]}/v1/log/entries/{i}",
                                         timeout=10).json()["leaf_hash"])
              for i in range(checkpoint.tree_size)]
    assert merkle.root_from_leaves(leaves).hex() == checkpoint.root_hash
    assert checkpoint.tree_size == province.query("SELECT COUNT(*) FROM batches")[0][0]


def test_serve_with_several_workers(tmp_path: Path) -> None:
    province = ProvinceServer(tmp_path / "province")
    province.start("--workers", "2")
    try:
        store = new_office(province, tmp_path / "office.db", versions=1200)
        assert sync_office(province.url, store).accepted == 1200
        assert_consistent(province, store)
    finally:
        province.stop()
