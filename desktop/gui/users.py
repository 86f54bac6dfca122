"""Managing the office's users (admins only) and changing one's own passphrase."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.errors import message_for
from desktop.gui.labels import role_label
from desktop.gui.parts import PlainLabel
from desktop.gui.passphrase import STRENGTH_COLOURS, strength_hint
from desktop.gui.record_model import local_time
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from desktop.gui.worker_office import call_on_clone
from desktop.store.office import Office


class PassphraseForm(QWidget):
    """A new passphrase typed twice, with the strength hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = QLineEdit(objectName="newPassphrase", echoMode=QLineEdit.EchoMode.Password)
        self.again = QLineEdit(objectName="newPassphraseAgain", echoMode=QLineEdit.EchoMode.Password)
        self.hint = PlainLabel(wordWrap=True, objectName="newPassphraseHint")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Passphrase"), self.first)
        form.addRow("", self.hint)
        form.addRow(self.tr("Again"), self.again)
        self.first.textChanged.connect(self._hint)
        self._hint()

    def _hint(self) -> None:
        score, text = strength_hint(self.first.text())
        self.hint.setText(text)
        self.hint.setStyleSheet(f"color: {STRENGTH_COLOURS[score]}")

    def problem(self) -> str | None:
        if self.first.text() != self.again.text():
            return self.tr("The two passphrases differ.")
        return None


class _Run:
    """Runs a change of users or key slots on the pool (Argon2id takes a moment).

    The work gets its own connection to read with; what it writes goes to the office's
    writer like every other change.
    """

    def __init__(self, session: Session, owner: QDialog, message: QLabel) -> None:
        self.session, self.owner, self.message = session, owner, message

    def __call__(self, work: Callable[[Office], Any], done: Callable[[Any], None]) -> None:
        self.message.setStyleSheet("color: #555")
        self.message.setText(QCoreApplication.translate("UsersDialog", "Working…"))

        def finish(result: Any) -> None:
            self.message.setText("")
            done(result)

        def failed(exc: BaseException) -> None:
            self.message.setStyleSheet("color: #b3261e")
            self.message.setText(message_for(exc))

        office = self.session.office
        Task(lambda: call_on_clone(office, work), self.owner).success(finish).failure(failed).start()


class AddUserDialog(QDialog):
    """Name, role and first passphrase of a new user."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addUserDialog")
        self.setWindowTitle(self.tr("Add a user"))
        self.session = session
        self.name = QLineEdit(objectName="newUserName")
        self.role = QComboBox(objectName="newUserRole")
        self.role.addItem(role_label("clerk"), "clerk")
        self.role.addItem(role_label("admin"), "admin")
        self.passphrase = PassphraseForm()
        self.message = PlainLabel(wordWrap=True, objectName="addUserMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._add)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Role"), self.role)
        form.addRow(self.passphrase)
        form.addRow(self.message)
        form.addRow(buttons)
        self.setMinimumWidth(460)

    def _add(self) -> None:
        problem = self.passphrase.problem()
        if problem:
            self.message.setText(problem)
            return
        name, role, passphrase = self.name.text().strip(), self.role.currentData(), self.passphrase.first.text()
        _Run(self.session, self, self.message)(lambda office: office.add_user(name, role, passphrase), lambda _r: self.accept())


class ChangePassphraseDialog(QDialog):
    """A new passphrase for ``user`` (one's own, or any user's for an admin)."""

    def __init__(self, session: Session, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changePassphraseDialog")
        self.setWindowTitle(self.tr("New passphrase for {user}").format(user=user))
        self.session, self.user = session, user
        self.passphrase = PassphraseForm()
        self.message = PlainLabel(wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._change)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(PlainLabel(self.tr("Only the key wrapping is redone; the data is not re-encrypted."), wordWrap=True))
        layout.addWidget(self.passphrase)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)

    def _change(self) -> None:
        problem = self.passphrase.problem()
        if problem:
            self.message.setText(problem)
            return
        user, new = self.user, self.passphrase.first.text()
        _Run(self.session, self, self.message)(lambda office: office.change_passphrase(user, new), lambda _r: self.accept())


class UsersDialog(QDialog):
    """The office's users; admins add users, set passphrases, disable and enable users and
    decide whether the unlock screen lists them."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersDialog")
        self.session = session
        self.setWindowTitle(self.tr("Users of this office"))
        self.table = QTableWidget(0, 5, objectName="usersTable")
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Role"), self.tr("Can sign in"),
                                              self.tr("Added"), self.tr("Added by")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        admin = session.office.role == "admin"
        self.add_button = QPushButton(self.tr("Add user…"), objectName="addUser", enabled=admin)
        self.reset_button = QPushButton(self.tr("Set passphrase…"), objectName="resetPassphrase")
        self.disable_button = QPushButton(self.tr("Disable"), objectName="disableUser", enabled=False)
        self.disable_button.setToolTip(self.tr("The user can no longer sign in; what they entered stays. "
                                               "Set a new passphrase to enable them again."))
        self.listed = QCheckBox(self.tr("List the users on the sign-in screen"), objectName="signinListed",
                                enabled=admin)
        self.listed.setToolTip(self.tr("The names are kept in a file beside the encrypted data, readable by anyone "
                                       "who can open the data folder. Turned off, each user types their name."))
        self.message = PlainLabel(wordWrap=True, objectName="usersMessage")
        self.add_button.clicked.connect(self._add)
        self.reset_button.clicked.connect(self._reset)
        self.disable_button.clicked.connect(self._disable)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.disable_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        if not admin:
            layout.addWidget(PlainLabel(self.tr("Only an administrator can add, disable or enable users or set other users' passphrases."), wordWrap=True))
        layout.addWidget(self.table)
        layout.addWidget(self.listed)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(720, 380)
        self.reload()
        self.listed.toggled.connect(self._listed)

    def reload(self) -> None:
        office = self.session.office
        self.users = office.users()
        self.table.setRowCount(len(self.users))
        for row, user in enumerate(self.users):
            cells = [user["name"], role_label(user["role"]), self.tr("Yes") if user["active"] else self.tr("Disabled"),
                     local_time(user["created_at"]), user.get("created_by") or ""]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.listed.blockSignals(True)
        self.listed.setChecked(office.signin_listed())
        self.listed.blockSignals(False)
        self._update_buttons()

    def selected(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        user = self.selected()
        admin = self.session.office.role == "admin"
        can_disable = admin and user is not None and user["active"] and user["name"] != self.session.office.user
        self.disable_button.setEnabled(bool(can_disable))
        disabled = user is not None and not user["active"]
        self.reset_button.setText(self.tr("Enable with a new passphrase…") if disabled else self.tr("Set passphrase…"))

    def _add(self) -> None:
        dialog = AddUserDialog(self.session, self)
        dialog.accepted.connect(self.reload)
        dialog.open()

    def _reset(self) -> None:
        user = self.selected()
        dialog = ChangePassphraseDialog(self.session, user["name"] if user else self.session.office.user, self)
        dialog.accepted.connect(self.reload)
        dialog.open()

    def _disable(self) -> None:
        user = self.selected()
        if user is not None:
            name = user["name"]
            _Run(self.session, self, self.message)(lambda office: office.disable_user(name), lambda _r: self.reload())

    def _listed(self, on: bool) -> None:
        _Run(self.session, self, self.message)(lambda office: office.set_signin_listed(on), lambda _r: self.reload())
