"""What a target did not count, and why, as the dashboard shows it.

The counting and the words are the forms engine's (``forms.progress``); this only puts them
on screen: a "not counted" cell per target with the reasons as its tooltip, and a note under
the table saying, for the selected target, what counts and what was left out.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidgetItem, QWidget

from desktop.gui.i18n import language, pick
from desktop.gui.parts import PlainLabel
from forms.progress import NOT_COUNTED


def header() -> str:
    """The column's heading."""
    return pick(*NOT_COUNTED)


def cell(tp: Any) -> QTableWidgetItem:
    """How many records about ``tp``'s target were excluded; the reasons as the tooltip."""
    item = QTableWidgetItem(str(tp.excluded_total) if tp.excluded_total else "—")
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tp.excluded_total:
        item.setForeground(QColor("#8a5a00"))
        item.setToolTip(tp.excluded_text(language()))
    return item


class ExclusionNote(PlainLabel):
    """The selected target's rule in words and what it left out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="exclusionNote", wordWrap=True)
        self.setStyleSheet("color: #4a5560; font-size: 12px")

    def show_target(self, tp: Any) -> None:
        """Describe ``tp`` (a ``forms.progress.TargetProgress``)."""
        t = tp.target
        lines = [pick(t.help_zh, t.help_en)] if (t.help_zh or t.help_en) else []
        excluded = tp.excluded_text(language())
        if excluded:
            lines.append(excluded)
        self.setText("\n".join(lines))
