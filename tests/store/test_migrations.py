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
    assert migrate(db, office_dir / "office.db", office_dir / "backups", newer) == [len(MIGRATIONS) + 1]
    assert "notes" in db.table_names()
    assert migrate(db, office_dir / "office.db", office_dir / "backups", newer) == []
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
        migrate(db, office_dir / "office.db", office_dir / "backups", [*MIGRATIONS, (99, "broken", broken)])
    assert "half" not in db.table_names()
    assert 99 not in applied(db)
    db.close()
