"""The one adapter between the GUI thread and work done elsewhere.

Long work is a plain function, or a generator that yields progress and returns its result.
``Task(fn).success(...).failure(...).start()`` runs it on a small thread pool; a change to the
office store is a job for the office's writer, ``Task.write(office, job)``, run there in its
own transaction. Either way exactly one of success or failure comes back on the GUI thread
(progress too: yielded steps, or steps passed to ``Task.report`` by work that takes a
callback), so no caller is left waiting for an answer that never comes and the GUI thread
never waits for the writer. Work functions never touch widgets, nor capture them: what
they capture may be freed on the thread that ran them. When the widget that asked
is gone by the time the work ends, a success is dropped (closing what it returned) and a
failure is still shown.

Why it is built this way: a Qt object must live and die on the GUI thread. The worker
threads are plain Python threads that hold no Qt object and no task, only the work function
and the task's number; they report through one hub that lives as long as the app, and the
work function's last reference is always dropped on the GUI thread. Freeing a Qt object (a
task, its signal bridge, a widget captured by the work) on a worker thread while the GUI
thread still delivered its signal crashed the app.
"""

from __future__ import annotations

import inspect
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

_PROGRESS, _SUCCESS, _FAILURE, _BOXED = "progress", "success", "failure", "boxed"


class _Hub(QObject):
    """Created once on the GUI thread: what workers emit is queued to it and delivered there."""

    delivered = Signal(int, str, object)

    def __init__(self) -> None:
        super().__init__()
        # Always queued, even when emitted on the GUI thread (a closed writer refusing a job):
        # a caller never gets its answer before ``start()`` has returned.
        self.delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(int, str, object)
    def _deliver(self, number: int, kind: str, payload: Any) -> None:
        task = _RUNNING.get(number)
        if task is not None:
            task._deliver(kind, payload)


# Tasks in flight by number, kept referenced until they have reported.
_RUNNING: dict[int, Task] = {}
_NUMBERS = itertools.count(1)
_HUB: _Hub | None = None
_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def _hub() -> _Hub:
    global _HUB
    if _HUB is None:
        _HUB = _Hub()
    return _HUB


def pool() -> ThreadPoolExecutor:
    """The app's own pool: two workers, so background work never starves the GUI on 2 cores."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gui-task")
        return _POOL


def _run(number: int, hub: _Hub, cell: list[Callable[[], Any]]) -> None:
    # On a worker thread. The task keeps its own reference to the work until the GUI thread
    # has its answer, so popping it here means the worker never drops the last one. The
    # outcome travels in a box the GUI thread empties: an exception's traceback holds the
    # work's frames (and through them what the work captured), and this thread must not
    # hold the last reference to it either.
    box: list[tuple[str, Any]] = []
    fn = cell.pop()
    try:
        result = fn()
        if inspect.isgenerator(result):
            result = _drain(number, hub, result)
        box.append((_SUCCESS, result))
        del result
    except BaseException as exc:  # every failure is reported, never swallowed
        box.append((_FAILURE, exc))
    del fn
    hub.delivered.emit(number, _BOXED, box)


def _drain(number: int, hub: _Hub, gen: Any) -> Any:
    try:
        while True:
            try:
                hub.delivered.emit(number, _PROGRESS, next(gen))
            except StopIteration as stop:
                return stop.value
    finally:
        gen.close()


def _written(number: int, hub: _Hub, future: Future[Any]) -> None:
    # On the writer's thread: the hub queues the outcome to the GUI thread.
    exc = future.exception()
    if exc is not None:
        hub.delivered.emit(number, _FAILURE, exc)
    else:
        hub.delivered.emit(number, _SUCCESS, future.result())


class Task:
    """Work to run in the background, with callbacks for success, failure and progress."""

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        self.fn: Callable[..., Any] | None = fn
        self.owner = parent
        self.number = next(_NUMBERS)
        self._writer: Any = None
        self._success: Callable[[Any], None] = lambda _result: None
        self._failure: Callable[[BaseException], None] | None = None
        self._progress: Callable[[Any], None] = lambda _step: None

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
        yielding: the step is queued to the GUI thread like a yielded step.
        """
        _hub().delivered.emit(self.number, _PROGRESS, step)

    @classmethod
    def write(cls, office: Any, job: Callable[[Any], Any], parent: QObject | None = None) -> Task:
        """A task running ``job(db)`` on ``office``'s writer, as one transaction, instead of the pool."""
        task = cls(job, parent)
        task._writer = office.writer
        return task

    def start(self) -> Task:
        """Start the work; call on the GUI thread."""
        assert self.fn is not None, "a task runs once"
        hub, number = _hub(), self.number
        _RUNNING[number] = self
        cell = [self.fn]
        if self._writer is None:
            pool().submit(_run, number, hub, cell)
            return self

        def job(db: Any) -> Any:
            fn = cell.pop()  # as in _run: the worker never holds the last reference
            return fn(db)

        try:
            future = self._writer.submit(job)
        except BaseException as exc:  # the office is closed: said like any other failure
            hub.delivered.emit(number, _FAILURE, exc)
        else:
            future.add_done_callback(lambda done: _written(number, hub, done))
        return self

    def _deliver(self, kind: str, payload: Any) -> None:
        # On the GUI thread, from the hub.
        if kind == _BOXED:
            kind, payload = payload.pop()
        if kind == _PROGRESS:
            if not self._owner_gone():  # a progress bar of a closed window is gone too
                self._progress(payload)
            return
        _RUNNING.pop(self.number, None)
        self.fn = None  # the work (and what it captured) is released here, on the GUI thread
        if kind == _SUCCESS:
            self._on_success(payload)
        else:
            self._on_failure(payload)

    def _owner_gone(self) -> bool:
        # The window that asked may have closed (a lock, a quit) while the work ran.
        return self.owner is not None and not shiboken6.isValid(self.owner)

    def _on_success(self, result: Any) -> None:
        if self._owner_gone():
            if callable(getattr(result, "close", None)):
                result.close()  # e.g. an office unlocked for a dialog that no longer exists
            return
        self._success(result)

    def _on_failure(self, exc: BaseException) -> None:
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
