"""Small widgets the sync, export and import pages share: titles, notes, messages and
non-blocking file choosers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import Qt as QtGuiQt
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QLabel,
    QScrollArea,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

COLOURS = {"ok": "#1a7f37", "error": "#b3261e", "info": "#4a5560", "warn": "#8a4b16"}


def scrolling_layout(page: QWidget) -> QVBoxLayout:
    """The layout for ``page``'s content, inside a scroll area that fills the page.

    A page taller than the window (a small screen, 150% scaling, a long list of problems)
    scrolls, instead of making the window taller than the screen.
    """
    content = QWidget(objectName=f"{page.objectName()}Content")
    scroll = QScrollArea(page, widgetResizable=True, objectName=f"{page.objectName()}Scroll")
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    # White like the pages that do not scroll (a scroll area is window-grey by default).
    content.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    content.setStyleSheet(f"#{content.objectName()} {{ background: #ffffff; }}")
    scroll.viewport().setObjectName(f"{page.objectName()}Viewport")
    scroll.viewport().setStyleSheet(f"#{page.objectName()}Viewport {{ background: #ffffff; }}")
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return QVBoxLayout(content)


class GrowingTable(QTableWidget):
    """A table that asks for little height and takes what its page has spare.

    Qt's tables ask for about eight rows; on a page that scrolls, that request alone can
    push the page past a laptop's screen although three rows would do.
    """

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(super().sizeHint().width(), 110)


class PlainLabel(QLabel):
    """A label that shows its text as written, never as HTML.

    A plain QLabel guesses: text that looks like markup is rendered as rich text, so a record
    named ``<font size=7>…`` or a return reason holding a link or an ``<img src=…>`` from the
    province would be drawn as such (and the image looked up on this computer's disk). Every
    label of the office app is one of these; a label meant to render markup written by the
    app itself asks for rich text explicitly.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("textFormat", Qt.TextFormat.PlainText)
        super().__init__(*args, **kwargs)


def plain_tip(text: str) -> str:
    """``text`` as a tooltip that shows it as written (a tooltip, too, guesses at markup)."""
    return QtGuiQt.convertFromPlainText(text) if text else ""


def title(text: str, name: str) -> QLabel:
    label = PlainLabel(text, objectName=name)
    label.setStyleSheet("font-size: 18px; font-weight: 600")
    return label


def note(text: str, name: str = "") -> QLabel:
    """A grey explanation under a title or a group's heading."""
    label = PlainLabel(text, objectName=name, wordWrap=True)
    label.setStyleSheet(f"color: {COLOURS['info']}")
    return label


class Message(PlainLabel):
    """A line saying how something went: ok (green), error (red), warn, or plain info."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=name, wordWrap=True)
        # Paths and device ids in messages are worth copying.
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.clear()

    def show_text(self, kind: str, text: str) -> None:
        self.kind = kind
        self.setStyleSheet(f"color: {COLOURS[kind]}")
        self.setText(text)
        self.show()

    def clear(self) -> None:
        # Hidden while empty, so an idle page has no blank line where a message would go.
        self.kind = ""
        self.setText("")
        self.hide()


def choose_file(parent: QWidget, caption: str, start: str | Path, name_filter: str,
                done: Callable[[str], None], *, save: bool = False, folder: bool = False) -> QFileDialog:
    """Open a file (or folder) chooser without blocking; ``done(path)`` when one is chosen.

    A static ``QFileDialog.get…`` call would run a nested event loop; the window-modal
    dialog keeps the pages (and any running sync) live, and tests can answer it.
    """
    dialog = QFileDialog(parent, caption, str(start), name_filter)
    dialog.setObjectName("fileChooser")
    if folder:
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    elif save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.fileSelected.connect(lambda path: done(path) if path else None)
    dialog.finished.connect(lambda *_: dialog.deleteLater())
    dialog.open()
    return dialog
