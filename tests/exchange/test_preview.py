"""The import preview reads a workbook as the import will: the example row is named and not
counted, a sheet of no form is said to be left out, and a cancel stops the reading."""

from __future__ import annotations

import threading

import pytest
from openpyxl import load_workbook

from desktop.errors import InvalidInput, WorkCancelled
from desktop.services.checking import default_checker
from desktop.services.exchange.preview import preview_workbook
from desktop.services.exchange.tables import cell, sheets_of
from desktop.services.exchange.template import write_template
from tests.office.conftest import enterprise


@pytest.fixture(scope="module")
def registry():
    return default_checker(None).registry


def test_the_example_row_is_named_and_the_rows_below_it_counted(registry, tmp_path):
    form = registry.form("enterprise")
    path = tmp_path / "企业.xlsx"
    write_template(form, path)
    (main,) = [s for s in preview_workbook(registry, path) if not s.group]
    assert (main.name, main.form_zh, main.rows, main.examples) == ("企业", "企业", 0, [2])

    book = load_workbook(path)
    sheet = sheets_of(form)[0]
    for i in range(7):
        data = enterprise(i)
        book[sheet.name].append([None, None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields])
    book.create_sheet("备注").append(["这张表不属于任何表单"])
    book.save(path)
    found = {s.name: s for s in preview_workbook(registry, path, shown=3)}
    assert (found["企业"].rows, found["企业"].examples) == (7, [2])
    assert [row[3] for row in found["企业"].first_rows] == [enterprise(i)["name"] for i in range(3)]
    assert found["备注"].form_zh is None  # said to be left out, never guessed


def test_a_cancel_stops_the_reading(registry, tmp_path):
    path = tmp_path / "企业.xlsx"
    write_template(registry.form("enterprise"), path)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(WorkCancelled):
        preview_workbook(registry, path, cancel=cancel)


def test_a_file_that_is_no_workbook_is_a_message(registry, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"name,code\n")
    with pytest.raises(InvalidInput):
        preview_workbook(registry, path)
