"""Enrolling this office's device with the province: endpoint, one-time code, optional CA
bundle and province key id (admins only; the sync page shows it until the device is enrolled)."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop.errors import OfficeError
from desktop.gui.errors import message_for
from desktop.gui.i18n import language
from desktop.gui.parts import Message, choose_file
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from desktop.gui.worker_office import call_on_clone
from desktop.services.sync_office import clean_enrollment_code, enroll_office


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(url: str) -> bool:
    """Whether ``url`` cannot be the province's address.

    The transport refuses anything but https (plain http only to this computer) with an
    exception that is not a user message, so the form says so before sending anything.
    """
    parts = urlsplit(url)
    if not parts.hostname:
        return True
    return not (parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)))


class EnrollForm(QWidget):
    """The enrollment form; emits ``enrolled(device_id)`` once the province has answered."""

    enrolled = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enrollForm")
        self.session = session
        self.task: Task | None = None
        self.endpoint = QLineEdit(objectName="enrollEndpoint", placeholderText="https://")
        self.endpoint.setToolTip(self.tr("The address of the provincial endpoint, as the province gave it"))
        self.code = QLineEdit(objectName="enrollCode", placeholderText="XXXX-XXXX-XXXX-XXXX")
        self.ca_bundle = QLineEdit(objectName="enrollCaBundle")
        self.ca_bundle.setPlaceholderText(self.tr("Only if the province gave you a certificate file (.pem)"))
        browse = QPushButton(self.tr("Choose…"), objectName="enrollCaBrowse")
        browse.clicked.connect(self._choose_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        self.key_id = QLineEdit(objectName="enrollKeyId")
        self.key_id.setPlaceholderText(self.tr("Recommended: the key id printed with the code"))
        self.button = QPushButton(self.tr("Enroll this device"), objectName="enrollButton")
        self.button.clicked.connect(lambda: self.enroll())
        # For an office the province already knows by its key (an enrolment whose reply was
        # lost): the same form, but with a new device key. Refused once batches were sent.
        self.new_key_button = QPushButton(self.tr("Enroll with a new key"), objectName="enrollNewKeyButton")
        self.new_key_button.setToolTip(self.tr(
            "Makes a new device key and enrolls with it. Use it when the province says it already "
            "knows this device's key."))
        self.new_key_button.clicked.connect(lambda: self.enroll(new_key=True))
        self.message = Message("enrollMessage")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Endpoint address"), self.endpoint)
        form.addRow(self.tr("One-time enrollment code"), self.code)
        form.addRow(self.tr("CA certificate (optional)"), ca_row)
        form.addRow(self.tr("Province key id (optional)"), self.key_id)
        buttons = QHBoxLayout()
        buttons.addWidget(self.button)
        buttons.addWidget(self.new_key_button)
        buttons.addWidget(self.message, 1)
        buttons.addStretch(0)  # keeps the button its own size while there is no message
        form.addRow("", buttons)

    def _choose_ca(self) -> None:
        start = os.path.dirname(self.ca_bundle.text()) or os.path.expanduser("~")
        choose_file(self, self.tr("Choose the province's CA certificate"), start,
                    self.tr("Certificates (*.pem *.crt);;All files (*)"), self.ca_bundle.setText)

    def problem(self) -> str | None:
        """What is missing or wrong in the form, or None when it can be sent."""
        if endpoint_problem(self.endpoint.text().strip()):
            return self.tr("Enter the endpoint's address, starting with https://")
        if not self.code.text().strip():
            return self.tr("Enter the one-time code the province gave you.")
        try:
            clean_enrollment_code(self.code.text())
        except OfficeError as exc:
            return exc.message(language())
        ca = self.ca_bundle.text().strip()
        if ca and not os.path.isfile(ca):
            return self.tr("The certificate file {path} does not exist.").format(path=ca)
        return None

    def enroll(self, new_key: bool = False) -> None:
        """Register the device key (a new one with ``new_key``) with the province, on the pool."""
        problem = self.problem()
        if problem:
            self.message.show_text("error", problem)
            return
        endpoint, code = self.endpoint.text().strip(), clean_enrollment_code(self.code.text())
        self.code.setText(code)  # as the province wrote it: what is sent is what is shown
        ca, key_id = self.ca_bundle.text().strip() or None, self.key_id.text().strip() or None
        self._buttons(False)
        self.message.show_text("info", self.tr("Contacting the province…"))
        office = self.session.office
        self.task = Task(lambda: call_on_clone(office, lambda worker: enroll_office(
            worker, endpoint, code, ca_bundle=ca, province_key_id=key_id, new_key=new_key)), self)
        self.task.success(self._done).failure(self._failed).start()

    def _done(self, device_id: str) -> None:
        self.task = None
        self._buttons(True)
        self.code.clear()  # it works once
        self.message.show_text("ok", self.tr("Enrolled; device id {id}.").format(id=device_id))
        self.enrolled.emit(device_id)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self._buttons(True)
        self.message.show_text("error", message_for(exc))

    def _buttons(self, enabled: bool) -> None:
        self.button.setEnabled(enabled)
        self.new_key_button.setEnabled(enabled)
