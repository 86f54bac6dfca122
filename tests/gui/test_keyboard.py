"""The keyboard and the window, as a clerk meets them: every shortcut means one thing in
its window, Ctrl+N / Ctrl+F / Ctrl+S / Esc work from every page, a new record takes the
cursor in its first field, the window fits the screen, and Qt's own dialogs speak Chinese."""

from __future__ import annotations

from itertools import combinations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QWidget,
)

from desktop.gui.settings_dialog import SettingsDialog
from desktop.gui.users import UsersDialog
from tests.gui.helpers import child, click_nav, type_text


def shortcuts(window: QWidget) -> list[tuple[str, QWidget, Qt.ShortcutContext, str]]:
    """Every key sequence that does something in ``window``: (keys, owner, context, what)."""
    found = []
    for action in window.findChildren(QAction):
        for keys in action.shortcuts():
            if not keys.isEmpty():
                owner = action.parent() if isinstance(action.parent(), QWidget) else window
                found.append((keys.toString(), owner, action.shortcutContext(), action.text()))
    for shortcut in window.findChildren(QShortcut):
        if not shortcut.key().isEmpty():
            found.append((shortcut.key().toString(), shortcut.parent(), shortcut.context(), "QShortcut"))
    for button in window.findChildren(QAbstractButton):
        if not button.shortcut().isEmpty():  # "&Save" is Alt+S
            found.append((button.shortcut().toString(), button, Qt.ShortcutContext.WindowShortcut, button.text()))
    return found


def overlap(a: tuple, b: tuple) -> bool:
    """Whether two shortcuts could both be live at once (Qt then runs neither)."""
    (_, owner_a, context_a, _), (_, owner_b, context_b, _) = a, b
    if Qt.ShortcutContext.WidgetShortcut in (context_a, context_b):
        return owner_a is owner_b
    if context_a == context_b == Qt.ShortcutContext.WidgetWithChildrenShortcut:
        return owner_a.isAncestorOf(owner_b) or owner_b.isAncestorOf(owner_a) or owner_a is owner_b
    return True


def ambiguous(window: QWidget) -> list[tuple[str, str, str]]:
    return [(a[0], a[3], b[3]) for a, b in combinations(shortcuts(window), 2) if a[0] == b[0] and overlap(a, b)]


def active(qtbot, window: QWidget) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)  # shortcuts act in the active window


def test_no_shortcut_is_claimed_twice_in_any_window(qtbot, unlocked, tmp_path):
    window = unlocked.window
    for row in range(window.nav.count()):  # every page built
        key = window.nav.item(row).data(Qt.ItemDataRole.UserRole + 1)
        if key:
            window.show_page(key)
    window.open_editor("enterprise")
    assert ambiguous(window) == []
    assert {s[0] for s in shortcuts(window)} >= {"Ctrl+N", "Ctrl+F", "Ctrl+S", "Ctrl+L", "Ctrl+Q", "Esc"}
    for dialog in (UsersDialog(unlocked.session, window), SettingsDialog(unlocked.session.settings, window)):
        qtbot.addWidget(dialog)
        assert ambiguous(dialog) == [], dialog.objectName()
    window.editor.stop()
    unlocked._close_session()
    unlock = unlocked.show_unlock()
    assert ambiguous(unlock) == []


def test_ctrl_n_ctrl_f_ctrl_s_and_esc_from_every_page(qtbot, unlocked):
    window = unlocked.window
    active(qtbot, window)
    for key in ("dashboard", "form:platform", "sync", "import", "export"):
        click_nav(qtbot, window, key)
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        editor = window.editor
        assert editor is not None, key
        assert editor.form.id == ("platform" if key == "form:platform" else "enterprise")
        # The cursor waits in the first field, ready for typing.
        qtbot.waitUntil(lambda e=editor: QApplication.focusWidget() is e.first_field(), timeout=3000)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # nothing typed: closes at once
        assert window.editor is None
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        page = window.pages.currentWidget()
        assert page.objectName().startswith("recordList_") and QApplication.focusWidget() is page.search

    # Ctrl+S in the editor saves a draft, without the mouse.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = window.editor
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor.first_field(), timeout=3000)
    type_text(qtbot, QApplication.focusWidget(), "键盘录入的平台")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not editor.first_field()  # Tab goes on to the next field
    with qtbot.waitSignal(editor.saved, timeout=10000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert editor.record["status"] == "draft" and editor.record["title"] == "键盘录入的平台"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert window.editor is None


def test_the_window_fits_the_screen_and_remembers_its_place(qtbot, unlocked):
    window = unlocked.window
    area = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    if area.width() < 1440 or area.height() < 900:
        assert window.isMaximized()
    assert area.contains(window.frameGeometry()) or window.isMaximized()
    window.showNormal()
    window.setGeometry(area.x() + 10, area.y() + 20, 700, 500)
    window.prepare_to_lock()  # what locking or quitting does
    assert unlocked.session.settings.get("window_geometry")
    from desktop.gui.main_window import MainWindow

    again = MainWindow(unlocked.session)
    qtbot.addWidget(again)
    assert again.size() == window.size()


def test_qt_dialogs_speak_chinese(qtbot, tmp_path):
    chooser = QFileDialog(None, "选择", str(tmp_path))
    chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(chooser)
    buttons = chooser.findChild(QDialogButtonBox)
    texts = {b.text().replace("&", "") for b in buttons.buttons()}
    assert texts & {"打开(O)", "打开", "取消"}, texts  # Qt's own words, from qtbase_zh_CN.qm
    names = child(chooser, QLineEdit, "fileNameEdit")
    assert names is not None
