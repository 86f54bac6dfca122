"""``attachment`` fields in the record editor: attach by file dialog or drag and drop, preview,
save a copy, remove.

A file chosen is read and checked at once (kind from its bytes, the field's size limit) and
stored encrypted in the office database by a writer job; the field then names it, and the
record's next saved version carries the name. Previews are drawn from the bytes in memory
(a PDF through QtPdf from a buffer, an image through QPixmap): no decrypted copy is ever
written to disk, not even to the temp folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.editor.fields import MARGIN, FieldWidget
from desktop.gui.i18n import language
from desktop.gui.parts import PlainLabel
from forms.attachments import max_bytes, mb

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class AttachmentAccess:
    """What the field needs from the app: take a file in (calls back with its entry, or with
    the error to show), read a stored file's bytes, and write one out (checked, whole)."""

    take: Callable[[str, int, Callable[[dict[str, Any]], None], QWidget], None]
    content: Callable[[str], bytes]
    save: Callable[[str, str, QWidget], None]


class AttachmentField(FieldWidget):
    """The files a record names, with buttons to attach, preview, save a copy and remove."""

    def __init__(self, form: Any, field: Any, access: AttachmentAccess | None, parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.access = access
        self.setAcceptDrops(access is not None)
        self.list = QListWidget(objectName=f"input_{field.id}")
        self.list.setMaximumHeight(96)
        self.attach_button = QPushButton(self.tr("Attach file…"), objectName=f"attach_{field.id}")
        self.preview_button = QPushButton(self.tr("Preview"), objectName=f"preview_{field.id}")
        self.save_button = QPushButton(self.tr("Save a copy…"), objectName=f"save_{field.id}")
        self.remove_button = QPushButton(self.tr("Remove"), objectName=f"remove_{field.id}")
        self.attach_button.clicked.connect(self._choose)
        self.preview_button.clicked.connect(self._preview)
        self.save_button.clicked.connect(self._save_copy)
        self.remove_button.clicked.connect(self._remove)
        self.list.itemDoubleClicked.connect(lambda _item: self._preview())
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        buttons = QVBoxLayout()
        for button in (self.attach_button, self.preview_button, self.save_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.attach_button.setEnabled(access is not None)
        self._enable()

    # -- value --------------------------------------------------------------------------
    def value(self) -> Any:
        entries = [self.list.item(i).data(ENTRY_ROLE) for i in range(self.list.count())]
        return [dict(e) for e in entries] or None

    def set_value(self, value: Any) -> None:
        self.list.clear()
        for entry in value if isinstance(value, list) else []:
            if isinstance(entry, dict):
                self._add(entry)
        self._enable()

    def focus_target(self) -> QWidget:
        return self.attach_button

    def tab_chain(self) -> list[QWidget]:
        return [self.list, self.attach_button, self.preview_button, self.save_button, self.remove_button]

    def _add(self, entry: dict[str, Any]) -> None:
        item = QListWidgetItem(f"{entry.get('name', '')}（{mb(int(entry.get('size') or 0), language())}）")
        item.setData(ENTRY_ROLE, dict(entry))
        item.setToolTip(f"SHA-256 {entry.get('sha256', '')}")
        self.list.addItem(item)

    def _current(self) -> dict[str, Any] | None:
        item = self.list.currentItem()
        return dict(item.data(ENTRY_ROLE)) if item is not None else None

    def _enable(self) -> None:
        chosen = self.list.currentItem() is not None
        stored = self.access is not None
        self.preview_button.setEnabled(chosen and stored)
        self.save_button.setEnabled(chosen and stored)
        self.remove_button.setEnabled(chosen)

    # -- attaching ----------------------------------------------------------------------
    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Attach a file"), "", self.tr("Evidence files (*.pdf *.ofd *.jpg *.jpeg *.png);;All files (*)"))
        if path:
            self.attach(path)

    def attach(self, path: str) -> None:
        """Take the file at ``path`` in; the field names it once it is stored."""
        if self.access is None:
            return
        self.access.take(path, max_bytes(self.field.spec), self._taken, self)

    def _taken(self, entry: dict[str, Any]) -> None:
        present = self.value() or []
        if any(e.get("sha256") == entry["sha256"] for e in present):
            self.list.setCurrentRow(next(i for i, e in enumerate(present) if e.get("sha256") == entry["sha256"]))
            return
        self._add(entry)
        self.list.setCurrentRow(self.list.count() - 1)
        self.changed.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        for url in event.mimeData().urls():
            self.attach(url.toLocalFile())
        event.acceptProposedAction()

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._enable()
            self.changed.emit()

    # -- reading back -------------------------------------------------------------------
    def _save_copy(self) -> None:
        entry = self._current()
        if entry is None or self.access is None:
            return
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Save a copy"), entry["name"])
        if path:  # the dialog has asked already whether to replace a file of that name
            self.access.save(entry["sha256"], path, self)

    def _preview(self) -> None:
        entry = self._current()
        if entry is None or self.access is None:
            return
        preview = AttachmentPreview(entry, self.access.content(entry["sha256"]), self)
        preview.open()


class AttachmentPreview(QDialog):
    """A file shown from its bytes in memory: a PDF's pages, an image, or what it is."""

    def __init__(self, entry: dict[str, Any], content: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="attachmentPreview")
        self.setWindowTitle(entry.get("name", ""))
        self.resize(900, 680)
        layout = QVBoxLayout(self)
        self.document: Any = None
        self.buffer: QBuffer | None = None
        media = entry.get("media_type")
        if media == "application/pdf":
            layout.addWidget(self._pdf(content))
        elif media in ("image/png", "image/jpeg"):
            pixmap = QPixmap()
            pixmap.loadFromData(content)
            label = PlainLabel(objectName="imagePreview", alignment=Qt.AlignmentFlag.AlignCenter)
            label.setPixmap(pixmap)
            scroll = QScrollArea(widgetResizable=True)
            scroll.setWidget(label)
            layout.addWidget(scroll)
        else:
            layout.addWidget(PlainLabel(self.tr("This kind of file cannot be shown here; save a copy to open it."),
                                    objectName="noPreview", alignment=Qt.AlignmentFlag.AlignCenter))

    def _pdf(self, content: bytes) -> QWidget:
        try:
            from PySide6.QtPdf import QPdfDocument
            from PySide6.QtPdfWidgets import QPdfView
        except ImportError:  # a Qt build without its PDF module
            return PlainLabel(self.tr("PDF preview is not available; save a copy to open it."), objectName="noPreview")
        # The bytes stay in memory: QPdfDocument reads them from a buffer, never from a file.
        self.buffer = QBuffer(self)
        self.buffer.setData(QByteArray(content))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self.buffer)
        view = QPdfView(self, objectName="pdfPreview")
        view.setDocument(self.document)
        view.setPageMode(QPdfView.PageMode.MultiPage)
        view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        return view
