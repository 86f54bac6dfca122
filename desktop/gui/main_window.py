"""The main window: navigation by form (with counts), the overview, lists and the editor.

Pages are registered by key ("dashboard", "form:<id>", "sync", "export", "import") in one
navigation list; the sync screen plugs into the ``sync`` slot through ``sync_page``. A page
with a ``records_changed`` signal makes the lists and counts refresh; a page with a
``refresh()`` method is refreshed each time it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import OfficeError
from desktop.gui.bulk import BulkActions
from desktop.gui.drafts import DraftsDialog
from desktop.gui.editor.editor import RecordEditor
from desktop.gui.editor.versions import VersionsDialog
from desktop.gui.errors import show_error
from desktop.gui.i18n import pick
from desktop.gui.parts import PlainLabel
from desktop.gui.record_list import RecordListPage
from desktop.gui.session import Session

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
PageFactory = Callable[[Session], QWidget]
# Below this the window opens maximised: a laptop's 1366×768 has no room to spare.
ROOMY = (1440, 900)


class SyncPlaceholder(QWidget):
    """Holds the sync slot until the sync screen exists."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncPlaceholder")
        label = PlainLabel(self.tr("Sending records to the province will appear here. "
                               "Until then, finished records wait safely in this office's database."),
                       wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: #555; font-size: 15px")
        layout = QVBoxLayout(self)
        layout.addWidget(label)


class MainWindow(QMainWindow):
    """One signed-in user's window. Emits ``lock_requested``, ``switch_user_requested``,
    ``settings_requested`` and ``quit_requested``; the app controller acts on them."""

    lock_requested = Signal()
    switch_user_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()

    def __init__(self, session: Session, sync_page: PageFactory | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.session = session
        self.editor: RecordEditor | None = None
        self.lists: dict[str, RecordListPage] = {}
        self.dashboard: Any = None
        self.closing_for_lock = False
        self.bulk = BulkActions(session, self)
        self.bulk.records_changed.connect(lambda: self.records_changed())
        office = session.office
        self.setWindowTitle(self.tr("Anhui Future Industry Data Collection — {office}").format(office=office.office_name))

        self.nav = QListWidget(objectName="navigation")
        self.nav.setIconSize(QSize(0, 0))
        self.nav.setMinimumWidth(170)
        self.nav.setMaximumWidth(260)
        self.nav.setStyleSheet("QListWidget { font-size: 14px; } QListWidget::item { padding: 7px 6px; }")
        self.pages = QStackedWidget(objectName="pages")
        self.page_by_key: dict[str, QWidget] = {}
        self.factories: dict[str, Callable[[], QWidget]] = {}
        self._add_nav("dashboard", self.tr("Overview"), self._make_dashboard)
        self._add_header(self.tr("Forms"))
        for form in session.registry.forms():
            self._add_nav(f"form:{form.id}", pick(form.label_zh, form.label_en), lambda f=form: self._make_list(f))
        self._add_header(self.tr("Province"))
        self._add_nav("sync", self.tr("Sync"), lambda: (sync_page or SyncPlaceholder)(session))
        self._add_header(self.tr("Data exchange"))
        self._add_nav("import", self.tr("Import from Excel"), self._make_import)
        self._add_nav("export", self.tr("Export for audit"), self._make_export)
        split = QSplitter()
        split.addWidget(self.nav)
        split.addWidget(self.pages)
        split.setStretchFactor(1, 1)
        self.setCentralWidget(split)
        self.nav.currentItemChanged.connect(self._nav_changed)

        who = self.tr("{user} ({role})").format(user=office.user, role=self.tr("administrator") if office.role == "admin" else self.tr("clerk"))
        unit = session.registry.org_unit(office.org_unit)
        place = f"{unit.name} ({office.org_unit})" if unit is not None else office.org_unit
        self.statusBar().addPermanentWidget(PlainLabel(f"{office.office_name} · {place} · {who}", objectName="whoLabel"))
        self._menus()
        self.refresh_counts()
        # Wide enough for the longest entry with its count (English form names are long),
        # so the list never needs a sideways scrollbar; a longer one is elided instead.
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        widest = self.nav.sizeHintForColumn(0) + 2 * self.nav.frameWidth() + self.nav.verticalScrollBar().sizeHint().width()
        split.setSizes([max(200, min(260, widest)), 1080])
        self.place()

    # -- size and place -----------------------------------------------------------------
    def place(self) -> None:
        """Where the last session left the window; else inside the screen's free area,
        maximised on screens smaller than ``ROOMY``."""
        saved = str(self.session.settings.get("window_geometry") or "")
        if saved and self.restoreGeometry(QByteArray.fromBase64(saved.encode("ascii"))):
            return
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        if area.width() < ROOMY[0] or area.height() < ROOMY[1]:
            self.resize(area.size())
            self.setWindowState(Qt.WindowState.WindowMaximized)
            return
        self.resize(min(1440, area.width() - 80), min(900, area.height() - 60))
        self.move(area.center() - self.rect().center())

    def remember_place(self) -> None:
        """Keep the window's size and place for the next start."""
        settings = self.session.settings
        try:
            settings.set("window_geometry", bytes(self.saveGeometry().toBase64().data()).decode("ascii"))
            settings.save()
        except (OSError, ValueError):
            pass  # a preference: never worth an error while closing

    # -- navigation ---------------------------------------------------------------------
    def _add_header(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setForeground(Qt.GlobalColor.darkGray)
        font = item.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        item.setFont(font)
        self.nav.addItem(item)

    def _add_nav(self, key: str, label: str, factory: Callable[[], QWidget]) -> None:
        item = QListWidgetItem(label)
        item.setData(KEY_ROLE, key)
        item.setData(Qt.ItemDataRole.UserRole + 2, label)
        self.nav.addItem(item)
        self.factories[key] = factory

    def nav_item(self, key: str) -> QListWidgetItem | None:
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            if item.data(KEY_ROLE) == key:
                return item
        return None

    def show_page(self, key: str) -> QWidget:
        """Show page ``key`` (built on first use), selecting it in the navigation."""
        item = self.nav_item(key)
        if item is not None and self.nav.currentItem() is not item:
            self.nav.setCurrentItem(item)  # _nav_changed shows the page
            return self.page_by_key[key]
        return self._show(key)

    def _nav_changed(self, current: QListWidgetItem | None, _previous: Any = None) -> None:
        if current is None or current.data(KEY_ROLE) is None:
            return
        key = current.data(KEY_ROLE)
        if self.editor is not None:
            editor = self.editor
            # Leaving an open editor goes through its unsaved-changes question.
            editor.closed.connect(lambda: self._show(key))
            editor.request_close()
            return
        self._show(key)

    def _show(self, key: str) -> QWidget:
        page = self.page_by_key.get(key)
        if page is None:
            page = self.factories[key]()
            self.page_by_key[key] = page
            self.pages.addWidget(page)
            changed = getattr(page, "records_changed", None)
            if changed is not None:
                changed.connect(lambda: self.records_changed())
        self.pages.setCurrentWidget(page)
        if callable(getattr(page, "refresh", None)):
            page.refresh()  # counts may have changed since it was last shown
        item = self.nav_item(key)
        if item is not None and self.nav.currentItem() is not item:
            self.nav.blockSignals(True)
            self.nav.setCurrentItem(item)
            self.nav.blockSignals(False)
        return page

    def _make_dashboard(self) -> QWidget:
        from desktop.gui.dashboard import Dashboard  # QtCharts loads only when the page is opened

        self.dashboard = Dashboard(self.session)
        return self.dashboard

    def _make_import(self) -> QWidget:
        # openpyxl and the exchange services load only when the page is first opened.
        from desktop.gui.import_page import ImportPage

        return ImportPage(self.session)

    def _make_export(self) -> QWidget:
        from desktop.gui.export_page import ExportPage

        return ExportPage(self.session)

    def _make_list(self, form: Any) -> RecordListPage:
        page = RecordListPage(self.session.records, form, self.session.labels,
                              int(self.session.settings.get("page_size")))
        page.open_record.connect(lambda rid, f=form: self.open_editor(f.id, rid))
        page.new_record.connect(lambda fid: self.open_editor(fid))
        page.finalize_records.connect(lambda ids, p=page: self.bulk.finalize(p, ids))
        page.export_list.connect(lambda p=page: self.bulk.export(p))
        page.show_history.connect(self.show_versions)
        self.lists[form.id] = page
        return page

    def refresh_counts(self) -> None:
        """Put each form's record count beside its name."""
        counts = self.session.records.counts_by("form_id")
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            key = item.data(KEY_ROLE) or ""
            if key.startswith("form:"):
                item.setText(f"{item.data(Qt.ItemDataRole.UserRole + 2)}  ({counts.get(key[5:], 0):,})")

    def records_changed(self, form_id: str | None = None) -> None:
        """Refresh what shows records after a save or a status change."""
        self.refresh_counts()
        for fid, page in self.lists.items():
            if form_id in (None, fid):
                page.refresh()
        if self.dashboard is not None:
            self.dashboard.refresh()

    # -- records ------------------------------------------------------------------------
    def open_editor(self, form_id: str, record_id: str | None = None, restored: dict[str, Any] | None = None) -> RecordEditor | None:
        """Open the editor for a record (or a new one); offers kept unsaved contents first."""
        if self.editor is not None:
            editor = self.editor
            editor.closed.connect(lambda: self.open_editor(form_id, record_id, restored))
            editor.request_close()
            return None
        if restored is None:
            kept = self.session.autosave.get(form_id, record_id)
            if kept is not None:
                self._offer_kept(form_id, record_id, kept)
                return None
        try:
            editor = RecordEditor(self.session, form_id, record_id, restored)
        except OfficeError as exc:
            show_error(self, exc)
            return None
        self.editor = editor
        editor.saved.connect(lambda _rid: self.records_changed(form_id))
        editor.closed.connect(lambda: self._editor_closed(form_id, editor))
        editor.history_requested.connect(self.show_versions)
        self.pages.addWidget(editor)
        self.pages.setCurrentWidget(editor)
        item = self.nav_item(f"form:{form_id}")
        if item is not None:
            self.nav.blockSignals(True)
            self.nav.setCurrentItem(item)
            self.nav.blockSignals(False)
        return editor

    def _offer_kept(self, form_id: str, record_id: str | None, kept: dict[str, Any]) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Unsaved changes found"),
                          self.tr("There are unsaved changes to this record from an earlier session. Continue with them?"),
                          parent=self)
        box.setObjectName("keptBox")
        restore = box.addButton(self.tr("Restore them"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(self.tr("Discard them"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)

        def answered(button: Any) -> None:
            if button is restore:
                self.open_editor(form_id, record_id, kept)
            elif button is discard:
                self.session.write(self.session.autosave.discard_job(form_id, record_id), self).success(
                    lambda _r: self.open_editor(form_id, record_id)).start()

        box.buttonClicked.connect(answered)
        box.open()

    def _editor_closed(self, form_id: str, editor: RecordEditor) -> None:
        if self.editor is editor:
            self.editor = None
        self.pages.removeWidget(editor)
        editor.deleteLater()
        page = self._show(f"form:{form_id}")
        if isinstance(page, RecordListPage) and editor.record_id:
            page.select(editor.record_id)

    def show_versions(self, record_id: str) -> None:
        if record_id:
            VersionsDialog(self.session, record_id, self).open()

    def offer_unsaved(self) -> DraftsDialog | None:
        """After unlocking: offer unsaved contents left by a crash, a kill or a lock."""
        slots = self.session.autosave.pending()
        if not slots:
            return None
        dialog = DraftsDialog(self.session, slots, self)
        dialog.restore.connect(lambda slot: self.open_editor(slot["form_id"], slot["record_id"], slot["data"]))
        dialog.open()
        return dialog

    # -- menus --------------------------------------------------------------------------
    def _menus(self) -> None:
        # The window's shortcuts, each defined once here; pages own only keys that act
        # inside themselves (the editor's Ctrl+S and Esc, Esc in a search box).
        bar = self.menuBar()
        office = bar.addMenu(self.tr("&Office"))
        self._action(office, self.tr("&Lock"), self.lock_requested.emit, "Ctrl+L")
        self._action(office, self.tr("&Switch user…"), self.switch_user_requested.emit)
        office.addSeparator()
        self._action(office, self.tr("&Users…"), self._users)
        self._action(office, self.tr("Se&ttings…"), self.settings_requested.emit)
        office.addSeparator()
        self._action(office, self.tr("&Quit"), self.quit_requested.emit, "Ctrl+Q")
        records = bar.addMenu(self.tr("&Records"))
        self._action(records, self.tr("&New record"), self._new_record, "Ctrl+N")
        self._action(records, self.tr("&Find in the list"), self._find, "Ctrl+F")
        self._action(records, self.tr("&Overview"), lambda: self.show_page("dashboard"), "Ctrl+1")

    def _action(self, menu: Any, text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda *_: slot())
        menu.addAction(action)
        return action

    def current_form(self) -> str:
        """The form of the page shown (its list or its editor), else the first form."""
        key = (self.nav.currentItem().data(KEY_ROLE) if self.nav.currentItem() else "") or ""
        return key[5:] if key.startswith("form:") else self.session.registry.forms()[0].id

    def _new_record(self) -> None:
        self.open_editor(self.current_form())

    def _find(self) -> None:
        """Put the cursor in the search box of the list shown (the current form's list)."""
        if self.editor is not None:
            return  # the editor has no search; its fields keep the keyboard
        page = self.show_page(f"form:{self.current_form()}")
        if isinstance(page, RecordListPage):
            page.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            page.search.selectAll()

    def _users(self) -> None:
        from desktop.gui.users import UsersDialog

        UsersDialog(self.session, self).open()

    # -- locking and closing ------------------------------------------------------------
    def prepare_to_lock(self) -> None:
        """Keep unsaved typing safe and stop timers (and a running sync) before the office is closed."""
        self.remember_place()
        self.bulk.stop()
        if self.editor is not None:
            self.editor.stop()
        for page in self.page_by_key.values():
            stop = getattr(page, "stop", None)
            if callable(stop):
                stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.prepare_to_lock()
        if not self.closing_for_lock:
            self.quit_requested.emit()
        event.accept()
