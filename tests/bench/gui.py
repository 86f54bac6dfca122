"""Desktop app: start-up against a bare Qt window, first paint and filtering of big lists.

Start-up is timed from just before the process is started to the first paint of a window,
for a bare PySide6 ``QMainWindow`` and for the app (its unlock dialog, then its main window
after unlocking with Argon2id) started the same way, in the same run. The list figures are
measured in-process on offices of each size: first paint of a form's record list, and
applying a search or a sector filter (count plus the first page, which is what the user
waits for).

Run as a child process (``--child``) it is the thing being timed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.report import ratio, table

PASS = "benchmark passphrase"
STARTS = 3
SECTORS = ["quantum", "general_ai", "low_carbon_energy", "future_network"]
WORDS = ["量子", "通信", "芯片", "智能", "储能", "氢能", "材料", "网络", "卫星", "生物"]
ROOT = Path(__file__).resolve().parents[2]

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


def _record(i: int) -> dict:
    a, b, c = WORDS[i % 10], WORDS[(i // 10) % 10], WORDS[(i // 100) % 10]
    return {"name": f"安徽{a}{b}{c}科技有限公司{i}", "sector": SECTORS[i % 4], "intro": f"合肥市{b}{c}产业园区企业，编号{i}"}


def _fill(root: Path, n: int) -> Path:
    from desktop.services.checking import RecordChecker
    from desktop.services.records import RecordService
    from desktop.store.office import Office

    office, _ = Office.create(root, org_unit="340104", office_name="基准测试", admin="bench", passphrase=PASS)
    # The plain checker keeps the fill fast; the list shows title, sector and status alike.
    service = RecordService(office, RecordChecker())
    for start in range(0, n, 5000):
        service.add_many("enterprise", [_record(i) for i in range(start, min(n, start + 5000))])
    office.close()
    return root


# -- the timed child ------------------------------------------------------------------
def child(data_dir: Path) -> int:
    """Start the app like ``anhui-collect`` does, unlock, and print when windows first paint."""
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

    from desktop.gui import i18n
    from desktop.gui.app import AppController, create_application
    from desktop.gui.settings import Settings

    class Painted(QObject):
        def __init__(self, label: str, then=None) -> None:
            super().__init__()
            self.label, self.then, self.done = label, then, False

        def eventFilter(self, obj, event) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                print(self.label, time.time(), flush=True)
                if self.then:
                    QTimer.singleShot(0, self.then)
            return False

    app = create_application()
    settings = Settings.load(data_dir)
    i18n.install(settings.language())
    controller = AppController(data_dir, settings=settings)
    watchers = []

    def unlock() -> None:
        dialog = controller.dialog
        QTest.keyClicks(dialog.findChild(QLineEdit, "unlockPassphrase"), PASS)
        QTest.mouseClick(dialog.findChild(QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)

    original = controller.open_main

    def open_main(office):
        window = original(office)
        watch = Painted("main", lambda: QApplication.exit(0))
        window.installEventFilter(watch)
        watchers.append(watch)
        return window

    controller.open_main = open_main  # type: ignore[method-assign]
    controller.start()
    watch = Painted("unlock", unlock)
    controller.dialog.installEventFilter(watch)
    watchers.append(watch)
    QTimer.singleShot(60_000, lambda: QApplication.exit(3))
    return app.exec()


def _start(args: list[str]) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), PYTHONPATH=str(ROOT))
    started = time.time()
    out = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"start-up run failed: {out.stderr[-400:]}")
    marks = {}
    for line in out.stdout.splitlines():
        label, _, stamp = line.partition(" ")
        marks[label] = (float(stamp) - started) * 1000
    return marks


def measure_start(data_dir: Path) -> dict[str, float]:
    """Median milliseconds from process start to first paint: bare window, unlock, main window."""
    bare, unlock, main = [], [], []
    for _ in range(STARTS):
        bare.append(_start(["-c", BARE])["main"])
        marks = _start(["-m", "tests.bench.gui", "--child", str(data_dir)])
        unlock.append(marks["unlock"])
        main.append(marks["main"])
    return {"bare": statistics.median(bare), "unlock": statistics.median(unlock), "main": statistics.median(main)}


# -- in-process list figures -------------------------------------------------------------
def measure_list(data_dir: Path) -> dict[str, float]:
    """First paint of the enterprise list, and the time to apply filters to it."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtTest import QTest

    from desktop.gui.app import create_application
    from desktop.gui.i18n import install
    from desktop.gui.labels import SectorLabels
    from desktop.gui.record_list import RecordListPage
    from desktop.services.checking import default_checker
    from desktop.services.records import RecordService
    from desktop.store.office import Office
    from tests.bench.report import timed

    create_application()
    install("zh")
    checker = default_checker(None)
    office = Office.unlock(data_dir, None, PASS)
    try:
        service = RecordService(office, checker)
        painted: list[float] = []

        class Painted(QObject):
            def eventFilter(self, obj, event) -> bool:  # noqa: N802
                if event.type() == QEvent.Type.Paint and not painted:
                    painted.append(time.perf_counter())
                return False

        start = time.perf_counter()
        page = RecordListPage(service, checker.registry.form("enterprise"), SectorLabels(checker.registry))
        watch = Painted()
        page.table.viewport().installEventFilter(watch)
        page.resize(1080, 720)
        page.apply_filters()
        page.show()
        while not painted and time.perf_counter() - start < 30:
            QTest.qWait(1)
        first_paint = (painted[0] - start) * 1000
        model = page.model

        def search(term: str) -> None:
            page.search.setText(term)
            page.apply_filters()  # what the debounce timer calls

        search3 = timed(lambda: search("量子通信"), repeat=3) * 1000
        search2 = timed(lambda: search("储能"), repeat=3) * 1000
        page.search.setText("")
        sector = timed(lambda: (page.sector.setCurrentIndex(page.sector.findData("quantum")),
                                page.sector.setCurrentIndex(0)), repeat=3) * 1000 / 2
        hits = model.total
        page.close()
        page.deleteLater()
    finally:
        office.close()
    return {"paint": first_paint, "search3": search3, "search2": search2, "sector": sector, "hits": hits}


def run(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = _fill(Path(tmp) / "office", n)
            start = measure_start(data_dir)
            listing = measure_list(data_dir)
        rows.append([
            f"{n:,}",
            f"{start['bare']:.0f}", f"{start['unlock']:.0f}", ratio(start["unlock"], start["bare"]),
            f"{start['main']:.0f}", ratio(start["main"], start["bare"]),
            f"{listing['paint']:.0f}", f"{listing['search3']:.0f}", f"{listing['search2']:.0f}", f"{listing['sector']:.0f}",
        ])
    headers = [
        "records", "bare QMainWindow ms", "app unlock dialog ms", "ratio",
        "app main window ms", "ratio", "list first paint ms",
        "filter: search 4 chars ms", "search 2 chars ms", "sector ms",
    ]
    return table(
        f"Desktop app: process start to first paint (median of {STARTS} starts; the main window "
        "includes typing the passphrase and Argon2id), list first paint and filtering",
        headers, rows,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.exit(child(Path(sys.argv[2])))
    print(run([int(s) for s in (sys.argv[1:] or ["1000"])]))
