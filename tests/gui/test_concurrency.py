"""Autosave, sync and import running at once, round after round, through real widgets, on
the real encrypted store and against a real province on loopback: every imported record
reaches the province once, the typing is kept, and no step ever says "database is locked"."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from PySide6.QtWidgets import QLineEdit

from desktop.gui.editor.editor import RecordEditor
from desktop.services.autosave import Autosave
from desktop.services.exchange.tables import cell, sheets_of
from desktop.services.sync_office import enroll_office
from desktop.store.integrity import check_store
from tests.conftest import PASSPHRASE
from tests.gui.conftest import new_code
from tests.gui.helpers import off_gui, type_text
from tests.office.conftest import enterprise

ROUNDS = 6
ROWS = 12


def workbook(path: Path, form, first: int) -> Path:
    sheet = sheets_of(form)[0]
    book = Workbook()
    ws = book.active
    ws.title = sheet.name
    ws.append(sheet.headers)
    for i in range(first, first + ROWS):
        data = enterprise(i, name=f"安徽并发导入科技有限公司{i}")
        ws.append([None, None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])
    book.save(path)
    return path


def said(page) -> str:
    return page.message.text()


def test_autosave_sync_and_import_together_lose_nothing(qtbot, window, province, tmp_path):
    session = window.session
    code, _ = new_code(province)
    off_gui(qtbot, session.office, lambda office: enroll_office(office, province.url, code))
    sync = window.show_page("sync")
    importer = window.show_page("import")
    importer.final.setChecked(True)  # imported as final: the next sync sends them
    form = session.registry.form("enterprise")
    # The clerk keeps typing in a record of their own meanwhile (a window beside the pages).
    editor = RecordEditor(session, "enterprise")
    qtbot.addWidget(editor)
    editor.show()
    name = editor.findChild(QLineEdit, "input_name")
    messages: list[str] = []

    for round_ in range(ROUNDS):
        importer.file.setText(str(workbook(tmp_path / f"round-{round_}.xlsx", form, round_ * ROWS)))
        importer.start_import()
        sync.sync_now()
        for n in range(3):  # typing while both run: each pause is an autosave
            type_text(qtbot, name, f"第{round_}轮{n}")
            editor.flush_autosave()
            qtbot.wait(30)
        qtbot.waitUntil(lambda: importer.task is None and sync.task is None, timeout=60000)
        messages += [said(importer), said(sync), editor.autosave_label.text()]
        assert importer.message.kind == "ok" and f"已导入 {ROWS} 条记录" in said(importer), said(importer)
        assert sync.message.kind in ("ok", "warn"), said(sync)

    # Whatever the last round's sync did not see goes now.
    sync.sync_now()
    qtbot.waitUntil(lambda: sync.task is None, timeout=60000)
    assert sync.message.kind == "ok", said(sync)
    editor.flush_autosave()
    qtbot.waitUntil(lambda: editor.autosaving is None and not editor.unsaved_in_autosave, timeout=10000)

    assert not any("locked" in m or "锁" in m or "正被另一个程序使用" in m for m in messages), messages
    total = ROUNDS * ROWS
    records = session.records
    assert records.count(form="enterprise") == total
    assert records.count(status="synced") == total  # every one sent, accepted, settled
    assert province.query("SELECT count(*) FROM records")[0][0] == total  # and received once each
    assert province.query("SELECT count(DISTINCT record_id) FROM record_versions")[0][0] == total
    typed = name.text()
    assert typed.endswith(f"第{ROUNDS - 1}轮2")
    assert Autosave(session.office).get("enterprise", None) == {"name": typed}  # the typing is kept
    editor.stop()
    report = check_store(session.office.paths.root, None, PASSPHRASE)
    assert report.ok, report.problems  # history chain and records agree after all of it
