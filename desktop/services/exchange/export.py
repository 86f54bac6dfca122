"""The audit export: everything an auditor needs to check this office offline.

``export_office`` is a generator yielding ``Progress``; it writes into ``<out>.partial`` and
renames the folder only when the signed manifest is complete, so a half-written export is
never mistaken for a finished one. Every file is streamed from the database row by row, so
memory stays flat however many records the office holds. See docs/audit.md for the layout.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.errors import InvalidInput
from desktop.services.device import device_key, enrollment
from desktop.services.exchange.attachments_out import write_attachments
from desktop.services.exchange.files import ExportFolder
from desktop.services.exchange.sheets import Workbook, sheet_csv_name
from desktop.services.exchange.tables import group_rows, main_row, sheets_of
from desktop.services.exchange.totals import KINDS, write_totals
from desktop.services.outbox import OfficeOutbox
from desktop.store.chain import head
from desktop.store.clock import utc_now
from desktop.store.connection import read_snapshot
from desktop.store.office import Office
from forms.canonical import canonical_json
from forms.registry import Registry
from sync.keys import key_id, public_key_from_b64, public_key_to_pem

FORMAT = "anhui-collect-export"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
WORKBOOK = "records/records.xlsx"
RECORD_FIELDS = ("record_id", "version_id", "number", "form_version", "status", "status_reason",
                 "org_unit", "content_hash", "updated_at")
PROGRESS_EVERY = 1000


@dataclass
class Progress:
    step: str  # records | history | sync | keys | manifest | done
    done: int
    total: int
    detail: str = ""
    counts: dict[str, Any] = field(default_factory=dict)


def export_office(office: Office, registry: Registry, out: Path, *, forms: list[str] | None = None,
                  since: str | None = None) -> Iterator[Progress]:
    """Write the export to ``out`` (which must not exist yet), yielding progress."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise InvalidInput(f"导出目录 {out} 已存在且不为空。", f"{out} exists and is not empty.")
    form_ids = forms or [f.id for f in registry.forms()]
    for form_id in form_ids:
        registry.form(form_id)  # an unknown form id is the user's typo: say so before writing
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        # One snapshot for the whole export: a clerk saving while it runs (the app exports
        # on a worker) must not give it records whose versions or history it lacks.
        with read_snapshot(office.db):
            yield from _write(office, registry, out, staging, form_ids, since)
    finally:
        # Closing the generator early (a Cancel button) or a failure leaves no half export.
        shutil.rmtree(staging, ignore_errors=True)


def _write(office: Office, registry: Registry, out: Path, staging: Path, form_ids: list[str],
           since: str | None) -> Iterator[Progress]:
    folder = ExportFolder(staging)
    counts: dict[str, Any] = {"records": {}}
    total = _count(office, form_ids, since)
    done = 0
    book = Workbook(folder, WORKBOOK)
    try:
        for form_id in form_ids:
            for step in _export_form(office, registry, form_id, since, book, folder, counts):
                done += step
                yield Progress("records", done, total, form_id)
        book.close()
    except BaseException:
        book.abandon()
        folder.close_all()
        raise
    for kind in KINDS:
        if kind.form_id in form_ids and since is None:
            counts[kind.name] = write_totals(office, registry, kind, folder.write)
    yield Progress("history", done, total)
    counts.update(_export_history(office, folder))
    counts["attachments"] = write_attachments(office, folder)
    yield Progress("sync", done, total)
    counts.update(_export_sync(office, folder))
    yield Progress("keys", done, total)
    key = device_key(office)
    _export_keys(office, folder, key)
    manifest = _manifest(office, folder, counts, key, form_ids, since)
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    folder.write(MANIFEST, manifest_bytes)
    folder.write(SIGNATURE, key.sign(manifest_bytes))
    _fsync_dirs(staging)
    if out.exists():
        out.rmdir()
    os.replace(staging, out)
    yield Progress("done", total, total, str(out), counts)


def _count(office: Office, form_ids: list[str], since: str | None) -> int:
    where, params = _where(form_ids, since)
    return int(next(office.db.query(f"SELECT count(*) AS n FROM records r {where}", params))["n"])


def _where(form_ids: list[str], since: str | None) -> tuple[str, list[Any]]:
    clauses = ["r.form_id IN (" + ",".join("?" for _ in form_ids) + ")"]
    params: list[Any] = list(form_ids)
    if since:
        clauses.append("r.updated_at >= ?")
        params.append(since)
    return "WHERE " + " AND ".join(clauses), params


def _export_form(office: Office, registry: Registry, form_id: str, since: str | None, book: Workbook,
                 folder: ExportFolder, counts: dict[str, Any]) -> Iterator[int]:
    latest = registry.form(form_id)
    sheets = sheets_of(latest)
    writers = [book.add_sheet(s, sheet_csv_name(form_id, s)) for s in sheets]
    jsonl_rel = f"records/{form_id}.jsonl"
    jsonl = folder.open(jsonl_rel)
    where, params = _where([form_id], since)
    rows = _stream(
        office.db,
        "SELECT r.record_id, r.status, r.status_reason, r.updated_at, r.org_unit, v.version_id, v.number, "
        f"v.form_version, v.content_hash, v.data FROM records r JOIN versions v ON v.version_id = r.current_version_id {where} "
        "ORDER BY r.form_id, r.created_at, r.record_id",
        params,
    )
    forms = {latest.version: latest}
    n = 0
    for record in rows:
        data = json.loads(record["data"])
        version = record["form_version"]
        form = forms.get(version) or forms.setdefault(version, registry.form(form_id, version))
        writers[0].append(main_row(form, sheets[0], record, data))
        for sheet, writer in zip(sheets[1:], writers[1:], strict=True):
            for row in group_rows(form, sheet, record["record_id"], data):
                writer.append(row)
        jsonl.write(_with_data({k: record[k] for k in RECORD_FIELDS} | {"form_id": form_id}, record["data"]))
        n += 1
        if n % PROGRESS_EVERY == 0:
            yield PROGRESS_EVERY
    folder.finish(jsonl_rel)
    counts["records"][form_id] = n
    yield n % PROGRESS_EVERY


def _stream(db: Any, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    """Rows as dicts from a plain cursor, one at a time (sqlite-utils' query() costs more
    per row, and wraps the read in a SAVEPOINT)."""
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def _with_data(row: dict[str, Any], data: str) -> bytes:
    """One JSON Lines line of ``row`` with the stored data spliced in, never re-encoded.

    Versions store their data as canonical JSON text already; parsing and re-encoding 100,000
    of them would double the export's cost. In canonical JSON a key can only appear as
    ``"data":null`` where it is that key (quotes inside strings are escaped).
    """
    row["data"] = None
    return canonical_json(row).replace(b'"data":null', b'"data":' + data.encode("utf-8"), 1) + b"\n"


def _export_history(office: Office, folder: ExportFolder) -> dict[str, Any]:
    versions = folder.open("history/versions.jsonl")
    n_versions = 0
    for v in _stream(office.db, "SELECT * FROM versions ORDER BY rowid", []):
        versions.write(_with_data(dict(v), v["data"]))
        n_versions += 1
    folder.finish("history/versions.jsonl")
    chain = folder.open("history/chain.jsonl")
    n_history = 0
    for h in _stream(office.db, "SELECT * FROM history ORDER BY seq", []):
        chain.write(canonical_json(h) + b"\n")
        n_history += 1
    folder.finish("history/chain.jsonl")
    return {"versions": n_versions, "history": n_history}


def _export_sync(office: Office, folder: ExportFolder) -> dict[str, Any]:
    outbox = OfficeOutbox(office)
    n_batches = n_receipts = 0
    for b in office.db.query("SELECT sequence, envelope FROM batches ORDER BY sequence"):
        folder.write(f"sync/batches/{b['sequence']:06d}.json", bytes(b["envelope"]))
        n_batches += 1
    for r in office.db.query("SELECT id, sequence, receipt FROM receipts ORDER BY id"):
        folder.write(f"sync/receipts/{r['id']:06d}-batch-{r['sequence']:06d}.json", bytes(r["receipt"]))
        n_receipts += 1
    checkpoint = outbox.last_checkpoint()
    if checkpoint:
        folder.write("sync/checkpoint.json", checkpoint)
    chain_head = outbox.chain_head()
    if chain_head:
        folder.write("sync/chain-head.json", chain_head)
    # Form versions and reference lists the province published, signed: the auditor's copy
    # of the app lays the tables out with the same forms the office used.
    for u in office.db.query("SELECT update_id, envelope FROM updates WHERE kind IN ('form_version', 'reference_data') ORDER BY update_id"):
        folder.write(f"sync/updates/{u['update_id']:06d}.json", bytes(u["envelope"]))
    proofs = outbox.consistency_proofs()
    if proofs:
        folder.write("sync/consistency.jsonl", b"".join(
            canonical_json({"older": json.loads(p["older"]), "newer": json.loads(p["newer"]),
                            "proof": json.loads(p["proof"])}) + b"\n" for p in proofs))
    return {"batches": n_batches, "receipts": n_receipts}


def _export_keys(office: Office, folder: ExportFolder, key: Any) -> None:
    outbox = OfficeOutbox(office)
    folder.write("keys/device.pem", public_key_to_pem(key))
    for n, b64 in enumerate(outbox.province_keys(), start=1):
        folder.write(f"keys/province-{n}.pem", public_key_to_pem(public_key_from_b64(b64)))
    for n, statement in enumerate(outbox.province_key_rotations(), start=1):
        folder.write(f"keys/province-rotation-{n}.json", statement)
    enrolled = enrollment(office)
    if enrolled is None:
        return
    folder.write("keys/enrollment.json", enrolled.reply)
    rotations = outbox.device_key_rotations()
    first = public_key_from_b64(rotations[0]["old_public_key"]) if rotations else key.public_key()
    folder.write("keys/device-enrolled.pem", public_key_to_pem(first))
    for r in rotations:
        folder.write(f"keys/device-rotation-{r['from_sequence']:06d}.json", bytes(r["statement"]))


def _manifest(office: Office, folder: ExportFolder, counts: dict[str, Any], key: Any, form_ids: list[str],
              since: str | None) -> dict[str, Any]:
    seq, chain_hash = head(office.db)
    enrolled = enrollment(office)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "office": {"office_id": office.office_id, "org_unit": office.org_unit, "office_name": office.office_name},
        "exported_at": utc_now(),
        "exported_by": office.user,
        "device": {"key_id": key_id(key), "device_id": enrolled.device_id if enrolled else None},
        "filters": {"forms": form_ids, "since": since},
        "history_head": {"seq": seq, "hash": chain_hash},
        "counts": counts,
        "files": dict(sorted(folder.files.items())),
    }


def _fsync_dirs(root: Path) -> None:
    # Files are fsynced as they close; the directories must be too before the rename.
    for path in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
