"""Showing failures to people: clear messages in their language, never a traceback.

Expected failures (``OfficeError``: wrong passphrase, invalid input, disk full, database
busy) are shown with their own message. Anything else is a bug: it is logged to the user
log folder (type and stack only, never field values) and shown as a short message.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.errors import KeyFileDamaged, OfficeError
from desktop.gui.i18n import language
from desktop.logs import log_unexpected

# Message boxes without a parent window are owned by nobody in Qt; keep them referenced
# until they are closed, or Python would collect them before anyone could read them.
_ORPHANS: set[QMessageBox] = set()


def _keep(box: QMessageBox, parent: QWidget | None) -> QMessageBox:
    if parent is None:
        _ORPHANS.add(box)
        box.finished.connect(lambda *_: _ORPHANS.discard(box))
    box.open()
    return box


def _title() -> str:
    return QCoreApplication.translate("Errors", "Anhui Future Industry Data Collection")


def log_exception(exc: BaseException) -> Path:
    """Log ``exc`` with its stack (no values) through the app's one log function."""
    # log_unexpected reads sys.exc_info(), which is only set inside an except block.
    try:
        raise exc
    except BaseException:
        return log_unexpected()


def message_for(exc: BaseException) -> str:
    """The text to show for ``exc``; unexpected errors are logged first."""
    if isinstance(exc, KeyFileDamaged) and exc.recovery_helps:
        return exc.message(language()) + QCoreApplication.translate(
            "Errors", " On the unlock screen, choose “Forgot the passphrase?”.")
    if isinstance(exc, OfficeError):
        return exc.message(language())
    # Imported here: the store (and SQLCipher) load only after the unlock dialog is shown.
    from desktop.failures import user_error

    known = user_error(exc) if not isinstance(exc, MemoryError) else None
    if known is not None:
        return known.message(language())
    if isinstance(exc, MemoryError):
        return QCoreApplication.translate("Errors", "The computer ran out of memory. Close other programs and try again.")
    path = log_exception(exc)
    return QCoreApplication.translate(
        "Errors", "An unexpected error occurred. Your saved data is safe. Details were written to {path}.").format(path=path)


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> QMessageBox:
    """Show ``exc`` in a window-modal message box without blocking the caller."""
    box = QMessageBox(QMessageBox.Icon.Warning if isinstance(exc, OfficeError) else QMessageBox.Icon.Critical,
                      title or _title(), message_for(exc),
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    return _keep(box, parent)


def show_message(parent: QWidget | None, text: str, title: str | None = None) -> QMessageBox:
    """Show an information message without blocking the caller."""
    box = QMessageBox(QMessageBox.Icon.Information, title or _title(),
                      text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("messageBox")
    return _keep(box, parent)


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook`` for the GUI: log the stack (no values) and tell the user briefly.

    Qt calls Python slots from its event loop, so an exception there would otherwise only
    reach stderr, which an office user never sees.
    """
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    try:
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        parent = QApplication.activeWindow() if QApplication.instance() else None
        if QApplication.instance() is not None:
            show_error(parent, exc)
        else:
            log_exception(exc)
    except Exception:  # the hook itself must never raise
        sys.__excepthook__(exc_type, exc, tb)


def install_excepthook() -> None:
    """Route uncaught exceptions on the GUI thread to :func:`excepthook`."""
    sys.excepthook = excepthook
