"""Every field of every form given a value that starts like a formula: the workbook holds no
formula, the CSV cells are neutralised, and importing the export restores every value."""

from __future__ import annotations

import csv
import io
import re
import zipfile

from desktop.services.checking import default_checker
from desktop.services.exchange.export import WORKBOOK, export_office
from desktop.services.exchange.importer import import_workbook
from desktop.services.records import RecordInvalid, RecordService
from desktop.store.office import Office
from forms.canonical import canonical_json
from forms.examples import example
from forms.model import Field
from forms.spreadsheet import FORMULA_TRIGGERS, restore_formula_safe
from tests.conftest import PASSPHRASE

PREFIXES = ["=", "+", "-", "@"]


def _formulas(fields: tuple[Field, ...], data: dict, start: int) -> int:
    """Give every field (and every group item's field) a formula-like value; return the count."""
    n = start
    for f in fields:
        if f.is_group:
            for item in data.get(f.id) or []:
                n = _formulas(f.fields, item, n)
            continue
        data[f.id] = f"{PREFIXES[n % 4]}HYPERLINK(\"http://evil.example/{n}\",\"{f.label('zh')}\")"
        n += 1
    return n


def formula_records(service: RecordService) -> dict[str, dict]:
    """One record per form, every field formula-like where the form allows text at all."""
    saved = {}
    for form in service.checker.registry.forms():  # type: ignore[attr-defined]
        base = example(form.id) or {}
        data = canonical_copy(base)
        _formulas(form.fields, data, 0)
        for _ in range(10):
            try:
                saved[form.id] = service.current_data(service.add(form.id, data).record_id)
                break
            except RecordInvalid as exc:  # a number, date, choice or code field: the example's value
                for p in exc.problems:
                    path = str(p.get("path") or "")
                    _restore(data, base, path)
    return saved


def canonical_copy(value: dict) -> dict:
    import json

    return json.loads(canonical_json(value))


def _restore(data: dict, base: dict, path: str) -> None:
    parts = re.findall(r"[^.\[\]]+", path)
    target, source = data, base
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
        source = source[int(part)] if part.isdigit() and int(part) < len(source) else (source[0] if part.isdigit() else source.get(part, {}))
    last = parts[-1] if parts else ""
    if isinstance(source, dict) and last in source:
        target[last] = source[last]
    elif isinstance(target, dict):
        target.pop(last, None)


def test_no_formula_in_the_workbook_csv_neutralised_import_restores(office, tmp_path):
    service = RecordService(office, default_checker(office.paths.root))
    saved = formula_records(service)
    assert set(saved) == {form.id for form in service.checker.registry.forms()}  # type: ignore[attr-defined]
    # Every free-text field of every form (groups included) kept its formula-like value,
    # except those the form leaves out for this record (conditional fields).
    kept = [(form.id, f.id, value) for form in service.checker.registry.forms()  # type: ignore[attr-defined]
            for f, value in _text_fields(form.fields, saved[form.id]) if value is not None]
    assert len(kept) >= 40
    assert kept and all(str(v).startswith(tuple(PREFIXES)) for _, _, v in kept), [k for k in kept if not str(k[2]).startswith(tuple(PREFIXES))]
    text_fields = len(kept)
    out = tmp_path / "export"
    list(export_office(office, service.checker.registry, out))  # type: ignore[attr-defined]
    # The sheet XML: no formula element anywhere, and every such text is quote-prefixed.
    with zipfile.ZipFile(out / WORKBOOK) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        for name in sheets:
            xml = book.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, name
            assert not re.search(r"<t[^>]*>[=+\-@]", xml), name
    # The CSV files: a cell may start like a formula only as a plain number.
    neutralised = 0
    for path in sorted((out / "records").glob("*.csv")):
        for row in csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))):
            for cell in row:
                if cell.startswith(FORMULA_TRIGGERS):
                    assert re.fullmatch(r"-?\d+(\.\d+)?", cell), (path.name, cell)
                neutralised += cell.startswith("'") and restore_formula_safe(cell).startswith(tuple(PREFIXES))
    assert neutralised >= text_fields
    # Into a fresh office: the exact values come back.
    fresh, _ = Office.create(tmp_path / "fresh", org_unit="340104", office_name="新办公室", admin="张三", passphrase=PASSPHRASE)
    try:
        target = RecordService(fresh, default_checker(None))
        last = list(import_workbook(target, target.checker.registry, out / WORKBOOK))[-1]  # type: ignore[attr-defined]
        assert not last.problems, [(p.sheet, p.row, p.column, p.message) for p in last.problems]
        imported = sorted(canonical_json(target.current_data(r["record_id"])) for r in target.query())
        assert imported == sorted(canonical_json(d) for d in saved.values())
    finally:
        fresh.close()


def _text_fields(fields: tuple[Field, ...], data: dict):
    for f in fields:
        if f.is_group:
            for item in data.get(f.id) or []:
                yield from _text_fields(f.fields, item)
        elif f.type in ("text", "textarea") and not f.pattern and not f.validator:
            yield f, data.get(f.id)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)

