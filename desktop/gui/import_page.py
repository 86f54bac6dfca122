"""The Excel import screen: empty templates to fill in at the top; then a workbook in,
previewed sheet by sheet, every row checked like a typed record, the rows with problems
listed (and written to an error report beside the file).

The import is ``import_workbook`` on the pool over its own connection (its records are
saved by the office's writer), so a big sheet shows progress and can be cancelled while
the window stays usable.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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

from desktop.errors import WorkCancelled
from desktop.gui.errors import message_for
from desktop.gui.export_page import documents_folder
from desktop.gui.i18n import language, pick
from desktop.gui.parts import (
    GrowingTable,
    Message,
    PlainLabel,
    choose_file,
    note,
    scrolling_layout,
    title,
)
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from desktop.gui.worker_office import iterate_on_clone
from desktop.services.exchange.importer import ImportProgress, import_workbook
from desktop.services.exchange.preview import SheetPreview, preview_workbook
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
PREVIEW_DELAY_MS = 300


def _fit(table: QTableWidget, rows: int, scroll_bar: bool = False) -> None:
    """Make ``table`` exactly as tall as its header and ``rows`` rows (and a scroll bar)."""
    height = table.horizontalHeader().sizeHint().height() + max(rows, 1) * table.verticalHeader().defaultSectionSize()
    if scroll_bar:
        height += table.horizontalScrollBar().sizeHint().height()
    table.setFixedHeight(height + 2 * table.frameWidth())


def _table(name: str, headers: list[str], stretch: int) -> QTableWidget:
    """A read-only table with ``headers``; column ``stretch`` takes the spare width."""
    table = GrowingTable(0, len(headers), objectName=name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(26)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch >= 0:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class ImportPage(QWidget):
    """Import from Excel, and save an empty template. ``records_changed`` after an import.

    The template comes first (the usual first step); choosing a workbook shows what the
    import will read, sheet by sheet with its first rows, before anything is imported; a
    running import can be cancelled until it starts saving.
    """

    records_changed = Signal()
    finished = Signal()  # an import or a template ended, however it ended
    previewed = Signal()  # the preview of the chosen workbook is shown (or its problem)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importPage")
        self.session = session
        self.task: Task | None = None
        self.cancel_event: threading.Event | None = None
        self.result: ImportProgress | None = None
        self.preview: list[SheetPreview] | None = None
        self.preview_task: Task | None = None
        self.preview_cancel: threading.Event | None = None

        # -- the template, first ----------------------------------------------------------
        templates = QGroupBox(self.tr("1. Start from a template"), objectName="templateBox")
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
                                                "for its choices and one grey example row, which is never imported.")))
        templates_layout.addLayout(template_row)

        # -- the workbook and what will be read -------------------------------------------
        box = QGroupBox(self.tr("2. Import a filled-in workbook"), objectName="importBox")
        self.file = QLineEdit(objectName="importFile")
        self.file.setPlaceholderText(self.tr("An .xlsx file in the layout of a template or an export"))
        browse = QPushButton(self.tr("Choose…"), objectName="importBrowse")
        browse.clicked.connect(lambda: choose_file(
            self, self.tr("Choose the workbook to import"), os.path.dirname(self.file.text()) or documents_folder(),
            self._xlsx(), self.file.setText))
        file_row = QHBoxLayout()
        file_row.addWidget(PlainLabel(self.tr("Workbook")))
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.preview_note = note("", "previewNote")
        self.sheets = _table("previewSheets", [self.tr("Sheet"), self.tr("Goes to"), self.tr("Rows to read"), self.tr("Note")], 3)
        self.sheets.itemSelectionChanged.connect(self._show_rows)
        self.rows = _table("previewRows", [], -1)
        for table in (self.sheets, self.rows):
            table.hide()
        self.preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self.preview_timer.timeout.connect(self.start_preview)
        self.file.textChanged.connect(lambda *_: self.preview_timer.start())

        self.partial = QCheckBox(self.tr("Import the rows without problems even if other rows have some"),
                                 objectName="importPartial")
        self.final = QCheckBox(self.tr("Import as final (ready to sync) instead of as drafts"), objectName="importFinal")
        self.import_button = QPushButton(self.tr("Import"), objectName="importButton")
        self.import_button.setStyleSheet("font-weight: 600")
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button = QPushButton(self.tr("Cancel"), objectName="importCancel", enabled=False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar(objectName="importProgress", textVisible=False)
        # An empty bar beside the buttons reads as a text box: shown while importing, and
        # keeping its room while hidden so the buttons neither stretch nor move.
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(policy)
        self.progress.hide()
        run_row = QHBoxLayout()
        run_row.addWidget(self.import_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.progress, 1)
        self.message = Message("importMessage")
        self.problems = _table("importProblems", [self.tr("Sheet"), self.tr("Row"), self.tr("Column"), self.tr("Problem")], 3)
        self.open_report = QPushButton(self.tr("Open the error report's folder"), objectName="openReport")
        self.open_report.clicked.connect(self._open_report_folder)
        self.report_note = note("", "reportNote")
        self.problems.hide()
        self.open_report.hide()
        self.report_note.hide()
        options = QHBoxLayout()
        options.addWidget(self.partial)
        options.addWidget(self.final)
        options.addStretch(1)
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(file_row)
        box_layout.addWidget(self.preview_note)
        box_layout.addWidget(self.sheets)
        box_layout.addWidget(self.rows)
        box_layout.addLayout(options)
        box_layout.addWidget(note(self.tr("By default nothing is imported while any row has a problem: correct the "
                                          "rows the report names and import the file again.")))
        box_layout.addLayout(run_row)
        box_layout.addWidget(self.message)
        box_layout.addWidget(self.problems, 1)
        report_row = QHBoxLayout()
        report_row.addWidget(self.report_note, 1)
        report_row.addWidget(self.open_report)
        box_layout.addLayout(report_row)
        box_layout.addStretch(0)

        layout = scrolling_layout(self)
        layout.addWidget(title(self.tr("Import from Excel"), "importTitle"))
        layout.addWidget(templates)
        layout.addWidget(box, 1)

    # -- preview ----------------------------------------------------------------------
    def start_preview(self) -> None:
        """Read the chosen workbook's sheets and first rows (on the pool) and show them."""
        self.preview_timer.stop()
        path = Path(self.file.text().strip()).expanduser()
        if not self.file.text().strip() or not path.is_file():
            self._clear_preview()
            return
        registry = self.session.registry
        self.preview_note.setText(self.tr("Reading {name}…").format(name=path.name))
        # A workbook chosen while another is still being read wins: the older result is dropped.
        self._stop_preview()
        cancel = self.preview_cancel = threading.Event()
        task = Task(lambda: preview_workbook(registry, path, cancel=cancel), self)

        def shown(sheets: list[SheetPreview]) -> None:
            if self.preview_task is task:
                self._show_preview(sheets)

        def failed(exc: BaseException) -> None:
            if self.preview_task is task:
                self._preview_failed(exc)

        self.preview_task = task.success(shown).failure(failed).start()

    def _stop_preview(self) -> None:
        # The reading of a workbook no longer wanted stops at its next row, freeing the pool.
        if self.preview_cancel is not None:
            self.preview_cancel.set()
            self.preview_cancel = None

    def _clear_preview(self) -> None:
        self._stop_preview()
        self.preview = None
        self.preview_task = None
        self.preview_note.setText("")
        self.sheets.hide()
        self.rows.hide()

    def _show_preview(self, sheets: list[SheetPreview]) -> None:
        self.preview_task = None
        self.preview_cancel = None
        self.preview = sheets
        lang = language()
        total = sum(s.rows for s in sheets if s.form_zh is not None and not s.group)
        examples = sum(len(s.examples) for s in sheets)
        text = self.tr("The import will read %n record(s)", "", total)
        if examples:
            text += self.tr("; the template's example row is skipped")
        self.preview_note.setText(text + self.tr(". Select a sheet to see its first rows."))
        self.sheets.setRowCount(len(sheets))
        for row, sheet in enumerate(sheets):
            if sheet.form_zh is None:
                why = self.tr("Not a sheet of any form: not imported")
            elif sheet.examples:
                why = self.tr("Example row {rows} skipped").format(rows=", ".join(str(n) for n in sheet.examples))
            else:
                why = ""
            cells = [sheet.name, sheet.form(lang) or "—", str(sheet.rows) if sheet.form_zh else "—", why]
            for column, text_ in enumerate(cells):
                item = QTableWidgetItem(text_)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.sheets.setItem(row, column, item)
        _fit(self.sheets, min(len(sheets), 3))
        self.sheets.show()
        if sheets:
            self.sheets.selectRow(0)
        self._show_rows()
        self.previewed.emit()

    def _show_rows(self) -> None:
        rows = self.sheets.selectionModel().selectedRows() if self.preview else []
        sheet = self.preview[rows[0].row()] if rows and self.preview else None
        if sheet is None or not sheet.first_rows:
            self.rows.hide()
            return
        self.rows.clear()
        self.rows.setColumnCount(len(sheet.headers))
        self.rows.setHorizontalHeaderLabels(sheet.headers)
        self.rows.setRowCount(len(sheet.first_rows))
        for r, values in enumerate(sheet.first_rows):
            for c, value in enumerate(values[: len(sheet.headers)]):
                self.rows.setItem(r, c, QTableWidgetItem(value))
        self.rows.resizeColumnsToContents()
        _fit(self.rows, len(sheet.first_rows), scroll_bar=True)
        self.rows.show()

    def _preview_failed(self, exc: BaseException) -> None:
        self.preview_task = None
        self._clear_preview()
        self.preview_note.setText(message_for(exc))
        self.previewed.emit()

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
        self.cancel_button.setEnabled(True)
        self.problems.hide()
        self.open_report.hide()
        self.report_note.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.message.show_text("info", self.tr("Reading {name}…").format(name=path.name))
        office, checker, registry = self.session.office, self.session.checker, self.session.registry
        self.cancel_event = cancel = threading.Event()
        self.task = Task(lambda: iterate_on_clone(office, lambda worker: import_workbook(
            RecordService(worker, checker), registry, path, partial=partial, final=final), cancel), self)
        self.task.progress(self._step).success(self._imported).failure(self._failed).start()

    def cancel(self) -> None:
        """Stop before the next step; nothing is saved unless the saving had begun."""
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.cancel_button.setEnabled(False)

    def stop(self) -> None:
        """Before the office is locked or closed: a running import or preview stops at its next step."""
        self._stop_preview()
        self.cancel()

    def _step(self, step: ImportProgress) -> None:
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(step.done)
        if step.step == "saving":
            self.cancel_button.setEnabled(False)  # one transaction from here: all of it or none
        words = QCoreApplication.translate("ImportPage", STEPS.get(step.step, step.step))
        self.message.show_text("info", words.format(done=step.done, total=step.total))

    def _ended(self) -> None:
        self.task = None
        self.cancel_event = None
        self.import_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.finished.emit()

    def _imported(self, last: ImportProgress) -> None:
        self.result = last
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.setVisible(last.imported > 0)  # a full bar would say done when nothing was
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
        if shown:
            self.rows.hide()  # the problems need the room more than the preview
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
        self.progress.hide()
        if isinstance(exc, WorkCancelled):
            self.message.show_text("info", self.tr("Import cancelled; nothing was imported."))
        else:
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
