"""What the admin commands read: devices, batches, records, and the province-wide export."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path
from typing import Any

from province import log, signing
from province.context import Province
from province.db import Tx
from sync.encoding import canonical_json, sha256_hex
from sync.fsutil import write_atomic
from sync.protocol import payload_type

EXPORT_MANIFEST_TYPE = payload_type("export-manifest")


def list_devices(province: Province) -> list[dict[str, Any]]:
    """Every device with its org unit, state, next sequence and current key."""
    rows = province.db.run(lambda tx: tx.rows(
        "SELECT d.device_id, d.org_unit, d.label, d.enrolled_at, d.revoked_at, d.next_sequence, "
        "(SELECT COUNT(*) FROM batches b WHERE b.device_id = d.device_id), "
        "(SELECT k.key_id FROM device_keys k WHERE k.device_id = d.device_id "
        " AND k.retired_from_sequence IS NULL) "
        "FROM devices d ORDER BY d.enrolled_at"), write=False)
    keys = ("device_id", "org_unit", "label", "enrolled_at", "revoked_at", "next_sequence",
            "batches", "key_id")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def list_batches(province: Province, device_id: str | None = None) -> list[dict[str, Any]]:
    """Received batches, oldest first."""
    sql = ("SELECT batch_id, device_id, sequence, received_at, log_index, accepted, rejected, "
           "batch_hash FROM batches")
    params: list[Any] = []
    if device_id:
        sql += " WHERE device_id = ?"
        params.append(device_id)
    rows = province.db.run(lambda tx: tx.rows(sql + " ORDER BY log_index", params), write=False)
    keys = ("batch_id", "device_id", "sequence", "received_at", "log_index", "accepted",
            "rejected", "batch_hash")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _records(tx: Tx, org_unit: str | None = None, form_id: str | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT r.record_id, r.org_unit, r.form_id, v.form_version, v.version_id, "
           "v.content_hash, v.status, v.received_at, r.returned_version_id, r.return_reason, "
           "v.data, (SELECT COUNT(*) FROM record_versions x WHERE x.record_id = r.record_id) "
           "FROM records r JOIN record_versions v ON v.version_id = r.current_version_id")
    where, params = [], []
    if org_unit:
        where.append("r.org_unit = ?")
        params.append(org_unit)
    if form_id:
        where.append("r.form_id = ?")
        params.append(form_id)
    if where:
        sql += " WHERE " + " AND ".join(where)
    out = []
    for r in tx.rows(sql + " ORDER BY r.org_unit, r.form_id, r.record_id", params):
        out.append({
            "record_id": r[0], "org_unit": r[1], "form_id": r[2], "form_version": r[3],
            "version_id": r[4], "content_hash": r[5], "office_status": r[6], "received_at": r[7],
            "state": "returned" if r[8] == r[4] else "received",
            "return_reason": r[9] if r[8] == r[4] else None,
            "versions": r[11], "data": json.loads(r[10]),
        })
    return out


def list_records(province: Province, org_unit: str | None = None,
                 form_id: str | None = None) -> list[dict[str, Any]]:
    """Each record's current version; ``state`` is "returned" while the return is unanswered."""
    return province.db.run(lambda tx: _records(tx, org_unit, form_id), write=False)


def rejections(province: Province, batch_id: str) -> list[dict[str, Any]] | None:
    """The rejected versions of one batch with their reasons; None when no such batch came."""

    def read(tx: Any) -> list[Any] | None:
        if not tx.rows("SELECT 1 FROM batches WHERE batch_id = ?", [batch_id]):
            return None
        return tx.rows("SELECT version_id, record_id, reasons FROM rejections WHERE batch_id = ? "
                       "ORDER BY position", [batch_id])

    rows = province.db.run(read, write=False)
    if rows is None:
        return None
    return [{"version_id": r[0], "record_id": r[1], "reasons": json.loads(r[2])} for r in rows]


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    # UTF-8 with a BOM: Excel on Chinese Windows otherwise guesses GBK and garbles the text.
    columns = ["record_id", "org_unit", "form_id", "form_version", "version_id", "state",
               "received_at"]
    fields = sorted({k for r in rows for k in r["data"]})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns + fields)
    for r in rows:
        values = [r["data"].get(k) for k in fields]
        writer.writerow([r[c] for c in columns] + [
            json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else
            ("" if v is None else v) for v in values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _jsonl(items: list[Any]) -> bytes:
    return b"".join(canonical_json(i) + b"\n" for i in items)


def export(province: Province, folder: Path) -> dict[str, str]:
    """Write a consistent snapshot of everything the province holds; return file hashes.

    The manifest of SHA-256 hashes is signed by the province key (``manifest.dsse.json``),
    so an auditor can check the files offline against the province's published key.
    """
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"导出文件夹 {folder} 不是空的，不会覆盖其中的文件")

    def snapshot(tx: Tx) -> dict[str, bytes]:
        if province.db.dialect == "postgres":
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        records = _records(tx)
        files: dict[str, bytes] = {"records.jsonl": _jsonl(records)}
        for form_id in sorted({r["form_id"] for r in records}):
            files[f"records-{form_id}.csv"] = _csv_bytes(
                [r for r in records if r["form_id"] == form_id])
        versions = tx.rows("SELECT v.version_id, v.record_id, v.form_id, v.form_version, "
                           "v.org_unit, v.status, v.data, v.content_hash, v.batch_id, "
                           "v.device_id, v.received_at, b.log_index FROM record_versions v "
                           "JOIN batches b ON b.batch_id = v.batch_id "
                           "ORDER BY b.log_index, v.version_id")
        vkeys = ("version_id", "record_id", "form_id", "form_version", "org_unit", "status",
                 "data", "content_hash", "batch_id", "device_id", "received_at", "log_index")
        files["versions.jsonl"] = _jsonl([
            {**dict(zip(vkeys, v, strict=True)), "data": json.loads(v[6])} for v in versions])
        batch_rows = tx.rows("SELECT batch_id, device_id, sequence, batch_hash, received_at, "
                             "log_index, envelope, receipt FROM batches ORDER BY log_index")
        files["batches.jsonl"] = _jsonl([{
            "batch_id": b[0], "device_id": b[1], "sequence": b[2], "batch_hash": b[3],
            "received_at": b[4], "log_index": b[5],
            "envelope": base64.b64encode(bytes(b[6])).decode(),
            "receipt": base64.b64encode(bytes(b[7])).decode()} for b in batch_rows])
        files["log.jsonl"] = _jsonl([
            {"index": e[0], "leaf": base64.b64encode(bytes(e[1])).decode(),
             "leaf_hash": bytes(e[2]).hex()}
            for e in tx.rows("SELECT log_index, leaf, leaf_hash FROM log_entries "
                             "ORDER BY log_index")])
        files["checkpoint.dsse.json"] = log.latest_checkpoint(tx, province.signer)
        files["province-keys.json"] = canonical_json(signing.keys_reply(tx))
        files["devices.jsonl"] = _jsonl([
            dict(zip(("device_id", "org_unit", "label", "enrolled_at", "revoked_at"), d,
                     strict=True))
            for d in tx.rows("SELECT device_id, org_unit, label, enrolled_at, revoked_at "
                             "FROM devices ORDER BY device_id")])
        files["updates.jsonl"] = _jsonl([
            json.loads(bytes(u[0])) for u in tx.rows(
                "SELECT envelope FROM updates ORDER BY update_id")])
        return files

    files = province.db.run(snapshot, write=False)
    hashes = {name: sha256_hex(data) for name, data in sorted(files.items())}
    manifest = {"protocol": 1, "created_by": "anhui-province export", "files": hashes}
    files["manifest.json"] = canonical_json(manifest)
    files["manifest.dsse.json"] = province.signer.sign(manifest, EXPORT_MANIFEST_TYPE).to_bytes()
    for name, data in files.items():
        write_atomic(folder / name, data, mode=0o600)
    return hashes
