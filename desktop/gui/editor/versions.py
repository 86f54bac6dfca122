"""A read-only view of every version of a record, with what changed from the one before."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.i18n import language, pick
from desktop.gui.labels import status_label
from desktop.gui.parts import PlainLabel
from desktop.gui.record_model import local_time
from desktop.gui.session import Session

CHANGED = QBrush(QColor("#fff4c2"))


def field_rows(form: Any, data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each filled field as (label, value as read), repeat-group items flattened."""
    lang = language()
    rows: dict[str, tuple[str, str]] = {}
    for f in form.fields:
        value = data.get(f.id)
        if f.is_group and isinstance(value, list):
            for n, item in enumerate(value):
                for sub in f.fields:
                    if isinstance(item, dict) and item.get(sub.id) is not None:
                        label = f"{pick(f.label_zh, f.label_en)} {n + 1} · {pick(sub.label_zh, sub.label_en)}"
                        rows[f"{f.id}[{n}].{sub.id}"] = (label, form.display_value(sub, item[sub.id], data, lang))
        elif value is not None:
            shown = form.display_value(f, value, data, lang) or json.dumps(value, ensure_ascii=False)
            rows[f.id] = (pick(f.label_zh, f.label_en), shown)
    for key, value in data.items():
        if not form.has_field(key):  # a field of another form version
            rows[key] = (key, json.dumps(value, ensure_ascii=False))
    return rows


class VersionsDialog(QDialog):
    """Lists the versions of a record; selecting one shows its fields, changes highlighted."""

    def __init__(self, session: Session, record_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versionsDialog")
        self.session = session
        self.record = session.records.get(record_id)
        self.versions = session.records.versions(record_id)
        self.history = session.records.history(record_id)
        self.setWindowTitle(self.tr("Versions of {title}").format(title=self.record.get("title") or record_id))
        self.list = QListWidget(objectName="versionList")
        for version in self.versions:
            text = self.tr("Version {n} · {status}\n{time} · {author}").format(
                n=version["number"], status=status_label(version["status"]),
                time=local_time(version["created_at"]), author=version["author"])
            self.list.addItem(QListWidgetItem(text))
        self.table = QTableWidget(0, 3, objectName="versionTable")
        self.table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("This version"), self.tr("Before")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.changes = PlainLabel(objectName="versionChanges", wordWrap=True)
        self.events = PlainLabel(objectName="historyEvents", wordWrap=True)
        self.events.setStyleSheet("color: #555")
        self.events.setText(self._history_text())
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.changes)
        right_box.addWidget(self.table, 1)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setSizes([240, 680])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.events, 1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.list.currentRowChanged.connect(self.show_version)
        self.resize(980, 600)
        self.list.setCurrentRow(len(self.versions) - 1)

    def _history_text(self) -> str:
        lines = []
        for entry in self.history:
            if entry["event"] != "status":
                continue
            detail = json.loads(entry["detail"]) if isinstance(entry.get("detail"), str) and entry["detail"] else {}
            reason = detail.get("reason") if isinstance(detail, dict) else None
            line = self.tr("{time}: {who} set the status to {status}").format(
                time=local_time(entry["at"]), who=entry["actor"], status=status_label(entry["status"]))
            lines.append(line + (f" ({reason})" if reason else ""))
        return "\n".join(lines[-4:])

    def show_version(self, index: int) -> None:
        """Show version ``index`` with the fields that differ from the one before marked."""
        if not 0 <= index < len(self.versions):
            return
        version = self.versions[index]
        form = self.session.form(version["form_id"], version["form_version"])
        now = field_rows(form, json.loads(version["data"]))
        before = field_rows(form, json.loads(self.versions[index - 1]["data"])) if index > 0 else {}
        keys = list(now) + [k for k in before if k not in now]
        self.table.setRowCount(len(keys))
        changed = 0
        for row, key in enumerate(keys):
            label = (now.get(key) or before.get(key) or (key, ""))[0]
            new, old = now.get(key, ("", ""))[1], before.get(key, ("", ""))[1]
            differs = index > 0 and new != old
            changed += differs
            cells = [QTableWidgetItem(label), QTableWidgetItem(new), QTableWidgetItem(old if differs else "")]
            for cell in cells:
                if differs:
                    cell.setBackground(CHANGED)
                cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if differs:
                font = QFont(cells[0].font())
                font.setBold(True)
                cells[0].setFont(font)
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        self.table.resizeRowsToContents()
        if index == 0:
            self.changes.setText(self.tr("First version: the record as created."))
        else:
            self.changes.setText(self.tr("%n field(s) changed from version {prev} (highlighted).", "", changed).format(prev=index))
