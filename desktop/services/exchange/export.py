"""The audit export: everything an auditor needs to check this office offline.

``export_office`` is a generator yielding ``Progress``; it writes into ``<out>.partial`` and
renames the folder only when the signed manifest is complete, so a half-written export is
never mistaken for a finished one. See docs/audit.md for the layout.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from desktop.errors import InvalidInput
from desktop.services.device import device_key, enrollment
from desktop.services.exchange.tables import group_rows, main_row, sheets_of
from desktop.services.outbox import OfficeOutbox
from desktop.store.chain import head
from desktop.store.clock import utc_now
from desktop.store.office import Office
from forms.canonical import canonical_json
from forms.registry import Registry
from sync.keys import key_id, public_key_from_b64, public_key_to_pem

FORMAT = "anhui-collect-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


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
        yield from _write(office, registry, out, staging, form_ids, since)
    finally:
        # Closing the generator early (a Cancel button) or a failure leaves no half export.
        shutil.rmtree(staging, ignore_errors=True)


def _write(office: Office, registry: Registry, out: Path, staging: Path, form_ids: list[str],
           since: str | None) -> Iterator[Progress]:
    writer = _Writer(staging)
    counts: dict[str, Any] = {"records": {}}
    total = _count(office, form_ids, since)
    done = 0
    workbook = Workbook(write_only=True)
    try:
        for form_id in form_ids:
            for progress_done in _export_form(office, registry, form_id, since, workbook, writer, counts):
                done += progress_done
                yield Progress("records", done, total, form_id)
    except BaseException:
        # A write-only workbook holds open temp files until saved or closed.
        for ws in workbook.worksheets:
            ws.close()
        raise
    buffer = io.BytesIO()
    workbook.save(buffer)
    writer.write("records/records.xlsx", buffer.getvalue())
    yield Progress("history", done, total)
    counts.update(_export_history(office, writer))
    yield Progress("sync", done, total)
    counts.update(_export_sync(office, writer))
    yield Progress("keys", done, total)
    key = device_key(office)
    _export_keys(office, writer, key)
    manifest = _manifest(office, writer, counts, key, form_ids, since)
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    (staging / MANIFEST).write_bytes(manifest_bytes)
    (staging / SIGNATURE).write_bytes(key.sign(manifest_bytes))
    _fsync_tree(staging)
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


class _Writer:
    """Writes files under the export folder and remembers their hashes for the manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, dict[str, Any]] = {}

    def write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _export_form(office: Office, registry: Registry, form_id: str, since: str | None, workbook: Workbook,
                 writer: _Writer, counts: dict[str, Any]) -> Iterator[int]:
    latest = registry.form(form_id)
    sheets = sheets_of(latest)
    tables: list[list[list[Any]]] = [[s.headers] for s in sheets]
    jsonl = io.BytesIO()
    where, params = _where([form_id], since)
    rows = office.db.query(
        "SELECT r.record_id, r.status, r.status_reason, r.updated_at, r.org_unit, v.version_id, v.number, "
        f"v.form_version, v.content_hash, v.data FROM records r JOIN versions v ON v.version_id = r.current_version_id {where} "
        "ORDER BY r.created_at, r.record_id",
        params,
    )
    n = 0
    for record in rows:
        data = json.loads(record["data"])
        form = registry.form(form_id, record["form_version"]) if record["form_version"] != latest.version else latest
        tables[0].append(main_row(form, sheets[0], record, data))
        for sheet, table in zip(sheets[1:], tables[1:], strict=True):
            table.extend(group_rows(form, sheet, record["record_id"], data))
        jsonl.write(canonical_json({k: record[k] for k in ("record_id", "version_id", "number", "form_version", "status",
                                                           "status_reason", "org_unit", "content_hash")} | {"form_id": form_id, "data": data}))
        jsonl.write(b"\n")
        n += 1
        if n % 1000 == 0:
            yield 1000
    for sheet, table in zip(sheets, tables, strict=True):
        ws = workbook.create_sheet(sheet.name)
        ws.freeze_panes = "B2"
        ws.append([_bold(ws, h) for h in table[0]])
        for row in table[1:]:
            ws.append(row)
        suffix = "" if sheet.group is None else f".{sheet.group.id}"
        writer.write(f"records/{form_id}{suffix}.csv", _csv(table))
    writer.write(f"records/{form_id}.jsonl", jsonl.getvalue())
    counts["records"][form_id] = n
    yield n % 1000


def _bold(ws: Any, text: str) -> WriteOnlyCell:
    c = WriteOnlyCell(ws, value=text)
    c.font = Font(bold=True)
    return c


def _csv(table: list[list[Any]]) -> bytes:
    # UTF-8 with a BOM: Excel on Chinese Windows then reads it as UTF-8, not GBK.
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(["" if v is None else v for v in row] for row in table)
    return b"\xef\xbb\xbf" + text.getvalue().encode("utf-8")


def _export_history(office: Office, writer: _Writer) -> dict[str, Any]:
    versions = io.BytesIO()
    n_versions = 0
    for v in office.db.query("SELECT * FROM versions ORDER BY rowid"):
        versions.write(canonical_json(dict(v, data=json.loads(v["data"]))) + b"\n")
        n_versions += 1
    chain = io.BytesIO()
    n_history = 0
    for h in office.db.query("SELECT * FROM history ORDER BY seq"):
        chain.write(canonical_json(h) + b"\n")
        n_history += 1
    writer.write("history/versions.jsonl", versions.getvalue())
    writer.write("history/chain.jsonl", chain.getvalue())
    return {"versions": n_versions, "history": n_history}


def _export_sync(office: Office, writer: _Writer) -> dict[str, Any]:
    outbox = OfficeOutbox(office)
    batches = outbox.batches()
    for b in batches:
        writer.write(f"sync/batches/{b['sequence']:06d}.json", bytes(b["envelope"]))
    receipts = outbox.receipts()
    for r in receipts:
        writer.write(f"sync/receipts/{r['id']:06d}-batch-{r['sequence']:06d}.json", bytes(r["receipt"]))
    checkpoint = outbox.last_checkpoint()
    if checkpoint:
        writer.write("sync/checkpoint.json", checkpoint)
    return {"batches": len(batches), "receipts": len(receipts)}


def _export_keys(office: Office, writer: _Writer, key: Any) -> None:
    writer.write("keys/device.pem", public_key_to_pem(key))
    for n, b64 in enumerate(OfficeOutbox(office).province_keys(), start=1):
        writer.write(f"keys/province-{n}.pem", public_key_to_pem(public_key_from_b64(b64)))
    enrolled = enrollment(office)
    if enrolled is not None:
        writer.write("keys/enrollment.json", enrolled.reply)


def _manifest(office: Office, writer: _Writer, counts: dict[str, Any], key: Any, form_ids: list[str], since: str | None) -> dict[str, Any]:
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
        "files": dict(sorted(writer.files.items())),
    }


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
