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


def off_gui(qtbot, office, work):
    """``work(clone)`` on a thread of its own with its own reader, as the command line or a
    sync would run beside the window; the GUI thread goes on processing events meanwhile
    (it never waits for the writer itself). Returns what ``work`` returned."""
    import threading

    outcome: dict = {}

    def run() -> None:
        clone = office.clone()
        try:
            outcome["value"] = work(clone)
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc
        finally:
            clone.close()

    thread = threading.Thread(target=run)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=60000)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def seed(qtbot, session, form_id: str, items: list, *, final: bool = False) -> list[str]:
    """Save ``items`` of ``form_id`` to the session's office as another program would; their ids."""
    from desktop.services.records import RecordService

    saved = off_gui(qtbot, session.office, lambda office: RecordService(office, session.checker).add_many(form_id, items, final=final))
    return [s.record_id for s in saved]


def in_office(qtbot, session, work):
    """``work(service)`` with a RecordService of the session's office, off the GUI thread."""
    from desktop.services.records import RecordService

    return off_gui(qtbot, session.office, lambda office: work(RecordService(office, session.checker)))


# Characters names of Anhui firms are made of; four of them make a name core that rarely
# shares three characters with another, as real firm names rarely do.
NAME_CHARACTERS = "华星云海金泰德远恒新瑞博通达安源鑫创立盛宏光明天宇中科智联信诚晶合辰阳凯峰嘉禾润丰兴隆启航腾飞卓越优品佳和美"


def company_name(i: int) -> str:
    """A plausible, distinct firm name for record ``i`` (the same every run)."""
    import random

    rng = random.Random(i)
    return "合肥" + "".join(rng.choice(NAME_CHARACTERS) for _ in range(4)) + f"科技有限公司{i:04d}"
