"""One sync (or enrollment) at a time per office, across windows and command lines.

Two syncs of the same office would build batches from the same outbox at once. The lock is
an operating-system file lock (``filelock``: ``flock`` on Linux, ``LockFileEx`` on Windows)
on ``sync.lock`` in the data folder, so a killed process releases it with its last file
handle: it can never block the next sync, and never lets two run together.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from desktop.errors import OfficeError

LOCK_NAME = "sync.lock"


class SyncAlreadyRunning(OfficeError):
    def __init__(self) -> None:
        super().__init__(
            "已有一个同步正在进行（可能在另一个窗口或命令行中），请等它完成后再试。",
            "A sync is already running (perhaps in another window or command line); "
            "try again when it has finished.",
        )


@contextlib.contextmanager
def sync_lock(data_dir: Path) -> Iterator[None]:
    """Hold this office's sync lock for the block, or raise ``SyncAlreadyRunning`` at once."""
    lock = FileLock(str(Path(data_dir) / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise SyncAlreadyRunning() from None
    try:
        yield
    finally:
        lock.release()
