"""The export and import screens through real widgets: an export that verifies (and a
tampered copy that does not), a template saved by the screen and imported back, and a
sheet with a bad row that imports nothing and names the row."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import Workbook, load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
)

from desktop.services.exchange.tables import cell, sheets_of
from desktop.services.exchange.verify import verify_export
from tests.gui.helpers import child, click, click_nav, seed, type_text
from tests.office.conftest import enterprise


def answer_file_chooser(qtbot, page, path: Path) -> None:
    """Paste ``path`` into the open file chooser and press Enter, as a person would.

    (Pasted rather than typed: typing opens the chooser's completer, which takes the Enter.)
    """
    qtbot.waitUntil(lambda: page.findChild(QFileDialog, "fileChooser") is not None, timeout=3000)
    dialog = page.findChild(QFileDialog, "fileChooser")
    name = child(dialog, QLineEdit, "fileNameEdit")
    name.setText(str(path))
    qtbot.keyClick(name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)


def set_text(qtbot, line: QLineEdit, text: str) -> None:
    line.clear()
    type_text(qtbot, line, text)


def test_export_verifies_and_a_tampered_copy_does_not(qtbot, unlocked, tmp_path):
    window = unlocked.window
    for i in range(4):
        seed(qtbot, window.session, "enterprise", [enterprise(i)], final=i % 2 == 0)
    click_nav(qtbot, window, "export")
    page = window.pages.currentWidget()
    assert page.objectName() == "exportPage"
    assert all(box.isChecked() for box in page.form_boxes.values()) and page.chosen_forms() is None
    click(qtbot, child(page, QCheckBox, "exportForm_platform"))
    assert "platform" not in page.chosen_forms()
    set_text(qtbot, child(page, QLineEdit, "exportFolder"), str(tmp_path))
    verify_last = child(page, QPushButton, "verifyExported")
    assert not verify_last.isEnabled()

    with qtbot.waitSignal(page.finished, timeout=20000):
        click(qtbot, child(page, QPushButton, "exportButton"))
    message = child(page, QLabel, "exportMessage")
    assert page.message.kind == "ok", message.text()
    assert "已导出 4 条记录" in message.text()
    out = page.exported
    assert out.parent == tmp_path and out.name.startswith("340104-审计导出-")
    assert verify_export(out).ok

    with qtbot.waitSignal(page.finished, timeout=20000):
        click(qtbot, verify_last)
    assert page.message.kind == "ok" and "核验通过" in message.text()

    # An auditor's copy with one byte changed: the screen names the file.
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    target = copy / "records" / "enterprise.csv"
    data = bytearray(target.read_bytes())
    data[-3] ^= 0x01
    target.write_bytes(bytes(data))
    click(qtbot, child(page, QPushButton, "verifyFolder"))
    with qtbot.waitSignal(page.finished, timeout=20000):
        answer_file_chooser(qtbot, page, copy)
    assert page.message.kind == "error" and "核验未通过" in message.text()
    problems = child(page, QTableWidget, "verifyProblems")
    assert problems.isVisible()
    assert "records/enterprise.csv" in {problems.item(r, 0).text() for r in range(problems.rowCount())}


def test_template_from_the_screen_imports_back(qtbot, unlocked, tmp_path):
    window = unlocked.window
    click_nav(qtbot, window, "import")
    page = window.pages.currentWidget()
    assert page.objectName() == "importPage"
    # The template comes first on the page: above the workbook to import.
    template_box, import_box = page.findChild(QGroupBox, "templateBox"), page.findChild(QGroupBox, "importBox")
    assert template_box.geometry().top() < import_box.geometry().top()
    assert page.template_form.currentData() == "enterprise"
    assert page.template_name() == "企业导入模板.xlsx"
    click(qtbot, child(page, QPushButton, "templateButton"))
    template = tmp_path / "企业导入模板.xlsx"
    with qtbot.waitSignal(page.finished, timeout=10000):
        answer_file_chooser(qtbot, page, template)
    assert template.exists()
    assert child(page, QLineEdit, "importFile").text() == str(template)  # ready to import

    # Before importing, the page says what it will read: the example row is not among it.
    qtbot.waitUntil(lambda: page.preview is not None, timeout=10000)
    sheets = child(page, QTableWidget, "previewSheets")
    assert [sheets.item(0, c).text() for c in range(3)] == ["企业", "企业", "0"]
    assert "示例" in sheets.item(0, 3).text()
    with qtbot.waitSignal(page.finished, timeout=20000):
        click(qtbot, child(page, QPushButton, "importButton"))
    assert "没有可导入的行" in page.message.text()
    assert window.session.records.count() == 0

    # A record written under the example row is read, and shown before it is imported.
    form = window.session.registry.form("enterprise")
    book = load_workbook(template)
    data = enterprise(1)
    book["企业"].append([None, None, None] + [cell(form, f, data.get(f.id), data) for f in sheets_of(form)[0].fields])
    book.save(template)
    with qtbot.waitSignal(page.previewed, timeout=10000):
        page.start_preview()
    assert sheets.item(0, 2).text() == "1" and "将读取 1 条记录" in child(page, QLabel, "previewNote").text()
    rows = child(page, QTableWidget, "previewRows")
    assert rows.isVisible() and rows.rowCount() == 1 and rows.item(0, 3).text() == data["name"]
    click(qtbot, child(page, QCheckBox, "importFinal"))
    with qtbot.waitSignal(page.finished, timeout=20000):
        click(qtbot, child(page, QPushButton, "importButton"))
    assert page.message.kind == "ok", page.message.text()
    assert "已导入 1 条记录（定稿）" in page.message.text()
    assert not child(page, QTableWidget, "importProblems").isVisible()
    assert window.session.records.count(form="enterprise", status="final") == 1
    assert window.session.records.query()[0]["title"] == data["name"]  # the row below, not the example
    assert window.nav_item("form:enterprise").text().endswith("(1)")  # the navigation heard of it


def test_a_bad_row_imports_nothing_and_is_named(qtbot, unlocked, tmp_path):
    window = unlocked.window
    form = window.session.registry.form("enterprise")
    sheet = sheets_of(form)[0]
    book = Workbook()
    ws = book.active
    ws.title = sheet.name
    ws.append(sheet.headers)
    for i in range(3):
        data = enterprise(i)
        if i == 1:
            data["credit_code"] = "91340100MA2NF8XL37"  # wrong check character
        ws.append([f"row-{i}", None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])
    path = tmp_path / "名单.xlsx"
    book.save(path)

    click_nav(qtbot, window, "import")
    page = window.pages.currentWidget()
    set_text(qtbot, child(page, QLineEdit, "importFile"), str(path))
    with qtbot.waitSignal(page.finished, timeout=20000):
        click(qtbot, child(page, QPushButton, "importButton"))
    assert page.message.kind == "error" and "未导入任何记录：1 行有问题" in page.message.text()
    table = child(page, QTableWidget, "importProblems")
    assert table.isVisible() and table.rowCount() == 1
    row = [table.item(0, c).text() for c in range(4)]
    assert row[:3] == [sheet.name, "3", "统一社会信用代码"] and "校验位" in row[3]
    assert window.session.records.count() == 0
    assert child(page, QPushButton, "openReport").isVisible()
    assert page.result.report.exists() and page.result.report.parent == tmp_path

    # With "partial", the two good rows go in and the bad one is still listed.
    click(qtbot, child(page, QCheckBox, "importPartial"))
    with qtbot.waitSignal(page.finished, timeout=20000):
        click(qtbot, child(page, QPushButton, "importButton"))
    assert page.message.kind == "warn" and "已导入 2 条记录（草稿）" in page.message.text()
    assert table.rowCount() == 1
    assert window.session.records.count(status="draft") == 2


def test_the_preview_says_what_is_wrong_with_a_file_and_follows_the_last_one_chosen(qtbot, unlocked, tmp_path):
    """A file that is not a workbook is named as such before any import; when another file
    is chosen while a long one is still being read, the preview shows the one chosen last."""
    window = unlocked.window
    click_nav(qtbot, window, "import")
    page = window.pages.currentWidget()
    form = window.session.registry.form("enterprise")
    sheet = sheets_of(form)[0]
    long_list = tmp_path / "企业.xlsx"
    book = Workbook()
    book.active.title = sheet.name
    book.active.append(sheet.headers)
    for i in range(2000):
        data = enterprise(i)
        book.active.append([None, None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])
    book.save(long_list)
    junk = tmp_path / "名单.xlsx"
    junk.write_bytes(b"<html><body>not a workbook</body></html>")

    line = child(page, QLineEdit, "importFile")
    set_text(qtbot, line, str(long_list))
    with qtbot.waitSignal(page.previewed, timeout=30000):
        page.start_preview()
    assert [s.rows for s in page.preview] == [2000]
    page.start_preview()  # read again, and while it is read the clerk picks another file
    first = page.preview_cancel
    set_text(qtbot, line, str(junk))
    with qtbot.waitSignal(page.previewed, timeout=10000):
        page.start_preview()
    assert first is not None and first.is_set()  # the long list's reading was told to stop
    qtbot.wait(3000)  # the long list's answer arrives meanwhile and is not shown
    note = child(page, QLabel, "previewNote").text()
    assert page.preview is None and "Excel" in note and "Traceback" not in note, note
    assert not child(page, QTableWidget, "previewSheets").isVisible()
