"""Drives the real app in its own process for the kill test.

``type DATA_DIR``: unlock, open a new enterprise, type a name, print TYPED and keep
running (the test then kills the process with SIGKILL). ``restore DATA_DIR``: unlock,
accept the offer of unsaved work, print what the editor shows as JSON, and exit.
Everything goes through real widgets with QTest key clicks and mouse clicks.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtGui import QInputMethodEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton  # noqa: E402

from desktop.gui.app import AppController, create_application  # noqa: E402
from desktop.gui.i18n import install  # noqa: E402

PASSPHRASE = os.environ.get("DRIVER_PASSPHRASE", "correct horse battery")
NAME = "安徽未保存量子科技有限公司"


def when(condition, then, timeout_ms: int = 30000) -> None:
    """Call ``then()`` once ``condition()`` holds, polling on the event loop."""
    waited = [0]

    def poll() -> None:
        value = condition()
        if value:
            then(value)
            return
        waited[0] += 50
        if waited[0] > timeout_ms:
            print("TIMEOUT", flush=True)
            QApplication.exit(3)
            return
        QTimer.singleShot(50, poll)

    QTimer.singleShot(0, poll)


def unlock(controller: AppController, then) -> None:
    dialog = controller.dialog
    QTest.keyClicks(dialog.findChild(QLineEdit, "unlockPassphrase"), PASSPHRASE)
    QTest.mouseClick(dialog.findChild(QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    when(lambda: controller.window, then)


def type_phase(controller: AppController) -> None:
    def typed(window) -> None:
        editor = window.open_editor("enterprise")
        name = editor.findChild(QLineEdit, "input_name")
        name.setFocus()
        # Chinese arrives from the input method as a committed string, not as key presses.
        event = QInputMethodEvent("", [])
        event.setCommitString(NAME)
        QApplication.sendEvent(name, event)
        print("TYPED", flush=True)

    unlock(controller, typed)


def restore_phase(controller: AppController) -> None:
    def offered(window) -> None:
        when(lambda: window.findChild(QPushButton, "restoreDraft"), lambda button: restore(window, button))

    def restore(window, button) -> None:
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        when(lambda: window.editor, lambda editor: report(editor))

    def report(editor) -> None:
        print(json.dumps({"name": editor.findChild(QLineEdit, "input_name").text()}, ensure_ascii=False), flush=True)
        QApplication.exit(0)

    unlock(controller, offered)


def main() -> int:
    phase, data_dir = sys.argv[1], Path(sys.argv[2])
    app = create_application()
    install("zh")
    controller = AppController(data_dir)
    controller.start()
    (type_phase if phase == "type" else restore_phase)(controller)
    QTimer.singleShot(90_000, lambda: QApplication.exit(4))  # never hang a test run
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
