"""Small helpers for driving widgets the way a person would."""

from __future__ import annotations

from itertools import groupby

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QListWidget,
    QWidget,
)


def type_text(qtbot, widget: QWidget, text: str) -> None:
    """Type ``text`` as a person would: keys for ASCII, an input method's commit for Chinese.

    QTest can only press keys that exist on a keyboard; Chinese arrives from the input
    method (Pinyin) as a committed string, so that is what is sent for it.
    """
    widget.setFocus()
    for is_ascii, chars in groupby(text, key=str.isascii):
        run = "".join(chars)
        if is_ascii:
            qtbot.keyClicks(widget, run)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(run)
            QApplication.sendEvent(widget, event)


def click(qtbot, widget: QAbstractButton) -> None:
    assert widget.isEnabled(), f"{widget.objectName()} is disabled"
    if isinstance(widget, QCheckBox):
        # Only the box and its text take clicks, not the rest of a wide row: aim at the box.
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
        return
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_nav(qtbot, window, key: str) -> None:
    """Click the navigation entry ``key`` ("dashboard", "form:enterprise", ...)."""
    nav: QListWidget = window.nav
    item = window.nav_item(key)
    rect = nav.visualItemRect(item)
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def choose(qtbot, combo: QComboBox, code: object) -> None:
    """Pick an option of a drop-down with the keyboard (focus, Home, Down until it is chosen)."""
    combo.setFocus()
    target = combo.findData(code)
    assert target >= 0, f"{code!r} is not an option of {combo.objectName()}"
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(target):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentIndex() == target


def child(widget: QWidget, cls: type, name: str):
    found = widget.findChild(cls, name)
    assert found is not None, f"no {cls.__name__} named {name}"
    return found
