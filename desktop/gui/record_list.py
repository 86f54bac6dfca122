"""One form's records: search, filters, a lazy sortable table and the actions on records.

Rows are selected as in Excel (click, Shift+click, Ctrl+click, Ctrl+A); "Mark final" and
"Save list as Excel" work on the selection and on the list as filtered. Any filter in
force is said in words above the table with a button that clears them all, so a list
never looks emptier than it is without a sign of why.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.i18n import pick
from desktop.gui.labels import STATUS_ORDER, SectorLabels, status_label
from desktop.gui.parts import PlainLabel
from desktop.gui.record_model import (
    RECORD_ID_ROLE,
    STATUS_ROLE,
    UPDATED_COLUMN,
    Filters,
    RecordListModel,
)

SEARCH_DELAY_MS = 250


class RecordListPage(QWidget):
    """The list of one form's records with its search box and filters."""

    open_record = Signal(str)
    new_record = Signal(str)
    finalize_records = Signal(list)  # the selected record ids
    export_list = Signal()  # the list as filtered now, to an Excel workbook
    show_history = Signal(str)

    def __init__(self, service: Any, form: Any, labels: SectorLabels, page_size: int = 200,
                 picker: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"recordList_{form.id}")
        self.form = form
        self.model = RecordListModel(service, labels, page_size, self)
        self.labels = labels
        self.picker = picker
        self.sized = False

        title = PlainLabel(pick(form.label_zh, form.label_en), objectName="listTitle")
        title.setStyleSheet("font-size: 18px; font-weight: 600")
        self.count_label = PlainLabel(objectName="listCount")
        self.count_label.setStyleSheet("color: #555")
        self.new_button = QPushButton(self.tr("New record"), objectName="newRecord")
        self.new_button.setToolTip(self.tr("Ctrl+N"))
        self.new_button.setAutoDefault(False)
        self.new_button.clicked.connect(lambda: self.new_record.emit(self.form.id))
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(self.count_label)
        head.addStretch()
        head.addWidget(self.new_button)

        self.search = QLineEdit(objectName="searchBox")
        self.search.setPlaceholderText(self.tr("Search names, codes, any text… (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.sector = QComboBox(objectName="sectorFilter")
        self.sector.addItem(self.tr("All sectors"), None)
        for item in labels.items():
            self.sector.addItem(pick(item.label_zh, item.label_en), item.code)
        self.direction = QComboBox(objectName="directionFilter")
        self.status = QComboBox(objectName="statusFilter")
        self.status.addItem(self.tr("Any status"), None)
        for status in STATUS_ORDER:
            self.status.addItem(status_label(status), status)
        self._fill_directions()
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.sector, 1)
        filters.addWidget(self.direction, 1)
        filters.addWidget(self.status, 1)
        self.filter_note = PlainLabel(objectName="filterNote")
        self.filter_note.setStyleSheet("color: #8a4b16")
        self.clear_filters_button = QPushButton(self.tr("Clear filters"), objectName="clearFilters")
        self.clear_filters_button.clicked.connect(self.clear_filters)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_note, 1)
        filter_row.addWidget(self.clear_filters_button)
        self.filter_bar = QWidget(objectName="filterBar")
        self.filter_bar.setLayout(filter_row)
        filter_row.setContentsMargins(0, 0, 0, 0)
        self.filter_bar.hide()

        self.table = QTableView(objectName="recordTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection if picker
                                     else QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)

        self.open_button = QPushButton(self.tr("Open"), objectName="openRecord")
        self.finalize_button = QPushButton(self.tr("Mark final"), objectName="finalizeRecord")
        self.finalize_button.setToolTip(self.tr("Check the selected drafts once more and mark them ready to sync"))
        self.history_button = QPushButton(self.tr("Versions"), objectName="historyButton")
        self.export_button = QPushButton(self.tr("Save list as Excel…"), objectName="exportList")
        self.export_button.setToolTip(self.tr("Every record of this list as filtered now, in the import template's layout"))
        self.open_button.clicked.connect(lambda: self._emit_selected(self.open_record))
        self.finalize_button.clicked.connect(lambda: self.finalize_records.emit(self.selected_records()))
        self.history_button.clicked.connect(lambda: self._emit_selected(self.show_history))
        self.export_button.clicked.connect(self.export_list)
        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.history_button)
        actions.addWidget(self.finalize_button)
        actions.addWidget(self.export_button)
        actions.addStretch()
        self.hint = PlainLabel(self.tr("Rows in orange were returned by the province; hover for the reason."), objectName="returnedHint")
        self.hint.setStyleSheet("color: #8a4b16")
        actions.addWidget(self.hint)
        # Progress of work on many records (marking final, saving the list), with its cancel.
        self.work_progress = QProgressBar(objectName="listProgress", textVisible=False)
        self.work_message = PlainLabel(objectName="listMessage")
        self.work_cancel = QPushButton(self.tr("Cancel"), objectName="listCancel")
        work = QHBoxLayout()
        work.addWidget(self.work_message, 1)
        work.addWidget(self.work_progress, 1)
        work.addWidget(self.work_cancel)
        self.work_bar = QWidget(objectName="listWork")
        self.work_bar.setLayout(work)
        work.setContentsMargins(0, 0, 0, 0)
        self.work_bar.hide()
        for button in (self.new_button, self.open_button, self.finalize_button, self.history_button,
                       self.export_button, self.clear_filters_button, self.work_cancel):
            button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(filters)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.work_bar)
        if picker:
            for widget in (self.new_button, self.finalize_button, self.history_button, self.hint, self.open_button,
                           self.export_button):
                widget.hide()

        # Typing refilters after a short pause, not on every keystroke.
        self.search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda *_: self.search_timer.start())
        self.sector.currentIndexChanged.connect(self._sector_changed)
        self.direction.currentIndexChanged.connect(lambda *_: self.apply_filters())
        self.status.currentIndexChanged.connect(lambda *_: self.apply_filters())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        # Esc in the search box empties it (Ctrl+F and Ctrl+N belong to the main window).
        self.search.installEventFilter(self)

        self.model.filters = Filters(form=form.id)
        self.table.horizontalHeader().setSortIndicator(UPDATED_COLUMN, Qt.SortOrder.DescendingOrder)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Escape and self.search.text()):  # type: ignore[attr-defined]
            self.search.clear()
            return True
        return super().eventFilter(watched, event)

    # -- filters ----------------------------------------------------------------------
    def _fill_directions(self) -> None:
        self.direction.blockSignals(True)
        self.direction.clear()
        self.direction.addItem(self.tr("All directions"), None)
        for child in self.labels.directions(self.sector.currentData()):
            self.direction.addItem(pick(child.label_zh, child.label_en), child.code)
        self.direction.setEnabled(self.direction.count() > 1)
        self.direction.blockSignals(False)

    def _sector_changed(self) -> None:
        self._fill_directions()
        self.apply_filters()

    def apply_filters(self) -> None:
        """Show the records matching what is typed and chosen now."""
        self.search_timer.stop()
        selected = self.selected_record()
        self.hint.setVisible(not self.picker and self.model.service.count(form=self.form.id, status="returned") > 0)
        self.model.set_filters(Filters(
            form=self.form.id,
            status=self.status.currentData(),
            sector=self.sector.currentData(),
            direction=self.direction.currentData(),
            search=self.search.text().strip() or None,
        ))
        self._show_count()
        self._show_filters()
        if not self.sized:
            # Fit the short columns to the first page once; later pages keep the widths
            # (measuring on every fetch would grow with the rows loaded).
            for column in range(1, self.model.columnCount()):
                self.table.resizeColumnToContents(column)
            self.sized = self.model.rowCount() > 0
        if selected is not None:
            self.select(selected)
        self._update_buttons()

    def refresh(self) -> None:
        """Reload after records changed elsewhere (a save, a finalize, a sync)."""
        self.apply_filters()

    def active_filters(self) -> list[str]:
        """The filters in force, as the clerk reads them."""
        shown = []
        if self.search.text().strip():
            shown.append(self.tr("text “{text}”").format(text=self.search.text().strip()))
        for combo in (self.sector, self.direction, self.status):
            if combo.currentData() is not None:
                shown.append(self.tr("“{choice}”").format(choice=combo.currentText()))
        return shown

    def _show_filters(self) -> None:
        shown = self.active_filters()
        self.filter_bar.setVisible(bool(shown) and not self.picker)
        if shown:
            self.filter_note.setText(self.tr("Filtered by {filters}: only matching records are listed.").format(
                filters=self.tr(", ").join(shown)))

    def clear_filters(self) -> None:
        """Show every record of the form again."""
        for combo in (self.status, self.direction, self.sector):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self._fill_directions()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply_filters()

    def current_filters(self) -> dict[str, Any]:
        """What the list is filtered by, as ``RecordService.query`` takes it."""
        return self.model.filters.query_args()

    # -- work on many records ---------------------------------------------------------
    def show_work(self, text: str, done: int = 0, total: int = 0) -> None:
        """Show the progress of work on this list's records (``total`` 0: not known yet)."""
        self.work_bar.show()
        self.work_message.setText(text)
        self.work_progress.setRange(0, total)
        self.work_progress.setValue(done)
        for button in (self.finalize_button, self.export_button):
            button.setEnabled(False)

    def end_work(self) -> None:
        self.work_bar.hide()
        self.work_cancel.setEnabled(True)
        self._update_buttons()

    def _show_count(self) -> None:
        self.count_label.setText(self.tr("%n record(s)", "", self.model.total))

    # -- selection --------------------------------------------------------------------
    def selected_record(self) -> str | None:
        """The selected record (the first, when several are)."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].data(RECORD_ID_ROLE) if rows else None

    def selected_records(self) -> list[str]:
        """Every selected record, top to bottom.

        With every row selected (Ctrl+A) in a list longer than what is loaded, that is every
        record of the list as filtered, not only the rows fetched so far.
        """
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda index: index.row())
        if self._all_selected(len(rows)):
            return [r["record_id"] for r in self.model.service.query(order=self.model.order, **self.current_filters())]
        return [index.data(RECORD_ID_ROLE) for index in rows]

    def _all_selected(self, selected: int) -> bool:
        return selected > 0 and selected == self.model.rowCount() and self.model.canFetchMore()

    def select(self, record_id: str) -> bool:
        row = self.model.row_of(record_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        return True

    def _update_buttons(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        for button in (self.open_button, self.history_button):
            button.setEnabled(len(rows) == 1)
        working = self.work_bar.isVisible()
        if self._all_selected(len(rows)):
            filters = self.current_filters()
            drafts = self.model.service.count(**{**filters, "status": "draft"}) if filters.get("status") in (None, "draft") else 0
        else:
            drafts = sum(1 for index in rows if index.data(STATUS_ROLE) == "draft")
        self.finalize_button.setEnabled(drafts > 0 and not working)
        self.finalize_button.setText(self.tr("Mark final ({n})").format(n=drafts) if drafts > 1 else self.tr("Mark final"))
        self.export_button.setEnabled(self.model.total > 0 and not working)

    def _activated(self, index: QModelIndex) -> None:
        record_id = index.data(RECORD_ID_ROLE)
        if record_id:
            self.open_record.emit(record_id)

    def _emit_selected(self, signal: Any) -> None:
        record_id = self.selected_record()
        if record_id:
            signal.emit(record_id)


class RecordPicker(QDialog):
    """Choose one record of a form (for record-reference fields)."""

    def __init__(self, service: Any, form: Any, labels: SectorLabels, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordPicker")
        self.setWindowTitle(self.tr("Choose a record: {form}").format(form=pick(form.label_zh, form.label_en)))
        self.page = RecordListPage(service, form, labels, picker=True, parent=self)
        self.page.open_record.connect(lambda _rid: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.page)
        layout.addWidget(buttons)
        self.resize(820, 520)
        self.page.apply_filters()

    def chosen(self) -> tuple[str, str] | None:
        """(record id, title) of the chosen record, or None."""
        rows = self.page.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.page.model.state.rows[rows[0].row()]
        return row["record_id"], row.get("title") or ""
