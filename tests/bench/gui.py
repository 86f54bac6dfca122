"""The desktop app's start: its unlock dialog against a bare Qt window, and its main window
once the key is derived.

Each start is a new process, timed from just before it starts. The app is started as
``anhui-collect`` starts it; the passphrase is typed into the unlock dialog as soon as it
paints. Marks: ``unlock`` when the dialog first paints; ``key`` when the passphrase's key
has been derived (Argon2id done); ``main`` when the main window first paints; ``numbers``
when the overview has drawn its counts (what a clerk waits for). The floor is a bare
PySide6 ``QMainWindow`` started the same way.

Run as a child process (``--child <office>``) it is the thing being timed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench.data import PASS
from tests.sync.servers import ROOT

STARTS = 3

BARE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("main", time.time(), flush=True)
            QTimer.singleShot(0, app.quit)
        return False
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
watch = Painted()
window.installEventFilter(watch)
window.show()
app.exec()
"""


def child(data_dir: Path) -> int:
    """Start the app like ``anhui-collect`` does, unlock, and print the marks."""
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

    from desktop.gui import i18n
    from desktop.gui.app import AppController, create_application
    from desktop.gui.settings import Settings

    def mark(label: str) -> None:
        print(label, time.time(), flush=True)

    class Painted(QObject):
        def __init__(self, label: str, then: Any = None) -> None:
            super().__init__()
            self.label, self.then, self.done = label, then, False

        def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                mark(self.label)
                if self.then:
                    QTimer.singleShot(0, self.then)
            return False

    import desktop.store.keyslots as keyslots

    derive = keyslots.KeySlots.unlock

    def unlock_and_mark(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = derive(self, *args, **kwargs)
        mark("key")
        return result

    keyslots.KeySlots.unlock = unlock_and_mark  # type: ignore[method-assign]
    app = create_application()
    settings = Settings.load(data_dir)
    i18n.install(settings.language())
    controller = AppController(data_dir, settings=settings)
    watchers: list[QObject] = []

    def unlock() -> None:
        dialog = controller.dialog
        QTest.keyClicks(dialog.findChild(QLineEdit, "unlockPassphrase"), PASS)
        QTest.mouseClick(dialog.findChild(QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)

    original = controller.open_main

    def open_main(office: Any) -> Any:
        from desktop.gui.dashboard import Dashboard

        shown, progressed = Dashboard._show, Dashboard._show_progress

        def show(dashboard: Any, data: Any) -> None:
            shown(dashboard, data)
            dashboard.repaint()  # paint the counts now, then say so
            mark("numbers")

        def show_progress(dashboard: Any, progress: Any) -> None:
            progressed(dashboard, progress)
            dashboard.repaint()
            mark("progress")
            QTimer.singleShot(0, lambda: QApplication.exit(0))

        Dashboard._show = show  # type: ignore[method-assign]
        Dashboard._show_progress = show_progress  # type: ignore[method-assign]
        window = original(office)
        watch = Painted("main")
        window.installEventFilter(watch)
        watchers.append(watch)
        return window

    controller.open_main = open_main  # type: ignore[method-assign]
    controller.start()
    watch = Painted("unlock", unlock)
    controller.dialog.installEventFilter(watch)
    watchers.append(watch)
    QTimer.singleShot(300_000, lambda: QApplication.exit(3))
    return app.exec()


def _start(args: list[str], expected: set[str]) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "PYTHONPATH": str(ROOT)}
    started = time.time()
    out = subprocess.run([sys.executable, "-X", "faulthandler", *args], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    marks = {}
    for line in out.stdout.splitlines():
        label, _, stamp = line.partition(" ")
        marks[label] = (float(stamp) - started) * 1000
    if out.returncode != 0:
        if not expected <= marks.keys():
            raise RuntimeError(f"start-up run failed ({out.returncode}): {out.stdout[-400:]} {out.stderr[-800:]}")
        # Every mark was reached, so the times stand; the failure on the way out is reported,
        # not hidden.
        print(f"warning: the app exited with {out.returncode} after its last mark: {out.stderr[-1500:]}",
              file=sys.stderr, flush=True)
    return marks


def measure(data_dir: Path) -> dict[str, float]:
    """Median milliseconds: bare window paint; unlock dialog paint; main window and overview
    numbers after the key was derived."""
    rounds: dict[str, list[float]] = {"bare": [], "unlock": [], "main": [], "numbers": [], "progress": []}
    for _ in range(STARTS):
        rounds["bare"].append(_start(["-c", BARE], {"main"})["main"])
        marks = _start(["-m", "tests.bench.gui", "--child", str(data_dir)], {"unlock", "key", "main", "numbers", "progress"})
        rounds["unlock"].append(marks["unlock"])
        rounds["main"].append(marks["main"] - marks["key"])
        rounds["numbers"].append(marks["numbers"] - marks["key"])
        rounds["progress"].append(marks["progress"] - marks["key"])
    return {name: statistics.median(values) for name, values in rounds.items()}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.exit(child(Path(sys.argv[2])))
