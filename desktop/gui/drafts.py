"""Offering unsaved editor contents again (after a crash, a kill or a lock)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.i18n import pick
from desktop.gui.parts import PlainLabel
from desktop.gui.record_model import local_time
from desktop.gui.session import Session

SLOT_ROLE = Qt.ItemDataRole.UserRole + 1


def describe_slot(session: Session, slot: dict[str, Any]) -> str:
    """"企业 · 安徽某某科技有限公司 (saved 2026-11-26 10:32)" for an autosave slot."""
    try:
        form = session.form(slot["form_id"])
        form_label = pick(form.label_zh, form.label_en)
        title = form.title_of(slot["data"])
    except LookupError:
        form_label, title = slot["form_id"], ""
    when = local_time(slot.get("saved_at"))
    return f"{form_label} · {title}  ({when})"


class DraftsDialog(QDialog):
    """Lists unsaved contents; ``restore(slot)`` opens one in the editor, ``discard`` drops it."""

    restore = Signal(object)

    def __init__(self, session: Session, slots: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("draftsDialog")
        self.session = session
        self.setWindowTitle(self.tr("Unsaved work found"))
        intro = PlainLabel(self.tr("These entries were being typed when the app last stopped (a lock, a crash or a power cut). "
                               "Restore one to continue where you left off."), wordWrap=True)
        self.list = QListWidget(objectName="draftList")
        for slot in slots:
            item = QListWidgetItem(describe_slot(session, slot))
            item.setData(SLOT_ROLE, slot)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda *_: self._restore())
        buttons = QDialogButtonBox()
        restore = buttons.addButton(self.tr("Restore"), QDialogButtonBox.ButtonRole.AcceptRole)
        restore.setObjectName("restoreDraft")
        discard = buttons.addButton(self.tr("Discard"), QDialogButtonBox.ButtonRole.DestructiveRole)
        discard.setObjectName("discardDraft")
        later = buttons.addButton(self.tr("Later"), QDialogButtonBox.ButtonRole.RejectRole)
        later.setObjectName("laterDraft")
        restore.clicked.connect(self._restore)
        discard.clicked.connect(self._discard)
        later.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(560, 320)

    def _current(self) -> dict[str, Any] | None:
        item = self.list.currentItem()
        return item.data(SLOT_ROLE) if item is not None else None

    def _restore(self) -> None:
        slot = self._current()
        if slot is not None:
            self.accept()
            self.restore.emit(slot)

    def _discard(self) -> None:
        slot = self._current()
        if slot is None:
            return
        self.session.write(self.session.autosave.discard_job(slot["form_id"], slot["record_id"]), self).start()
        self.list.takeItem(self.list.currentRow())
        if self.list.count() == 0:
            self.accept()
