"""The one owner of an office database's write connection.

A :class:`Writer` is a single thread that opens the only connection allowed to change the
database and runs submitted jobs one after another, each inside its own ``BEGIN
IMMEDIATE`` transaction (the shape of Anki's collection executor and datasette's write
thread). A job is a plain function ``job(db)``; it is committed when it returns and rolled
back when it raises. Every other connection is opened read-only, so no write can take
another path.

Because the jobs of one process queue here instead of racing for SQLite's lock, a long job
(an import of thousands of rows) delays an autosave instead of failing it with "database
is locked". Callers on worker threads wait for their job with :meth:`Writer.run`; the GUI
thread never waits: it submits with :meth:`Writer.submit` and is told of the outcome (see
``desktop.gui.tasks``), and a thread marked with :meth:`Writer.never_wait_here` is refused
a blocking call outright, so a slip shows up in the first test that makes it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import sqlite_utils

from desktop.errors import OfficeError
from desktop.store.connection import DatabaseError, translate_error, write_transaction

T = TypeVar("T")
Job = Callable[[sqlite_utils.Database], T]


class WriterClosed(OfficeError):
    """A write arrived after the office was closed (locked, switched user, quit)."""

    def __init__(self) -> None:
        super().__init__(
            "办公室数据已关闭（已锁定或已退出），这项更改没有保存。",
            "The office data was closed (locked or quit); this change was not saved.",
        )


class Writer:
    """A thread owning the write connection; runs jobs in order, one transaction each."""

    def __init__(self, open_connection: Callable[[], sqlite_utils.Database], name: str = "office-writer") -> None:
        self._jobs: queue.SimpleQueue[tuple[Job[Any], bool, Future[Any]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._no_wait: set[int] = set()
        self._db: sqlite_utils.Database | None = None
        opened: Future[None] = Future()
        self._thread = threading.Thread(target=self._loop, args=(open_connection, opened), name=name, daemon=True)
        self._thread.start()
        opened.result()  # a damaged file or a busy database is reported to whoever opened it

    # -- submitting ---------------------------------------------------------------------
    def submit(self, job: Job[T], *, transaction: bool = True) -> Future[T]:
        """Queue ``job``; the future holds its result or its exception.

        ``transaction=False`` runs it outside a transaction, for work that manages its own
        (schema migrations, a WAL checkpoint).
        """
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise WriterClosed()
            self._jobs.put((job, transaction, future))
        return future

    def run(self, job: Job[T], *, transaction: bool = True) -> T:
        """Run ``job`` and wait for its result (raising what it raised)."""
        return self.start(job, transaction=transaction).result()

    def start(self, job: Job[T], *, transaction: bool = True) -> Future[T]:
        """Queue ``job`` for a caller that waits for it, now (:meth:`run`) or later, doing
        its own work meanwhile (an import preparing its next chunk).

        Called from inside another job (a service that writes calling one that writes), it
        runs at once as part of that job's transaction: waiting for the queue there would
        wait for itself. Refused on a thread that must never wait.
        """
        if threading.get_ident() == self._thread.ident:
            assert self._db is not None
            done: Future[T] = Future()
            try:
                done.set_result(job(self._db))
            except BaseException as exc:
                done.set_exception(exc)
            return done
        if threading.get_ident() in self._no_wait:
            raise RuntimeError("this thread must not wait for the writer; submit the job instead")
        return self.submit(job, transaction=transaction)

    def never_wait_here(self) -> None:
        """Refuse :meth:`run` on the calling thread (the GUI thread: it submits instead)."""
        self._no_wait.add(threading.get_ident())

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, wait: bool = True) -> None:
        """Stop taking jobs; the queued ones still run, then the connection closes.

        ``wait=False`` returns at once (the GUI, locking while a long job finishes).
        """
        with self._lock:
            if not self._closed:
                self._closed = True
                self._jobs.put(None)
        if wait and threading.get_ident() != self._thread.ident:
            self._thread.join()

    # -- the writer thread --------------------------------------------------------------
    def _loop(self, open_connection: Callable[[], sqlite_utils.Database], opened: Future[None]) -> None:
        try:
            self._db = open_connection()
        except BaseException as exc:
            with self._lock:
                self._closed = True
            opened.set_exception(exc)
            return
        opened.set_result(None)
        db = self._db
        try:
            while (item := self._jobs.get()) is not None:
                self._run_one(db, *item)
                # Nothing of a finished job stays referenced here until the next one arrives:
                # its result and its failure belong to whoever submitted it.
                del item
        finally:
            db.close()

    @staticmethod
    def _run_one(db: sqlite_utils.Database, job: Job[Any], transaction: bool, future: Future[Any]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            if transaction:
                with write_transaction(db):
                    result = job(db)
            else:
                result = job(db)
        except DatabaseError as exc:
            told = translate_error(exc)
            if told is not exc:
                told.__cause__ = exc
            future.set_exception(told)
        except BaseException as exc:  # the caller gets every failure, the thread goes on
            future.set_exception(exc)
        else:
            future.set_result(result)
