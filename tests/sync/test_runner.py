"""The office-side sync loop against a real province: batching, receipts, recovery by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import dsse
from sync.compact import BATCH_V2_TYPE, RECEIPT_V2_TYPE
from sync.errors import InvalidReply
from sync.runner import SyncProgress
from tests.sync.offices import (
    assert_consistent,
    invalid_version,
    new_office,
    sync_office,
    version,
)
from tests.sync.servers import ProvinceServer


def test_sync_sends_everything_in_advertised_batches_and_keeps_receipts(
        shared_province: ProvinceServer, tmp_path: Path) -> None:
    store = new_office(shared_province, tmp_path / "office.db", versions=1100)
    store.add_versions([invalid_version("340104")])
    events: list[SyncProgress] = []
    summary = sync_office(shared_province.url, store, progress=events.append)
    assert (summary.batches, summary.accepted, summary.rejected) == (3, 1100, 1)
    assert summary.rejections[0][1] == "type"
    assert [e.done for e in events] == sorted(e.done for e in events)
    assert events[-1].step == "done" and events[-1].done == events[-1].total == 1101
    assert len(store.receipts()) == 3
    # The province offers version 2: every batch went compressed, answered by a compact receipt.
    assert {dsse.parse(store.batch_envelope(s)).payload_type for s in (1, 2, 3)} == {BATCH_V2_TYPE}
    assert {dsse.parse(r).payload_type for r in store.receipts()} == {RECEIPT_V2_TYPE}
    assert_consistent(shared_province, store)
    # Nothing left: a second sync sends nothing.
    assert sync_office(shared_province.url, store).batches == 0


def test_cancel_stops_between_steps_and_keeps_what_was_done(
        shared_province: ProvinceServer, tmp_path: Path) -> None:
    import threading

    from sync.errors import Cancelled

    store = new_office(shared_province, tmp_path / "office.db", versions=1200)
    cancel = threading.Event()

    def progress(event: SyncProgress) -> None:
        if event.step == "receipt_saved":
            cancel.set()

    with pytest.raises(Cancelled):
        sync_office(shared_province.url, store, progress=progress, cancel=cancel)
    assert len(store.receipts()) == 1
    sync_office(shared_province.url, store)
    assert_consistent(shared_province, store)


def test_office_restored_from_backup_rejoins_the_chain_by_itself(
        shared_province: ProvinceServer, tmp_path: Path) -> None:
    store = new_office(shared_province, tmp_path / "office.db", versions=10)
    sync_office(shared_province.url, store)
    pending = [version("340104", i) for i in range(5)]
    store.add_versions(pending)
    backup = store.copy_to(tmp_path / "backup.db")  # taken before the next sync
    sync_office(shared_province.url, store)  # batch 2 carries the five versions
    store.add_versions([version("340104", 99)])
    sync_office(shared_province.url, store)  # batch 3
    # The office's disk dies; it restores last week's backup, which still has the five
    # versions pending and knows only batch 1. Its next batch is number 2 again.
    summary = sync_office(shared_province.url, backup)
    assert summary.recoveries == 1  # 409 sequence_gap, expected 4: rebuilt on top of it
    assert summary.already_received == 5 and summary.accepted == 5
    held = shared_province.query("SELECT COUNT(*) FROM record_versions WHERE device_id = ?",
                                 (backup.device().device_id,))[0][0]
    assert held == 16  # nothing duplicated
    last = backup.conn.execute("SELECT MAX(sequence) FROM batches").fetchone()[0]
    assert last == 4


def test_province_log_fork_is_detected_by_the_office(tmp_path: Path) -> None:
    """A province restored from an old backup has rewritten its log: the office notices
    (consistency proof fails) and stops, losing nothing; once the operators agree, the office
    forgets its checkpoint and resends the lost batches byte for byte. (Shown on SQLite, where
    a backup is a copy of the file.)"""
    province = ProvinceServer(tmp_path / "province")
    province.start()
    try:
        fork_and_recover(province, tmp_path)
    finally:
        province.stop()


def fork_and_recover(province: ProvinceServer, tmp_path: Path) -> None:
    store = new_office(province, tmp_path / "office.db", versions=3)
    sync_office(province.url, store)
    province.stop()
    files = [Path(str(province.data_dir / "province.sqlite3") + s) for s in ("", "-wal", "-shm")]
    snapshot = {f: f.read_bytes() for f in files if f.exists()}
    province.start()
    store.add_versions([version("340104", i) for i in range(4)])
    sync_office(province.url, store)
    province.stop()
    for f in files:
        f.unlink(missing_ok=True)
    for f, data in snapshot.items():
        f.write_bytes(data)  # the province loses batch 2
    province.start()
    store.add_versions([version("340104", 50)])
    with pytest.raises(InvalidReply, match="log"):
        sync_office(province.url, store)
    store.conn.execute("DELETE FROM meta WHERE key = 'checkpoint'")
    summary = sync_office(province.url, store)
    assert summary.recoveries == 1
    assert_consistent(province, store)
