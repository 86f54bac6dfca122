"""The office's one write owner: jobs in order, one transaction each, read-only readers."""

from __future__ import annotations

import threading
import time

import pytest

from desktop.errors import StoreDamaged
from desktop.services.autosave import Autosave
from desktop.services.checking import RecordChecker
from desktop.services.records import RecordService
from desktop.store.connection import OperationalError, open_database
from desktop.store.writer import Writer, WriterClosed


def test_jobs_run_in_order_each_in_its_own_transaction(office):
    seen: list[int] = []

    def job(n: int):
        def run(db):
            assert db.conn.in_transaction  # BEGIN IMMEDIATE is open around every job
            seen.append(n)
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", [f"k{n}", str(n)])
            if n == 3:
                raise ValueError("refused")  # this job's insert is rolled back, the others stay
            return n

        return run

    futures = [office.submit(job(n)) for n in range(6)]
    assert [f.exception() is None for f in futures] == [True, True, True, False, True, True]
    assert seen == list(range(6))
    keys = {r["key"] for r in office.db.query("SELECT key FROM meta WHERE key LIKE 'k%'")}
    assert keys == {"k0", "k1", "k2", "k4", "k5"}


def test_a_write_inside_a_job_joins_its_transaction(office):
    service = RecordService(office, RecordChecker())

    def outer(db):
        # A service that writes, called from a job: it runs in this job's transaction.
        service.set_status(saved.record_id, "final")
        raise RuntimeError("undo both")

    saved = service.add("enterprise", {"name": "嵌套写入科技有限公司"})
    with pytest.raises(RuntimeError):
        office.write(outer)
    assert service.get(saved.record_id)["status"] == "draft"


def test_a_write_started_now_and_waited_for_later(office):
    """``write_later``: the caller works while the writer saves, then takes the outcome;
    refused where waiting is, and inside a job it joins that job's transaction."""
    service = RecordService(office, RecordChecker())
    checked = [service.check("enterprise", {"name": f"稍后保存{i}科技有限公司"}, final=False)[0] for i in range(3)]
    later = office.write_later(service.add_prepared_job(service.prepare_new(checked, final=False)))
    assert [s.number for s in later.result()] == [1, 1, 1]
    assert service.count() == 3

    def outer(db):
        joined = office.write_later(service.add_prepared_job(service.prepare_new(checked[:1], final=False)))
        assert joined.done()  # run at once: waiting for the queue here would wait for itself
        raise RuntimeError("undo both")

    with pytest.raises(RuntimeError):
        office.write(outer)
    assert service.count() == 3
    failing = office.write_later(lambda db: db.execute("INSERT INTO nowhere VALUES (1)"))
    with pytest.raises(OperationalError):
        failing.result()
    done = threading.Event()

    def gui_thread() -> None:
        office.writer.never_wait_here()
        with pytest.raises(RuntimeError, match="must not wait"):
            office.write_later(lambda db: None)
        done.set()

    thread = threading.Thread(target=gui_thread)
    thread.start()
    thread.join()
    assert done.is_set()


def test_only_the_writer_writes(office):
    with pytest.raises(OperationalError, match="readonly"):
        office.db.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
    reader = office.open_reader()
    try:
        with pytest.raises(OperationalError, match="readonly"):
            reader.execute("DELETE FROM autosave")
    finally:
        reader.close()


def test_a_thread_marked_never_to_wait_is_refused(office):
    office.writer.never_wait_here()
    with pytest.raises(RuntimeError, match="must not wait"):
        Autosave(office).put("enterprise", None, {"name": "x"})
    # Submitting is what it does instead, and that works.
    office.submit(Autosave(office).put_job("enterprise", None, {"name": "x"})).result()
    assert Autosave(office).get("enterprise", None) == {"name": "x"}


def test_closing_finishes_queued_jobs_then_refuses_new_ones(office_dir, office):
    release = threading.Event()
    started = threading.Event()

    def slow(db):
        started.set()
        release.wait(10)
        db.execute("INSERT INTO meta (key, value) VALUES ('slow', '1')")

    office.submit(slow)
    last = office.submit(Autosave(office).put_job("enterprise", None, {"name": "排在后面"}))
    assert started.wait(10)
    office.writer.close(wait=False)
    with pytest.raises(WriterClosed):
        office.submit(lambda db: None)
    release.set()
    last.result(timeout=10)
    office.writer.close()  # joins
    db = open_database(office_dir / "office.db", office._key, read_only=True)
    try:
        assert next(db.query("SELECT value FROM meta WHERE key = 'slow'"))["value"] == "1"
        assert next(db.query("SELECT count(*) AS n FROM autosave"))["n"] == 1
    finally:
        db.close()


def test_a_job_longer_than_the_lock_timeout_delays_others_instead_of_failing_them(office):
    """What a single owner is for: two writers would fight over SQLite's lock."""
    autosave = Autosave(office)
    hold = 0.5

    def long_import(db):
        db.execute("PRAGMA busy_timeout = 50")  # another connection would give up after 50 ms
        db.execute("INSERT INTO meta (key, value) VALUES ('import', 'running')")
        time.sleep(hold)

    started = time.monotonic()
    first = office.submit(long_import)
    saves = [office.submit(autosave.put_job("enterprise", None, {"name": f"第{i}次"})) for i in range(5)]
    first.result(timeout=10)
    for save in saves:
        save.result(timeout=10)  # none of them "database is locked"
    assert time.monotonic() - started >= hold
    assert autosave.get("enterprise", None) == {"name": "第4次"}


def test_a_writer_that_cannot_open_says_so(tmp_path):
    target = tmp_path / "not-a-database.db"
    target.write_bytes(b"\x00" * 4096)
    with pytest.raises(StoreDamaged):
        Writer(lambda: open_database(target, b"k" * 32))


def test_the_writer_caches_more_pages_than_a_reader_and_checkpoints_less_often(office):
    """Saving and syncing look records, versions, the outbox and history up by random ids: at
    100k records those indexes alone pass a reader's 32 MiB, and a sync then decrypted the same
    index pages again for every batch. The writer keeps them (SQLite takes pages lazily, so a
    small office never uses the room), and folds its log into the file every 32 MiB rather
    than every 4 MiB, writing the pages a sync rewrites batch after batch once per checkpoint."""
    def settings(db) -> tuple[int, int]:
        return (-int(db.execute("PRAGMA cache_size").fetchone()[0]),
                int(db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]))

    assert settings(office.db)[0] == 32 * 1024
    assert office.writer.run(settings, transaction=False) == (128 * 1024, 8000)
