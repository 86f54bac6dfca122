"""A guard against a reference-counting bug of PySide6 6.12 on CPython 3.11.

PySide6 6.12 returns ``None``, ``True`` and ``False`` to Python without taking a new
reference, which is correct from CPython 3.12 on (where those objects are immortal) but
on 3.11 steals one reference per call: every ``setText``, ``emit`` or ``connect`` lowers
``None``'s count, and after a few thousand calls the interpreter aborts with
"deallocating None". (Measured here: 1000 ``QLineEdit.setText`` calls lower it by 1000.)

The guard gives the three singletons a reference count so large that no session can
exhaust it — what CPython 3.12 does by design. It changes nothing on 3.12 and later or
with a PySide6 that does not have the bug.
"""

from __future__ import annotations

import ctypes
import sys

# 2**60 stolen references would take longer than the age of the universe to use up.
_BALLAST = 1 << 60
_done = False


def _leaks_singletons() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")  # a void method: returns None
    return sys.getrefcount(None) < before


def guard_singletons() -> bool:
    """Make None/True/False effectively immortal when the running PySide6 needs it."""
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not _leaks_singletons():
        _done = True
        return False
    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(obj)).value += _BALLAST
    _done = True
    return True
