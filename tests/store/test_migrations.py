"""Migrations are numbered, recorded, and preceded by a backup copy."""

import contextlib

from desktop.store.connection import open_database
from desktop.store.keyslots import KeySlots
from desktop.store.migrations import MIGRATIONS, applied, migrate
from tests.conftest import PASSPHRASE


def test_initial_migrations_recorded(office):
    assert applied(office.db) == {number for number, _, _ in MIGRATIONS}
    assert not office.paths.backups.exists()


def test_new_migration_takes_backup_first(office_dir):
    key = KeySlots.load(office_dir / "keyslots.json").unlock("张三", PASSPHRASE)[0]
    db = open_database(office_dir / "office.db", key)

    def add_notes(db):
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")

    newer = [*MIGRATIONS, (len(MIGRATIONS) + 1, "notes", add_notes)]
    assert migrate(db, office_dir / "backups", newer) == [len(MIGRATIONS) + 1]
    assert "notes" in db.table_names()
    assert migrate(db, office_dir / "backups", newer) == []
    db.close()
    backups = list((office_dir / "backups").glob("*.db"))
    assert len(backups) == 1
    # The backup is the database before migrating, still encrypted under the same key.
    old = open_database(backups[0], key)
    assert "notes" not in old.table_names()
    assert "records" in old.table_names()
    old.close()


def test_failing_migration_changes_nothing(office_dir):
    key = KeySlots.load(office_dir / "keyslots.json").unlock("张三", PASSPHRASE)[0]
    db = open_database(office_dir / "office.db", key)

    def broken(db):
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("bug in migration")

    with contextlib.suppress(RuntimeError):
        migrate(db, office_dir / "backups", [*MIGRATIONS, (99, "broken", broken)])
    assert "half" not in db.table_names()
    assert 99 not in applied(db)
    db.close()


def test_records_made_final_before_final_versions_get_one(office_dir):
    """An office made final records the old way (a status change on the draft version). The
    migration gives each one not yet in a batch a final copy of its version, and the outbox
    queues the copy; versions already batched keep their bytes, as sent."""
    import json

    from desktop.services.checking import default_checker
    from desktop.services.outbox import OfficeOutbox
    from desktop.services.records import RecordService
    from desktop.store.chain import append_history
    from desktop.store.integrity import check_store
    from desktop.store.office import Office
    from tests.office.conftest import enterprise

    office = Office.unlock(office_dir, None, PASSPHRASE)
    service = RecordService(office, default_checker(office.paths.root))
    ids = [service.add("enterprise", enterprise(i)).record_id for i in range(4)]

    def the_old_way(db):
        for record_id in ids[:3]:
            row = next(db.query("SELECT current_version_id AS v FROM records WHERE record_id = ?", [record_id]))
            version = next(db.query("SELECT content_hash FROM versions WHERE version_id = ?", [row["v"]]))
            db.execute("UPDATE records SET status = 'final' WHERE record_id = ?", [record_id])
            append_history(db, record_id, row["v"], "status", "final", "张三", "2026-01-01T00:00:00Z", {}, version["content_hash"])

    office.write(the_old_way)
    # ids[0] stays final (kept out of the queue for a moment); ids[1] and ids[2] are queued,
    # and ids[2]'s version is already in a batch.
    office.write(lambda db: db.execute("UPDATE records SET status = 'draft' WHERE record_id = ?", [ids[0]]))
    OfficeOutbox(office).enqueue_final()

    def batched_and_unmigrated(db):
        db.execute("UPDATE records SET status = 'final' WHERE record_id = ?", [ids[0]])
        db.execute("UPDATE outbox SET state = 'batched', batch_sequence = 1 WHERE record_id = ?", [ids[2]])
        db.execute("DELETE FROM _migrations WHERE number = 5")

    office.write(batched_and_unmigrated)
    before = {r: service.get(r)["current_version_id"] for r in ids}
    office.close()

    office = Office.unlock(office_dir, None, PASSPHRASE)  # runs migration 5 again
    service = RecordService(office, default_checker(office.paths.root))
    try:
        for record_id in ids[:2]:
            record = service.get(record_id)
            draft, final = service.versions(record_id)
            assert (draft["status"], final["status"]) == ("draft", "final")
            assert (final["data"], final["content_hash"]) == (draft["data"], draft["content_hash"])
            assert record["current_version_id"] == final["version_id"] != before[record_id]
            assert service.history(record_id)[-1]["event"] == "finalize"
        queued = next(office.db.query("SELECT version_id, state FROM outbox WHERE record_id = ?", [ids[1]]))
        assert queued == {"version_id": service.get(ids[1])["current_version_id"], "state": "pending"}
        # Already in a batch: untouched. A draft: untouched.
        assert service.get(ids[2])["current_version_id"] == before[ids[2]]
        assert [v["status"] for v in service.versions(ids[3])] == ["draft"]
        assert {json.loads(v["data"])["name"] for v in service.versions(ids[0])} == {enterprise(0)["name"]}
    finally:
        office.close()
    assert list((office_dir / "backups").glob("*before-migration-5*"))
    report = check_store(office_dir, None, PASSPHRASE)
    assert report.ok, report.problems
