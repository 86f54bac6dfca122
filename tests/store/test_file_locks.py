"""Nothing the office does closes a descriptor of its own open database behind SQLite's back.

POSIX locks belong to a process, and closing any descriptor of a file drops all of them,
SQLite's included. Without its shared lock on the database, another process (a command
run while the app is open) can take the store for unused: it may switch it out of WAL
mode, or, once the lock on the ``-shm`` file is gone too, fold the WAL in and delete it
under the office's connections, whose next read then says "disk I/O error".
"""

import subprocess
import sys

from desktop.store.connection import open_database
from desktop.store.keyfile import database_id_of
from desktop.store.migrations import MIGRATIONS, migrate

# SQLite's SHARED lock on a database is a read lock on these bytes (sqlite3's os_unix.c);
# a connection in WAL mode holds it as long as it is open.
SHARED_FIRST = 0x40000000 + 2
SHARED_SIZE = 510
PROBE = f"""
import fcntl, sys
with open(sys.argv[1], "r+b") as fh:
    try:
        fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB, {SHARED_SIZE}, {SHARED_FIRST})
    except OSError:
        print("held")
    else:
        print("free")
"""


def _lock_held(database) -> bool:
    """Whether some process (here: this one) still holds SQLite's shared lock on ``database``,
    asked from another process, as only another process can."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(database)], check=True, capture_output=True, text=True)
    return out.stdout.strip() == "held"


def _still_usable(office) -> None:
    office.write(lambda db: db.execute("INSERT INTO meta (key, value) VALUES ('lock-test', 'x')"))
    reader = office.open_reader()
    try:
        assert reader.execute("SELECT value FROM meta WHERE key = 'lock-test'").fetchone()[0] == "x"
    finally:
        reader.close()


def test_saving_the_key_file_keeps_the_stores_locks(office):
    # Adding a user saves the key file, which records the database's id (its salt).
    assert _lock_held(office.paths.database)
    office.add_user("李四", "clerk", "another good passphrase")
    assert _lock_held(office.paths.database)
    _still_usable(office)


def test_a_backup_before_migrating_keeps_the_stores_locks_and_opens_with_the_key_file(office):
    def add_notes(db):
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")

    newer = [*MIGRATIONS, (len(MIGRATIONS) + 1, "notes", add_notes)]
    office.writer.run(lambda db: migrate(db, office.paths.backups, newer), transaction=False)
    assert _lock_held(office.paths.database)
    _still_usable(office)
    # The backup has the store's salt, so the key file's database id matches it when restored.
    backup, = office.paths.backups.glob("*.db")
    assert backup.stat().st_mode & 0o777 == 0o600 and not list(office.paths.backups.glob("*.partial"))
    assert database_id_of(backup) == database_id_of(office.paths.database) != ""
    old = open_database(backup, office._key, read_only=True)
    assert "notes" not in old.table_names() and old.execute("SELECT count(*) FROM users").fetchone()[0] == 1
    old.close()


def test_the_database_id_is_the_files_first_bytes(office_dir, tmp_path):
    head = (office_dir / "office.db").read_bytes()[:16]
    assert database_id_of(office_dir / "office.db") == head.hex()
    plain = open_database(tmp_path / "plain.db", None)
    plain.execute("CREATE TABLE t (x)")
    plain.close()
    assert database_id_of(tmp_path / "plain.db") == ""
    (tmp_path / "short.db").write_bytes(b"abc")
    assert database_id_of(tmp_path / "short.db") == ""
