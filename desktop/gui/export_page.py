"""The audit export screen: which forms, since when, where; progress; and verifying an
export (the one just written, or any folder an auditor hands back).

The export is ``export_office`` on the pool over its own connection; verifying needs no
office at all, the same check ``anhui-collect verify-export`` runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.errors import message_for
from desktop.gui.i18n import language, pick
from desktop.gui.parts import GrowingTable, Message, choose_file, note, scrolling_layout, title
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from desktop.gui.worker_office import iterate_on_clone
from desktop.services.exchange.export import Progress, export_office
from desktop.services.exchange.verify import VerifyReport, verify_export

STEPS = {
    "records": QT_TRANSLATE_NOOP("ExportPage", "Writing records"),
    "history": QT_TRANSLATE_NOOP("ExportPage", "Writing the version history"),
    "sync": QT_TRANSLATE_NOOP("ExportPage", "Writing receipts and checkpoints"),
    "keys": QT_TRANSLATE_NOOP("ExportPage", "Writing the public keys"),
    "manifest": QT_TRANSLATE_NOOP("ExportPage", "Signing the manifest"),
    "done": QT_TRANSLATE_NOOP("ExportPage", "Done"),
}


def documents_folder() -> str:
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())


class ExportPage(QWidget):
    """Export for audit, and verify an export folder."""

    finished = Signal()  # an export or a check ended, however it ended

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportPage")
        self.session = session
        self.task: Task | None = None
        self.exported: Path | None = None
        self.report: VerifyReport | None = None

        what = QGroupBox(self.tr("What to export"))
        grid = QGridLayout()
        self.form_boxes: dict[str, QCheckBox] = {}
        for n, form in enumerate(session.registry.forms()):
            box = QCheckBox(pick(form.label_zh, form.label_en), objectName=f"exportForm_{form.id}", checked=True)
            self.form_boxes[form.id] = box
            grid.addWidget(box, n // 4, n % 4)
        self.since_box = QCheckBox(self.tr("Only records changed on or after"), objectName="exportSinceBox")
        self.since = QDateEdit(QDate(QDate.currentDate().year(), 1, 1), objectName="exportSince",
                               calendarPopup=True, displayFormat="yyyy-MM-dd", enabled=False)
        self.since_box.toggled.connect(self.since.setEnabled)
        since_row = QHBoxLayout()
        since_row.addWidget(self.since_box)
        since_row.addWidget(self.since)
        since_row.addStretch(1)
        what_layout = QVBoxLayout(what)
        what_layout.addLayout(grid)
        what_layout.addLayout(since_row)

        where = QGroupBox(self.tr("Where"))
        self.folder = QLineEdit(documents_folder(), objectName="exportFolder")
        browse = QPushButton(self.tr("Choose…"), objectName="exportBrowse")
        browse.clicked.connect(lambda: choose_file(self, self.tr("Choose where to put the export"), self.folder.text(),
                                                   "", self.folder.setText, folder=True))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        where_layout = QFormLayout(where)
        where_layout.addRow(self.tr("In the folder"), folder_row)
        where_layout.addRow("", note(self.tr("A new folder named after this office and the time is made there, "
                                             "e.g. on a USB stick for the auditor.")))

        self.export_button = QPushButton(self.tr("Export"), objectName="exportButton")
        self.export_button.setStyleSheet("font-weight: 600")
        self.export_button.clicked.connect(self.export)
        self.verify_last = QPushButton(self.tr("Verify this export"), objectName="verifyExported", enabled=False)
        self.verify_last.clicked.connect(lambda: self.verify(self.exported) if self.exported else None)
        self.verify_any = QPushButton(self.tr("Verify an export folder…"), objectName="verifyFolder")
        self.verify_any.clicked.connect(lambda: choose_file(self, self.tr("Choose an export folder to verify"),
                                                            self.folder.text(), "", lambda p: self.verify(Path(p)), folder=True))
        self.progress = QProgressBar(objectName="exportProgress", textVisible=False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.verify_last)
        buttons.addWidget(self.verify_any)
        self.message = Message("exportMessage")
        self.problems = GrowingTable(0, 2, objectName="verifyProblems")
        self.problems.setHorizontalHeaderLabels([self.tr("File or record"), self.tr("Problem")])
        self.problems.verticalHeader().setVisible(False)
        self.problems.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.problems.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.problems.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.problems.hide()
        # What the export holds, by form: the numbers an auditor will be asked about.
        self.contents = GrowingTable(0, 2, objectName="exportContents")
        self.contents.setHorizontalHeaderLabels([self.tr("In the export"), self.tr("Count")])
        self.contents.verticalHeader().setVisible(False)
        self.contents.verticalHeader().setDefaultSectionSize(26)
        self.contents.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.contents.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.contents.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.contents.hide()

        layout = scrolling_layout(self)
        layout.addWidget(title(self.tr("Export for audit"), "exportTitle"))
        layout.addWidget(note(self.tr(
            "Writes what an auditor needs to check this office without trusting it: the records of the chosen forms "
            "(Excel, CSV and JSON Lines), their full version history, the province's receipts, the public keys and a "
            "manifest signed by this device. Auditors check it offline with “anhui-collect verify-export”.")))
        layout.addWidget(what)
        layout.addWidget(where)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        # The tables take the room when shown; otherwise the stretch keeps the page at the top.
        layout.addWidget(self.problems, 10)
        layout.addWidget(self.contents, 10)
        layout.addStretch(1)

    # -- export -----------------------------------------------------------------------
    def chosen_forms(self) -> list[str] | None:
        """The ticked forms; None when all are (the export then names no filter)."""
        ticked = [fid for fid, box in self.form_boxes.items() if box.isChecked()]
        return None if len(ticked) == len(self.form_boxes) else ticked

    def target(self) -> Path:
        """A new folder under the chosen one, named after the office and the minute."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        base = Path(self.folder.text().strip()).expanduser()
        name = self.tr("{org_unit}-audit-export-{time}").format(org_unit=self.session.office.org_unit, time=stamp)
        out, n = base / name, 2
        while out.exists():
            out, n = base / f"{name}-{n}", n + 1
        return out

    def export(self) -> None:
        forms = self.chosen_forms()
        if forms == []:
            self.message.show_text("error", self.tr("Tick at least one form to export."))
            return
        parent = Path(self.folder.text().strip()).expanduser()
        if not self.folder.text().strip() or not parent.is_dir():
            self.message.show_text("error", self.tr("Choose an existing folder to put the export in."))
            return
        since = self.since.date().toString("yyyy-MM-dd") if self.since_box.isChecked() else None
        out = self.target()
        self._busy(True)
        self.exported = None
        self.problems.hide()
        self.contents.hide()
        self.message.show_text("info", self.tr("Exporting to {path}…").format(path=out))
        office, registry = self.session.office, self.session.registry
        self.task = Task(lambda: iterate_on_clone(office, lambda worker: export_office(
            worker, registry, out, forms=forms, since=since)), self)
        self.task.progress(self._step).success(self._exported).failure(self._failed).start()

    def _busy(self, busy: bool) -> None:
        for button in (self.export_button, self.verify_any):
            button.setEnabled(not busy)
        self.verify_last.setEnabled(not busy and self.exported is not None)
        if busy:
            self.progress.setRange(0, 0)

    def _step(self, step: Progress) -> None:
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(step.done)
        words = QCoreApplication.translate("ExportPage", STEPS.get(step.step, step.step))
        if step.step == "records" and step.total:
            words = self.tr("{step}: {done} of {total}").format(step=words, done=step.done, total=step.total)
        self.message.show_text("info", words)

    def _ended(self) -> None:
        self.task = None
        self._busy(False)
        self.finished.emit()

    def _exported(self, last: Progress) -> None:
        self.exported = Path(last.detail)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        counts: dict[str, Any] = last.counts
        self.message.show_text("ok", self.tr(
            "Exported {records} records, {versions} versions and {receipts} receipts to {path}. "
            "Verify it now to be sure it reads back as written.").format(
            records=sum(counts.get("records", {}).values()), versions=counts.get("versions", 0),
            receipts=counts.get("receipts", 0), path=self.exported))
        self._fill_contents(counts)
        self._ended()

    def _fill_contents(self, counts: dict[str, Any]) -> None:
        forms = {f.id: pick(f.label_zh, f.label_en) for f in self.session.registry.forms()}
        by_form = counts.get("records", {})
        rows = [(self.tr("Records: {form}").format(form=forms.get(fid, fid)), n) for fid, n in by_form.items() if n]
        # Forms without records share one row, so the numbers that matter fit without scrolling.
        empty = [forms.get(fid, fid) for fid, n in by_form.items() if not n]
        if empty:
            rows.append((self.tr("Records: {form}").format(form=("、" if language() == "zh" else ", ").join(empty)), 0))
        rows += [(self.tr("Record versions"), counts.get("versions", 0)),
                 (self.tr("History entries"), counts.get("history", 0)),
                 (self.tr("Batches sent to the province"), counts.get("batches", 0)),
                 (self.tr("Receipts from the province"), counts.get("receipts", 0))]
        self.contents.setRowCount(len(rows))
        for row, (what, n) in enumerate(rows):
            self.contents.setItem(row, 0, QTableWidgetItem(what))
            number = QTableWidgetItem(f"{n:,}")
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.contents.setItem(row, 1, number)
        self.contents.show()

    def _failed(self, exc: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.message.show_text("error", message_for(exc))
        self._ended()

    # -- verify -----------------------------------------------------------------------
    def verify(self, folder: Path) -> None:
        """Check ``folder`` as an auditor would (on the pool: it hashes every file)."""
        self._busy(True)
        self.problems.hide()
        if folder != self.exported:
            self.contents.hide()  # it describes the export just written, not this folder
        self.message.show_text("info", self.tr("Verifying {path}…").format(path=folder))
        self.task = Task(lambda: verify_export(folder), self).success(
            lambda report: self._verified(folder, report)).failure(self._failed).start()

    def _verified(self, folder: Path, report: VerifyReport) -> None:
        self.report = report
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if report.ok else 0)
        checked = report.checked
        if report.ok:
            self.message.show_text("ok", self.tr(
                "{path} verifies: {files} files, {versions} versions, {history} history entries and {receipts} "
                "receipts match the manifest signed by the office.").format(
                path=folder, files=checked.get("files", 0), versions=checked.get("versions", 0),
                history=checked.get("history", 0), receipts=checked.get("receipts", 0)))
        else:
            self.message.show_text("error", self.tr(
                "{path} does NOT verify: %n problem(s). The export was changed, damaged or is incomplete.",
                "", len(report.problems)).format(path=folder))
            self.problems.setRowCount(len(report.problems))
            for row, (where, zh, en) in enumerate(report.problems):
                self.problems.setItem(row, 0, QTableWidgetItem(where))
                self.problems.setItem(row, 1, QTableWidgetItem(zh if language() == "zh" else en))
            self.problems.show()
        self._ended()
