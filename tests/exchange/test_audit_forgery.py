"""An outside auditor's attacks on a real export: each forgery, re-signed with the office's own
key, fails ``verify-export --province-key`` and is named; the untouched export passes on a
machine that holds no office data."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from desktop.services.exchange.verify import verify_export
from sync import dsse
from sync.encoding import canonical_json, parse_json_object
from sync.keys import generate_private_key, key_id, public_key_from_b64, public_key_to_pem
from tests.conftest import ROOT
from tests.exchange.forger import (
    Forger,
    accepted_version_ids,
    batch_json,
    forge_receipt,
    sign_batch,
)
from tests.sync.servers import ProvinceServer


def run_verify(folder: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", "verify-export", str(folder), *args],
        capture_output=True, text=True, timeout=300, cwd=home.parent,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "ANHUI_COLLECT_HOME": str(home), "HOME": str(home)},
    )


def named(report) -> str:
    return "\n".join(f"{where}: {en}" for where, _, en in report.problems)


def verify_pinned(audited, folder: Path):
    report = verify_export(folder, province_key=str(audited.province_key_pem))
    assert not report.ok, "forgery passed"
    return named(report)


def test_untouched_export_passes_anchored_on_a_machine_with_no_office(audited, tmp_path):
    copy = audited.copy(tmp_path / "elsewhere" / "export")
    home = tmp_path / "no-office-here"
    pinned = run_verify(copy, "--province-key", str(audited.province_key_pem), home=home)
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert "核验通过" in pinned.stdout and audited.province_key_id in pinned.stdout
    assert "第 1–6 批" in pinned.stdout  # complete up to the last sync, as the province signed
    assert "尚未经省里确认的记录 2 条" in pinned.stdout
    # The key the office pinned at enrollment, given by id, anchors the same result (the
    # province's rotation statement links it to the current key).
    by_id = run_verify(copy, "--province-key", audited.first_province_key_id, home=home)
    assert by_id.returncode == 0, by_id.stdout + by_id.stderr
    # Without a key: the same checks, but the result says what it had to trust.
    unanchored = run_verify(copy, home=home)
    assert unanchored.returncode == 3, unanchored.stdout + unanchored.stderr
    assert "未锚定" in unanchored.stdout and audited.first_province_key_id in unanchored.stdout
    assert not home.exists()
    # A stranger's key anchors nothing: every province signature fails.
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(public_key_to_pem(generate_private_key().public_key()))
    refused = run_verify(copy, "--province-key", str(stranger), home=home)
    assert refused.returncode == 1 and "keys/enrollment.json" in refused.stderr
    # A key that is neither a PEM file nor the id of a key in the export: a clear message.
    nonsense = run_verify(copy, "--province-key", "0" * 64, home=home)
    assert nonsense.returncode == 2 and "--province-key" in nonsense.stderr and "Traceback" not in nonsense.stderr
    # No folder at all: the check did not run, which is no verdict on any export.
    missing = run_verify(tmp_path / "nowhere", "--province-key", str(audited.province_key_pem), home=home)
    assert missing.returncode == 2 and "nowhere" in missing.stderr and "Traceback" not in missing.stderr


def _synced_version(forger: Forger, record_prefix: str = "") -> dict:
    """The current version of an enterprise that the province accepted."""
    accepted = accepted_version_ids(forger.folder)
    return next(r for r in forger.records["enterprise"] if r["version_id"] in accepted)


def test_fresh_key_rebuild_is_refused(audited, tmp_path):
    folder = audited.copy(tmp_path / "f")
    forger = Forger(folder, generate_private_key())
    target = _synced_version(forger)
    forger.edit_version(target["version_id"], name="伪造的企业名称")
    forger.rebuild()
    for rel in ("keys/device.pem", "keys/device-enrolled.pem"):
        (folder / rel).write_bytes(public_key_to_pem(forger.key))
    forger.manifest["device"]["key_id"] = key_id(forger.key)
    forger.sign()
    problems = verify_pinned(audited, folder)
    assert "keys/device-enrolled.pem: is not the device key the province enrolled" in problems
    assert f"version {target['version_id']}" in problems or target["version_id"] in problems


def test_changed_synced_record_with_a_receipt_forged_under_an_added_province_key(audited, tmp_path):
    folder = audited.copy(tmp_path / "f")
    forger = Forger(folder, audited.device_private)
    # The last batch was signed with the device's current key, which the forger holds.
    last = sorted(folder.glob("sync/batches/*.json"))[-1]
    payload = batch_json(last.read_bytes())
    target = payload["versions"][0]
    forger.edit_version(target["version_id"], remarks="伪造的备注")
    forger.rebuild()
    changed = forger.version(target["version_id"])
    payload["versions"][0] = {**target, "data": changed["data"], "content_hash": changed["content_hash"]}
    batch = sign_batch(payload, dsse.parse(last.read_bytes()).payload_type, audited.device_private)
    last.write_bytes(batch)
    province_key = generate_private_key()
    (folder / "keys/province-3.pem").write_bytes(public_key_to_pem(province_key))
    receipt = sorted(folder.glob(f"sync/receipts/*-batch-{last.stem}.json"))[-1]
    receipt.write_bytes(forge_receipt(batch, province_key))
    forger.sign()
    problems = verify_pinned(audited, folder)
    assert f"{receipt.relative_to(folder).as_posix()}: receipt is not signed by a trusted province key" in problems
    assert "differs from the last batch hash in the chain head" in problems


def test_edited_table_cells_are_named_by_file_row_and_column(audited, tmp_path):
    folder = audited.copy(tmp_path / "f")
    csv_path = folder / "records/enterprise.csv"
    text = csv_path.read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    header = lines[0].split(",")
    cells = lines[2].split(",")
    column = next(i for i, h in enumerate(header) if h.startswith("企业名称"))
    cells[column] = "改过的名称"
    lines[2] = ",".join(cells)
    csv_path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    # The workbook too: one shared sheet XML string changed in place.
    book = folder / "records/records.xlsx"
    with zipfile.ZipFile(book) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = next(k for k in members if k.startswith("xl/worksheets/sheet"))
    xml = members[sheet].decode("utf-8")
    start = xml.index("<row r=\"2\"")
    t = xml.index("<t>", start) + 3
    members[sheet] = (xml[:t] + "伪" + xml[t:]).encode("utf-8")
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    Forger(folder, audited.device_private).sign()
    problems = verify_pinned(audited, folder)
    assert f"records/enterprise.csv:3:{header[column]}: cell differs from the record" in problems
    assert ":2:记录编号: cell differs from the record" in problems and "records/records.xlsx[" in problems


def test_files_an_export_never_writes_are_refused_even_when_listed(audited, tmp_path):
    # Signed into the manifest by the office, a file nothing checks would read as part of
    # the audited data: a second, different table, or a note claiming something.
    folder = audited.copy(tmp_path / "f")
    shutil.copy(folder / "records/enterprise.csv", folder / "records/enterprise.2024.csv")
    (folder / "records/说明.txt").write_text("本导出已经省里核验", encoding="utf-8")
    (folder / "sync/receipts/extra.json").write_bytes(b"{}")
    Forger(folder, audited.device_private).sign()
    problems = verify_pinned(audited, folder)
    for rel in ("records/enterprise.2024.csv", "records/说明.txt", "sync/receipts/extra.json"):
        assert f"{rel}: file is not part of an export" in problems, rel


def test_older_version_shown_as_current(audited, tmp_path):
    folder = audited.copy(tmp_path / "f")
    forger = Forger(folder, audited.device_private)
    record = next(r for r in forger.records["enterprise"] if r["number"] > 1)
    older = next(v for v in forger.versions if v["record_id"] == record["record_id"] and v["number"] == 1)
    forger.show_version(record["record_id"], older["version_id"])
    forger.rebuild()
    forger.sign()
    problems = verify_pinned(audited, folder)
    assert f"(记录 {record['record_id']}) " not in problems  # names use the full-width form
    assert f"（记录 {record['record_id']}）: shown version is not the record's current one in the history" in problems


def test_wrong_counts(audited, tmp_path):
    folder = audited.copy(tmp_path / "f")
    forger = Forger(folder, audited.device_private)
    forger.manifest["counts"]["records"]["enterprise"] += 1
    forger.sign()
    assert "manifest.json: manifest says" in verify_pinned(audited, folder)


def test_last_batch_removed_with_the_checkpoint_rolled_back(audited, tmp_path):
    folder = audited.copy(tmp_path / "f")
    batches = sorted(folder.glob("sync/batches/*.json"))
    last = batches[-1]
    receipts = sorted(folder.glob(f"sync/receipts/*-batch-{last.stem}.json"))
    earlier = sorted(folder.glob(f"sync/receipts/*-batch-{batches[-2].stem}.json"))[-1]
    last.unlink()
    for r in receipts:
        r.unlink()
    previous = parse_json_object(dsse.parse(earlier.read_bytes()).payload)["checkpoint"]
    (folder / "sync/checkpoint.json").write_bytes(dsse.parse(previous).to_bytes())
    Forger(folder, audited.device_private).sign()
    problems = verify_pinned(audited, folder)
    assert f"sync/batches/{last.name}: the province holds batch {int(last.stem)}" in problems
    # Dropping the chain-head statement as well leaves completeness unproven: still a failure.
    (folder / "sync/chain-head.json").unlink()
    Forger(folder, audited.device_private).sign()
    assert "sync/chain-head.json: no province-signed chain head" in verify_pinned(audited, folder)


def test_unsynced_record_removed(audited, tmp_path):
    folder = audited.copy(tmp_path / "f")
    forger = Forger(folder, audited.device_private)
    forger.remove_record(audited.draft_id)
    forger.rebuild()
    forger.sign()
    problems = verify_pinned(audited, folder)
    assert "history was rewritten after the province signed its head back" in problems


def test_against_the_province_export_catches_a_batch_the_office_lacks(audited, tmp_path):
    folder = audited.copy(tmp_path / "f")
    # A forger who also dropped the newest chain head and every trace of the last batch can
    # only be caught by the province's own records.
    last = sorted(folder.glob("sync/batches/*.json"))[-1]
    last.unlink()
    for r in folder.glob(f"sync/receipts/*-batch-{last.stem}.json"):
        r.unlink()
    (folder / "sync/chain-head.json").unlink()
    Forger(folder, audited.device_private).sign()
    report = verify_export(folder, province_key=str(audited.province_key_pem), against=audited.province_export)
    assert f"sync/batches/{last.name}: the province holds batch {int(last.stem)} of this device; the office export lacks it" in named(report)
    # A province export that was itself altered is refused, not believed.
    fake = tmp_path / "province"
    shutil.copytree(audited.province_export, fake)
    (fake / "batches.jsonl").write_bytes(b"")
    report = verify_export(audited.export, province_key=str(audited.province_key_pem), against=fake)
    assert "batches.jsonl: does not match the province's signed manifest" in named(report)


@pytest.mark.parametrize("rel", ["keys/enrollment.json", "sync/chain-head.json"])
def test_province_statements_cannot_be_rewritten(audited, tmp_path, rel):
    folder = audited.copy(tmp_path / "f")
    envelope = json.loads((folder / rel).read_bytes())
    body = json.loads(base64.b64decode(envelope["payload"]))
    body["org_unit"] = "340102"
    envelope["payload"] = base64.b64encode(canonical_json(body)).decode()
    (folder / rel).write_bytes(canonical_json(envelope))
    Forger(folder, audited.device_private).sign()
    assert f"{rel}: " in verify_pinned(audited, folder)


def test_a_province_key_rotated_after_the_last_sync_is_linked_by_the_province_export(audited, tmp_path):
    province = ProvinceServer(tmp_path / "province")
    shutil.copytree(audited.province_dir, province.data_dir)
    province.cli("rotate-key")
    newest = province.cli("key").strip()
    province_export = tmp_path / "province-export"
    province.cli("export", "--out", str(province_export))
    published = json.loads((province_export / "province-keys.json").read_bytes())
    pem = tmp_path / "newest.pem"
    pem.write_bytes(public_key_to_pem(public_key_from_b64(
        next(k["public_key"] for k in published["keys"] if k["key_id"] == newest))))
    # The office never heard of the newest key: its export alone cannot link it.
    alone = verify_export(audited.export, province_key=str(pem))
    assert "keys/enrollment.json: enrollment is not signed by a trusted province key" in named(alone)
    # The province's export carries the rotation statement, signed by both keys.
    linked = verify_export(audited.export, province_key=str(pem), against=province_export)
    assert linked.ok and linked.anchored, named(linked)
