"""Long work (a sync, an export, an import) on the thread pool over its own connection.

The GUI thread keeps the office's read connection for itself; work on a worker thread gets
a clone of the signed-in office (``Office.clone``: same user, key and writer, a reader of
its own), opened on the worker and closed there when the work ends, however it ends. The
two threads never share a connection, and both write only through the office's writer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

from desktop.errors import WorkCancelled
from desktop.store.office import Office

T = TypeVar("T")


def call_on_clone(office: Office, work: Callable[[Office], T]) -> T:
    """``work(clone)`` on a new connection to ``office``; the connection is closed after."""
    worker = office.clone()
    try:
        return work(worker)
    finally:
        worker.close()


def iterate_on_clone(office: Office, work: Callable[[Office], Iterator[Any]],
                     cancel: threading.Event | None = None) -> Generator[Any, None, Any]:
    """Yield every step of the generator ``work(clone)``, then return its last step.

    The services' generators end with a "done" step that carries the outcome, which is
    what the caller's success callback wants. With ``cancel`` set, the work is closed at
    its next step (before it goes on) and ``WorkCancelled`` is raised.
    """
    worker = office.clone()
    try:
        last = None
        steps = work(worker)
        for step in steps:
            yield step
            last = step
            if cancel is not None and cancel.is_set() and getattr(step, "step", None) != "done":
                steps.close()  # type: ignore[attr-defined]
                raise WorkCancelled()
        return last
    finally:
        worker.close()
