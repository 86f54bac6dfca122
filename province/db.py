"""One storage layer over SQLite (the embedded default) and PostgreSQL (production).

SQL is written once with ``?`` placeholders and ``FOR UPDATE`` where a row must be locked;
the PostgreSQL dialect turns ``?`` into ``%s`` and SQLite drops ``FOR UPDATE`` (its
``BEGIN IMMEDIATE`` already serialises every writer). Work runs as a function in one
transaction via :meth:`Database.run`, which repeats it on the transient failures concurrency
brings (a lock timeout, a serialisation failure, a unique key another process just took),
so several server processes can share one database safely.
"""

from __future__ import annotations

import queue
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from sync.errors import ServiceUnavailable

T = TypeVar("T")
Row = tuple[Any, ...]
ATTEMPTS = 6


class DatabaseUnreachable(ServiceUnavailable):
    """The database cannot be reached or opened; the message says which one and why."""


class Tx:
    """A transaction: run SQL, read rows."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self.conn = conn
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        if self.dialect == "postgres":
            return sql.replace("?", "%s")
        return sql.replace(" FOR UPDATE", "")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; return the number of rows it changed."""
        cur = self.conn.execute(self._sql(sql), tuple(params))
        return int(cur.rowcount)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run one statement for each parameter row (pipelined on PostgreSQL: one round trip,
        and one text, parsed once); return the number of rows it changed in all."""
        if not rows:
            return 0
        cur = self.conn.cursor()
        cur.executemany(self._sql(sql), [tuple(r) for r in rows])
        return int(cur.rowcount)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """All rows of a query (bytes come back as ``bytes`` on both engines)."""
        cur = self.conn.execute(self._sql(sql), tuple(params))
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.one(sql, params)
        return None if row is None else row[0]


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


class Database:
    """A small connection pool and the transaction runner for one database."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self.dialect = "postgres" if _is_postgres(url) else "sqlite"
        # A plain path, or sqlite:///relative/path and sqlite:////absolute/path.
        self.path = None if self.dialect == "postgres" else Path(
            url[len("sqlite:///"):] if url.startswith("sqlite:///") else url
        )
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)

    def describe(self) -> str:
        """Where the data lives, without any password."""
        if self.dialect == "sqlite":
            return f"SQLite {self.path}"
        return "PostgreSQL " + re.sub(r"//[^@/]*@", "//", self.url)

    def _connect(self) -> Any:
        try:
            return self._open()
        except (sqlite3.Error, OSError) as exc:
            raise DatabaseUnreachable(f"无法打开数据库（{self.describe()}）："
                                      f"{_first_line(exc)}") from exc
        except Exception as exc:
            if not _is_connection_error(exc):
                raise
            raise DatabaseUnreachable(f"无法连接数据库（{self.describe()}）："
                                      f"{_first_line(exc)}") from exc

    def _open(self) -> Any:
        if self.dialect == "postgres":
            import psycopg

            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        # WAL lets readers work during a write; FULL makes every commit durable on its own.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if not self._slots.acquire(timeout=60):
            raise ServiceUnavailable("all database connections are busy")
        try:
            try:
                conn = self._pool.get_nowait()
            except queue.Empty:
                conn = self._connect()
            broken = False
            try:
                yield conn
            except BaseException as exc:
                broken = _is_connection_error(exc)
                raise
            finally:
                if broken:
                    _close_quietly(conn)
                else:
                    self._pool.put(conn)
        finally:
            self._slots.release()

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Tx]:
        with self._connection() as conn:
            if self.dialect == "postgres":
                with conn.transaction():
                    yield Tx(conn, self.dialect)
                return
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Tx(conn, self.dialect)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def run(self, work: Callable[[Tx], T], *, write: bool = True) -> T:
        """Run ``work`` in one transaction, repeating it on transient concurrency failures.

        ``work`` must be a pure function of the database state (it is run again from the
        start); protocol errors it raises roll back and pass through untouched.
        """
        for attempt in range(ATTEMPTS):
            try:
                with self._transaction(write) as tx:
                    return work(tx)
            except Exception as exc:
                # A lost connection is retried too: if it broke during COMMIT the work may have
                # happened, and every work function recognises its own earlier effect.
                unreachable = isinstance(exc, DatabaseUnreachable)
                if not (unreachable or _is_transient(exc) or _is_connection_error(exc)):
                    raise
                if attempt == ATTEMPTS - 1:
                    if unreachable:
                        raise
                    if _is_connection_error(exc):
                        raise DatabaseUnreachable(
                            f"与数据库的连接中断（{self.describe()}）："
                            f"{_first_line(exc)}") from exc
                    raise ServiceUnavailable("the database stayed busy; retry later") from exc
                time.sleep(0.02 * (2**attempt))
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close pooled connections."""
        while True:
            try:
                _close_quietly(self._pool.get_nowait())
            except queue.Empty:
                return


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _close_quietly(conn: Any) -> None:
    with suppress(Exception):
        conn.close()


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    # Unique violations are transient too: another process inserted the same key between our
    # check and our insert; running the work again sees its row and answers accordingly.
    return isinstance(exc, psycopg.errors.SerializationFailure | psycopg.errors.DeadlockDetected
                      | psycopg.errors.UniqueViolation | psycopg.errors.LockNotAvailable)


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, sqlite3.OperationalError):
        return False
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError) and not _is_transient(exc)
