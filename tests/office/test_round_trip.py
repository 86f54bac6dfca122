"""Random valid records of every form survive save → show → export → import unchanged.

For each form, hypothesis draws complete valid records (tests/office/valid_records.py) and
saves each through the record service into one office shared by the form's examples; what
the service shows must be exactly what the forms engine made of the input. The office is
then exported (the signed audit export) and its workbook imported into a new office: every
record must come back with the same data, and the export's JSON Lines must hold it too.
``ROUND_TRIP_EXAMPLES=1000`` runs more examples per form.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from desktop.services.checking import default_checker
from desktop.services.exchange.export import export_office
from desktop.services.exchange.importer import import_workbook
from desktop.services.records import RecordService
from desktop.store.office import Office
from forms.canonical import canonical_json
from tests.conftest import PASSPHRASE
from tests.office.valid_records import valid_records

EXAMPLES = int(os.environ.get("ROUND_TRIP_EXAMPLES", "300"))
FORM_IDS = ["enterprise", "platform", "talent_team", "standard", "key_technology", "landmark_product",
            "application_scenario", "annual_report", "project", "financing"]
TIMES: dict[str, float] = {}


def _office(path: Path) -> Office:
    office, _ = Office.create(path, org_unit="340104", office_name="蜀山区科技局", admin="张三", passphrase=PASSPHRASE)
    return office


def _key(data: dict) -> bytes:
    return canonical_json(data)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_random_valid_records_survive_save_show_export_import(form_id: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    office = _office(tmp_path / "office")
    checker = default_checker(office.paths.root)
    registry = checker.registry
    service = RecordService(office, checker)
    expected: dict[str, dict] = {}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(valid_records(registry, form_id))
    def save_and_show(drawn: tuple[dict, dict]) -> None:
        record, normalised = drawn
        saved = service.add(form_id, record, final=True)
        shown = service.show(saved.record_id)
        assert shown["data"] == normalised and _key(shown["data"]) == _key(normalised)
        assert shown["status"] == "final" and shown["form_version"] == registry.form(form_id).version
        expected[saved.record_id] = normalised

    try:
        save_and_show()
        assert len(expected) >= EXAMPLES
        out = tmp_path / "export"
        assert list(export_office(office, registry, out, forms=[form_id]))[-1].step == "done"
    finally:
        office.close()

    lines = (out / "records" / f"{form_id}.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["record_id"]: json.loads(line)["data"] for line in lines} == expected

    second = _office(tmp_path / "second")
    try:
        imported_into = RecordService(second, default_checker(second.paths.root))
        outcome = list(import_workbook(imported_into, registry, out / "records" / "records.xlsx", final=True))[-1]
        assert [p.text() for p in outcome.problems] == []
        assert outcome.imported == len(expected)
        back = [imported_into.show(r["record_id"])["data"] for r in imported_into.query()]
    finally:
        second.close()
    assert Counter(map(_key, back)) == Counter(map(_key, expected.values()))
    TIMES[form_id] = time.perf_counter() - started
