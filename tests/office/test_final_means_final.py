"""From the command line to the province: text kept as typed, and a finalized draft arrives final.

A clerk adds a draft whose names carry full-width punctuation and digits (as on a business
licence), finalizes it and syncs, all with `anhui-collect` against a real `anhui-province
serve` on loopback. The text must read back byte-identical in the store, in `record show
--json`, at the province and in every file of an export; the province must list the record
as final.
"""

from __future__ import annotations

import csv
import json
import re

from openpyxl import load_workbook

from desktop.store.office import Office
from tests.conftest import PASSPHRASE, run_cli
from tests.office.conftest import enterprise

NAME = "安徽（合肥）量子科技有限公司，第１２３号；研发中心：二期"
ADDRESS = "合肥市高新区望江西路８００号（创新产业园二期）Ａ座"


def cli(office_dir, *args, **kwargs):
    result = run_cli(office_dir, *args, **kwargs)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_draft_finalized_and_synced_arrives_final_with_its_text_as_typed(office_dir, province, tmp_path):
    record = enterprise(5, name=NAME, address=ADDRESS)
    source = tmp_path / "rec.json"
    source.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    record_id = cli(office_dir, "record", "add", "--form", "enterprise", "--file", str(source)).strip()
    shown = json.loads(cli(office_dir, "record", "show", record_id, "--json"))
    assert shown["status"] == "draft"
    assert (shown["data"]["name"], shown["data"]["address"]) == (NAME, ADDRESS)

    assert "已定稿" in cli(office_dir, "record", "finalize", record_id)
    code = re.search(r"登记码：\s*(\S+)", province.cli("enroll-code", "--org-unit", "340104")).group(1)
    cli(office_dir, "enroll", "--endpoint", province.url, "--code", code)
    cli(office_dir, "sync")

    # The store: the finalized version declares itself final; its bytes hold the text as typed.
    office = Office.unlock(office_dir, None, PASSPHRASE)
    try:
        versions = list(office.db.query("SELECT * FROM versions WHERE record_id = ? ORDER BY number", [record_id]))
        status = next(office.db.query("SELECT status FROM records WHERE record_id = ?", [record_id]))["status"]
    finally:
        office.close()
    assert [v["status"] for v in versions] == ["draft", "final"]
    assert versions[0]["content_hash"] == versions[1]["content_hash"]
    assert NAME.encode() in versions[1]["data"].encode() and ADDRESS.encode() in versions[1]["data"].encode()
    assert status == "synced"

    # The province lists the record as final, with the very same text.
    (held,) = json.loads(province.cli("records", "list", "--json"))
    assert held["record_id"] == record_id and held["version_id"] == versions[1]["version_id"]
    assert held["office_status"] == "final" and held["state"] == "received"
    assert (held["data"]["name"], held["data"]["address"]) == (NAME, ADDRESS)
    assert held["content_hash"] == versions[1]["content_hash"]
    (stored,) = province.query("SELECT data FROM record_versions WHERE version_id = ?", (held["version_id"],))
    raw = stored[0] if isinstance(stored[0], bytes) else stored[0].encode()
    assert NAME.encode() in raw and ADDRESS.encode() in raw  # in the province's database, byte for byte

    # An export: the JSON Lines, the CSV and the workbook hold the text byte for byte.
    out = tmp_path / "export"
    cli(office_dir, "export", "--out", str(out), "--form", "enterprise")
    (line,) = (out / "records" / "enterprise.jsonl").read_text(encoding="utf-8").splitlines()
    exported = json.loads(line)
    assert (exported["data"]["name"], exported["data"]["address"], exported["status"]) == (NAME, ADDRESS, "synced")
    with (out / "records" / "enterprise.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["企业名称"], row["企业地址"]) == (NAME, ADDRESS)
    sheet = load_workbook(out / "records" / "records.xlsx", read_only=True)["企业"]
    header, values = [list(r) for r in sheet.iter_rows(values_only=True)][:2]
    assert values[header.index("企业名称")] == NAME and values[header.index("企业地址")] == ADDRESS


def test_command_line_messages_name_fields_by_their_chinese_label(office_dir, tmp_path):
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(enterprise(1, credit_code="91340100MA2NF8XL37", employees="很多"),
                                 ensure_ascii=False), encoding="utf-8")
    result = run_cli(office_dir, "record", "add", "--form", "enterprise", "--file", str(source), "--final")
    assert result.returncode != 0
    assert "统一社会信用代码" in result.stderr and "从业人员" in result.stderr
    assert "credit_code" not in result.stderr and "employees" not in result.stderr
    assert "Traceback" not in result.stderr
