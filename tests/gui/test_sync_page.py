"""The sync screen against a real `anhui-province serve` on loopback: enroll through the form,
sync with progress and a summary, receipts; a dead endpoint and a cancel, with the window
responsive throughout."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTableWidget

from desktop.gui.app import AppController, sync_screen
from desktop.services.outbox import OfficeOutbox
from desktop.services.sync_office import enroll_office
from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.gui.conftest import new_code
from tests.gui.helpers import child, click, click_nav, off_gui, seed, type_text
from tests.office.conftest import enterprise


def open_sync(qtbot, window):
    click_nav(qtbot, window, "sync")
    page = window.pages.currentWidget()
    assert page.objectName() == "syncPage"
    return page


def test_enroll_through_the_form_then_sync_final_records(qtbot, window, province):
    page = open_sync(qtbot, window)
    sync_button = child(page, QPushButton, "syncNow")
    assert not sync_button.isEnabled()  # nothing to sync with before enrolling
    assert page.enroll_form.isVisible()
    code, key_id = new_code(province)
    type_text(qtbot, child(page, QLineEdit, "enrollEndpoint"), "not a url")
    click(qtbot, child(page, QPushButton, "enrollButton"))
    assert "https://" in child(page, QLabel, "enrollMessage").text()  # said before anything is sent
    child(page, QLineEdit, "enrollEndpoint").clear()
    type_text(qtbot, child(page, QLineEdit, "enrollEndpoint"), province.url)
    # Typed as read out on the phone, with the input method in full-width mode: still the code.
    typed = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else " " for c in code.lower())
    type_text(qtbot, child(page, QLineEdit, "enrollCode"), typed)
    type_text(qtbot, child(page, QLineEdit, "enrollKeyId"), key_id)
    click(qtbot, child(page, QPushButton, "enrollButton"))
    device = child(page, QLabel, "deviceId")
    qtbot.waitUntil(lambda: device.text() != "", timeout=15000)
    assert not page.enroll_form.isVisible()
    assert child(page, QLabel, "deviceEndpoint").text() == province.url
    assert sync_button.isEnabled()

    records = window.session.records
    finals = seed(qtbot, window.session, "enterprise", [enterprise(i) for i in range(3)], final=True)
    (draft,) = seed(qtbot, window.session, "enterprise", [{"name": "草稿企业"}])
    click_nav(qtbot, window, "dashboard")
    page = open_sync(qtbot, window)  # shown again: counted again
    assert "3" in child(page, QLabel, "pendingCount").text()
    assert child(page, QTableWidget, "receiptsTable").isHidden()  # "no receipts yet" instead

    with qtbot.waitSignal(page.finished, timeout=30000):
        click(qtbot, sync_button)
        assert not sync_button.isEnabled()  # one sync at a time
    message = child(page, QLabel, "syncMessage").text()
    assert "同步完成" in message and "发送 3" in message and "接收 3" in message and "拒收 0" in message, message
    assert {records.get(r)["status"] for r in finals} == {"synced"}
    assert records.get(draft)["status"] == "draft"
    assert "0" in child(page, QLabel, "pendingCount").text()
    table = child(page, QTableWidget, "receiptsTable")
    assert table.isVisible() and table.rowCount() == 1
    receipt = OfficeOutbox(window.session.office).receipts()[0]
    assert table.item(0, 2).text() == receipt["batch_id"]
    assert (table.item(0, 4).text(), table.item(0, 5).text()) == ("3", "0")
    # The rest of the window heard about it: the overview counts the synced records.
    click_nav(qtbot, window, "dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None and not window.dashboard.pending, timeout=10000)
    assert window.dashboard.cards["synced"].number.text() == "3"


def test_dead_endpoint_is_a_clear_message_and_cancel_stops_it(qtbot, window, province):
    code, _ = new_code(province)
    off_gui(qtbot, window.session.office, lambda office: enroll_office(office, province.url, code))
    (record,) = seed(qtbot, window.session, "enterprise", [enterprise(5)], final=True)
    province.stop()  # the network is down from here on
    page = open_sync(qtbot, window)
    sync_button, cancel = child(page, QPushButton, "syncNow"), child(page, QPushButton, "syncCancel")
    step, message = child(page, QLabel, "syncStep"), child(page, QLabel, "syncMessage")

    # Cancel while the client waits to retry: it stops at once, nothing lost.
    click(qtbot, sync_button)
    qtbot.waitUntil(lambda: "连接省级端点" in step.text(), timeout=5000)
    started = time.monotonic()
    with qtbot.waitSignal(page.finished, timeout=5000):
        click(qtbot, cancel)
    assert time.monotonic() - started < 3
    assert "同步已取消" in message.text() and page.message.kind == "info"
    assert sync_button.isEnabled() and not cancel.isEnabled()
    assert window.session.records.get(record)["status"] == "queued"

    # Left to run, the retries end in a message a clerk understands, never a traceback;
    # meanwhile the window goes on working.
    click(qtbot, sync_button)
    assert cancel.isEnabled()
    click_nav(qtbot, window, "form:enterprise")
    assert window.pages.currentWidget() is window.lists["enterprise"]
    assert window.lists["enterprise"].model.total == 1
    click_nav(qtbot, window, "sync")
    assert window.pages.currentWidget() is page and page.task is not None  # still trying
    qtbot.waitUntil(lambda: page.task is None, timeout=20000)
    assert "无法连接省级端点" in message.text() and page.message.kind == "error"
    assert "Traceback" not in message.text()
    assert sync_button.isEnabled()
    assert window.session.records.get(record)["status"] == "queued"
    assert "1" in child(page, QLabel, "pendingCount").text()

    # Locking the office while a sync runs stops the sync too, instead of leaving it behind.
    click(qtbot, sync_button)
    qtbot.waitUntil(lambda: "连接省级端点" in step.text(), timeout=5000)
    window.prepare_to_lock()
    qtbot.waitUntil(lambda: page.task is None, timeout=3000)
    assert "同步已取消" in message.text()


def test_a_clerk_cannot_enroll(qtbot, office_dir, checker):
    with Office.unlock(office_dir, None, PASSPHRASE) as admin:
        admin.add_user("李四", "clerk", "clerk passphrase 1")
    controller = AppController(office_dir, checker=checker, sync_page=sync_screen)
    window = controller.open_main(Office.unlock(office_dir, "李四", "clerk passphrase 1"))
    try:
        page = open_sync(qtbot, window)
        assert not page.enroll_form.isVisible()
        assert "管理员" in child(page, QLabel, "notEnrolled").text()
        assert not child(page, QPushButton, "syncNow").isEnabled()
    finally:
        controller._close_session()
