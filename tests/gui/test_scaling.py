"""At 150% display scaling the app still fits: a 1920×1080 screen at 150% gives the app
1280×720 logical pixels (less a taskbar), and every control of every page must be inside the
window, reachable without resizing it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QComboBox, QLineEdit, QWidget

from desktop.gui.main_window import KEY_ROLE

# 1920×1080 at 150%, less a 40-pixel taskbar (Windows' default, scaled).
AVAILABLE = (1280, 720 - 40)
CONTROLS = (QAbstractButton, QLineEdit, QComboBox)


def _scrolled(widget: QWidget, window: QWidget) -> bool:
    """Whether ``widget`` sits in a scrolling area: there, out of view is only scrolled away."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _cut_off(window: QWidget) -> list[str]:
    """Every visible control of ``window`` that lies (partly) outside it."""
    frame = QRect(QPoint(0, 0), window.size())
    cut = []
    for control in window.findChildren(QWidget):
        if not isinstance(control, CONTROLS) or not control.isVisible() or _scrolled(control, window):
            continue
        top_left = control.mapTo(window, QPoint(0, 0))
        if not frame.contains(QRect(top_left, control.size())):
            cut.append(f"{type(control).__name__} {control.objectName() or getattr(control, 'text', lambda: '')()!r}")
    return cut


def test_every_page_fits_a_150_percent_screen(window, qtbot):
    minimum = window.minimumSizeHint()
    assert minimum.width() <= AVAILABLE[0] and minimum.height() <= AVAILABLE[1], minimum
    window.resize(*AVAILABLE)
    window.show()
    qtbot.waitExposed(window)
    keys = [window.nav.item(row).data(KEY_ROLE) for row in range(window.nav.count())]
    problems: dict[str, list[str]] = {}
    for key in [k for k in keys if isinstance(k, str)]:
        window.show_page(key)
        qtbot.wait(50)
        if cut := _cut_off(window):
            problems[key] = cut
    editor = window.open_editor("enterprise")
    assert editor is not None
    qtbot.wait(50)
    if cut := _cut_off(window):
        problems["editor"] = cut
    assert window.width() <= AVAILABLE[0] and window.height() <= AVAILABLE[1]
    assert not problems, problems


def test_the_overviews_tabs_and_the_navigation_show_whole_names(window, qtbot):
    """At 150% (and so at 1366×768 too) no chart tab of the overview is cut short ("Sect…",
    "领域与…") and the navigation needs no sideways scrolling."""
    from PySide6.QtWidgets import QTabWidget

    window.resize(*AVAILABLE)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("dashboard")
    qtbot.wait(50)
    bar = window.findChild(QTabWidget, "dashCharts").tabBar()
    cut = [bar.tabText(i) for i in range(bar.count()) if bar.tabRect(i).width() < bar.tabSizeHint(i).width()]
    assert not cut, cut
    assert not window.nav.horizontalScrollBar().isVisible()
