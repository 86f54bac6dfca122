"""The whole day of a park-office clerk, through real widgets: set up the office, unlock,
enter an enterprise with a wrong then a right credit code, find it, finalize it, and see
the dashboard change."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QWizard

from desktop.gui.app import AppController
from desktop.gui.tasks import busy
from desktop.services.records import RecordService
from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.gui.conftest import GOOD_CODE, WRONG_CODE
from tests.gui.helpers import child, choose, click, click_nav, type_text

NAME = "安徽星河量子通信科技有限公司（合肥），第１号；研发：一部"  # kept as typed, full-width marks and digits


def run_wizard(qtbot, controller: AppController, tmp_path) -> None:
    controller.start()
    wizard = controller.dialog
    qtbot.addWidget(wizard)
    assert wizard.objectName() == "setupWizard"
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # no org unit chosen yet
    type_text(qtbot, child(wizard, QLineEdit, "orgSearch"), "蜀山")
    assert wizard.org_page.proxy.rowCount() == 1
    assert wizard.org_page.org_unit() == "340104"
    click(qtbot, next_button)

    type_text(qtbot, child(wizard, QLineEdit, "officeName"), "蜀山区科学技术局")
    type_text(qtbot, child(wizard, QLineEdit, "adminName"), "张三")
    qtbot.keyClicks(child(wizard, QLineEdit, "passphrase"), "short")
    assert wizard.admin_page.meter.value() == 0  # the hint says too short
    child(wizard, QLineEdit, "passphrase").clear()
    qtbot.keyClicks(child(wizard, QLineEdit, "passphrase"), PASSPHRASE)
    qtbot.keyClicks(child(wizard, QLineEdit, "confirmPassphrase"), PASSPHRASE)
    assert wizard.admin_page.meter.value() >= 2
    click(qtbot, next_button)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=10000)

    key = child(wizard, QLabel, "recoveryKey").text()
    assert len(key.replace("-", "")) == 52
    saved = tmp_path / "key.txt"
    wizard.recovery_page.save_to(saved)
    assert key in saved.read_text(encoding="utf-8")
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()  # the key must be kept first
    click(qtbot, child(wizard, QCheckBox, "keptRecovery"))
    with qtbot.waitSignal(wizard.created, timeout=5000):
        click(qtbot, finish)
    assert controller.window is not None
    controller._close_session()  # quit: the next start asks for the passphrase


def unlock(qtbot, controller: AppController) -> None:
    controller.start()
    dialog = controller.dialog
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "unlockDialog"
    qtbot.keyClicks(child(dialog, QLineEdit, "unlockPassphrase"), "not the passphrase")
    click(qtbot, child(dialog, QPushButton, "unlockButton"))
    message = child(dialog, QLabel, "unlockMessage")
    qtbot.waitUntil(lambda: "不正确" in message.text(), timeout=10000)
    assert controller.window is None
    child(dialog, QLineEdit, "unlockPassphrase").clear()
    qtbot.keyClicks(child(dialog, QLineEdit, "unlockPassphrase"), PASSPHRASE)
    click(qtbot, child(dialog, QPushButton, "unlockButton"))
    qtbot.waitUntil(lambda: controller.window is not None, timeout=10000)


def dashboard_numbers(qtbot, window) -> dict[str, str]:
    click_nav(qtbot, window, "dashboard")
    dash = window.dashboard
    qtbot.waitUntil(lambda: not dash.pending and dash.data is not None, timeout=10000)
    return {name: card.number.text() for name, card in dash.cards.items()}


def test_wizard_unlock_enter_find_finalize_dashboard(qtbot, controller, tmp_path, checker):
    run_wizard(qtbot, controller, tmp_path)
    # Other enterprises already in the office, so the search has something to tell apart.
    office = Office.unlock(controller.data_dir, None, PASSPHRASE)
    service = RecordService(office, checker)
    service.add_many("enterprise", [{"name": f"合肥某某储能材料有限公司{i}"} for i in range(30)])
    office.close()

    unlock(qtbot, controller)
    window = controller.window
    before = dashboard_numbers(qtbot, window)
    assert before["drafts"] == "30" and before["final"] == "0"

    click_nav(qtbot, window, "form:enterprise")
    page = window.lists["enterprise"]
    click(qtbot, child(page, QPushButton, "newRecord"))
    editor = window.editor
    assert editor is not None and window.pages.currentWidget() is editor

    type_text(qtbot, child(editor, QLineEdit, "input_name"), NAME)
    code = child(editor, QLineEdit, "input_credit_code")
    qtbot.keyClicks(code, WRONG_CODE)
    message = child(editor, QLabel, "message_credit_code")
    qtbot.waitUntil(lambda: message.has_message() and "校验位" in message.text(), timeout=5000)

    code.clear()
    qtbot.keyClicks(code, GOOD_CODE)
    qtbot.waitUntil(lambda: not message.has_message(), timeout=5000)
    choose(qtbot, child(editor, QComboBox, "input_sector"), "quantum")
    choose(qtbot, child(editor, QComboBox, "input_direction"), "quantum_communication")
    choose(qtbot, child(editor, QComboBox, "input_ownership"), "private")
    with qtbot.waitSignal(editor.saved, timeout=10000):
        click(qtbot, child(editor, QPushButton, "saveDraft"))
    assert editor.record_id is not None, editor.summary_title.text()
    assert editor.record["status"] == "draft"
    click(qtbot, child(editor, QPushButton, "closeEditor"))
    assert window.editor is None

    search = child(page, QLineEdit, "searchBox")
    type_text(qtbot, search, "星河量子")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert page.model.state.rows[0]["title"] == NAME
    table = page.table
    rect = table.visualRect(page.model.index(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(window.bulk.finished, timeout=20000):
        click(qtbot, child(page, QPushButton, "finalizeRecord"))
    assert page.model.state.rows[0]["status"] == "final"
    # 定稿 declares a final version of the same data: that is what the outbox sends.
    draft, final = window.session.records.versions(page.model.state.rows[0]["record_id"])
    assert (draft["status"], final["status"], final["content_hash"]) == ("draft", "final", draft["content_hash"])
    assert NAME.encode() in final["data"].encode()  # the name as typed, byte for byte

    after = dashboard_numbers(qtbot, window)
    assert after["final"] == "1" and after["total"] == "31" and after["drafts"] == "30"
    assert busy() == 0
