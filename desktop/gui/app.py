"""Starting the desktop app: the QApplication, the first-run wizard or the unlock dialog,
the main window, idle locking and user switching.

``run_gui()`` is what ``anhui-collect`` runs without arguments. The flow itself lives in
:class:`AppController`, which tests and the screenshot script drive directly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop.gui import i18n
from desktop.gui.errors import install_excepthook, show_message
from desktop.gui.idle import IdleWatcher
from desktop.gui.settings import Settings
from desktop.gui.tasks import Task
from desktop.gui.unlock import UnlockDialog
from desktop.paths import OfficePaths, default_data_dir

# The unlock dialog is on screen before the store, the services and the main window are
# imported: those load on the thread pool while the passphrase is typed (see start()).
if TYPE_CHECKING:
    from desktop.gui.main_window import MainWindow, PageFactory
    from desktop.gui.session import Session
    from desktop.store.office import Office


def _load_checker(data_dir: Path) -> Any:
    import desktop.gui.dashboard  # noqa: F401  (the first page, with its charts)
    import desktop.gui.main_window  # noqa: F401  (warms the import for open_main)
    from desktop.services.checking import default_checker

    checker = default_checker(data_dir)
    checker.registry  # noqa: B018  (loaded now, while the passphrase is typed)
    return checker

def sync_screen(session: Session) -> Any:
    """The sync page for the main window's ``sync`` slot (imported when first opened)."""
    from desktop.gui.sync_page import SyncPage

    return SyncPage(session)


APP_NAME = "anhui-future-collect"
# The first installed of these renders Chinese; Qt's own fallback picks arbitrary glyphs.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei UI", "Microsoft YaHei",
                "PingFang SC", "WenQuanYi Micro Hei", "Noto Sans SC")
STYLE = """
QMainWindow, QDialog, QWizard { background: #ffffff; }
QPushButton { padding: 5px 14px; }
QLineEdit, QComboBox, QPlainTextEdit { padding: 3px; }
QTableView { gridline-color: #e3e7eb; selection-background-color: #cfe3fa; selection-color: #111; }
QListWidget#navigation { background: #f3f5f7; border: none; }
QListWidget#navigation::item:selected { background: #dbe8f7; color: #0b3d75; }
QHeaderView::section { background: #f3f5f7; border: none; border-bottom: 1px solid #d8dee4; padding: 4px 6px; }
"""


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the app's name, style and a font that renders Chinese."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    families = set(QFontDatabase.families())
    family = next((f for f in CJK_FAMILIES if f in families), None)
    if family is not None:
        font = QFont(family)
        font.setPointSizeF(10.5)
        app.setFont(font)
    return app


class AppController(QObject):
    """Runs the app's flow: setup or unlock, the main window, lock, switch user, quit."""

    def __init__(self, data_dir: Path, *, checker: Any = None, settings: Settings | None = None,
                 sync_page: PageFactory | None = None) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.settings = settings or Settings.load(self.data_dir)
        # One checker (and forms registry) per process: the wizard's org units, the
        # editor's forms and the store's checks all come from it.
        self._checker = checker
        self.sync_page = sync_page
        self.window: MainWindow | None = None
        self.session: Session | None = None
        self.dialog: Any = None
        self.idle: IdleWatcher | None = None
        self.last_user: str | None = None
        # The writer of the office last closed, while it may still be finishing a job: the
        # next unlock waits for it (on the pool) so it reads everything that was written.
        self.closing_writer: Any = None

    @property
    def checker(self) -> Any:
        if self._checker is None:
            self._checker = _load_checker(self.data_dir)
        return self._checker

    @property
    def registry(self) -> Any:
        return self.checker.registry

    # -- flow -------------------------------------------------------------------------
    def start(self) -> None:
        """Show the setup wizard on the first run, else the unlock dialog."""
        if OfficePaths(self.data_dir).exists():
            self.show_unlock()
            if self._checker is None:
                # Forms, services and the main window load while the passphrase is typed.
                # A failure here is not lost: open_main loads again and reports it then.
                data_dir = self.data_dir
                Task(lambda: _load_checker(data_dir), self).success(self._loaded).failure(lambda _exc: None).start()
        else:
            from desktop.gui.wizard import SetupWizard

            wizard = SetupWizard(self.data_dir, self.registry)
            wizard.created.connect(self.open_main)
            wizard.rejected.connect(self._quit_if_nothing_open)
            self.dialog = wizard
            wizard.show()

    def show_unlock(self, user: str | None = None, reason: str = "") -> UnlockDialog:
        dialog = UnlockDialog(self.data_dir, user, reason, after=self.closing_writer)
        dialog.unlocked.connect(self.open_main)
        dialog.rejected.connect(self._quit_if_nothing_open)
        self.dialog = dialog
        dialog.show()
        return dialog

    def _loaded(self, checker: Any) -> None:
        if self._checker is None:
            self._checker = checker

    def open_main(self, office: Office) -> MainWindow:
        """Show the main window for the unlocked ``office`` and offer any unsaved work."""
        from desktop.gui.main_window import MainWindow
        from desktop.gui.session import Session

        self.dialog = None
        self.session = Session(office, self.checker, self.settings, self.data_dir)
        self.last_user = office.user
        window = MainWindow(self.session, self.sync_page)
        window.lock_requested.connect(self.lock)
        window.switch_user_requested.connect(self.switch_user)
        window.settings_requested.connect(self.edit_settings)
        window.quit_requested.connect(self.quit)
        self.window = window
        window.show()
        window.show_page("dashboard")
        if office.key_file_warnings:
            self._warn_key_file(window, office.key_file_warnings)
        self.idle = IdleWatcher(float(self.settings.get("idle_lock_minutes")), self)
        self.idle.idle.connect(self._idle_lock)
        window.offer_unsaved()
        return window

    def _warn_key_file(self, window: MainWindow, warnings: list[tuple[str, str]]) -> None:
        # This user's own key slot is intact, so they are in; the damage elsewhere still
        # needs an admin, and saying nothing would leave it until someone is locked out.
        problems = "\n".join("• " + (zh if i18n.language() == "zh" else en) for zh, en in warnings)
        show_message(window, self.tr(
            "The key file (keyslots.json) is partly damaged:\n{problems}\n\nYou could sign in, "
            "but an admin should run 'anhui-collect check' and restore the file from a backup "
            "or reset the passphrases it names.").format(problems=problems))

    def _close_session(self, wait: bool = False) -> None:
        if self.idle is not None:
            self.idle.stop()
            self.idle = None
        if self.window is not None:
            window, self.window = self.window, None
            window.closing_for_lock = True
            window.prepare_to_lock()
            window.close()
            window.deleteLater()
        if self.session is not None:
            self.closing_writer = self.session.office.writer
            self.session.close(wait=wait)
            self.session = None

    def lock(self, reason: str = "") -> UnlockDialog:
        """Close the office (unsaved typing is kept in autosave) and ask for the passphrase."""
        self._close_session()
        return self.show_unlock(self.last_user, reason)

    def _idle_lock(self) -> None:
        self.lock(QApplication.translate("AppController", "Locked after a period without use. Unsaved typing was kept."))

    def switch_user(self) -> UnlockDialog:
        self._close_session()
        return self.show_unlock(None, QApplication.translate("AppController", "Sign in as another user of this office."))

    def edit_settings(self) -> None:
        from desktop.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self.window)
        dialog.changed.connect(lambda s: self.idle.set_minutes(float(s.get("idle_lock_minutes"))) if self.idle else None)
        dialog.open()

    def quit(self) -> None:
        self._close_session(wait=True)  # the process ends: what was submitted is saved first
        QApplication.quit()

    def _quit_if_nothing_open(self) -> None:
        if self.window is None:
            QApplication.quit()


def run_gui(argv: list[str] | None = None) -> int:
    """Open the desktop app; returns the process exit code.

    Uncaught exceptions go to the log (stack only, no field values) and a short message.
    """
    app = create_application(argv)
    install_excepthook()
    data_dir = default_data_dir()
    settings = Settings.load(data_dir)
    i18n.install(settings.language())
    # Between closing the main window and showing the unlock dialog no window is open;
    # the controller decides when the app ends.
    app.setQuitOnLastWindowClosed(False)
    app.setAttribute(Qt.ApplicationAttribute.AA_DontShowIconsInMenus, True)
    controller = AppController(data_dir, settings=settings, sync_page=sync_screen)
    controller.start()
    return app.exec()
