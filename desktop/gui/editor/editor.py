"""The record editor page: the generated form, inline validation, drafts kept as you type.

Nothing typed is lost: every change is written to the encrypted autosave table shortly
after it is made (and every few seconds while editing), so a crash, a power cut or an idle
lock leaves the contents to be offered again at the next start. A clean save or an
explicit discard removes them. Saves and autosaves are jobs for the office's writer: the
window goes on taking typing while they are made.

The layout holds still while the clerk works: messages sit in lines kept for them (see
``form_view``), and the list of problems appears below the form, after a save attempt,
never above the fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import OfficeError
from desktop.gui.editor.attachment_field import AttachmentAccess
from desktop.gui.editor.form_view import EditorContext, FormView
from desktop.gui.errors import show_error
from desktop.gui.i18n import language, pick
from desktop.gui.labels import status_label
from desktop.gui.parts import PlainLabel
from desktop.gui.record_list import RecordPicker
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from desktop.services.attachments import read_evidence, store_job_part, stored_pieces, write_file
from desktop.services.carry_over import carry_over, year_field
from forms.problems import Problem

VALIDATE_DELAY_MS = 300
AUTOSAVE_DELAY_MS = 800
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
SUMMARY_ROWS = 3
# Statuses whose record the province has, or will get: saving one asks what it becomes.
SENT_OR_READY = ("final", "queued", "synced")


class RecordEditor(QWidget):
    """Edit one record (or a new one) of one form; emits ``saved`` and ``closed``."""

    saved = Signal(str)
    closed = Signal()
    history_requested = Signal(str)

    def __init__(self, session: Session, form_id: str, record_id: str | None = None,
                 restored: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordEditor")
        self.session = session
        self.record_id = record_id
        self.record = session.records.get(record_id) if record_id else None
        self.form = session.form(form_id, self.record["form_version"] if self.record else None)
        self.dirty = False
        self.unsaved_in_autosave = False
        self.show_all = False
        self.touched: set[str] = set()
        self.problems: list[Problem] = []
        self.saving: Task | None = None
        self.autosaving: Task | None = None
        # The record autosaves go with, as the writer sees it (a new record gets its id there).
        self.target: dict[str, str | None] = {"record_id": record_id}
        self.close_after_save = False
        self.focused_once = False

        self.heading = PlainLabel(objectName="editorHeading")
        self.heading.setStyleSheet("font-size: 18px; font-weight: 600")
        self.status_chip = PlainLabel(objectName="statusChip")
        self.status_chip.setStyleSheet("background: #e8eef6; border-radius: 8px; padding: 2px 10px")
        head = QHBoxLayout()
        head.addWidget(self.heading)
        head.addWidget(self.status_chip)
        head.addStretch(1)
        # A yearly report (one per enterprise and year) can start from last year's figures.
        self.carry_label = PlainLabel(objectName="carryOverLabel")
        self.carry_label.setStyleSheet("color: #555")
        self.carry_button = QPushButton(self.tr("Copy last year's figures"), objectName="copyLastYear")
        self.carry_button.setToolTip(self.tr("Fill the empty fields from this enterprise's previous report; "
                                             "then correct what changed"))
        self.carry_button.clicked.connect(self.copy_last_year)
        head.addWidget(self.carry_label)
        head.addWidget(self.carry_button)
        self.carry_label.setVisible(year_field(self.form) is not None)
        self.carry_button.setVisible(year_field(self.form) is not None)
        self.returned = PlainLabel(objectName="returnedBanner", wordWrap=True)
        self.returned.setStyleSheet("background: #fde7d9; border: 1px solid #e8a87c; color: #6b2c00; padding: 8px")
        self.returned.hide()

        self.summary = QFrame(objectName="problemSummary")
        self.summary.setStyleSheet("#problemSummary { background: #fdf1f0; border: 1px solid #e6b8b4; }")
        self.summary_title = PlainLabel(objectName="summaryTitle", wordWrap=True)
        self.summary_title.setStyleSheet("font-weight: 600; color: #8c1d18")
        self.summary_list = QListWidget(objectName="summaryList")
        self.summary_list.itemActivated.connect(self._jump)
        self.summary_list.itemClicked.connect(self._jump)
        summary_box = QVBoxLayout(self.summary)
        summary_box.setContentsMargins(8, 4, 8, 4)
        summary_box.addWidget(self.summary_title)
        summary_box.addWidget(self.summary_list)
        rows = self.summary_list.fontMetrics().height() + 6
        self.summary_list.setFixedHeight(SUMMARY_ROWS * rows + 2 * self.summary_list.frameWidth())
        self.summary.hide()

        context = EditorContext(choose_record=self._choose_record, record_title=self._record_title,
                                attachments=AttachmentAccess(self._take_attachment, self._attachment_content,
                                                             self._save_attachment))
        self.view = FormView(self.form, self.form.fields, context)
        self.view.setObjectName("formView")
        self.view.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.view.setStyleSheet("#formView { background: #ffffff; }")
        scroll = QScrollArea(objectName="editorScroll", widgetResizable=True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # A scroll bar that came and went would change the width of every field.
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        scroll.setWidget(self.view)
        self.scroll = scroll

        self.save_button = QPushButton(self.tr("Save draft"), objectName="saveDraft")
        self.save_button.setToolTip(self.tr("Ctrl+S"))
        self.final_button = QPushButton(self.tr("Save and mark final"), objectName="saveFinal")
        self.final_button.setToolTip(self.tr("Check everything and mark the record ready to sync (Ctrl+Shift+S)"))
        self.versions_button = QPushButton(self.tr("Versions…"), objectName="versionsButton")
        self.close_button = QPushButton(self.tr("Close"), objectName="closeEditor")
        self.autosave_label = PlainLabel(objectName="autosaveLabel")
        self.autosave_label.setStyleSheet("color: #666")
        self.save_button.clicked.connect(lambda: self.save(final=False))
        self.final_button.clicked.connect(lambda: self.save(final=True))
        self.versions_button.clicked.connect(lambda: self.history_requested.emit(self.record_id or ""))
        self.close_button.clicked.connect(self.request_close)
        footer = QHBoxLayout()
        footer.addWidget(self.autosave_label)
        footer.addStretch(1)
        for button in (self.versions_button, self.close_button, self.save_button, self.final_button):
            footer.addWidget(button)
        self.final_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.returned)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        layout.addLayout(footer)

        self.validate_timer = QTimer(self, singleShot=True, interval=VALIDATE_DELAY_MS)
        self.validate_timer.timeout.connect(self.validate)
        self.autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_DELAY_MS)
        self.autosave_timer.timeout.connect(self.flush_autosave)
        # A steady beat as well as the debounce: typing without pause still gets saved.
        self.autosave_beat = QTimer(self, interval=1000 * int(session.settings.get("autosave_seconds")))
        self.autosave_beat.timeout.connect(self.flush_autosave)
        self.autosave_beat.start()
        self.view.changed.connect(self._changed)
        for f in self.form.fields:
            if f.type == "record_ref" and f.fill and (ref_row := self.view.row_for(f.id)) is not None:
                ref_row.widget.changed.connect(lambda f=f: self._fill_from(f))
        self.view.edited.connect(self.touched.add)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=lambda: self.save(final=False))
        QShortcut(QKeySequence("Ctrl+Shift+S"), self, activated=lambda: self.save(final=True))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.request_close)

        data = restored if restored is not None else (session.records.current_data(record_id) if record_id else {})
        self.view.set_values(data)
        self._refresh_view()
        self._show_header()
        self._set_tab_order()
        if restored is not None:
            self.dirty = True
            self.unsaved_in_autosave = True
            self.autosave_label.setText(self.tr("Restored unsaved contents. Save to keep them."))
        if self.record_id or restored:
            self.validate()

    # -- header and order -------------------------------------------------------------
    def _show_header(self) -> None:
        form_label = pick(self.form.label_zh, self.form.label_en)
        if self.record is None:
            self.heading.setText(self.tr("New {form}").format(form=form_label))
            self.status_chip.setText(self.tr("Not saved yet"))
        else:
            self.heading.setText(f"{form_label} · {self.record.get('title') or ''}")
            self.status_chip.setText(status_label(self.record["status"]))
        returned = self.record is not None and self.record["status"] == "returned"
        self.returned.setVisible(returned)
        if returned:
            self.returned.setText(self.tr("Returned by the province for correction: {reason}").format(
                reason=self.record.get("status_reason") or self.tr("(no reason given)")))
        self.versions_button.setEnabled(self.record is not None)

    def _set_tab_order(self) -> None:
        chain = self.view.tab_chain() + [self.save_button, self.final_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def first_field(self) -> QWidget | None:
        chain = self.view.tab_chain()
        return chain[0] if chain else None

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self.focused_once:
            # Focus only lands on a widget that is shown: the cursor waits in the first field.
            self.focused_once = True
            QTimer.singleShot(0, self._focus_first)

    def _focus_first(self) -> None:
        first = self.first_field()
        if first is not None and first.isVisible():
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- editing ----------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        """The record as typed now (raw values of the fields that apply)."""
        return self.view.values()

    def _refresh_view(self) -> None:
        # Relevance can cascade (a field shown makes another relevant), so settle it.
        for _ in range(3):
            before = self.view.values()
            self.view.update(before)
            if self.view.values() == before:
                break

    def _changed(self) -> None:
        self.dirty = True
        self.unsaved_in_autosave = True
        self._refresh_view()
        self.validate_timer.start()
        self.autosave_timer.start()

    def flush_autosave(self) -> None:
        """Submit the current contents to the encrypted autosave slot if they changed.

        The writer runs jobs in order, so the newest contents always land last: after an
        earlier autosave, and after a save still being made (which empties the slot).
        """
        self.autosave_timer.stop()
        if not self.unsaved_in_autosave:
            return
        self.unsaved_in_autosave = False
        autosave, form_id, target, data = self.session.autosave, self.form.id, self.target, self.data()

        def keep(db: Any) -> None:
            # The slot is decided when the job runs: a new record saved just before (its
            # job ran first) has its id by then, so the typing goes with that record.
            autosave.put_job(form_id, target["record_id"], data)(db)

        task = self.session.write(keep, self)
        self.autosaving = task.success(lambda _r: self._autosaved(task)).failure(lambda exc: self._autosave_failed(task, exc))
        task.start()

    def _autosaved(self, task: Task) -> None:
        if self.autosaving is task:
            self.autosaving = None
            self.autosave_label.setText(self.tr("Unsaved changes kept safe at {time}").format(
                time=dt.datetime.now().strftime("%H:%M:%S")))

    def _autosave_failed(self, task: Task, exc: BaseException) -> None:
        if self.autosaving is task:
            self.autosaving = None
        self.unsaved_in_autosave = True  # tried again with the next change or beat
        self.autosave_label.setText(exc.message(language()) if isinstance(exc, OfficeError) else str(exc))

    def validate(self) -> list[Problem]:
        """Run the forms engine on what is typed and show its messages inline."""
        self.validate_timer.stop()
        result = self.session.registry.validate(self.form.id, self.data(), version=self.form.version,
                                                lookup=self.session.lookup, record_id=self.record_id)
        self.problems = list(result.problems)
        self._show_problems()
        return self.problems

    def _show_problems(self) -> None:
        by_path: dict[str, list[Problem]] = {}
        for p in self.problems:
            by_path.setdefault(p.path, []).append(p)

        def show(path: str) -> bool:
            return self.show_all or path in self.touched or any(t.startswith(path + "[") for t in self.touched)

        self.view.show_problems(by_path, show)
        if self.show_all and self.summary.isVisible():
            self._fill_summary(self.problems)

    def _fill_summary(self, problems: list[Problem]) -> None:
        # Items added since the last save attempt and not touched yet wait, here as beside them.
        waiting = self.view.fresh_prefixes()
        problems = [p for p in problems if not any(p.path.startswith(prefix) for prefix in waiting)]
        self.summary_list.clear()
        errors = [p for p in problems if p.severity == "error"]
        for p in sorted(problems, key=lambda p: p.severity != "error"):
            item = QListWidgetItem(("⚠ " if p.severity == "warning" else "✖ ") + p.message(language()))
            item.setData(PATH_ROLE, p.path)
            self.summary_list.addItem(item)
        if errors:
            self.summary_title.setText(self.tr("%n problem(s) to fix before this can be saved. Click one to go to the field.", "", len(errors)))
        else:
            self.summary_title.setText(self.tr("Saved. Please check these warnings:"))
        self.summary.setVisible(bool(problems))

    def _jump(self, item: QListWidgetItem) -> None:
        row = self.view.row_for(item.data(PATH_ROLE) or "")
        if row is not None:
            target = row.widget.focus_target()
            self.scroll.ensureWidgetVisible(row.widget)
            target.setFocus()

    # -- saving -----------------------------------------------------------------------
    def save(self, final: bool = False, *, asked: bool = False) -> bool:
        """Check and submit the record as a new version (draft, or final).

        Returns whether a save was submitted; ``saved`` is emitted once the writer has made
        it. Saving a record that is final or already with the province as a draft first
        asks whether it stays final (sent again) or is reopened as a draft.
        """
        if self.saving is not None:
            return False
        if not final and not asked and self.record is not None and self.record["status"] in SENT_OR_READY:
            self._ask_keep_final()
            return False
        self.show_all = True
        self.view.clear_fresh()
        problems = self.validate()
        tolerated = set() if final else self.session.draft_tolerated
        blocking = [p for p in problems if p.severity == "error" and p.code not in tolerated]
        if blocking:
            self._fill_summary(problems)
            self._jump(self.summary_list.item(0))
            return False
        records = self.session.records
        if final and not self.dirty and self.record is not None and self.record["status"] == "draft":
            job: Any = records.status_job(self.record_id or "", "final")  # checked above: nothing new to version
        else:
            checked, blocking_dicts = records.check(self.form.id, self.data(), final=final,
                                                    form_version=self.form.version, record_id=self.record_id)
            if blocking_dicts:
                self.problems = [Problem(**p) for p in checked.problems]
                self._show_problems()
                self._fill_summary(self.problems)
                return False
            # Checked again in the writer's transaction: a save of the same enterprise that
            # lands in between is found there, and this one refused with its reason.
            job = records.save_job(self.form.id, self.data(), final=final, form_version=self.form.version,
                                   record_id=self.record_id)
        self._submit(job, problems)
        return True

    def _submit(self, save: Any, problems: list[Problem]) -> None:
        form_id, before, target = self.form.id, self.record_id, self.target
        autosave = self.session.autosave
        submitted = self.data()

        def job(db: Any) -> Any:
            saved = save(db)
            # The kept typing goes with the save it led to, in the same transaction.
            autosave.discard_job(form_id, before)(db)
            record_id = getattr(saved, "record_id", before)
            autosave.discard_job(form_id, record_id)(db)
            target["record_id"] = record_id  # autosaves queued after this one belong to it
            return saved if saved is not None else record_id

        self._saving(True)
        # What is saved leaves the autosave slot with the save; typing from here on is new.
        self.autosave_timer.stop()
        self.unsaved_in_autosave = False
        self.saving = self.session.write(job, self).success(
            lambda saved: self._saved(saved, submitted, problems)).failure(self._save_failed).start()

    def _saving(self, busy: bool) -> None:
        for button in (self.save_button, self.final_button):
            button.setEnabled(not busy)
        if busy:
            self.autosave_label.setText(self.tr("Saving…"))

    def _saved(self, saved: Any, submitted: dict[str, Any], problems: list[Problem]) -> None:
        self.saving = None
        self._saving(False)
        record_id = saved if isinstance(saved, str) else saved.record_id
        self.record_id = record_id
        self.record = self.session.records.get(record_id)
        # Typing that arrived while the save was made is still unsaved.
        self.dirty = self.data() != submitted
        self.unsaved_in_autosave = self.dirty
        self.autosave_label.setText(self.tr("Saved as version {n} at {time}").format(
            n=self.record["version_count"], time=dt.datetime.now().strftime("%H:%M:%S")))
        self._show_header()
        warnings_raw = getattr(saved, "warnings", None)
        warnings = [Problem(**w) for w in warnings_raw] if warnings_raw else [p for p in problems if p.severity == "warning"]
        if warnings:
            self._fill_summary(warnings)
        else:
            self.summary.hide()
        if self.dirty:
            self.autosave_timer.start()
        self.saved.emit(record_id)
        if self.close_after_save:
            self._close()

    def _save_failed(self, exc: BaseException) -> None:
        self.saving = None
        self.close_after_save = False
        self._saving(False)
        self.autosave_label.setText("")
        self.unsaved_in_autosave = True  # what is typed goes back to the autosave slot
        self.autosave_timer.start()
        show_error(self, exc)

    def _ask_keep_final(self) -> None:
        """Saving a final or sent record: keep it final (sent again) or reopen it as a draft?"""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Save a final record"),
                          self.tr("This record is final (or already with the province). Keep it final, so the "
                                  "changed version is sent at the next sync, or reopen it as a draft?"), parent=self)
        box.setObjectName("keepFinalBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        keep = box.addButton(self.tr("Keep final and send again"), QMessageBox.ButtonRole.AcceptRole)
        keep.setObjectName("keepFinal")
        draft = box.addButton(self.tr("Reopen as draft"), QMessageBox.ButtonRole.DestructiveRole)
        draft.setObjectName("reopenDraft")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)

        def answered(button: Any) -> None:
            if button is keep:
                self.save(final=True, asked=True)
            elif button is draft:
                self.save(final=False, asked=True)

        box.buttonClicked.connect(answered)
        box.open()

    # -- closing ----------------------------------------------------------------------
    def request_close(self) -> None:
        """Close, asking first what to do with unsaved changes."""
        if not self.dirty:
            self._close()
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Unsaved changes"),
                          self.tr("This record has changes that are not saved yet."), parent=self)
        box.setObjectName("unsavedBox")
        save = box.addButton(self.tr("Save draft"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(self.tr("Discard changes"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(self.tr("Keep editing"), QMessageBox.ButtonRole.RejectRole)

        def answered(button: Any) -> None:
            if button is save:
                self.close_after_save = self.save(final=False)
            elif button is discard:
                self.autosave_timer.stop()
                self.dirty = self.unsaved_in_autosave = False
                self.session.write(self.session.autosave.discard_job(self.form.id, self.record_id), self).start()
                self._close()

        box.buttonClicked.connect(answered)
        box.open()

    def _close(self) -> None:
        self.stop()
        self.closed.emit()

    def stop(self) -> None:
        """Stop the timers (the window is locking or closing); unsaved contents are flushed."""
        self.flush_autosave()
        for timer in (self.validate_timer, self.autosave_timer, self.autosave_beat):
            timer.stop()

    # -- record references --------------------------------------------------------------
    def _choose_record(self, form_id: str) -> tuple[str, str] | None:
        picker = RecordPicker(self.session.records, self.session.form(form_id), self.session.labels, self)
        return picker.chosen() if picker.exec() else None

    def _fill_from(self, ref: Any) -> None:
        """Fill the empty fields ``ref`` names from the record just chosen in it (an annual
        report takes its enterprise's name, credit code, sector and direction); what the clerk
        typed is left alone."""
        record_id = self.view.row_for(ref.id).widget.value()
        if not record_id:
            return
        try:
            data = self.session.records.show(record_id)["data"]
        except OfficeError:
            return
        for f in self.form.fields:  # in the form's order: a sector before its direction
            row = self.view.row_for(f.id) if f.id in ref.fill else None
            value = data.get(ref.fill[f.id]) if row is not None else None
            if row is None or value in (None, "", []) or row.widget.value() not in (None, "", []):
                continue
            row.widget.set_value(value)
            self._refresh_view()  # the directions offered follow the sector just filled

    def copy_last_year(self) -> None:
        """Fill the empty fields from the enterprise's latest earlier report and say which year
        they came from; what the clerk typed stays."""
        for ref in self.form.fields:  # the enterprise chosen gives the credit code to look by
            if ref.type == "record_ref" and ref.fill:
                self._fill_from(ref)
        data = self.data()
        carried = carry_over(self.session.records.db, self.form, data)
        if carried is None:
            if not any(data.get(n) not in (None, "", []) for n in self.form.key_fields() if n != year_field(self.form)):
                self.carry_label.setText(self.tr("Choose the enterprise first."))
            else:
                self.carry_label.setText(self.tr("No earlier report of this enterprise."))
            return
        for f in self.form.fields:  # in the form's order: a sector before its direction
            row = self.view.row_for(f.id) if f.id in carried.values else None
            if row is not None:
                row.widget.set_value(carried.values[f.id])
                self._refresh_view()
        self._changed()
        self.carry_label.setText(self.tr("Filled from the {year} report; check every figure.").format(year=carried.year))

    def _take_attachment(self, path: str, limit: int, done: Callable[[dict[str, Any]], None], owner: QWidget) -> None:
        # Read and checked here (a clerk's message at once for a wrong file), stored encrypted
        # by the writer; the record names it when it is next saved.
        try:
            evidence = read_evidence(path, limit)
        except OfficeError as exc:
            show_error(owner, exc)
            return
        user = self.session.office.user
        task = self.session.write(lambda db: store_job_part(db, evidence, user), owner)
        task.success(lambda _stored: done(evidence.entry)).failure(lambda exc: show_error(owner, exc)).start()

    def _attachment_content(self, sha256: str) -> bytes:
        return b"".join(stored_pieces(self.session.office.db, sha256))

    def _save_attachment(self, sha256: str, path: str, owner: QWidget) -> None:
        try:
            write_file(self.session.office.db, sha256, Path(path))
        except OfficeError as exc:
            show_error(owner, exc)

    def _record_title(self, record_id: str) -> str:
        try:
            return self.session.records.get(record_id).get("title") or record_id
        except OfficeError:
            return self.tr("(record not found: {id})").format(id=record_id[:8])
