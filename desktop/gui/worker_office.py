"""Long work (a sync, an export, an import) on the thread pool over its own connection.

The GUI thread keeps the office's connection for itself; work on a worker thread gets a
clone of the signed-in office (``Office.clone``: same user and key, a new connection),
opened on the worker and closed there when the work ends, however it ends. The two
threads never share a connection.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

from desktop.store.office import Office

T = TypeVar("T")


def call_on_clone(office: Office, work: Callable[[Office], T]) -> T:
    """``work(clone)`` on a new connection to ``office``; the connection is closed after."""
    worker = office.clone()
    try:
        return work(worker)
    finally:
        worker.close()


def iterate_on_clone(office: Office, work: Callable[[Office], Iterator[Any]]) -> Generator[Any, None, Any]:
    """Yield every step of the generator ``work(clone)``, then return its last step.

    The services' generators end with a "done" step that carries the outcome, which is
    what the caller's success callback wants.
    """
    worker = office.clone()
    try:
        last = None
        for step in work(worker):
            yield step
            last = step
        return last
    finally:
        worker.close()
