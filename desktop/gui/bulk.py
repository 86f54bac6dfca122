"""Work on many records from a list: mark the selection final, save the list as Excel.

Both run on the thread pool over their own connection (the marking itself is jobs for the
office's writer, a chunk at a time), show their progress on the list with a cancel button,
and end by saying what happened: how many records became final and, in a dialog, every
record that did not with its reasons.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import WorkCancelled
from desktop.gui.errors import show_error, show_message
from desktop.gui.export_page import documents_folder
from desktop.gui.i18n import language, pick
from desktop.gui.parts import PlainLabel, choose_file, plain_tip
from desktop.gui.record_list import RecordListPage
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from desktop.gui.worker_office import iterate_on_clone
from desktop.services.bulk import BulkProgress, NotFinalized, finalize_records
from desktop.services.records import RecordService


class NotFinalizedDialog(QDialog):
    """The records of a bulk "mark final" that stayed as they were, each with its reasons."""

    def __init__(self, summary: str, failed: list[NotFinalized], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notFinalizedDialog")
        self.setWindowTitle(self.tr("Records not marked final"))
        self.table = QTableWidget(len(failed), 2, objectName="notFinalizedTable")
        self.table.setHorizontalHeaderLabels([self.tr("Record"), self.tr("Why it was not marked final")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, item in enumerate(failed):
            name = QTableWidgetItem(item.title or item.record_id[:8])
            name.setData(Qt.ItemDataRole.UserRole, item.record_id)
            self.table.setItem(row, 0, name)
            reason = QTableWidgetItem(item.reason(language()))
            reason.setToolTip(plain_tip(item.reason(language())))
            self.table.setItem(row, 1, reason)
        self.table.setColumnWidth(0, 300)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(PlainLabel(summary, wordWrap=True, objectName="notFinalizedSummary"))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        # As tall as its rows need (a few reasons leave no empty table), up to 480 pixels.
        shown = sum(self.table.rowHeight(r) for r in range(min(len(failed), 12)))
        table_height = self.table.horizontalHeader().sizeHint().height() + shown + 2 * self.table.frameWidth() + 4
        self.resize(860, min(480, table_height + 120))
        # Focus on Close, not on the first cell (which then looks like a button).
        buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()


class BulkActions(QObject):
    """Runs a list's bulk work for the main window; ``records_changed`` once statuses changed."""

    records_changed = Signal()
    finished = Signal()  # a bulk job ended, however it ended (tests wait for it)

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.window = parent
        self.task: Task | None = None
        self.cancel_event: threading.Event | None = None
        self.last: BulkProgress | None = None
        self.pages: set[RecordListPage] = set()

    def running(self) -> bool:
        return self.task is not None

    def _start(self, page: RecordListPage, text: str, work: Any, done: Any, step: Any) -> None:
        self.cancel_event = cancel = threading.Event()
        page.show_work(text)
        if page not in self.pages:
            self.pages.add(page)
            page.work_cancel.clicked.connect(lambda: (self.stop(), page.work_cancel.setEnabled(False)))
        office = self.session.office
        self.task = Task(lambda: iterate_on_clone(office, lambda worker: work(worker, cancel)), page)
        self.task.progress(lambda p: step(page, p)).success(lambda last: self._ended(page, done, last)).failure(
            lambda exc: self._failed(page, exc)).start()

    def _ended(self, page: RecordListPage, done: Any, last: Any) -> None:
        self.task = self.cancel_event = None
        page.end_work()
        done(page, last)
        self.finished.emit()

    def _failed(self, page: RecordListPage, exc: BaseException) -> None:
        self.task = self.cancel_event = None
        page.end_work()
        if not isinstance(exc, WorkCancelled):
            show_error(self.window, exc)
        self.records_changed.emit()  # chunks made final before the failure are final
        self.finished.emit()

    def stop(self) -> None:
        """Before the office is locked or closed: the work stops at its next record."""
        if self.cancel_event is not None:
            self.cancel_event.set()

    # -- mark final -------------------------------------------------------------------
    def finalize(self, page: RecordListPage, record_ids: list[str]) -> None:
        """Check the selected records as final and mark the ones that pass."""
        if self.running() or not record_ids:
            return
        checker = self.session.checker
        self._start(page, self.tr("Checking %n record(s)…", "", len(record_ids)),
                    lambda worker, cancel: finalize_records(RecordService(worker, checker), record_ids, cancel=cancel),
                    self._finalized, self._finalize_step)

    def _finalize_step(self, page: RecordListPage, step: BulkProgress) -> None:
        page.show_work(self.tr("Checked {done} of {total}; {final} marked final so far").format(
            done=step.done, total=step.total, final=len(step.finalized)), step.done, step.total)

    def _finalized(self, page: RecordListPage, last: BulkProgress) -> None:
        self.last = last
        summary = self.tr("%n record(s) marked final; they will be sent at the next sync.", "", len(last.finalized))
        if last.skipped:
            summary += " " + self.tr("%n were final or sent already.", "", last.skipped)
        if last.cancelled:
            summary += " " + self.tr("Cancelled before the end of the selection.")
        if last.failed:
            summary += " " + self.tr("%n record(s) have problems and stay drafts:", "", len(last.failed))
            NotFinalizedDialog(summary, last.failed, self.window).open()
        else:
            status = getattr(self.window, "statusBar", None)
            if callable(status):
                status().showMessage(summary, 8000)
        self.records_changed.emit()

    # -- save the list as Excel -------------------------------------------------------
    def export(self, page: RecordListPage) -> None:
        """Ask where, then save the list's records (as filtered) to an Excel workbook."""
        if self.running():
            return
        name = self.tr("{form} list.xlsx").format(form=pick(page.form.label_zh, page.form.label_en))
        start = os.path.join(documents_folder(), name)
        choose_file(page, self.tr("Save the list as an Excel workbook"), start,
                    self.tr("Excel workbooks (*.xlsx)"), lambda path: self.export_to(page, Path(path)), save=True)

    def export_to(self, page: RecordListPage, target: Path) -> None:
        from desktop.services.exchange.list_export import export_list

        filters, form, checker = page.current_filters(), page.form, self.session.checker
        self._start(page, self.tr("Saving {name}…").format(name=target.name),
                    lambda worker, cancel: export_list(RecordService(worker, checker), form, filters, target, cancel=cancel),
                    self._exported, lambda p, step: p.show_work(self.tr("Saving: {done} of {total} records").format(
                        done=step.done, total=step.total), step.done, step.total))

    def _exported(self, page: RecordListPage, last: Any) -> None:
        self.last = last
        show_message(self.window, self.tr("Saved {n} records to {path}.").format(n=last.done, path=last.path))
