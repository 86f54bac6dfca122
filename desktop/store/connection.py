"""The one place that opens the office database.

Everything else receives the ``sqlite_utils.Database`` made here. With a key the file is
SQLCipher 4 (AES-256, per-page HMAC); with ``key=None`` the very same code runs over plain
SQLite, which the benchmarks use as their baseline.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import sqlcipher3
import sqlite_utils

from desktop.errors import DiskFull, StoreBusy, StoreDamaged

DatabaseError = sqlcipher3.DatabaseError
OperationalError = sqlcipher3.OperationalError
IntegrityError = sqlcipher3.IntegrityError
READER_CACHE_KIB = 32 * 1024
WRITER_CACHE_KIB = 128 * 1024
WRITER_CHECKPOINT_PAGES = 8000
"""32 MiB of 4 KiB pages."""


def open_database(path: Path, key: bytes | None, *, read_only: bool = False) -> sqlite_utils.Database:
    """Open (or create) the database at ``path`` with the raw 256-bit ``key``.

    ``read_only`` connections refuse every change (``query_only``): only the office's
    writer (``desktop.store.writer``) holds a connection that may write.
    Raises StoreDamaged when the key does not decrypt the file: the caller has already
    proved the key right by unwrapping it, so that means the file's first page is damaged.
    """
    conn = sqlcipher3.connect(str(path), timeout=10.0, check_same_thread=False)
    try:
        # Our own messages say what went wrong; SQLCipher's log lines on stderr would
        # only confuse a clerk reading the terminal.
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            # A raw key (x'..') skips SQLCipher's own PBKDF2: our Argon2id already did that work.
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            conn.execute("PRAGMA cipher_memory_security = OFF")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        # Durable: WAL with a full sync on every commit; temp tables in memory so no
        # plaintext ever lands in a temp file.
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        # Every cache miss costs a page decryption; 32 MiB keeps a 100k-record office warm
        # for reading. The writer's is larger: saving and syncing look records, versions, the
        # outbox and history up by random ids, and at 100k records those indexes alone pass
        # 32 MiB, so a sync decrypted the same index pages again for every batch. Pages are
        # taken as they are read: an office never holds more than its file in the cache.
        conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB if read_only else WRITER_CACHE_KIB}")
        if not read_only:
            # The writer folds the log into the file every WRITER_CHECKPOINT_PAGES pages, not
            # every 1,000: a sync rewrites the same index pages batch after batch, and each
            # checkpoint writes every page the log holds and syncs the file. Durability is the
            # log's (every commit is synced to it); the file is only written less often.
            conn.execute(f"PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}").fetchone()
        if read_only:
            conn.execute("PRAGMA query_only = ON")
    except DatabaseError as exc:
        conn.close()
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise StoreBusy() from exc
        raise StoreDamaged(
            "数据库结构无法用正确的密钥解密（文件已损坏或被篡改）",
            f"its structure cannot be decrypted with the correct key; the file is damaged or altered ({exc})",
        ) from exc
    return sqlite_utils.Database(conn, execute_plugins=False)


def file_salt(path: Path) -> str:
    """The first 16 bytes of the database file at ``path`` in hex (a SQLCipher file's salt),
    or "" for a shorter file.

    Read through SQLite, never with Python's ``open``: closing any descriptor of a file
    drops every POSIX lock this process holds on it, SQLite's included, and another
    process would then take itself for the last one using the store and delete its WAL
    under our connections (they then report a "disk I/O error"). SQLite keeps such
    descriptors open until its own locks are gone.
    """
    if os.path.getsize(path) < 16:  # SQLCipher would answer with a made-up salt
        return ""
    conn = sqlcipher3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
    try:
        # Any key makes SQLCipher read the header; nothing is decrypted.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute("PRAGMA key = \"x'" + "00" * 32 + "'\"")
        return str(conn.execute("PRAGMA cipher_salt").fetchone()[0]).lower()
    finally:
        conn.close()


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Reads of several statements as one state of the store: one read transaction (the
    caller's, when it is in one already; WAL lets writes go on meanwhile).

    Ending it never fails: a connection closed meanwhile (a worker's, closed before the work
    reading through it was let go) ended the snapshot with it.
    """
    if db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError):
            db.execute("ROLLBACK")


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block as one ``BEGIN IMMEDIATE`` transaction: all of it is saved, or none.

    Taking the write lock up front means two writers queue instead of failing halfway.
    """
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except OperationalError as exc:
        raise translate_error(exc) from exc
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    try:
        db.conn.execute("COMMIT")
    except DatabaseError as exc:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise translate_error(exc) from exc


def translate_error(exc: Exception) -> Exception:
    """Map SQLite's errors a user can meet to messages they understand."""
    text = str(exc).lower()
    if "full" in text:
        return DiskFull()
    if "locked" in text or "busy" in text:
        return StoreBusy()
    if "malformed" in text or "not a database" in text or "hmac" in text or "corrupt" in text:
        return StoreDamaged("读取时发现损坏的页面", f"a damaged page was found while reading ({exc})")
    return exc
