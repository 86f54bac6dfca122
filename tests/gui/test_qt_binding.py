"""PySide6 6.12.0 steals a reference to None on every void call under CPython 3.11, and the
app aborts after a few thousand calls; pyproject.toml excludes it. This fails if such a
build is ever installed again."""

import sys

from PySide6.QtCore import QObject


def test_qt_calls_do_not_steal_references_to_none():
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        probe.setObjectName("probe")
    assert before - sys.getrefcount(None) < 10
