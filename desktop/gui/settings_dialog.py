"""The settings dialog, generated from the declarative settings registry."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

from desktop import vocabulary
from desktop.gui.errors import show_error
from desktop.gui.parts import PlainLabel
from desktop.gui.settings import Setting, Settings

# Labels of settings and of their choices, for people (the registry's descriptions are
# for developers). Marked for lupdate; translated when shown.
LABELS = {
    "language": QT_TRANSLATE_NOOP("Settings", "Language (after restart)"),
    "idle_lock_minutes": QT_TRANSLATE_NOOP("Settings", "Lock after idle minutes (0: never)"),
}


class SettingsDialog(QDialog):
    """One input per declared setting; ``changed(settings)`` after a successful save."""

    changed = Signal(object)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.settings = settings
        self.setWindowTitle(self.tr("Settings"))
        self.inputs: dict[str, QWidget] = {}
        form = QFormLayout(self)
        for setting, value in settings:
            if not setting.for_clerk:
                continue
            widget = self._input(setting, value)
            widget.setObjectName(f"setting_{setting.name}")
            self.inputs[setting.name] = widget
            form.addRow(QCoreApplication.translate("Settings", LABELS.get(setting.name, setting.name)), widget)
        self.note = PlainLabel(wordWrap=True)
        form.addRow(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(420)

    @staticmethod
    def _input(setting: Setting, value: Any) -> QWidget:
        if setting.choices:
            combo = QComboBox()
            for choice in setting.choices:
                combo.addItem(vocabulary.LANGUAGES.get(choice, str(choice)) if setting.name == "language" else str(choice), choice)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            return combo
        spin = QSpinBox()
        spin.setRange(setting.minimum or 0, setting.maximum if setting.maximum is not None else 10**6)
        spin.setValue(int(value))
        return spin

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self.inputs.items():
            out[name] = widget.currentData() if isinstance(widget, QComboBox) else widget.value()  # type: ignore[attr-defined]
        return out

    def _save(self) -> None:
        before = self.settings.get("language")
        try:
            for name, value in self.values().items():
                self.settings.set(name, value)
            self.settings.save()
        except (OSError, ValueError) as exc:
            show_error(self, exc)
            return
        self.changed.emit(self.settings)
        if self.settings.get("language") != before:
            from desktop.gui.errors import show_message

            show_message(self.parentWidget(), self.tr("The new language is used from the next start."))
        self.accept()
