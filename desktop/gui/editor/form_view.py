"""A form's fields laid out as rows: label, input, help, and the engine's message beneath.

The same view lays out a whole record and each item of a repeat group. It hides fields
that do not apply (relevance), marks the fields required for what is typed now with ``*``,
refreshes dependent options, collects the raw values of the fields that apply, and shows
the problems validation found beside the field they concern.

Nothing a message does moves a field: every row keeps one line for its message whether or
not there is one (a longer message is cut short there and shown whole as a tooltip), the
input's frame only changes colour, and the label's column is as wide as it would be with
the ``*``. Fields under the pointer stay where they are while problems come and go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.editor.attachment_field import AttachmentAccess, AttachmentField
from desktop.gui.editor.fields import SIMPLE_WIDGETS, FieldWidget, RecordRefField
from desktop.gui.i18n import language, pick
from desktop.gui.parts import PlainLabel, plain_tip

ERROR_COLOUR = "#b3261e"
WARNING_COLOUR = "#8a5a00"
STAR = f"<span style='color:{ERROR_COLOUR}'>&nbsp;*</span>"


@dataclass
class EditorContext:
    """What generated widgets need from the app: choosing and naming referenced records, and
    storing and reading evidence files."""

    choose_record: Callable[[str], tuple[str, str] | None]
    record_title: Callable[[str], str]
    attachments: AttachmentAccess | None = None


def inline_text(problem: Any, field: Any) -> str:
    """The problem's message without the "label：" prefix (the label is right beside it)."""
    text = problem.message(language())
    prefix = f"{field.label_en}: " if language() == "en" else f"{field.label_zh}："
    return text[len(prefix):] if text.startswith(prefix) else text


class MessageLine(PlainLabel):
    """The one line under a field kept for its message: always there, empty when all is well.

    A message longer than the line is cut with "…" and shown whole as the tooltip, so the
    line never grows and nothing below it moves.
    """

    def __init__(self, name: str) -> None:
        super().__init__(objectName=name)
        self.full = ""
        font = self.font()
        font.setPixelSize(12)
        self.setFont(font)
        self.setFixedHeight(self.fontMetrics().height() + 2)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def show_message(self, text: str, colour: str) -> None:
        self.full = text
        self.setToolTip(plain_tip(text))
        self.setStyleSheet(f"color: {colour}")
        self.setText(text)  # for readers and tests; painting cuts it to the line
        self.update()

    def has_message(self) -> bool:
        return bool(self.full)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        shown = self.fontMetrics().elidedText(self.full, Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)


class FieldRow:
    """One field's widgets in the layout."""

    def __init__(self, field: Any, widget: FieldWidget | GroupField, index: int, label: QLabel, message: MessageLine) -> None:
        self.field = field
        self.widget = widget
        self.index = index
        self.label = label
        self.message = message
        self.text = pick(field.label_zh, field.label_en)
        self.required = False

    def set_required(self, required: bool) -> None:
        """Show ``*`` after the label while the field must be filled."""
        if required != self.required or not self.label.text():
            self.required = required
            self.label.setText(self.text + (STAR if required else ""))


class FormView(QWidget):
    """Rows for ``fields`` of ``form``; ``prefix`` is the path of a group item ("members[0].")."""

    changed = Signal()
    edited = Signal(str)  # the path of the field the user changed

    def __init__(self, form: Any, fields: tuple[Any, ...], context: EditorContext, prefix: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.context = context
        self.prefix = prefix
        self.fresh = False  # a repeat item added but not touched yet
        self.layout_ = QFormLayout(self)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.layout_.setVerticalSpacing(4)
        self.rows: list[FieldRow] = []
        for f in fields:
            self._add_row(f)

    def _add_row(self, f: Any) -> None:
        widget: FieldWidget | GroupField
        if f.type == "group":
            widget = GroupField(self.form, f, self.context, self.prefix)
        elif f.type == "record_ref":
            widget = RecordRefField(self.form, f, self.context.choose_record, self.context.record_title)
        elif f.type == "attachment":
            widget = AttachmentField(self.form, f, self.context.attachments)
        else:
            widget = SIMPLE_WIDGETS[f.type](self.form, f)
        widget.changed.connect(self.changed)
        if isinstance(widget, GroupField):
            widget.edited.connect(self.edited)
        else:
            # The prefix changes when an earlier group item is removed, so read it late.
            widget.changed.connect(lambda fid=f.id: self.edited.emit(self.prefix + fid))
        label = QLabel(objectName=f"label_{f.id}", textFormat=Qt.TextFormat.RichText)
        label.setBuddy(widget.focus_target())
        # As wide as with its "*", so a field that becomes required moves no column.
        label.setMinimumWidth(max(90, label.fontMetrics().horizontalAdvance(pick(f.label_zh, f.label_en) + "  *") + 4))
        # Right-aligned against its input, on the input's first line (QLabel itself
        # would centre a label that is shorter than the column).
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        label.setContentsMargins(0, 6, 0, 0)
        help_text = pick(f.help_zh, f.help_en)
        if help_text:
            widget.setToolTip(help_text)
        message = MessageLine(f"message_{f.id}")
        cell = QWidget()
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(widget)
        if help_text:
            hint = PlainLabel(help_text, wordWrap=True, objectName=f"help_{f.id}")
            hint.setStyleSheet("color: #666; font-size: 12px")
            box.addWidget(hint)
        box.addWidget(message)
        self.layout_.addRow(label, cell)
        row = FieldRow(f, widget, self.layout_.rowCount() - 1, label, message)
        row.set_required(bool(f.required))
        self.rows.append(row)

    # -- values -------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """Raw values of the fields that are shown and filled."""
        out = {}
        for row in self.rows:
            if not self.layout_.isRowVisible(row.index):
                continue
            value = row.widget.value()
            if value is not None:
                out[row.field.id] = value
        return out

    def set_values(self, data: dict[str, Any]) -> None:
        for row in self.rows:
            row.widget.blockSignals(True)
            row.widget.set_value(data.get(row.field.id))
            row.widget.blockSignals(False)

    def update(self, data: dict[str, Any], item: dict[str, Any] | None = None) -> None:  # type: ignore[override]
        """Apply relevance, required marks and dependent options for the record's current ``data``."""
        for row in self.rows:
            relevant = self.form.is_relevant(row.field, data, item)
            if self.layout_.isRowVisible(row.index) != relevant:
                self.layout_.setRowVisible(row.index, relevant)
            row.set_required(relevant and self.form.is_required(row.field, data, item))
            row.widget.refresh(data, item)

    # -- problems -----------------------------------------------------------------------
    def show_problems(self, by_path: dict[str, list[Any]], show: Callable[[str], bool]) -> None:
        """Show each row's problems (``show(path)`` says whether to show them yet)."""
        for row in self.rows:
            path = self.prefix + row.field.id
            problems = by_path.get(path, []) if show(path) else []
            if isinstance(row.widget, GroupField):
                row.widget.show_problems(by_path, show)
            errors = [p for p in problems if p.severity == "error"]
            text = "；".join(("⚠ " if p.severity == "warning" else "") + inline_text(p, row.field) for p in problems)
            row.message.show_message(text, ERROR_COLOUR if errors else WARNING_COLOUR)
            if isinstance(row.widget, FieldWidget):
                row.widget.set_problem(ERROR_COLOUR if errors else (WARNING_COLOUR if problems else ""))

    def row_for(self, path: str) -> FieldRow | None:
        """The row (maybe inside a group item) for a problem path."""
        for row in self.rows:
            own = self.prefix + row.field.id
            if path == own:
                return row
            if isinstance(row.widget, GroupField) and path.startswith(own + "["):
                return row.widget.row_for(path) or row
        return None

    def tab_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for row in self.rows:
            chain.extend(row.widget.tab_chain())
        return chain

    def clear_fresh(self) -> None:
        """Treat every repeat item as seen (after a save attempt every problem is shown)."""
        for row in self.rows:
            if isinstance(row.widget, GroupField):
                row.widget.clear_fresh()

    def fresh_prefixes(self) -> list[str]:
        """Path prefixes of repeat items added but not yet touched (their problems wait)."""
        found: list[str] = []
        for row in self.rows:
            if isinstance(row.widget, GroupField):
                found.extend(row.widget.fresh_prefixes())
        return found


class GroupField(QWidget):
    """A repeat group: a list of items, each a small form, with add and remove."""

    changed = Signal()
    edited = Signal(str)

    def __init__(self, form: Any, field: Any, context: EditorContext, prefix: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"field_{field.id}")
        self.form = form
        self.field = field
        self.context = context
        self.path = prefix + field.id
        self.items: list[tuple[QFrame, FormView, QPushButton]] = []
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton(self.tr("Add {label}").format(label=pick(field.label_zh, field.label_en)),
                                      objectName=f"add_{field.id}")
        self.add_button.clicked.connect(self._add_clicked)
        self.changed.connect(lambda: self.edited.emit(self.path))
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.box.addLayout(row)

    def _add_clicked(self) -> None:
        view = self.add_item()
        view.fresh = True  # nothing typed in it yet: no "required" messages until it is
        chain = view.tab_chain()
        if chain:
            chain[0].setFocus()
        self.changed.emit()

    def add_item(self, data: dict[str, Any] | None = None) -> FormView:
        """Append an item (empty, or holding ``data``)."""
        frame = QFrame(objectName=f"{self.field.id}_item")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(frame)
        head = QHBoxLayout()
        title = PlainLabel()
        title.setStyleSheet("font-weight: 600")
        remove = QPushButton(self.tr("Remove"), objectName=f"remove_{self.field.id}")
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(remove)
        layout.addLayout(head)
        view = FormView(self.form, self.field.fields, self.context, f"{self.path}[{len(self.items)}].")
        view.fresh = False
        view.changed.connect(self.changed)
        view.edited.connect(self.edited)
        view.edited.connect(lambda _path, v=view: setattr(v, "fresh", False))
        layout.addWidget(view)
        self.box.insertWidget(len(self.items), frame)
        entry = (frame, view, remove)
        self.items.append(entry)
        remove.clicked.connect(lambda: self.remove_item(self.items.index(entry)))
        if data:
            view.set_values(data)
        self._renumber()
        return view

    def remove_item(self, index: int) -> None:
        frame, _view, _remove = self.items.pop(index)
        frame.setParent(None)
        frame.deleteLater()
        self._renumber()
        self.changed.emit()

    def _renumber(self) -> None:
        # Problem paths name items by position, so prefixes follow the order on screen.
        for n, (frame, view, _remove) in enumerate(self.items):
            view.prefix = f"{self.path}[{n}]."
            frame.findChild(QLabel).setText(self.tr("No. {n}").format(n=n + 1))
        full = self.field.max_items is not None and len(self.items) >= self.field.max_items
        self.add_button.setEnabled(not full)

    def value(self) -> Any:
        items = [view.values() for _frame, view, _remove in self.items]
        return items or None

    def set_value(self, value: Any) -> None:
        while self.items:
            self.remove_item(0)
        for item in value if isinstance(value, list) else []:
            self.add_item(item if isinstance(item, dict) else {})

    def refresh(self, data: dict[str, Any], item: dict[str, Any] | None = None) -> None:
        values = data.get(self.field.id) or []
        for n, (_frame, view, _remove) in enumerate(self.items):
            view.update(data, values[n] if n < len(values) and isinstance(values[n], dict) else {})

    def show_problems(self, by_path: dict[str, list[Any]], show: Callable[[str], bool]) -> None:
        for _frame, view, _remove in self.items:
            view.show_problems(by_path, (lambda _path: False) if view.fresh else show)

    def clear_fresh(self) -> None:
        for _frame, view, _remove in self.items:
            view.fresh = False
            view.clear_fresh()

    def fresh_prefixes(self) -> list[str]:
        found: list[str] = []
        for _frame, view, _remove in self.items:
            found.extend([view.prefix] if view.fresh else view.fresh_prefixes())
        return found

    def row_for(self, path: str) -> FieldRow | None:
        for _frame, view, _remove in self.items:
            if path.startswith(view.prefix):
                return view.row_for(path)
        return None

    def focus_target(self) -> QWidget:
        return self.add_button

    def tab_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for _frame, view, remove in self.items:
            chain.extend(view.tab_chain())
            chain.append(remove)
        chain.append(self.add_button)
        return chain
