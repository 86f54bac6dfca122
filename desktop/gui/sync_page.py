"""The sync screen: this device's enrollment, what waits to be sent, "sync now" with progress
and cancel, the last sync's summary and every receipt the province has signed.

The sync itself runs on the thread pool over its own connection (``worker_office``); its
progress callback hands each step to the GUI thread through ``Task.report``, so the window
stays live for the minutes a slow network can take.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import vocabulary
from desktop.gui.enroll_form import EnrollForm
from desktop.gui.errors import message_for
from desktop.gui.i18n import language
from desktop.gui.parts import GrowingTable, Message, PlainLabel, note, scrolling_layout, title
from desktop.gui.record_model import local_time
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from desktop.gui.worker_office import call_on_clone
from desktop.services.device import enrollment
from desktop.services.outbox import OfficeOutbox
from desktop.services.sync_office import sync_office
from sync.errors import Cancelled
from sync.runner import SyncProgress, SyncSummary


def step_words(step: str) -> str:
    """A step of the sync runner as a clerk reads it (the words the command line prints too)."""
    return vocabulary.word(vocabulary.SYNC_STEPS, step, language())


def _cell(value: Any, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(str(value))
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class SyncPage(QWidget):
    """The Sync entry of the main window. ``records_changed`` after a sync changed statuses."""

    records_changed = Signal()
    finished = Signal()  # a sync ended, however it ended (tests and screenshots wait for it)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncPage")
        self.session = session
        self.task: Task | None = None
        self.cancel_event: threading.Event | None = None
        self.summary: SyncSummary | None = None

        self.state_box = QGroupBox(self.tr("This device"), objectName="enrollBox")
        self.state = QFormLayout()
        self.device_id = PlainLabel(objectName="deviceId", textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.endpoint = PlainLabel(objectName="deviceEndpoint")
        self.enrolled_at = PlainLabel(objectName="deviceEnrolledAt")
        self.state.addRow(self.tr("Device id"), self.device_id)
        self.state.addRow(self.tr("Provincial endpoint"), self.endpoint)
        self.state.addRow(self.tr("Enrolled"), self.enrolled_at)
        self.not_enrolled = note("", "notEnrolled")
        self.enroll_form = EnrollForm(session)
        self.enroll_form.enrolled.connect(lambda _id: self.refresh())
        box = QVBoxLayout(self.state_box)
        box.addLayout(self.state)
        box.addWidget(self.not_enrolled)
        box.addWidget(self.enroll_form)

        sync_box = QGroupBox(self.tr("Send to the province"), objectName="syncBox")
        self.pending = PlainLabel(objectName="pendingCount")
        self.pending.setStyleSheet("font-size: 16px; font-weight: 600; color: #1f2d3d")
        self.sync_button = QPushButton(self.tr("Sync now"), objectName="syncNow")
        self.sync_button.setStyleSheet("font-weight: 600")
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button = QPushButton(self.tr("Cancel"), objectName="syncCancel", enabled=False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar(objectName="syncProgress", textVisible=False)
        self.step = PlainLabel(objectName="syncStep", visible=False)  # shown once a sync has started
        self.step.setStyleSheet("color: #4a5560")
        self.message = Message("syncMessage")
        row = QHBoxLayout()
        row.addWidget(self.sync_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        sync_layout = QVBoxLayout(sync_box)
        sync_layout.addWidget(self.pending)
        sync_layout.addWidget(note(self.tr("Final records are sent with their versions; drafts stay here. "
                                           "Everything sent is kept until the province's signed receipt is in.")))
        sync_layout.addLayout(row)
        sync_layout.addWidget(self.step)
        sync_layout.addWidget(self.message)

        receipts_box = QGroupBox(self.tr("Receipts from the province"), objectName="receiptsBox")
        self.receipts = GrowingTable(0, 6, objectName="receiptsTable")
        self.receipts.setHorizontalHeaderLabels([
            self.tr("No."), self.tr("Batch"), self.tr("Batch id"), self.tr("Received by the province"),
            self.tr("Accepted"), self.tr("Rejected")])
        self.receipts.verticalHeader().setVisible(False)
        self.receipts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.receipts.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.receipts.setAlternatingRowColors(True)
        header = self.receipts.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.no_receipts = note(self.tr("No receipts yet: they arrive with the first sync."), "noReceipts")
        receipts_layout = QVBoxLayout(receipts_box)
        receipts_layout.addWidget(self.receipts, 1)
        receipts_layout.addWidget(self.no_receipts, 1, Qt.AlignmentFlag.AlignTop)
        self.receipts_box = receipts_box

        layout = scrolling_layout(self)
        layout.addWidget(title(self.tr("Sync with the province"), "syncTitle"))
        layout.addWidget(self.state_box)
        layout.addWidget(sync_box)
        layout.addWidget(receipts_box, 1)
        layout.addStretch(0)  # holds the boxes at the top while there is no receipts box
        self.refresh()

    # -- what the office holds --------------------------------------------------------
    def pending_count(self) -> int:
        """Versions in the outbox plus final records not yet queued: what "sync now" sends."""
        return OfficeOutbox(self.session.office).pending_count() + self.session.records.count(status="final")

    def refresh(self) -> None:
        """Reread enrollment, the pending count and the receipts (quick indexed reads)."""
        office = self.session.office
        enrolled = enrollment(office)
        for row in range(self.state.rowCount()):
            self.state.setRowVisible(row, enrolled is not None)
        if enrolled is not None:
            self.device_id.setText(enrolled.device_id)
            self.endpoint.setText(enrolled.endpoint + (f"  (CA: {enrolled.ca_bundle})" if enrolled.ca_bundle else ""))
            self.enrolled_at.setText(local_time(enrolled.enrolled_at))
        admin = office.role == "admin"
        self.not_enrolled.setVisible(enrolled is None)
        self.not_enrolled.setText(
            self.tr("This office's device is not enrolled yet. Ask the province for a one-time enrollment code, then enter it below.")
            if admin else
            self.tr("This office's device is not enrolled yet. An administrator of this office must enroll it with the province's code."))
        self.enroll_form.setVisible(enrolled is None and admin)
        running = self.task is not None
        self.sync_button.setEnabled(enrolled is not None and not running)
        self.sync_button.setToolTip("" if enrolled is not None else self.tr("Enroll the device first"))
        self.pending.setText(self.tr("%n record(s) waiting to be sent", "", self.pending_count()))
        self._fill_receipts(OfficeOutbox(office).receipts())

    def _fill_receipts(self, rows: list[dict[str, Any]]) -> None:
        rows = list(reversed(rows))  # the latest first: it is the one a clerk looks for
        self.receipts.setRowCount(len(rows))
        for n, row in enumerate(rows):
            batch = _cell(row["batch_id"])
            batch.setToolTip(row["batch_id"])
            for column, item in enumerate([_cell(row["id"], True), _cell(row["sequence"], True), batch,
                                           _cell(local_time(row["received_at"])), _cell(row["accepted"], True),
                                           _cell(row["rejected"], True)]):
                self.receipts.setItem(n, column, item)
        self.receipts.setVisible(bool(rows))
        self.no_receipts.setVisible(not rows)
        # Before enrolling there can be no receipts; the enrollment form needs the room.
        self.receipts_box.setVisible(bool(rows) or enrollment(self.session.office) is not None)

    # -- syncing ----------------------------------------------------------------------
    def sync_now(self) -> None:
        """Send, keep receipts and pull updates on the pool; the page shows each step."""
        if self.task is not None:
            return
        self.cancel_event = cancel = threading.Event()
        self.summary = None
        self.message.clear()
        self.sync_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the first count is known
        self.step.show()
        self._show_step(SyncProgress("config", 0, 0))
        office = self.session.office
        task = Task(lambda: call_on_clone(office, lambda worker: sync_office(
            worker, progress=task.report, cancel=cancel)), self)
        self.task = task.progress(self._show_step).success(self._synced).failure(self._failed).start()

    def cancel(self) -> None:
        """Stop at the next step or retry wait; everything done so far is kept."""
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.cancel_button.setEnabled(False)
            self.step.setText(self.tr("Cancelling…"))

    def stop(self) -> None:
        """Before the office is locked or closed: a running sync stops at its next step."""
        if self.cancel_event is not None:
            self.cancel_event.set()

    def _show_step(self, step: SyncProgress) -> None:
        if self.cancel_event is not None and self.cancel_event.is_set():
            return  # "Cancelling…" stays until the sync has stopped
        words = step_words(step.step)
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(step.done)
            words = self.tr("{step}: {done} of {total} records answered").format(step=words, done=step.done, total=step.total)
        elif step.step != "config":
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if step.step == "done" else 0)
        self.step.setText(words)

    def _ended(self) -> None:
        self.task = None
        self.cancel_event = None
        self.cancel_button.setEnabled(False)
        self.refresh()
        self.records_changed.emit()
        self.finished.emit()

    def _synced(self, summary: SyncSummary) -> None:
        self.summary = summary
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.step.setText(step_words("done"))
        self.message.show_text("warn" if summary.rejected or summary.returned else "ok", self.summary_text(summary))
        self._ended()

    def summary_text(self, summary: SyncSummary) -> str:
        text = self.tr("Sync done: sent {sent}, accepted {accepted}, rejected {rejected}, returned {returned}, "
                       "updates pulled {pulled}.").format(
            sent=summary.sent, accepted=summary.accepted, rejected=summary.rejected,
            returned=summary.returned, pulled=summary.pulled)
        if summary.already_received:
            text += " " + self.tr("{n} had already reached the province earlier.").format(n=summary.already_received)
        if summary.rejected or summary.returned:
            text += " " + self.tr("Rejected and returned records show as “Returned” in their form's list, with the province's reasons.")
        return text

    def _failed(self, exc: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        cancelled = isinstance(getattr(exc, "cause", None), Cancelled)
        self.step.setText(self.tr("Cancelled") if cancelled else self.tr("Stopped"))
        # A cancel is the clerk's own choice, not a failure: said plainly, not in red.
        self.message.show_text("info" if cancelled else "error", message_for(exc))
        self._ended()
