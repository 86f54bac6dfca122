"""First run: choose the org unit, name the office, create the first admin, keep the recovery key.

The office store is created in the background when the admin page is accepted; the last
page shows the recovery key once, with saving to a file and printing, and cannot be left
until the user confirms they kept it (there is no other way to see the key again).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QStandardItem, QStandardItemModel, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.errors import OfficeError
from desktop.gui.errors import show_error, show_message
from desktop.gui.parts import PlainLabel
from desktop.gui.passphrase import STRENGTH_COLOURS, strength_hint
from desktop.gui.tasks import Task
from desktop.store.office import Office
from sync.fsutil import write_atomic

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
LEVELS = ("county", "park", "city")


def org_unit_model(registry: object) -> QStandardItemModel:
    """The org units an office can belong to, as list items "蜀山区 · 合肥市 (340104)"."""
    model = QStandardItemModel()
    units = list(registry.org_units())  # type: ignore[attr-defined]
    names = {u.code: u.name for u in units}
    for unit in units:
        if unit.level not in LEVELS:
            continue
        city = names.get(unit.parent_code or "", "") if unit.level != "city" else ""
        park = QCoreApplication.translate("Wizard", " (park)") if unit.level == "park" else ""
        text = f"{unit.name}{park}" + (f" · {city}" if city else "") + f"  ({unit.code})"
        item = QStandardItem(text)
        item.setEditable(False)
        item.setData(unit.code, CODE_ROLE)
        item.setData(f"{unit.name} {city} {unit.code} {unit.level}", SEARCH_ROLE)
        model.appendRow(item)
    return model


class OrgUnitPage(QWizardPage):
    """Page 1: a searchable list of Anhui's divisions and parks."""

    def __init__(self, registry: object) -> None:
        super().__init__()
        self.setTitle(self.tr("Which office is this?"))
        self.setSubTitle(self.tr("Choose the county, district or park this office reports for. Type to search by name or code."))
        self.search = QLineEdit(objectName="orgSearch")
        self.search.setPlaceholderText(self.tr("Search, e.g. 蜀山 or 340104"))
        self.search.setClearButtonEnabled(True)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(org_unit_model(registry))
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.view = QListView(objectName="orgList")
        self.view.setModel(self.proxy)
        self.view.setUniformItemSizes(True)
        self.search.textChanged.connect(self._filter)
        self.view.selectionModel().currentChanged.connect(lambda *_: self.completeChanged.emit())
        # Enter in the search box picks the first match, so the page works from the keyboard.
        self.search.returnPressed.connect(self._pick_first)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.view)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if self.proxy.rowCount() == 1:
            self.view.setCurrentIndex(self.proxy.index(0, 0))
        self.completeChanged.emit()

    def _pick_first(self) -> None:
        if self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, 0))
            self.view.setFocus()

    def org_unit(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(CODE_ROLE) if index.isValid() else None

    def org_unit_name(self) -> str:
        index = self.view.currentIndex()
        return index.data(Qt.ItemDataRole.DisplayRole) if index.isValid() else ""

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return self.org_unit() is not None


class AdminPage(QWizardPage):
    """Page 2: the office's name and its first admin with a passphrase; creates the store."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle(self.tr("Office and first administrator"))
        self.setSubTitle(self.tr("The passphrase protects the encrypted database on this computer. Nobody can recover it for you; the recovery key on the next page can."))
        self.office_name = QLineEdit(objectName="officeName")
        self.office_name.setPlaceholderText(self.tr("e.g. 蜀山区科学技术局"))
        self.admin = QLineEdit(objectName="adminName")
        self.admin.setPlaceholderText(self.tr("Your name, e.g. 张三"))
        self.passphrase = QLineEdit(objectName="passphrase", echoMode=QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit(objectName="confirmPassphrase", echoMode=QLineEdit.EchoMode.Password)
        self.meter = QProgressBar(objectName="strengthMeter", maximum=4, textVisible=False)
        self.meter.setFixedHeight(8)
        self.hint = PlainLabel(objectName="strengthHint", wordWrap=True)
        self.mismatch = PlainLabel(objectName="mismatch")
        self.mismatch.setStyleSheet("color: #b3261e")
        self.status = PlainLabel(objectName="createStatus")
        form = QFormLayout(self)
        form.addRow(self.tr("Office name"), self.office_name)
        form.addRow(self.tr("Administrator"), self.admin)
        form.addRow(self.tr("Passphrase"), self.passphrase)
        form.addRow("", self.meter)
        form.addRow("", self.hint)
        form.addRow(self.tr("Passphrase again"), self.confirm)
        form.addRow("", self.mismatch)
        form.addRow("", self.status)
        for edit in (self.office_name, self.admin, self.passphrase, self.confirm):
            edit.textChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        score, text = strength_hint(self.passphrase.text())
        self.meter.setValue(score)
        self.meter.setStyleSheet(f"QProgressBar::chunk {{ background: {STRENGTH_COLOURS[score]}; }}")
        self.hint.setText(text)
        differs = bool(self.confirm.text()) and self.confirm.text() != self.passphrase.text()
        self.mismatch.setText(self.tr("The two passphrases differ.") if differs else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return (bool(self.office_name.text().strip()) and bool(self.admin.text().strip())
                and bool(self.passphrase.text()) and self.passphrase.text() == self.confirm.text())

    def validatePage(self) -> bool:  # noqa: N802
        if self.wizard_.office is not None:
            return True
        if self.wizard_.creating:
            return False
        self.wizard_.create_office(self.office_name.text().strip(), self.admin.text().strip(), self.passphrase.text())
        self.status.setText(self.tr("Creating the encrypted database…"))
        return False


class RecoveryPage(QWizardPage):
    """Page 3: the recovery key, shown once, with save and print."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle(self.tr("Keep the recovery key"))
        self.setSubTitle(self.tr("If every passphrase is forgotten, this key is the only way into the office's data. It is shown only now: save it to a USB stick or print it, and keep it locked away."))
        self.key = PlainLabel(objectName="recoveryKey", wordWrap=True)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSize(mono.pointSize() + 3)
        mono.setWeight(QFont.Weight.DemiBold)
        self.key.setFont(mono)
        self.key.setStyleSheet("background: #f4f6f8; border: 1px solid #c8ced6; padding: 12px")
        save = QPushButton(self.tr("Save to file…"), objectName="saveRecovery")
        save.clicked.connect(self._save)
        print_ = QPushButton(self.tr("Print…"), objectName="printRecovery")
        print_.clicked.connect(self._print)
        buttons = QHBoxLayout()
        buttons.addWidget(save)
        buttons.addWidget(print_)
        buttons.addStretch()
        self.office_line = PlainLabel(objectName="recoveryOffice", wordWrap=True)
        self.office_line.setStyleSheet("color: #333")
        usage = PlainLabel(self.tr(
            "How it is used: on the unlock screen, choose “Forgot the passphrase?”, type this key and the user's name, "
            "and set a new passphrase. The data stays as it is.\n\n"
            "Keep it apart from this computer: whoever has the key and the computer can open the data. "
            "Do not store it in the same folder as the office data."), wordWrap=True)
        usage.setStyleSheet("color: #555")
        self.kept = QCheckBox(self.tr("I have saved or printed the recovery key and will keep it safe"), objectName="keptRecovery")
        self.kept.toggled.connect(lambda *_: self.completeChanged.emit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.key)
        layout.addWidget(self.office_line)
        layout.addLayout(buttons)
        layout.addSpacing(12)
        layout.addWidget(usage)
        layout.addStretch()
        layout.addWidget(self.kept)

    def initializePage(self) -> None:  # noqa: N802
        self.key.setText(self.wizard_.recovery_key or "")
        office = self.wizard_.office
        if office is not None:
            self.office_line.setText(self.tr("For the office {name}, {unit}, created {day}.").format(
                name=office.office_name, unit=self.wizard_.org_page.org_unit_name(), day=dt.date.today().isoformat()))

    def isComplete(self) -> bool:  # noqa: N802
        return self.kept.isChecked()

    def text_to_keep(self) -> str:
        office = self.wizard_.office
        return "\n".join([
            self.tr("Recovery key of the office data (Anhui future-industry data collection)"),
            f"{office.office_name if office else ''}  {office.org_unit if office else ''}",
            dt.date.today().isoformat(),
            "",
            self.wizard_.recovery_key or "",
            "",
        ])

    def save_to(self, path: Path) -> None:
        """Write the recovery key to ``path`` (readable only by this user)."""
        write_atomic(Path(path), self.text_to_keep().encode("utf-8"), mode=0o600)

    def _save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the recovery key"), "recovery-key.txt", self.tr("Text files (*.txt)"))
        if not path:
            return
        try:
            self.save_to(Path(path))
        except OSError as exc:
            show_error(self, OfficeError(f"无法写入文件：{exc.strerror}", f"Cannot write the file: {exc.strerror}"))
            return
        show_message(self, self.tr("Saved to {path}.").format(path=path))

    def _print(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        document = QTextDocument()
        document.setPlainText(self.text_to_keep())
        document.print_(printer)


class SetupWizard(QWizard):
    """The first-run wizard; emits ``created(office)`` when the office exists and the key is kept."""

    created = Signal(object)

    def __init__(self, data_dir: Path, registry: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.data_dir = Path(data_dir)
        self.office: Office | None = None
        self.recovery_key: str | None = None
        self.creating = False
        self.setWindowTitle(self.tr("Set up this office"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.org_page = OrgUnitPage(registry)
        self.admin_page = AdminPage(self)
        self.recovery_page = RecoveryPage(self)
        for page in (self.org_page, self.admin_page, self.recovery_page):
            self.addPage(page)
        self.resize(760, 560)

    def create_office(self, office_name: str, admin: str, passphrase: str) -> None:
        org_unit = self.org_page.org_unit() or ""
        self.creating = True
        self.button(QWizard.WizardButton.NextButton).setEnabled(False)
        self.button(QWizard.WizardButton.BackButton).setEnabled(False)
        data_dir = self.data_dir
        Task(lambda: Office.create(data_dir, org_unit=org_unit, office_name=office_name,
                                   admin=admin, passphrase=passphrase), self) \
            .success(self._created).failure(self._failed).start()

    def _created(self, result: tuple[Office, str]) -> None:
        self.creating = False
        self.office, self.recovery_key = result
        self.admin_page.status.setText("")
        self.next()

    def _failed(self, exc: BaseException) -> None:
        self.creating = False
        self.admin_page.status.setText("")
        self.button(QWizard.WizardButton.BackButton).setEnabled(True)
        self.admin_page.completeChanged.emit()
        show_error(self, exc)

    def accept(self) -> None:
        super().accept()
        if self.office is not None:
            self.created.emit(self.office)
