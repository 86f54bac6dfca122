"""The Excel import screen: a workbook in, every row checked like a typed record, the rows
with problems listed (and written to an error report beside the file); and empty
templates to fill in.

The import is ``import_workbook`` on the pool over its own connection, so a big sheet shows
progress while the window stays usable.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
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
from desktop.gui.export_page import documents_folder
from desktop.gui.i18n import language, pick
from desktop.gui.parts import Message, choose_file, note, title
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from desktop.gui.worker_office import iterate_on_clone
from desktop.services.exchange.importer import ImportProgress, import_workbook
from desktop.services.exchange.template import write_template
from desktop.services.records import RecordService

STEPS = {
    "reading": QT_TRANSLATE_NOOP("ImportPage", "Reading the workbook: {done} rows"),
    "checking": QT_TRANSLATE_NOOP("ImportPage", "Checking rows: {done} of {total}"),
    "saving": QT_TRANSLATE_NOOP("ImportPage", "Saving {total} records"),
    "done": QT_TRANSLATE_NOOP("ImportPage", "Done"),
}
# A sheet with thousands of bad rows (a wrong column) lists the first ones; the error
# report beside the file holds every one.
SHOWN_PROBLEMS = 1000
XLSX_FILTER = QT_TRANSLATE_NOOP("ImportPage", "Excel workbooks (*.xlsx)")


class ImportPage(QWidget):
    """Import from Excel, and save an empty template. ``records_changed`` after an import."""

    records_changed = Signal()
    finished = Signal()  # an import or a template ended, however it ended

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importPage")
        self.session = session
        self.task: Task | None = None
        self.result: ImportProgress | None = None

        box = QGroupBox(self.tr("Import a workbook"))
        self.file = QLineEdit(objectName="importFile")
        self.file.setPlaceholderText(self.tr("An .xlsx file in the layout of a template or an export"))
        browse = QPushButton(self.tr("Choose…"), objectName="importBrowse")
        browse.clicked.connect(lambda: choose_file(
            self, self.tr("Choose the workbook to import"), os.path.dirname(self.file.text()) or documents_folder(),
            self._xlsx(), self.file.setText))
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.partial = QCheckBox(self.tr("Import the rows without problems even if other rows have some"),
                                 objectName="importPartial")
        self.final = QCheckBox(self.tr("Import as final (ready to sync) instead of as drafts"), objectName="importFinal")
        self.import_button = QPushButton(self.tr("Import"), objectName="importButton")
        self.import_button.setStyleSheet("font-weight: 600")
        self.import_button.clicked.connect(self.start_import)
        self.progress = QProgressBar(objectName="importProgress", textVisible=False)
        run_row = QHBoxLayout()
        run_row.addWidget(self.import_button)
        run_row.addWidget(self.progress, 1)
        self.message = Message("importMessage")
        self.problems = QTableWidget(0, 4, objectName="importProblems")
        self.problems.setHorizontalHeaderLabels([self.tr("Sheet"), self.tr("Row"), self.tr("Column"), self.tr("Problem")])
        self.problems.verticalHeader().setVisible(False)
        self.problems.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.problems.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.problems.setAlternatingRowColors(True)
        header = self.problems.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.open_report = QPushButton(self.tr("Open the error report's folder"), objectName="openReport")
        self.open_report.clicked.connect(self._open_report_folder)
        self.report_note = note("", "reportNote")
        self.problems.hide()
        self.open_report.hide()
        self.report_note.hide()
        form = QFormLayout()
        form.addRow(self.tr("Workbook"), file_row)
        form.addRow("", self.partial)
        form.addRow("", self.final)
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(form)
        box_layout.addWidget(note(self.tr("By default nothing is imported while any row has a problem: correct the "
                                          "rows the report names and import the file again.")))
        box_layout.addLayout(run_row)
        box_layout.addWidget(self.message)
        box_layout.addWidget(self.problems, 1)
        report_row = QHBoxLayout()
        report_row.addWidget(self.report_note, 1)
        report_row.addWidget(self.open_report)
        box_layout.addLayout(report_row)

        templates = QGroupBox(self.tr("Templates"))
        self.template_form = QComboBox(objectName="templateForm")
        for form_def in session.registry.forms():
            self.template_form.addItem(pick(form_def.label_zh, form_def.label_en), form_def.id)
        self.template_button = QPushButton(self.tr("Save template…"), objectName="templateButton")
        self.template_button.clicked.connect(self.ask_template)
        self.template_message = Message("templateMessage")
        template_row = QHBoxLayout()
        template_row.addWidget(self.template_form)
        template_row.addWidget(self.template_button)
        template_row.addWidget(self.template_message, 1)
        template_row.addStretch(0)  # keeps the drop-down and button their own size without a message
        templates_layout = QVBoxLayout(templates)
        templates_layout.addWidget(note(self.tr("An empty workbook for one form: its column headers, drop-down lists "
                                                "for its choices and one example row to copy.")))
        templates_layout.addLayout(template_row)

        layout = QVBoxLayout(self)
        layout.addWidget(title(self.tr("Import from Excel"), "importTitle"))
        layout.addWidget(box, 1)
        layout.addWidget(templates)

    @staticmethod
    def _xlsx() -> str:
        return QCoreApplication.translate("ImportPage", XLSX_FILTER)

    # -- import -----------------------------------------------------------------------
    def start_import(self) -> None:
        path = Path(self.file.text().strip()).expanduser()
        if not self.file.text().strip() or not path.is_file():
            self.message.show_text("error", self.tr("Choose the workbook (.xlsx) to import."))
            return
        partial, final = self.partial.isChecked(), self.final.isChecked()
        self.result = None
        self.import_button.setEnabled(False)
        self.problems.hide()
        self.open_report.hide()
        self.report_note.hide()
        self.progress.setRange(0, 0)
        self.message.show_text("info", self.tr("Reading {name}…").format(name=path.name))
        office, checker, registry = self.session.office, self.session.checker, self.session.registry
        self.session.writer_busy = True  # the records are written on the worker's connection
        self.task = Task(lambda: iterate_on_clone(office, lambda worker: import_workbook(
            RecordService(worker, checker), registry, path, partial=partial, final=final)), self)
        self.task.progress(self._step).success(self._imported).failure(self._failed).start()

    def _step(self, step: ImportProgress) -> None:
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(step.done)
        words = QCoreApplication.translate("ImportPage", STEPS.get(step.step, step.step))
        self.message.show_text("info", words.format(done=step.done, total=step.total))

    def _ended(self) -> None:
        self.task = None
        self.session.writer_busy = False
        self.import_button.setEnabled(True)
        self.finished.emit()

    def _imported(self, last: ImportProgress) -> None:
        self.result = last
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        bad_rows = len({(p.sheet, p.row) for p in last.problems})
        status = self.tr("as final records") if self.final.isChecked() else self.tr("as drafts")
        if not last.problems:
            if last.imported:
                self.message.show_text("ok", self.tr("Imported %n record(s) {status}.", "", last.imported).format(status=status))
            else:
                self.message.show_text("info", self.tr("The workbook holds no rows to import."))
        elif last.imported:
            self.message.show_text("warn", self.tr("Imported %n record(s) {status}; ", "", last.imported).format(status=status)
                                   + self.tr("%n row(s) with problems were left out (listed below).", "", bad_rows))
        else:
            self.message.show_text("error", self.tr("Nothing was imported: %n row(s) have problems (listed below).",
                                                    "", bad_rows))
        self._show_problems(last)
        self._ended()
        if last.imported:
            self.records_changed.emit()

    def _show_problems(self, last: ImportProgress) -> None:
        shown = last.problems[:SHOWN_PROBLEMS]
        self.problems.setRowCount(len(shown))
        for row, p in enumerate(shown):
            for column, text in enumerate([p.sheet, str(p.row) if p.row else "—", p.column, p.text(language())]):
                self.problems.setItem(row, column, QTableWidgetItem(text))
        self.problems.setVisible(bool(shown))
        self.open_report.setVisible(last.report is not None)
        self.report_note.setVisible(last.report is not None)
        if last.report is not None:
            self.open_report.setToolTip(str(last.report))
            self.report_note.setText(self.tr('The error report is the workbook again, with a column headed "错误": {name}')
                                     .format(name=Path(last.report).name))
        if len(last.problems) > SHOWN_PROBLEMS:
            self.message.setText(self.message.text() + " " + self.tr(
                "The first {shown} of {all} problems are listed; the error report has all of them.").format(
                shown=SHOWN_PROBLEMS, all=len(last.problems)))

    def _failed(self, exc: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.message.show_text("error", message_for(exc))
        self._ended()

    def _open_report_folder(self) -> None:
        if self.result is not None and self.result.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.result.report).parent)))

    # -- templates --------------------------------------------------------------------
    def template_name(self) -> str:
        return self.tr("{form} import template.xlsx").format(form=self.template_form.currentText())

    def ask_template(self) -> None:
        start = os.path.join(os.path.dirname(self.file.text()) or documents_folder(), self.template_name())
        choose_file(self, self.tr("Save the import template"), start, self._xlsx(), self.save_template, save=True)

    def save_template(self, path: str) -> None:
        """Write the chosen form's template to ``path`` (on the pool: a workbook takes a moment)."""
        form = self.session.registry.form(self.template_form.currentData())
        target = Path(path)
        self.template_button.setEnabled(False)
        self.template_message.show_text("info", self.tr("Writing {name}…").format(name=target.name))
        Task(lambda: write_template(form, target), self).success(
            lambda _r: self._template_saved(target)).failure(self._template_failed).start()

    def _template_saved(self, target: Path) -> None:
        self.template_button.setEnabled(True)
        self.template_message.show_text("ok", self.tr("Saved {path}. Fill it in, then import it above.").format(path=target))
        if not self.file.text().strip():
            self.file.setText(str(target))  # the usual next step is importing it
        self.finished.emit()

    def _template_failed(self, exc: BaseException) -> None:
        self.template_button.setEnabled(True)
        self.template_message.show_text("error", message_for(exc))
        self.finished.emit()
