"""The XLSX export, read back by LibreOffice (a different implementation than ours), holds
exactly the store's values: text that looks like a formula stays text (quote-prefixed, never
evaluated), dates are dates, numbers are numbers."""

import csv
import os
import shutil
import subprocess

import pytest

from desktop.services.checking import default_checker
from desktop.services.exchange.export import export_office
from desktop.services.exchange.tables import cell, csv_text, sheets_of
from desktop.services.records import RecordService
from forms.examples import example
from tests.exchange.test_formula_safety import formula_records
from tests.office.conftest import enterprise

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return csv_text(value)


# make test installs LibreOffice; on CI (a clean machine) its absence is a failure, not a skip.
@pytest.mark.skipif(SOFFICE is None and not os.environ.get("CI"), reason="LibreOffice is not installed (make test installs it)")
def test_xlsx_through_libreoffice_equals_the_store(office, tmp_path):
    assert SOFFICE, "LibreOffice (soffice) is missing: make test installs libreoffice-calc-nogui"
    checker = default_checker(office.paths.root)
    service = RecordService(office, checker)
    for form in checker.registry.forms():
        service.add(form.id, example(form.id))
    formula_records(service)  # every field of every form starting with =, +, -, @
    for i in range(30):
        service.add("enterprise", enterprise(i, registered_capital=1000 + i * 0.25, employees=i, remarks=f"第{i}号〖量子〗“通信”"))
    out = tmp_path / "export"
    list(export_office(office, checker.registry, out))
    converted = tmp_path / "csv"
    # Filter options: comma, double quote, UTF-8, start row 1, ..., -1 = every sheet to its own file.
    result = subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(converted), str(out / "records" / "records.xlsx")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    compared = 0
    for form in checker.registry.forms():
        for sheet in sheets_of(form):
            path = converted / f"records-{sheet.name}.csv"
            rows = list(csv.reader(path.open(encoding="utf-8")))
            assert rows[0] == sheet.headers
            lead = 2 if sheet.group else 3
            for row in rows[1:]:
                data = service.current_data(row[0])
                if sheet.group is None:
                    expected = [cell(form, f, data.get(f.id), data) for f in sheet.fields]
                else:
                    item = data[sheet.group.id][int(row[1]) - 1]
                    expected = [cell(form, f, item.get(f.id), data, item) for f in sheet.fields]
                assert row[lead:] == [_text(v) for v in expected], (sheet.name, row[0])
                compared += 1
    assert compared >= 30 + 7 + 7
