"""Locking (by hand and when idle), switching user, managing users, settings, language."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
)

from desktop.gui.i18n import install
from desktop.gui.settings import Settings
from desktop.gui.settings_dialog import SettingsDialog
from desktop.gui.tasks import busy
from desktop.gui.users import UsersDialog
from tests.conftest import PASSPHRASE
from tests.gui.helpers import child, choose, click, click_nav, type_text


def unlock_as(qtbot, controller, user: str, passphrase: str) -> None:
    """Pick ``user`` from the sign-in list, type the passphrase and press Enter."""
    dialog = controller.dialog
    qtbot.addWidget(dialog)
    choose_text(qtbot, child(dialog, QComboBox, "unlockUserList"), user)
    type_text(qtbot, child(dialog, QLineEdit, "unlockPassphrase"), passphrase)
    qtbot.keyClick(child(dialog, QLineEdit, "unlockPassphrase"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=10000)


def choose_text(qtbot, combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text} is not offered"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(index):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def test_idle_lock_keeps_typing_and_offers_it_after_unlock(qtbot, unlocked):
    window = unlocked.window
    click_nav(qtbot, window, "form:enterprise")
    click(qtbot, child(window.lists["enterprise"], QPushButton, "newRecord"))
    type_text(qtbot, child(window.editor, QLineEdit, "input_name"), "安徽锁定前录入科技有限公司")
    unlocked.idle.set_minutes(0.003)  # 0.2 s without input
    qtbot.waitUntil(lambda: unlocked.window is None and unlocked.dialog is not None, timeout=5000)
    assert unlocked.session is None  # the office is closed while locked
    dialog = unlocked.dialog
    assert "未保存" in dialog.findChildren(QLabel)[1].text()
    assert child(dialog, QComboBox, "unlockUserList").currentText() == "张三"
    unlock_as(qtbot, unlocked, "张三", PASSPHRASE)
    window = unlocked.window
    qtbot.waitUntil(lambda: window.findChild(QPushButton, "restoreDraft") is not None, timeout=3000)
    click(qtbot, window.findChild(QPushButton, "restoreDraft"))
    assert child(window.editor, QLineEdit, "input_name").text() == "安徽锁定前录入科技有限公司"


def test_admin_adds_a_clerk_who_then_signs_in(qtbot, unlocked):
    dialog = UsersDialog(unlocked.session, unlocked.window)
    qtbot.addWidget(dialog)
    click(qtbot, child(dialog, QPushButton, "addUser"))
    add = child(dialog, QDialog, "addUserDialog")
    type_text(qtbot, child(add, QLineEdit, "newUserName"), "李四")
    type_text(qtbot, child(add, QLineEdit, "newPassphrase"), "clerk passphrase 1")
    type_text(qtbot, child(add, QLineEdit, "newPassphraseAgain"), "clerk passphrase 1")
    click(qtbot, add.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=10000)
    assert dialog.table.item(1, 0).text() == "李四" and dialog.table.item(1, 1).text() == "填报员"
    dialog.close()

    unlocked.switch_user()
    assert unlocked.window is None
    unlock_as(qtbot, unlocked, "李四", "clerk passphrase 1")
    assert unlocked.session.office.role == "clerk"
    clerk_view = UsersDialog(unlocked.session, unlocked.window)
    qtbot.addWidget(clerk_view)
    assert not child(clerk_view, QPushButton, "addUser").isEnabled()
    qtbot.waitUntil(lambda: busy() == 0)


def test_settings_dialog_is_generated_and_saves(qtbot, tmp_path):
    settings = Settings.load(tmp_path)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    choose(qtbot, child(dialog, QComboBox, "setting_language"), "en")
    minutes = child(dialog, QSpinBox, "setting_idle_lock_minutes")
    minutes.setValue(25)
    dialog._save()
    assert Settings.load(tmp_path).get("language") == "en"
    assert Settings.load(tmp_path).get("idle_lock_minutes") == 25


def test_english_is_selectable(qtbot, unlocked):
    assert child(unlocked.window.pages, QLabel, "dashTitle").text().endswith("数据概览")
    install("en")
    unlocked._close_session()
    unlocked.show_unlock("张三")
    assert unlocked.dialog.windowTitle() == "Unlock the office data"
    unlock_as(qtbot, unlocked, "张三", PASSPHRASE)
    window = unlocked.window
    assert window.nav_item("form:enterprise").text().startswith("Enterprise")
    assert child(window.pages, QLabel, "dashTitle").text().startswith("Overview of")


def test_unlock_lists_users_enter_unlocks_and_unknown_is_told_from_wrong(qtbot, controller, office_dir):
    from desktop.gui.unlock import RecoveryDialog
    from desktop.store.office import Office
    from desktop.store.signin import read_names

    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        office.add_user("李四", "clerk", "clerk passphrase 1")
    assert read_names(office_dir) == ["张三", "李四"]
    controller.data_dir = office_dir
    controller.start()
    dialog = controller.dialog
    qtbot.addWidget(dialog)
    users = child(dialog, QComboBox, "unlockUserList")
    assert [users.itemText(i) for i in range(users.count())] == ["张三", "李四"]
    forgot, unlock = child(dialog, QPushButton, "forgotButton"), child(dialog, QPushButton, "unlockButton")
    assert unlock.isDefault() and not forgot.autoDefault() and not forgot.isDefault()
    passphrase = child(dialog, QLineEdit, "unlockPassphrase")
    assert passphrase.hasFocus() or dialog.focusWidget() is passphrase

    choose_text(qtbot, users, "李四")
    type_text(qtbot, passphrase, "not the passphrase")
    qtbot.keyClick(passphrase, Qt.Key.Key_Return)  # Enter unlocks, never "forgot the passphrase?"
    message = child(dialog, QLabel, "unlockMessage")
    qtbot.waitUntil(lambda: "口令不正确" in message.text(), timeout=10000)
    assert dialog.findChild(RecoveryDialog) is None and controller.window is None

    # A name the office does not have (typed, with the list turned off) says so, not "wrong passphrase".
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        office.set_signin_listed(False)
    assert read_names(office_dir) is None
    controller.dialog.close()
    controller.show_unlock()
    dialog = controller.dialog
    qtbot.addWidget(dialog)
    assert dialog.findChild(QComboBox, "unlockUserList") is None
    type_text(qtbot, child(dialog, QLineEdit, "unlockUser"), "王五")
    type_text(qtbot, child(dialog, QLineEdit, "unlockPassphrase"), PASSPHRASE)
    qtbot.keyClick(child(dialog, QLineEdit, "unlockPassphrase"), Qt.Key.Key_Return)
    message = child(dialog, QLabel, "unlockMessage")
    qtbot.waitUntil(lambda: "没有名为“王五”的可登录用户" in message.text(), timeout=10000)
    child(dialog, QLineEdit, "unlockUser").clear()
    type_text(qtbot, child(dialog, QLineEdit, "unlockUser"), "李四")
    child(dialog, QLineEdit, "unlockPassphrase").clear()
    type_text(qtbot, child(dialog, QLineEdit, "unlockPassphrase"), "clerk passphrase 1")
    qtbot.keyClick(child(dialog, QLineEdit, "unlockPassphrase"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=10000)
    assert controller.session.office.user == "李四"


def test_admin_disables_and_enables_a_user(qtbot, unlocked):
    from desktop.errors import UnknownUser
    from desktop.store.office import Office
    from desktop.store.signin import read_names
    from tests.gui.helpers import off_gui

    session = unlocked.session
    off_gui(qtbot, session.office, lambda office: office.add_user("李四", "clerk", "clerk passphrase 1"))
    dialog = UsersDialog(session, unlocked.window)
    qtbot.addWidget(dialog)
    dialog.show()
    disable = child(dialog, QPushButton, "disableUser")
    dialog.table.selectRow(0)  # oneself: never
    assert not disable.isEnabled()
    dialog.table.selectRow(1)
    click(qtbot, disable)
    qtbot.waitUntil(lambda: dialog.table.item(1, 2).text() == "已停用", timeout=10000)
    assert read_names(session.office.paths.root) == ["张三"]
    try:
        Office.unlock(session.office.paths.root, "李四", "clerk passphrase 1")
        raise AssertionError("a disabled user signed in")
    except UnknownUser:
        pass

    dialog.table.selectRow(1)
    reset = child(dialog, QPushButton, "resetPassphrase")
    assert reset.text() == "设置新口令以启用…"
    click(qtbot, reset)
    change = child(dialog, QDialog, "changePassphraseDialog")
    type_text(qtbot, child(change, QLineEdit, "newPassphrase"), "clerk passphrase 2")
    type_text(qtbot, child(change, QLineEdit, "newPassphraseAgain"), "clerk passphrase 2")
    click(qtbot, change.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: dialog.table.item(1, 2).text() == "是", timeout=10000)
    assert read_names(session.office.paths.root) == ["张三", "李四"]
    Office.unlock(session.office.paths.root, "李四", "clerk passphrase 2").close()
