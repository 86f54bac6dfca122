"""The one adapter between the GUI thread and work done elsewhere.

Long work is a plain function, or a generator that yields progress and returns its result.
``Task(fn).success(...).failure(...).start()`` runs it on a thread pool; a change to the
office store is a job for the office's writer, ``Task.write(office, job)``, run there in
its own transaction. Either way exactly one of success or failure comes back on the GUI
thread (progress too: yielded steps, or steps passed to ``Task.report`` by work that takes
a callback), so no caller is left waiting for an answer that never comes and the GUI thread
never waits for the writer. Work functions never touch widgets. When the widget that asked
is gone by the time the work ends, a success is dropped (closing what it returned) and a
failure is still shown.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

# Tasks in flight, kept referenced until they have reported (Qt does not own Python objects).
_RUNNING: set[Task] = set()
# Tasks that have just reported, kept until the event loop's next turn: a task freed inside
# its own slot (its last reference dropped while Qt still delivers the signal to it) makes
# Qt read a deleted object, which crashes the app.
_FINISHED: list[Task] = []
_POOL: QThreadPool | None = None


def pool() -> QThreadPool:
    """The app's own pool: two workers, so background work never starves the GUI on 2 cores."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(2)
    return _POOL


class _Bridge(QObject):
    # Created on the GUI thread: signals emitted by the worker are queued to it.
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], bridge: _Bridge) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.fn = fn
        self.bridge = bridge

    def run(self) -> None:
        try:
            result = self.fn()
            if inspect.isgenerator(result):
                result = self._drain(result)
        except BaseException as exc:  # every failure is reported, never swallowed
            self.bridge.failed.emit(exc)
            return
        self.bridge.succeeded.emit(result)

    def _drain(self, gen: Any) -> Any:
        while True:
            try:
                self.bridge.progressed.emit(next(gen))
            except StopIteration as stop:
                return stop.value


class Task(QObject):
    """Work to run in the background, with callbacks for success, failure and progress."""

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__()
        self.fn = fn
        self.owner = parent
        self._writer: Any = None
        self._success: Callable[[Any], None] = lambda _result: None
        self._failure: Callable[[BaseException], None] | None = None
        self._progress: Callable[[Any], None] = lambda _step: None
        self._bridge = _Bridge()
        self._bridge.progressed.connect(self._on_progress)
        self._bridge.succeeded.connect(self._on_success)
        self._bridge.failed.connect(self._on_failure)

    def success(self, callback: Callable[[Any], None]) -> Task:
        """Call ``callback(result)`` on the GUI thread when the work returns."""
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Task:
        """Call ``callback(exception)`` on the GUI thread when the work raises.

        Without one, the error is shown to the user (and logged when unexpected).
        """
        self._failure = callback
        return self

    def progress(self, callback: Callable[[Any], None]) -> Task:
        """Call ``callback(step)`` for each value a generator yields."""
        self._progress = callback
        return self

    def report(self, step: Any) -> None:
        """Deliver ``step`` to the progress callback; safe to call from the worker thread.

        For work that reports through a callback (a sync's ``progress=``) rather than by
        yielding: the signal is queued to the GUI thread like a yielded step.
        """
        self._bridge.progressed.emit(step)

    @classmethod
    def write(cls, office: Any, job: Callable[[Any], Any], parent: QObject | None = None) -> Task:
        """A task running ``job(db)`` on ``office``'s writer, as one transaction, instead of the pool."""
        task = cls(job, parent)
        task._writer = office.writer
        return task

    def start(self) -> Task:
        _RUNNING.add(self)
        if self._writer is None:
            pool().start(_Runnable(self.fn, self._bridge))
            return self
        try:
            future = self._writer.submit(self.fn)
        except BaseException as exc:  # the office is closed: said like any other failure
            self._bridge.failed.emit(exc)
        else:
            future.add_done_callback(self._written)
        return self

    def _written(self, future: Future[Any]) -> None:
        # On the writer's thread: the bridge queues the outcome to the GUI thread.
        exc = future.exception()
        if exc is not None:
            self._bridge.failed.emit(exc)
        else:
            self._bridge.succeeded.emit(future.result())

    @Slot(object)
    def _on_progress(self, step: Any) -> None:
        if not self._owner_gone():  # a progress bar of a closed window is gone too
            self._progress(step)

    def _owner_gone(self) -> bool:
        # The window that asked may have closed (a lock, a quit) while the work ran.
        return self.owner is not None and not shiboken6.isValid(self.owner)

    def _finish(self) -> None:
        _RUNNING.discard(self)
        _FINISHED.append(self)
        if len(_FINISHED) == 1:
            QTimer.singleShot(0, _FINISHED.clear)

    @Slot(object)
    def _on_success(self, result: Any) -> None:
        self._finish()
        if self._owner_gone():
            if callable(getattr(result, "close", None)):
                result.close()  # e.g. an office unlocked for a dialog that no longer exists
            return
        self._success(result)

    @Slot(object)
    def _on_failure(self, exc: BaseException) -> None:
        self._finish()
        from desktop.gui.errors import show_error

        if self._owner_gone():
            show_error(None, exc)  # still reported: nobody may miss a failure
            return
        if self._failure is not None:
            self._failure(exc)
            return
        show_error(self.owner if hasattr(self.owner, "isWindow") else None, exc)


def busy() -> int:
    """How many tasks are still running (tests wait for zero)."""
    return len(_RUNNING)
