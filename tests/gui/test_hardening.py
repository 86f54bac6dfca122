"""The office hardening as a clerk meets it in the window: a damaged key file named at unlock,
"a sync is already running", and enrolling afresh with a new key from the sync page."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QPushButton

from desktop.gui.app import AppController, sync_screen
from desktop.gui.tasks import busy
from desktop.services.device import device_key
from desktop.services.sync_office import enroll_office
from desktop.store.office import Office
from sync.client import enroll
from tests.conftest import PASSPHRASE, ROOT
from tests.gui.helpers import child, click, click_nav, off_gui, seed, type_text
from tests.office.conftest import enterprise
from tests.office.test_sync_lock import STUCK_SYNC
from tests.sync.servers import ProvinceServer


@pytest.fixture
def province(tmp_path: Path) -> Iterator[ProvinceServer]:
    server = ProvinceServer(tmp_path / "province")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def window(office_dir: Path, checker, qtbot) -> Iterator:
    controller = AppController(office_dir, checker=checker, sync_page=sync_screen)
    shown = controller.open_main(Office.unlock(office_dir, None, PASSPHRASE))
    yield shown
    qtbot.waitUntil(lambda: busy() == 0, timeout=20000)
    controller._close_session()


def code_for(province: ProvinceServer) -> str:
    return json.loads(province.cli("enroll-code", "--org-unit", "340104", "--json"))["code"]


def sync_page(qtbot, window):
    click_nav(qtbot, window, "sync")
    return window.pages.currentWidget()


def test_enroll_with_a_new_key_from_the_sync_page(qtbot, window, province):
    # The province already holds this office's key (an enrolment whose reply was lost).
    key = off_gui(qtbot, window.session.office, device_key)  # (the GUI thread never waits for the writer)
    enroll(province.url, code_for(province), key, org_unit="340104")
    page = sync_page(qtbot, window)
    type_text(qtbot, child(page, QLineEdit, "enrollEndpoint"), province.url)
    type_text(qtbot, child(page, QLineEdit, "enrollCode"), code_for(province))
    message = child(page, QLabel, "enrollMessage")
    click(qtbot, child(page, QPushButton, "enrollButton"))
    qtbot.waitUntil(lambda: "用新密钥重新登记" in message.text(), timeout=15000)
    new_key = child(page, QPushButton, "enrollNewKeyButton")
    assert new_key.text() == "用新密钥重新登记"
    click(qtbot, new_key)
    device = child(page, QLabel, "deviceId")
    qtbot.waitUntil(lambda: device.text().startswith("dev-"), timeout=15000)
    assert not page.enroll_form.isVisible()


def test_sync_now_says_a_sync_is_already_running(qtbot, window, province):
    office = window.session.office
    code = code_for(province)
    off_gui(qtbot, office, lambda clone: enroll_office(clone, province.url, code))
    seed(qtbot, window.session, "enterprise", [enterprise(3)], final=True)
    other = subprocess.Popen([sys.executable, "-c", STUCK_SYNC, str(office.paths.root), PASSPHRASE],
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert other.stdout.readline().strip() == "config"
        page = sync_page(qtbot, window)
        with qtbot.waitSignal(page.finished, timeout=20000):
            click(qtbot, child(page, QPushButton, "syncNow"))
        text = child(page, QLabel, "syncMessage").text()
        assert "已有一个同步正在进行" in text and "意外" not in text
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait(timeout=30)


def damage(path: Path, which) -> None:
    body = json.loads(path.read_bytes())
    slot = which(body["slots"])
    slot["wrapped"] = slot["wrapped"][:8] + ("A" if slot["wrapped"][8] != "A" else "B") + slot["wrapped"][9:]
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")


def test_unlock_names_a_damaged_key_file_never_a_wrong_passphrase(qtbot, office_dir, checker):
    keyslots = office_dir / "keyslots.json"
    intact = keyslots.read_bytes()
    damage(keyslots, lambda slots: slots[0])  # the admin's own slot
    controller = AppController(office_dir, checker=checker)
    controller.start()
    dialog = controller.dialog
    qtbot.addWidget(dialog)
    type_text(qtbot, child(dialog, QLineEdit, "unlockPassphrase"), PASSPHRASE)
    click(qtbot, child(dialog, QPushButton, "unlockButton"))
    message = child(dialog, QLabel, "unlockMessage")
    qtbot.waitUntil(lambda: "密钥文件已损坏" in message.text(), timeout=10000)
    assert "口令不正确" not in message.text() and controller.window is None
    assert "忘记口令？" in message.text() and "anhui-collect" not in message.text()
    dialog.close()

    # Only the recovery slot damaged: the admin gets in, and is told at once.
    keyslots.write_bytes(intact)
    damage(keyslots, lambda slots: next(s for s in slots if s["kind"] == "recovery"))
    controller = AppController(office_dir, checker=checker)
    try:
        controller.open_main(Office.unlock(office_dir, None, PASSPHRASE))
        qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()), timeout=5000)
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        assert "部分损坏" in box.text() and "恢复密钥槽已损坏" in box.text()
        box.close()
    finally:
        qtbot.waitUntil(lambda: busy() == 0, timeout=10000)
        controller._close_session()
