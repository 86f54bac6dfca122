"""One input widget per field type, all with the same small interface.

Every widget reports ``value()`` as raw JSON the forms engine normalises (text as typed,
numbers and dates as text, choices as codes, ``None`` when empty), takes ``set_value()``
with stored (normalised) values, and emits ``changed`` on every edit. Widgets do not
validate: the engine does, and the form view shows its messages beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from desktop.gui.i18n import pick
from desktop.gui.parts import PlainLabel
from forms.validators import InvalidValue, parse_date


class FieldWidget(QWidget):
    """Base of all field widgets: ``value``/``set_value``, ``changed``, ``focus_target``."""

    changed = Signal()

    def __init__(self, form: Any, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.field = field
        self.problem = ""  # the colour of the frame drawn around the input, "" for none
        self.setObjectName(f"field_{field.id}")

    def set_problem(self, colour: str) -> None:
        """Frame the input in ``colour`` (red: an error, amber: a warning; "" for none).

        The frame is painted in the margin this widget always keeps, so it changes no size.
        """
        if colour != self.problem:
            self.problem = colour
            self.update()

    def problem_rect(self) -> QRect:
        target = self.focus_target()
        return target.geometry() if target is not self else self.childrenRect()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        if self.problem:
            painter = QPainter(self)
            painter.setPen(QPen(QColor(self.problem), 2))
            painter.drawRect(self.problem_rect().adjusted(-1, -1, 1, 1))

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        """The widget that takes keyboard focus for this field."""
        return self

    def refresh(self, data: dict[str, Any], item: dict[str, Any] | None = None) -> None:
        """Update what depends on other fields (a direction's options depend on the sector)."""

    def tab_chain(self) -> list[QWidget]:
        """The widgets of this field in keyboard order."""
        return [self.focus_target()]


MARGIN = 2  # room for the problem frame around the input


def _row(widget: QWidget, *children: QWidget) -> None:
    layout = QHBoxLayout(widget)
    layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
    for child in children:
        layout.addWidget(child, 1 if isinstance(child, QLineEdit | QComboBox) else 0)


class TextField(FieldWidget):
    """``text`` and ``code`` fields: one line."""

    def __init__(self, form: Any, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.edit = QLineEdit(objectName=f"input_{field.id}")
        if field.max_length:
            self.edit.setMaxLength(max(field.max_length * 2, 64))  # room to see "too long"
        self.edit.textChanged.connect(self.changed)
        _row(self, self.edit)
        if field.type == "code":
            self.edit.setMinimumWidth(260)

    def value(self) -> Any:
        text = self.edit.text()
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit


class TextAreaField(FieldWidget):
    """``textarea``: several lines; Tab still moves to the next field."""

    def __init__(self, form: Any, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.edit = QPlainTextEdit(objectName=f"input_{field.id}")
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(84)
        self.edit.textChanged.connect(self.changed)
        _row(self, self.edit)

    def value(self) -> Any:
        text = self.edit.toPlainText()
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit


class NumberField(TextField):
    """``integer``, ``decimal``, ``money`` and ``year``: typed as text, with the unit beside."""

    def __init__(self, form: Any, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.edit.setMaximumWidth(220)
        unit = pick(field.unit_zh, field.unit_en)
        layout = self.layout()
        if unit:
            layout.addWidget(PlainLabel(unit))
        layout.addStretch(1)

    def set_value(self, value: Any) -> None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        super().set_value(value)


class DateField(TextField):
    """``date``: typed (2024-09-30, 2024年9月30日, ...) or picked from a calendar."""

    def __init__(self, form: Any, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.edit.setPlaceholderText("YYYY-MM-DD")
        self.edit.setMaximumWidth(180)
        self.button = QToolButton(text="…", objectName=f"calendar_{field.id}")
        self.button.setToolTip(self.tr("Pick a date"))
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes field to field
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.calendar = QCalendarWidget()
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        self.button.setMenu(menu)
        self.calendar.clicked.connect(lambda day: (self.edit.setText(day.toString("yyyy-MM-dd")), menu.close()))
        menu.aboutToShow.connect(self._sync_calendar)
        layout = self.layout()
        layout.addWidget(self.button)
        layout.addStretch(1)

    def _sync_calendar(self) -> None:
        """Open the calendar at the date typed (in any form the engine reads), else today."""
        try:
            day = QDate.fromString(parse_date(self.edit.text()), "yyyy-MM-dd")
        except InvalidValue:
            day = QDate.currentDate()
        self.calendar.setSelectedDate(day)
        self.calendar.setCurrentPage(day.year(), day.month())


class ChoiceField(FieldWidget):
    """``choice``: a drop-down whose options may depend on another field."""

    def __init__(self, form: Any, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.combo = QComboBox(objectName=f"input_{field.id}")
        self.combo.setMinimumWidth(260)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.currentIndexChanged.connect(lambda *_: self.changed.emit())
        self._pending: Any = None
        _row(self, self.combo)
        self.layout().addStretch(1)
        self.refresh({}, None)

    def refresh(self, data: dict[str, Any], item: dict[str, Any] | None = None) -> None:
        current = self.value() if self._pending is None else self._pending
        options = [(o.code, pick(o.label_zh, o.label_en)) for o in self.form.choices(self.field, data, item)]
        if current is not None and current not in {code for code, _ in options}:
            # A retired or foreign option on an old record stays visible rather than vanish.
            label = self.form.choice_label(self.field, current, data)
            options.append((current, f"{label} ⚠"))
        codes = [self.combo.itemData(i) for i in range(self.combo.count())]
        if codes == [None] + [code for code, _ in options] and self._pending is None:
            return
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("—", None)
        for code, label in options:
            self.combo.addItem(label, code)
        index = self.combo.findData(current) if current is not None else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        self._pending = None
        if current is not None and index < 0:
            self.changed.emit()

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value) if value is not None else 0
        if index < 0:
            self._pending = value  # options not loaded yet (parent not set); applied on refresh
            return
        self.combo.setCurrentIndex(index)

    def focus_target(self) -> QWidget:
        return self.combo


class MultiChoiceField(FieldWidget):
    """``multi_choice``: check boxes in columns."""

    COLUMNS = 3

    def __init__(self, form: Any, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.grid.setHorizontalSpacing(18)
        self.boxes: dict[Any, QCheckBox] = {}
        self.refresh({}, None)

    def refresh(self, data: dict[str, Any], item: dict[str, Any] | None = None) -> None:
        options = self.form.choices(self.field, data, item)
        if [o.code for o in options] == [c for c in self.boxes if not self.boxes[c].property("extra")]:
            return
        chosen = self.value() or []
        for box in self.boxes.values():
            box.setParent(None)
        self.boxes = {}
        for option in options:
            self._add(option.code, pick(option.label_zh, option.label_en))
        for code in chosen:
            if code not in self.boxes:
                self._add(code, self.form.choice_label(self.field, code, data) + " ⚠").setProperty("extra", True)
            self.boxes[code].setChecked(True)

    def _add(self, code: Any, label: str) -> QCheckBox:
        box = QCheckBox(label, objectName=f"input_{self.field.id}_{code}")
        box.toggled.connect(lambda *_: self.changed.emit())
        n = len(self.boxes)
        self.grid.addWidget(box, n // self.COLUMNS, n % self.COLUMNS)
        self.boxes[code] = box
        return box

    def value(self) -> Any:
        chosen = [code for code, box in self.boxes.items() if box.isChecked()]
        return chosen or None

    def set_value(self, value: Any) -> None:
        chosen = value if isinstance(value, list) else []
        for code in chosen:
            if code not in self.boxes:
                self._add(code, f"{code} ⚠").setProperty("extra", True)
        for code, box in self.boxes.items():
            box.setChecked(code in chosen)

    def focus_target(self) -> QWidget:
        return next(iter(self.boxes.values()), self)

    def problem_rect(self) -> QRect:
        return self.childrenRect()

    def tab_chain(self) -> list[QWidget]:
        return list(self.boxes.values()) or [self]


class BooleanField(FieldWidget):
    """``boolean``: yes / no / not answered (a check box cannot say "not answered")."""

    def __init__(self, form: Any, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.combo = QComboBox(objectName=f"input_{field.id}")
        self.combo.addItem("—", None)
        self.combo.addItem(self.tr("Yes"), True)
        self.combo.addItem(self.tr("No"), False)
        self.combo.currentIndexChanged.connect(lambda *_: self.changed.emit())
        _row(self, self.combo)
        self.combo.setMinimumWidth(120)
        self.layout().addStretch(1)

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        self.combo.setCurrentIndex({True: 1, False: 2}.get(value, 0) if isinstance(value, bool) else 0)

    def focus_target(self) -> QWidget:
        return self.combo


class RecordRefField(FieldWidget):
    """``record_ref``: another record of this office, chosen from its list."""

    def __init__(self, form: Any, field: Any, choose: Callable[[str], tuple[str, str] | None],
                 title_of: Callable[[str], str], parent: QWidget | None = None) -> None:
        super().__init__(form, field, parent)
        self.choose = choose
        self.title_of = title_of
        self.record_id: str | None = None
        self.shown = QLineEdit(objectName=f"input_{field.id}", readOnly=True)
        self.shown.setPlaceholderText(self.tr("Not chosen"))
        self.pick_button = QPushButton(self.tr("Choose…"), objectName=f"choose_{field.id}")
        self.clear_button = QPushButton(self.tr("Clear"), objectName=f"clear_{field.id}")
        self.pick_button.clicked.connect(self._pick)
        self.clear_button.clicked.connect(lambda: self.set_value(None, emit=True))
        _row(self, self.shown, self.pick_button, self.clear_button)

    def _pick(self) -> None:
        chosen = self.choose(self.field.ref_form)
        if chosen is not None:
            self.record_id = chosen[0]
            self.shown.setText(chosen[1])
            self.changed.emit()

    def value(self) -> Any:
        return self.record_id

    def set_value(self, value: Any, emit: bool = False) -> None:
        self.record_id = value if isinstance(value, str) and value else None
        self.shown.setText(self.title_of(self.record_id) if self.record_id else "")
        if emit:
            self.changed.emit()

    def focus_target(self) -> QWidget:
        return self.pick_button

    def problem_rect(self) -> QRect:
        return self.shown.geometry()

    def tab_chain(self) -> list[QWidget]:
        return [self.pick_button, self.clear_button]


SIMPLE_WIDGETS: dict[str, type[FieldWidget]] = {
    "text": TextField, "code": TextField, "textarea": TextAreaField,
    "integer": NumberField, "decimal": NumberField, "money": NumberField, "year": NumberField,
    "date": DateField, "choice": ChoiceField, "multi_choice": MultiChoiceField, "boolean": BooleanField,
}
