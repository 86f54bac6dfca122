"""The unlock dialog shown at every start, after a lock and to switch user.

The office's users are offered in a list (``desktop.store.signin``; where the office has
turned the list off, the name is typed). Enter unlocks. Unlocking derives the key with
Argon2id (a fraction of a second), so it runs on the thread pool; a wrong passphrase and
an unknown user are inline messages of their own and never touch the database. A
forgotten passphrase is reset with the recovery key from the same dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.errors import message_for
from desktop.gui.parts import PlainLabel
from desktop.gui.tasks import Task
from desktop.store.signin import read_names

if TYPE_CHECKING:
    from desktop.store.office import Office


def _unlock(data_dir: Path, user: str | None, passphrase: str, after: Any = None) -> Office:
    # Imported here, on the pool: the store and its dependencies load while the dialog shows.
    from desktop.store.office import Office

    if after is not None:
        after.close(wait=True)  # the last session's writes are in before this one reads
    return Office.unlock(data_dir, user, passphrase)


class UnlockDialog(QDialog):
    """Asks for user and passphrase; emits ``unlocked(office)`` once the store is open."""

    unlocked = Signal(object)

    def __init__(self, data_dir: Path, user: str | None = None, reason: str = "", parent: QWidget | None = None,
                 after: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("unlockDialog")
        self.data_dir = Path(data_dir)
        self.after = after
        self.setWindowTitle(self.tr("Unlock the office data"))
        title = PlainLabel(self.tr("Anhui Future Industry Data Collection"), objectName="unlockTitle")
        title.setStyleSheet("font-size: 18px; font-weight: 600")
        intro = PlainLabel(reason or self.tr("The office data on this computer is encrypted. Sign in to continue."), wordWrap=True)
        names = read_names(self.data_dir)
        self.user_list: QComboBox | None = None
        self.user = QLineEdit(user or "", objectName="unlockUser")
        self.user.setPlaceholderText(self.tr("Leave empty for the first administrator"))
        if names:
            self.user_list = QComboBox(objectName="unlockUserList")
            self.user_list.addItems(names)
            self.user_list.setCurrentIndex(max(self.user_list.findText(user or ""), 0))
            self.user.hide()
        self.passphrase = QLineEdit(objectName="unlockPassphrase", echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.try_unlock)
        self.message = PlainLabel(objectName="unlockMessage", wordWrap=True)
        self.message.setStyleSheet("color: #b3261e")
        form = QFormLayout()
        form.addRow(self.tr("User"), self.user_list if self.user_list is not None else self.user)
        form.addRow(self.tr("Passphrase"), self.passphrase)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(self.tr("Unlock"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("unlockButton")
        self.ok.setDefault(True)
        quit_button = self.buttons.addButton(self.tr("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        quit_button.setAutoDefault(False)
        self.buttons.accepted.connect(self.try_unlock)
        self.buttons.rejected.connect(self.reject)
        forgot = QPushButton(self.tr("Forgot the passphrase?"), objectName="forgotButton", flat=True)
        # A link, never the button Enter presses (a dialog's buttons take Enter when focused).
        forgot.setAutoDefault(False)
        forgot.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        forgot.setCursor(Qt.CursorShape.PointingHandCursor)
        forgot.setStyleSheet("QPushButton { color: #0b5cad; text-decoration: underline; border: none; padding: 0; }")
        forgot.clicked.connect(self._recover)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(forgot, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        (self.passphrase if user or self.user_list is not None else self.user).setFocus()

    def chosen_user(self) -> str | None:
        """The user picked or typed (None: the first administrator)."""
        if self.user_list is not None:
            return self.user_list.currentText() or None
        return self.user.text().strip() or None

    def try_unlock(self) -> None:
        """Unlock in the background with what was typed."""
        if not self.passphrase.text():
            self.message.setText(self.tr("Type the passphrase."))
            return
        if not self.ok.isEnabled():
            return  # already unlocking
        self._busy(True)
        user = self.chosen_user()
        passphrase = self.passphrase.text()
        after, data_dir = self.after, self.data_dir
        Task(lambda: _unlock(data_dir, user, passphrase, after), self).success(self._done).failure(self._failed).start()

    def _busy(self, busy: bool) -> None:
        self.ok.setEnabled(not busy)
        self.message.setText(self.tr("Unlocking…") if busy else "")
        self.message.setStyleSheet("color: #555" if busy else "color: #b3261e")

    def _done(self, office: Office) -> None:
        self._busy(False)
        self.passphrase.clear()
        self.accept()
        self.unlocked.emit(office)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        self.message.setText(message_for(exc))
        self.adjustSize()  # a message of several lines (a damaged key file) must not be cut off

    def _recover(self) -> None:
        dialog = RecoveryDialog(self.data_dir, self.chosen_user() or "", self)
        dialog.unlocked.connect(self._done)
        dialog.open()


class RecoveryDialog(QDialog):
    """Sets a new passphrase for a user with the office's recovery key."""

    unlocked = Signal(object)

    def __init__(self, data_dir: Path, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.data_dir = data_dir
        self.setWindowTitle(self.tr("Reset a passphrase with the recovery key"))
        self.key = QLineEdit(objectName="recoveryKeyInput")
        self.key.setPlaceholderText("XXXX-XXXX-…")
        self.user = QLineEdit(user, objectName="recoveryUser")
        self.new = QLineEdit(objectName="recoveryNew", echoMode=QLineEdit.EchoMode.Password)
        self.again = QLineEdit(objectName="recoveryAgain", echoMode=QLineEdit.EchoMode.Password)
        self.message = PlainLabel(wordWrap=True, objectName="recoveryMessage")
        self.message.setStyleSheet("color: #b3261e")
        form = QFormLayout(self)
        form.addRow(PlainLabel(self.tr("The recovery key was shown when the office was set up."), wordWrap=True))
        form.addRow(self.tr("Recovery key"), self.key)
        form.addRow(self.tr("User"), self.user)
        form.addRow(self.tr("New passphrase"), self.new)
        form.addRow(self.tr("Again"), self.again)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._reset)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(520)

    def _reset(self) -> None:
        key, user, new = self.key.text(), self.user.text().strip(), self.new.text()
        if new != self.again.text():
            self.message.setText(self.tr("The two passphrases differ."))
            return
        if not user:
            self.message.setText(self.tr("Type the user whose passphrase is reset."))
            return
        data_dir = self.data_dir

        def work() -> Office:
            from desktop.store.keyslots import check_passphrase
            from desktop.store.office import Office

            check_passphrase(new)
            office = Office.unlock_with_recovery(data_dir, key, user)
            try:
                office.change_passphrase(user, new)
            except BaseException:
                office.close()
                raise
            return office

        Task(work, self).success(self._done).failure(lambda exc: self.message.setText(message_for(exc))).start()

    def _done(self, office: Office) -> None:
        self.accept()
        self.unlocked.emit(office)
