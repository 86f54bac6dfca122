"""Locking (by hand and when idle), switching user, managing users, settings, language."""

from __future__ import annotations

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
    dialog = controller.dialog
    qtbot.addWidget(dialog)
    users = child(dialog, QLineEdit, "unlockUser")
    users.clear()
    type_text(qtbot, users, user)
    type_text(qtbot, child(dialog, QLineEdit, "unlockPassphrase"), passphrase)
    click(qtbot, child(dialog, QPushButton, "unlockButton"))
    qtbot.waitUntil(lambda: controller.window is not None, timeout=10000)


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
    assert child(dialog, QLineEdit, "unlockUser").text() == "张三"
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
