"""The editor generated from the form definitions: every field type, relevance, repeat
groups, record references, the save summary, tab order, versions and returned records."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
)

from desktop.errors import DiskFull, StoreBusy
from desktop.gui.editor.editor import PATH_ROLE, RecordEditor
from desktop.gui.editor.fields import SIMPLE_WIDGETS
from desktop.gui.editor.versions import VersionsDialog
from desktop.gui.session import Session
from desktop.gui.settings import Settings
from tests.conftest import ROOT
from tests.gui.conftest import GOOD_CODE
from tests.gui.helpers import child, choose, click, in_office, seed, type_text


@pytest.fixture
def session(office, checker, tmp_path):
    opened = Session(office, checker, Settings(None), tmp_path)
    opened.editors = []
    yield opened
    # Editors' timers must stop before the office closes under them.
    for editor in opened.editors:
        editor.stop()

def editor_for(qtbot, session, form_id, record_id=None, restored=None) -> RecordEditor:
    editor = RecordEditor(session, form_id, record_id, restored)
    session.editors.append(editor)
    qtbot.addWidget(editor)
    editor.resize(1000, 700)
    editor.show()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=2000)  # focus moves only in an active window
    return editor


def test_every_form_builds_and_every_field_type_has_a_widget(qtbot, session):
    types = set()
    for form in session.registry.forms():
        editor = editor_for(qtbot, session, form.id)
        for path, field in form.walk():
            types.add(field.type)
            assert editor.view.row_for(path) is not None or "." in path, path
        assert types <= set(SIMPLE_WIDGETS) | {"group", "record_ref", "attachment"}
    assert {"group", "record_ref", "multi_choice", "boolean", "date", "money", "year"} <= types


def test_relevance_shows_fields_when_they_apply(qtbot, session):
    editor = editor_for(qtbot, session, "enterprise")
    stock = editor.view.row_for("stock_code")
    assert not editor.view.layout_.isRowVisible(stock.index)
    click(qtbot, child(editor, QCheckBox, "input_tiers_listed"))
    assert editor.view.layout_.isRowVisible(stock.index)
    type_text(qtbot, child(editor, QLineEdit, "input_stock_code"), "688027")
    assert editor.data()["stock_code"] == "688027"
    click(qtbot, child(editor, QCheckBox, "input_tiers_listed"))
    assert not editor.view.layout_.isRowVisible(stock.index)
    assert "stock_code" not in editor.data()  # a field that does not apply is not saved


def test_directions_follow_the_sector(qtbot, session):
    editor = editor_for(qtbot, session, "enterprise")
    direction = child(editor, QComboBox, "input_direction")
    assert direction.count() == 1  # only "—" until a sector is chosen
    choose(qtbot, child(editor, QComboBox, "input_sector"), "low_carbon_energy")
    codes = [direction.itemData(i) for i in range(1, direction.count())]
    assert "hydrogen" in codes or len(codes) == 7


def test_save_summary_lists_problems_and_jumps_to_the_field(qtbot, session):
    editor = editor_for(qtbot, session, "enterprise")
    type_text(qtbot, child(editor, QLineEdit, "input_name"), "安徽测试企业有限公司")
    click(qtbot, child(editor, QPushButton, "saveFinal"))
    assert editor.record_id is None and editor.summary.isVisible()
    assert editor.summary_list.count() >= 4  # credit code, sector, direction, ownership
    first = editor.summary_list.item(0)
    editor._jump(first)
    assert QApplication.focusWidget() is child(editor, QLineEdit, "input_credit_code")
    assert child(editor, QLabel, "message_credit_code").has_message()
    # A draft may be incomplete: saving it as a draft works.
    with qtbot.waitSignal(editor.saved, timeout=10000):
        click(qtbot, child(editor, QPushButton, "saveDraft"))
    assert editor.record_id is not None and editor.record["status"] == "draft"


def test_tab_moves_through_the_fields_in_order(qtbot, session):
    editor = editor_for(qtbot, session, "enterprise")
    name = child(editor, QLineEdit, "input_name")
    name.setFocus()
    qtbot.keyClick(name, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is child(editor, QLineEdit, "input_credit_code")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is child(editor, QComboBox, "input_sector")


def test_repeat_group_items_are_added_filled_and_removed(qtbot, session):
    editor = editor_for(qtbot, session, "talent_team")
    click(qtbot, child(editor, QPushButton, "add_members"))
    group = editor.view.row_for("members").widget
    first_name = group.items[0][1].rows[0].widget.focus_target()
    assert QApplication.focusWidget() is first_name  # a new item takes the cursor
    type_text(qtbot, first_name, "李明")
    assert editor.data()["members"][0] == {"name": "李明"}
    click(qtbot, child(editor, QPushButton, "saveFinal"))  # refused: the team is not complete
    assert editor.summary.isVisible()
    # An item added after that shows no "required" until the clerk has typed in it...
    click(qtbot, child(editor, QPushButton, "add_members"))
    assert len(group.items) == 2
    second = group.items[1][1].row_for("members[1].name")
    editor.validate()
    assert not second.message.has_message()
    paths = [editor.summary_list.item(i).data(PATH_ROLE) for i in range(editor.summary_list.count())]
    assert paths and not any(path.startswith("members[1]") for path in paths)
    # ...or tries to save again.
    click(qtbot, child(editor, QPushButton, "saveFinal"))
    qtbot.waitUntil(second.message.has_message, timeout=2000)  # the empty member's name
    remove = group.items[0][2]

    def scrolled_to() -> bool:  # as the user scrolls to it (the layout may still be settling)
        editor.scroll.ensureWidgetVisible(remove)
        return remove.isVisible() and remove.visibleRegion().boundingRect() == remove.rect()

    qtbot.waitUntil(scrolled_to, timeout=2000)
    click(qtbot, remove)  # remove the first
    assert len(group.items) == 1 and group.items[0][1].prefix == "members[0]."


def test_record_reference_shows_the_chosen_record(qtbot, session, monkeypatch):
    (saved,) = seed(qtbot, session, "enterprise", [{"name": "安徽被引用科技有限公司", "credit_code": GOOD_CODE}])
    editor = editor_for(qtbot, session, "key_technology")
    row = editor.view.row_for("owner_enterprise")
    monkeypatch.setattr(row.widget, "choose", lambda form_id: (saved, "安徽被引用科技有限公司"))
    click(qtbot, child(editor, QPushButton, "choose_owner_enterprise"))
    assert editor.data()["owner_enterprise"] == saved
    assert child(editor, QLineEdit, "input_owner_enterprise").text() == "安徽被引用科技有限公司"
    reopened = editor_for(qtbot, session, "key_technology", restored={"owner_enterprise": saved})
    assert child(reopened, QLineEdit, "input_owner_enterprise").text() == "安徽被引用科技有限公司"


def test_versions_show_what_changed(qtbot, session):
    (saved,) = seed(qtbot, session, "enterprise", [{"name": "安徽版本科技有限公司", "credit_code": GOOD_CODE}])
    in_office(qtbot, session, lambda records: records.edit(
        saved, {"name": "安徽版本科技股份有限公司", "credit_code": GOOD_CODE, "output": "52000.5"}))
    dialog = VersionsDialog(session, saved)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 2 and dialog.list.currentRow() == 1
    assert "2" in dialog.changes.text()  # two fields changed
    labels = {dialog.table.item(r, 0).text(): (dialog.table.item(r, 1).text(), dialog.table.item(r, 2).text())
              for r in range(dialog.table.rowCount())}
    assert labels["企业名称"] == ("安徽版本科技股份有限公司", "安徽版本科技有限公司")
    assert labels["统一社会信用代码"][1] == ""  # unchanged: no "before"
    assert labels["未来产业营业收入"][0] == "52000.5 万元"  # an amount in the unit its field defines
    dialog.list.setCurrentRow(0)
    assert "第一版" in dialog.changes.text()


def test_returned_record_shows_the_reason(qtbot, session):
    (saved,) = seed(qtbot, session, "enterprise", [{"name": "安徽退回科技有限公司"}])

    def send_back(records) -> None:
        for status in ("final", "queued"):
            records.set_status(saved, status)
        records.set_status(saved, "returned", reason="产值单位应为万元")

    in_office(qtbot, session, send_back)
    editor = editor_for(qtbot, session, "enterprise", saved)
    banner = child(editor, QLabel, "returnedBanner")
    assert banner.isVisible() and "产值单位应为万元" in banner.text()


@pytest.mark.parametrize("failure", [DiskFull(), StoreBusy()])
def test_disk_full_or_busy_database_is_a_clear_message(qtbot, session, monkeypatch, failure):
    editor = editor_for(qtbot, session, "enterprise")
    type_text(qtbot, child(editor, QLineEdit, "input_name"), "安徽磁盘已满科技有限公司")

    def refuse(*_args, **_kwargs):
        def job(_db):
            raise failure  # as SQLite's full disk or a lock held by another program arrives

        return job

    monkeypatch.setattr(session.records, "save_job", refuse)
    click(qtbot, child(editor, QPushButton, "saveDraft"))
    qtbot.waitUntil(lambda: editor.findChild(QMessageBox, "errorBox") is not None, timeout=10000)
    box = editor.findChild(QMessageBox, "errorBox")
    assert box.isVisible() and failure.message_zh in box.text()
    assert editor.record_id is None and editor.dirty  # nothing lost: still typed, still kept
    assert editor.save_button.isEnabled()  # and it can be saved again
    box.close()


def test_a_duplicate_saved_after_the_editor_checked_is_refused_with_its_reason(qtbot, session):
    """The editor's save checks again in the writer's transaction: an enterprise with the
    same credit code, saved elsewhere after the editor's own check, is found there."""
    import threading

    editor = editor_for(qtbot, session, "enterprise")
    type_text(qtbot, child(editor, QLineEdit, "input_name"), "安徽同时保存科技有限公司")
    child(editor, QLineEdit, "input_credit_code").setText(GOOD_CODE)
    gate = threading.Event()
    blocker = session.office.submit(lambda db: gate.wait(10))
    # Another window's save of the same enterprise, queued first, not yet committed.
    other = session.office.submit(session.records.save_job("enterprise", {"name": "安徽另一窗口科技有限公司",
                                                                          "credit_code": GOOD_CODE}, final=False))
    click(qtbot, child(editor, QPushButton, "saveDraft"))  # its check finds no such enterprise yet
    gate.set()
    blocker.result(10)
    other.result(10)
    qtbot.waitUntil(lambda: editor.findChild(QMessageBox, "errorBox") is not None, timeout=10000)
    box = editor.findChild(QMessageBox, "errorBox")
    assert "统一社会信用代码" in box.text() and "credit_code" not in box.text()
    assert editor.record_id is None and editor.dirty  # nothing lost: still typed, still kept
    assert session.records.count(form="enterprise") == 1
    box.close()


def test_fields_above_the_one_edited_never_move(qtbot, session):
    """Messages come and go, a field becomes required, the problem list appears: every
    field above the one being typed in stays where it is, and the form does not scroll."""
    editor = editor_for(qtbot, session, "enterprise")
    type_text(qtbot, child(editor, QLineEdit, "input_name"), "安徽不动科技有限公司")
    type_text(qtbot, child(editor, QLineEdit, "input_credit_code"), "91340100MA2NF8XL3B")  # wrong check character
    click(qtbot, child(editor, QPushButton, "saveFinal"))  # refused: the summary appears, below the form
    assert editor.summary.isVisible()
    output = editor.view.row_for("output")
    above = [row for row in editor.view.rows[: editor.view.rows.index(output)] if editor.view.layout_.isRowVisible(row.index)]
    year = editor.view.row_for("output_year")
    assert year in above and not year.required

    def geometry() -> list:
        return [(row.label.geometry(), row.widget.geometry(), row.message.geometry(),
                 row.widget.mapTo(editor.view, row.widget.rect().topLeft())) for row in above]

    field = child(editor, QLineEdit, "input_output")
    editor.scroll.ensureWidgetVisible(field)
    field.setFocus()
    before, scrolled = geometry(), editor.scroll.verticalScrollBar().value()
    message, code = child(editor, QLabel, "message_output"), child(editor, QLabel, "message_credit_code")
    assert code.has_message()  # a problem above, shown

    def settled() -> None:
        editor.validate()
        qtbot.wait(20)
        assert geometry() == before and editor.scroll.verticalScrollBar().value() == scrolled

    qtbot.keyClicks(field, "abc")  # not a number: a message under it
    settled()
    assert message.has_message() and "数" in message.text()
    for _ in range(3):
        qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, "1200")  # a number: the message goes, and the year it belongs to becomes required
    settled()
    assert not message.has_message() and year.required and "*" in year.label.text()
    # The field above is corrected meanwhile (from another window, as it were): its message goes too.
    child(editor, QLineEdit, "input_credit_code").setText(GOOD_CODE)
    settled()
    assert not code.has_message()
    child(editor, QLineEdit, "input_credit_code").setText("123")
    settled()
    assert code.has_message()


def test_saving_a_final_record_asks_whether_it_stays_final(qtbot, session):
    from tests.office.conftest import enterprise

    (saved,) = seed(qtbot, session, "enterprise", [enterprise(1)], final=True)
    editor = editor_for(qtbot, session, "enterprise", saved)
    field = child(editor, QLineEdit, "input_employees")
    type_text(qtbot, field, "88")
    qtbot.keyClick(field, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S, as a clerk saves
    qtbot.waitUntil(lambda: editor.findChild(QMessageBox, "keepFinalBox") is not None, timeout=3000)
    box = editor.findChild(QMessageBox, "keepFinalBox")
    assert editor.record["status"] == "final"  # nothing changed until answered
    with qtbot.waitSignal(editor.saved, timeout=10000):
        click(qtbot, box.findChild(QPushButton, "keepFinal"))
    assert editor.record["status"] == "final" and editor.record["version_count"] == 2
    # Reopening as a draft is the other answer.
    qtbot.waitUntil(lambda: editor.findChild(QMessageBox, "keepFinalBox") is None, timeout=3000)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=2000)
    type_text(qtbot, field, "9")
    qtbot.keyClick(field, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.findChild(QMessageBox, "keepFinalBox") is not None, timeout=3000)
    with qtbot.waitSignal(editor.saved, timeout=10000):
        click(qtbot, editor.findChild(QMessageBox, "keepFinalBox").findChild(QPushButton, "reopenDraft"))
    assert editor.record["status"] == "draft" and editor.record["version_count"] == 3


def test_date_picker_opens_at_the_date_typed(qtbot, session):
    editor = editor_for(qtbot, session, "enterprise")
    field = editor.view.row_for("founded_date").widget
    type_text(qtbot, field.edit, "2019年3月8日")
    field.button.menu().aboutToShow.emit()  # what opening the calendar does first
    assert (field.calendar.yearShown(), field.calendar.monthShown()) == (2019, 3)
    assert field.calendar.selectedDate().day() == 8


def test_typing_while_a_save_is_made_is_kept_when_the_office_locks(qtbot, session):
    from desktop.gui.tasks import busy
    from desktop.services.autosave import Autosave

    editor = editor_for(qtbot, session, "enterprise")
    name = child(editor, QLineEdit, "input_name")
    type_text(qtbot, name, "安徽先存")
    click(qtbot, child(editor, QPushButton, "saveDraft"))  # submitted; the writer makes it meanwhile
    type_text(qtbot, name, "后改科技有限公司")  # typed before the save is back
    editor.stop()  # the office locks now
    qtbot.waitUntil(lambda: busy() == 0, timeout=10000)
    saved = session.records.query(form="enterprise")
    assert [r["title"] for r in saved] == ["安徽先存"]
    kept = Autosave(session.office)
    # Offered again at the next unlock, as changes to the record just saved (not a second one).
    assert kept.get("enterprise", saved[0]["record_id"]) == {"name": "安徽先存后改科技有限公司"}
    assert kept.get("enterprise", None) is None


def test_what_offices_and_the_province_wrote_is_shown_as_written(qtbot, session):
    """A name or a return reason that looks like markup is shown as text: never a big red
    heading, a link that leads elsewhere, or an image looked up on this computer's disk."""
    name = '<font color=red size=7>红色大字</font><a href="http://evil.example/">链接</a>'
    reason = '<h1>紧急</h1><a href="http://evil.example/">重新登记</a><img src="/etc/passwd">'
    (saved,) = seed(qtbot, session, "enterprise", [{"name": name}])

    def send_back(records) -> None:
        for status in ("final", "queued"):
            records.set_status(saved, status)
        records.set_status(saved, "returned", reason=reason)

    in_office(qtbot, session, send_back)
    editor = editor_for(qtbot, session, "enterprise", saved)
    heading, banner = child(editor, QLabel, "editorHeading"), child(editor, QLabel, "returnedBanner")
    assert name in heading.text() and reason in banner.text()
    for label in editor.findChildren(QLabel):
        if label.objectName().startswith("label_"):
            continue  # a field's own label, written by the app, rich on purpose (its *)
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()


def test_every_label_of_the_office_app_is_plain_unless_it_asks_for_rich_text():
    """New labels are plain by construction: the GUI builds PlainLabel, never a bare QLabel,
    except where it asks for rich text by name."""
    import re

    for path in sorted((ROOT / "desktop" / "gui").rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"(?<![\w.])QLabel[(]|[(]QLabel[)]:", line) and "class PlainLabel" not in line:
                assert "TextFormat.RichText" in line, f"{path.name}: {line.strip()}"
