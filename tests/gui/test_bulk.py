"""Work on many records from a list, as in Excel: select all 3,000 imported drafts, mark
them final in one go (the valid ones become final, the others are listed with their
reasons), see and clear the filters, and save the filtered list as a workbook."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QTableWidget

from desktop.gui.bulk import NotFinalizedDialog
from desktop.services.exchange.importer import import_workbook
from desktop.services.exchange.tables import cell, sheets_of
from desktop.services.records import RecordService
from tests.gui.helpers import child, choose, click, click_nav, company_name, off_gui, type_text
from tests.office.conftest import enterprise

RECORDS = 3000
INCOMPLETE = {i for i in range(RECORDS) if i % 300 == 7}  # no ownership: a draft, never final


def imported_drafts(qtbot, session, tmp_path: Path) -> None:
    form = session.registry.form("enterprise")
    sheet = sheets_of(form)[0]
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet.name)
    ws.append(sheet.headers)
    for i in range(RECORDS):
        data = enterprise(i, name=company_name(i))
        if i in INCOMPLETE:
            del data["ownership"]
        ws.append([None, None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])
    path = tmp_path / "三千家企业.xlsx"
    book.save(path)

    def run(office):
        return list(import_workbook(RecordService(office, session.checker), session.registry, path))[-1]

    last = off_gui(qtbot, session.office, run)
    assert last.imported == RECORDS and not last.problems


def test_bulk_finalize_of_3000_imported_records(qtbot, unlocked, tmp_path):
    window = unlocked.window
    session = window.session
    imported_drafts(qtbot, session, tmp_path)
    click_nav(qtbot, window, "form:enterprise")
    page = window.lists["enterprise"]
    page.refresh()
    assert page.model.total == RECORDS and page.model.rowCount() < RECORDS  # only a page is loaded
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # select all, as in Excel
    button = child(page, QPushButton, "finalizeRecord")
    assert button.text() == f"定稿（{RECORDS} 条）"  # all of the list, not the rows loaded so far
    with qtbot.waitSignal(window.bulk.finished, timeout=300000):
        click(qtbot, button)
        assert child(page, QPushButton, "listCancel").isVisible()  # it shows progress and can stop
    last = window.bulk.last
    assert len(last.finalized) == RECORDS - len(INCOMPLETE) and last.skipped == 0
    assert session.records.count(status="final") == RECORDS - len(INCOMPLETE)
    assert session.records.count(status="draft") == len(INCOMPLETE)

    # The ones that stayed drafts are listed, each with what is missing.
    qtbot.waitUntil(lambda: window.findChild(NotFinalizedDialog) is not None, timeout=5000)
    dialog = window.findChild(NotFinalizedDialog)
    table = child(dialog, QTableWidget, "notFinalizedTable")
    names = {table.item(r, 0).text() for r in range(table.rowCount())}
    assert names == {company_name(i) for i in INCOMPLETE}
    assert {table.item(r, 1).text() for r in range(table.rowCount())} == {"企业性质：必须填写。"}
    assert f"{RECORDS - len(INCOMPLETE)} 条记录已定稿" in child(dialog, QLabel, "notFinalizedSummary").text()
    dialog.close()


def test_filters_are_shown_cleared_and_the_list_saved_as_excel(qtbot, unlocked, tmp_path):
    window = unlocked.window
    session = window.session
    off_gui(qtbot, session.office, lambda office: RecordService(office, session.checker).add_many(
        "enterprise", [enterprise(i, name=f"安徽筛选{'星河' if i < 3 else '储能'}科技有限公司{i}") for i in range(8)]))
    click_nav(qtbot, window, "form:enterprise")
    page = window.lists["enterprise"]
    bar = child(page, QLabel, "filterNote")
    assert not page.filter_bar.isVisible()
    type_text(qtbot, child(page, QLineEdit, "searchBox"), "星河")
    qtbot.waitUntil(lambda: page.model.total == 3, timeout=5000)
    choose(qtbot, child(page, QComboBox, "statusFilter"), "draft")
    assert page.filter_bar.isVisible() and "“星河”" in bar.text() and "草稿" in bar.text()

    # The filtered list, saved as a workbook: the three records shown, in the template's layout.
    target = tmp_path / "筛选结果.xlsx"
    with qtbot.waitSignal(window.bulk.finished, timeout=30000):
        window.bulk.export_to(page, target)
    sheet = load_workbook(target)["企业"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == sheets_of(session.registry.form("enterprise"))[0].headers
    assert sorted(r[3] for r in rows[1:]) == [f"安徽筛选星河科技有限公司{i}" for i in range(3)]

    # Esc in the search box empties it; the button clears every filter at once.
    qtbot.keyClick(child(page, QLineEdit, "searchBox"), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.model.total == 8, timeout=5000)
    assert page.filter_bar.isVisible()  # the status filter is still on
    click(qtbot, child(page, QPushButton, "clearFilters"))
    assert not page.filter_bar.isVisible() and page.status.currentData() is None and page.model.total == 8
