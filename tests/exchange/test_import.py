"""Excel import: all-or-nothing by default, --partial, a report naming row, column, problem."""

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from desktop.services.checking import default_checker
from desktop.services.exchange import importer
from desktop.services.exchange.importer import ERRORS_HEADER, import_workbook
from desktop.services.exchange.tables import cell, sheets_of
from desktop.services.exchange.template import EXAMPLE_ID, EXAMPLE_STATUS, write_template
from desktop.services.records import RecordService
from desktop.store.integrity import check_database
from tests.conftest import run_cli
from tests.office.conftest import enterprise

ROWS = 5000
BAD = {
    1234: ("统一社会信用代码", lambda row, col: "91340100MA2NF8XL37"),  # wrong check character
    2500: ("所属领域", lambda row, col: "不存在的领域"),
    4999: ("从业人员（人）", lambda row, col: "很多"),
}


def _sheet(registry, path: Path, rows: int = ROWS) -> dict[int, str]:
    form = registry.form("enterprise")
    sheet = sheets_of(form)[0]
    book = Workbook()
    ws = book.active
    ws.title = sheet.name
    ws.append(sheet.headers)
    headers = sheet.headers
    bad_rows = {}
    for i in range(rows):
        data = enterprise(i, employees=10 + i % 50, remarks=f"导入第{i}行")
        row = [f"row-{i}", None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields]
        if i in BAD:
            column, make = BAD[i]
            col = headers.index(column)
            row[col] = make(row, col)
            bad_rows[i + 2] = column  # +1 for the header, +1 for 1-based rows
        ws.append(row)
    book.save(path)
    return bad_rows


@pytest.fixture
def sheet(office, tmp_path):
    checker = default_checker(office.paths.root)
    path = tmp_path / "名单.xlsx"
    bad = _sheet(checker.registry, path)
    return path, bad, RecordService(office, checker), checker.registry


def test_three_bad_rows_import_nothing_and_are_reported_exactly(sheet, tmp_path):
    path, bad, service, registry = sheet
    report_path = tmp_path / "report.xlsx"
    last = list(import_workbook(service, registry, path, report_path=report_path))[-1]
    assert last.imported == 0
    assert service.count() == 0
    # Exactly the three rows, each named with its column (a wrong sector also makes its
    # direction unknown, so that row may carry a second problem).
    assert {p.row for p in last.problems} == set(bad)
    assert set(bad.items()) <= {(p.row, p.column) for p in last.problems}
    report = load_workbook(report_path, read_only=True)
    ws = report.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    errors_col = rows[0].index(ERRORS_HEADER)
    flagged = {n for n, row in enumerate(rows[1:], start=2) if row[errors_col]}
    assert flagged == set(bad)
    assert "校验位" in rows[1235][errors_col]
    assert rows[1235][errors_col].count("统一社会信用代码：") == 1  # the field is named once


def test_partial_imports_the_other_rows(sheet, monkeypatch):
    path, bad, service, registry = sheet
    monkeypatch.setattr(importer, "SAVE_CHUNK", 1000)  # several chunks of this sheet
    steps = list(import_workbook(service, registry, path, partial=True))
    last = steps[-1]
    assert last.imported == ROWS - 3
    # A chunk per transaction, each announced before it is saved with what is saved so far.
    assert [(s.done, s.total) for s in steps if s.step == "saving"] == [(n, ROWS - 3) for n in range(0, ROWS - 3, 1000)]
    assert service.count(form="enterprise") == ROWS - 3
    assert service.count(search="导入第1234行") == 0
    assert service.count(search="导入第1235行") == 1
    assert service.count(search="导入") == ROWS - 3  # the two-character index too
    # Every record's duplicate keys went in with it, and the store is whole: the versions
    # match their hashes, the history chain holds, the kept counts agree.
    again, blocking = service.check("enterprise", enterprise(4998, employees=10 + 4998 % 50), final=False)
    assert [p["code"] for p in blocking] == ["duplicate"]
    report = check_database(service.db, encrypted=True)
    assert report.ok, report.problems
    assert report.counts["versions"] == ROWS - 3


def test_duplicates_against_the_store_and_within_the_sheet(office, tmp_path):
    checker = default_checker(office.paths.root)
    service = RecordService(office, checker)
    service.add("enterprise", enterprise(3))
    path = tmp_path / "dup.xlsx"
    _sheet(checker.registry, path, rows=6)
    book = load_workbook(path)
    ws = book.worksheets[0]
    ws.append([c.value for c in ws[3]])  # sheet row 3 (enterprise 1) again, as row 8
    book.save(path)
    last = list(import_workbook(service, checker.registry, path, partial=True))[-1]
    problems = {(p.row, p.column) for p in last.problems}
    assert problems == {(5, "统一社会信用代码"), (8, "统一社会信用代码")}  # enterprise 3 is in the store
    assert "与本表第 3 行重复" in next(p.message for p in last.problems if p.row == 8)
    # The column is named beside the message, which does not name it again.
    assert next(p.message for p in last.problems if p.row == 5).startswith("与已有记录重复：")
    assert last.imported == 5


def test_template_round_trips_its_example(office, tmp_path):
    checker = default_checker(office.paths.root)
    service = RecordService(office, checker)
    for form in checker.registry.forms():
        path = tmp_path / f"{form.id}.xlsx"
        write_template(form, path)
        book = load_workbook(path)
        main = book[sheets_of(form)[0].name]
        assert [c.value for c in main[1]] == sheets_of(form)[0].headers
        assert main.data_validations.dataValidation, form.id
        assert main.cell(row=2, column=1).value == EXAMPLE_ID and main.cell(row=2, column=2).value == EXAMPLE_STATUS
        # The example row is marked as one and never imported, even left in the sheet...
        last = list(import_workbook(service, checker.registry, path))[-1]
        assert last.imported == 0 and not last.problems, (form.id, last.problems)
        # ...but it is a valid record: copied below it under a record id of its own, it imports.
        for ws in book.worksheets:
            for row in list(ws.iter_rows(min_row=2, values_only=True)):
                if row and row[0] == EXAMPLE_ID:
                    ws.append(["copy-1", *row[1:]])
        book.save(path)
        last = list(import_workbook(service, checker.registry, path))[-1]
        assert last.imported == 1 and not last.problems, (form.id, last.problems)


def test_garbage_file_is_a_clear_error(office, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"\x00\x01 not a workbook" * 100)
    result = run_cli(office.paths.root, "import", str(junk))
    assert result.returncode == 1
    assert "不是 Excel 工作簿" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_report_never_goes_into_an_audit_export(sheet, tmp_path, monkeypatch):
    """A workbook read from an audit export (e.g. its records.xlsx) has its error report
    written to the documents folder: one more file in the export and it no longer verifies."""
    path, _bad, service, registry = sheet
    export = tmp_path / "export"
    (export / "records").mkdir(parents=True)
    (export / "manifest.json").write_text("{}", encoding="utf-8")
    inside = export / "records" / path.name
    inside.write_bytes(path.read_bytes())
    documents = tmp_path / "documents"
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(documents))
    last = list(import_workbook(service, registry, inside))[-1]
    assert last.report == documents / f"{path.stem}.错误报告.xlsx" and last.report.is_file()
    assert sorted(p.name for p in export.rglob("*")) == sorted(["records", "manifest.json", path.name])
    # Anywhere else the report goes beside the workbook, as the clerk expects.
    last = list(import_workbook(service, registry, path))[-1]
    assert last.report == path.with_name(f"{path.stem}.错误报告.xlsx")
