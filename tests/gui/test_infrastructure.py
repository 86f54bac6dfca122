"""The pieces under every screen: the background adapter, settings, errors, idle lock."""

from __future__ import annotations

import json
import sys

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.errors import DiskFull
from desktop.gui import errors, tasks
from desktop.gui.idle import IdleWatcher
from desktop.gui.passphrase import strength
from desktop.gui.settings import REGISTRY, Settings
from desktop.gui.settings_dialog import LABELS


def test_task_reports_success_failure_and_progress(qtbot):
    results: list = []

    def counting():
        yield from range(3)
        return "done"

    steps: list = []
    tasks.Task(counting).progress(steps.append).success(results.append).start()
    tasks.Task(lambda: 1 / 0).failure(results.append).start()
    qtbot.waitUntil(lambda: len(results) == 2 and tasks.busy() == 0, timeout=3000)
    assert "done" in results and any(isinstance(r, ZeroDivisionError) for r in results)
    assert steps == [0, 1, 2]


def test_task_report_delivers_callback_progress_on_the_gui_thread(qtbot):
    import threading

    seen: list = []
    results: list = []
    gui = threading.get_ident()
    task = tasks.Task(lambda: [task.report(i) for i in range(3)] and threading.get_ident())
    task.progress(lambda step: seen.append((step, threading.get_ident()))).success(results.append).start()
    qtbot.waitUntil(lambda: bool(results) and tasks.busy() == 0, timeout=3000)
    assert seen == [(0, gui), (1, gui), (2, gui)]
    assert results[0] != gui  # the work itself ran on the pool


def test_work_and_what_it_captured_are_released_on_the_gui_thread(qtbot):
    """Freeing a task's work (and the widgets it captured) on a worker thread crashed the app."""
    import threading
    import weakref

    gui = threading.get_ident()
    freed: list[int] = []
    done: list = []

    class Captured:
        pass

    for i in range(200):
        captured = Captured()
        weakref.finalize(captured, lambda: freed.append(threading.get_ident()))
        work = (lambda c=captured, n=i: n) if i % 2 else (lambda c=captured: 1 / 0)
        tasks.Task(work).success(done.append).failure(lambda exc: done.append(type(exc))).start()
        del captured, work
    qtbot.waitUntil(lambda: len(done) == 200 and tasks.busy() == 0 and len(freed) == 200, timeout=10000)
    assert set(freed) == {gui}


def test_tasks_whose_windows_close_while_they_run_never_crash_the_app(qtbot):
    """800 tasks, half of whose owners are deleted while the work runs. Before the tasks
    held no Qt object on worker threads this crashed the process in most runs."""
    import time

    from PySide6.QtWidgets import QWidget

    answered: list = []
    for round_ in range(40):
        owners = [QWidget() for _ in range(20)]
        for i, owner in enumerate(owners):
            def work(i: int = i, round_: int = round_) -> tuple[int, int]:
                time.sleep(0.0005 * (i % 3))
                return round_, i

            tasks.Task(work, owner).success(answered.append).failure(answered.append).start()
        for owner in owners[::2]:
            owner.deleteLater()
        del owners
        QApplication.processEvents()
    qtbot.waitUntil(lambda: tasks.busy() == 0, timeout=20000)
    # Every living owner has its answer; a closed one's may have come before it closed.
    assert {(r, i) for r in range(40) for i in range(1, 20, 2)} <= set(answered)


def test_a_task_answers_after_start_returns_even_when_refused_at_once(qtbot, tmp_path):
    import sqlite_utils

    from desktop.store.writer import Writer

    writer = Writer(lambda: sqlite_utils.Database(memory=True))  # closed before the job: the refusal is the answer
    writer.close()
    answers: list = []

    class Office:
        pass

    office = Office()
    office.writer = writer
    tasks.Task.write(office, lambda db: None).failure(answers.append).start()
    assert answers == []  # not delivered inside start(): the caller finishes its own setup first
    qtbot.waitUntil(lambda: bool(answers) and tasks.busy() == 0, timeout=3000)


def test_task_without_failure_handler_shows_the_error(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ANHUI_COLLECT_HOME", str(tmp_path))

    def fail():
        raise DiskFull()

    tasks.Task(fail).start()
    qtbot.waitUntil(lambda: any(w.objectName() == "errorBox" and w.isVisible() for w in QApplication.topLevelWidgets()), timeout=3000)
    box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "errorBox" and w.isVisible())
    assert "磁盘空间不足" in box.text()
    box.close()


def test_unexpected_exception_is_logged_without_values(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ANHUI_COLLECT_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    errors.install_excepthook()  # what run_gui does
    assert sys.excepthook is errors.excepthook
    secret = "91340100MA2NF8XL36 安徽秘密科技有限公司"
    try:
        raise ValueError(secret)
    except ValueError:
        exc_type, exc, tb = sys.exc_info()
    errors.excepthook(exc_type, exc, tb)
    log = (tmp_path / "logs" / "anhui-collect.log").read_text(encoding="utf-8")
    assert "ValueError" in log and "test_unexpected_exception" in log
    assert secret not in log and "安徽秘密" not in log
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert any("意外错误" in b.text() for b in boxes)
    for box in boxes:
        box.close()


def test_settings_are_typed_declared_and_saved_atomically(tmp_path):
    settings = Settings.load(tmp_path)
    assert settings.get("language") == "zh" and settings.get("idle_lock_minutes") == 10
    with pytest.raises(ValueError):
        settings.set("idle_lock_minutes", "ten")
    with pytest.raises(ValueError):
        settings.set("language", "fr")
    settings.set("language", "en")
    settings.set("idle_lock_minutes", 3)
    settings.save()
    assert json.loads((tmp_path / "settings.json").read_text()) == {"idle_lock_minutes": 3, "language": "en"}
    assert Settings.load(tmp_path).get("idle_lock_minutes") == 3
    # A damaged file or a wrong type falls back to the defaults instead of stopping the app.
    (tmp_path / "settings.json").write_text('{"idle_lock_minutes": true, "page_size": 7')
    assert Settings.load(tmp_path).get("idle_lock_minutes") == 10
    # The dialog shows what a clerk should change, each with a label; the rest stays out of it.
    assert {s.name for s in REGISTRY if s.for_clerk} == set(LABELS) == {"language", "idle_lock_minutes"}


def test_idle_watcher_fires_without_input_and_restarts_on_input(qtbot):
    watcher = IdleWatcher(0.005)  # 300 ms
    with qtbot.waitSignal(watcher.idle, timeout=2000):
        pass
    watcher.set_minutes(0)
    assert not watcher.timer.isActive()
    watcher.stop()


def test_passphrase_strength():
    assert strength("1234567") == 0 and strength("12345678") == 0 and strength("aaaaaaaaaaaa") == 0
    assert strength("correct horse") >= 2
    assert strength("我们的办公室在蜀山区，2024年搬到了新楼!") == 4


def test_count_axes_tick_on_whole_numbers():
    from PySide6.QtCharts import QValueAxis

    from desktop.gui.dashboard import whole_ticks

    for top in (0, 1, 3, 7, 12, 38, 149, 2999):
        axis = QValueAxis()
        whole_ticks(axis, top)
        step = (axis.max() - axis.min()) / (axis.tickCount() - 1)
        assert axis.min() == 0 and axis.max() >= max(top, 1), top
        assert step >= 1 and step == int(step) and axis.tickCount() <= 6, (top, step)  # 0, 2, 4, 6, 8 for 7
