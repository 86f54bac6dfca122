"""Devices, enrollment codes (with a printable QR code), batches, receipts and the log head."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from forms.text import clean_text
from province import actions, log
from province.context import Province
from province.db import Tx
from province.enrollment import issue_code, revoke_device
from sync import dsse
from sync.errors import NotFound

BATCH_PAGE = 50
MAX_HOURS = 24 * 30


class DeviceError(ValueError):
    """A refused device action; the message is a key of the console's texts."""


def overview(province: Province) -> list[dict[str, Any]]:
    """Every device with its org unit, state, batches and last sync, by org unit (a device's
    batches are numbered from 1 without gaps, so it has sent one fewer than its next number)."""
    rows = province.db.run(lambda tx: tx.rows(
        "SELECT d.device_id, d.org_unit, d.label, d.enrolled_at, d.revoked_at, d.revoke_reason, "
        "d.next_sequence - 1, (SELECT MAX(b.received_at) FROM batches b WHERE b.device_id = "
        "d.device_id) FROM devices d ORDER BY d.org_unit, d.enrolled_at"), write=False)
    keys = ("device_id", "org_unit", "label", "enrolled_at", "revoked_at", "revoke_reason",
            "batches", "last_sync")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def codes(province: Province, limit: int = 50) -> list[dict[str, Any]]:
    """The newest enrollment codes issued (never the codes themselves: only hashes are kept)."""
    rows = province.db.run(lambda tx: tx.rows(
        "SELECT org_unit, created_at, expires_at, used_at, device_id FROM enrollment_codes "
        "ORDER BY created_at DESC LIMIT ?", [limit]), write=False)
    keys = ("org_unit", "created_at", "expires_at", "used_at", "device_id")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _qr_data_uri(text: str) -> str:
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def issue(province: Province, org_unit: str, hours: str, actor: str,
          endpoint: str) -> dict[str, Any]:
    """Issue a one-time enrollment code for a known org unit, with its QR code; logged."""
    registry = province.validator.registry()
    if registry.org_unit(org_unit) is None:
        raise DeviceError("unknown_org_unit")
    try:
        expires_hours = float(hours)
    except ValueError:
        raise DeviceError("bad_hours") from None
    if not 0 < expires_hours <= MAX_HOURS:
        raise DeviceError("bad_hours")
    code, expires = issue_code(province, org_unit, expires_hours)
    province.db.run(lambda tx: actions.record(
        tx, actor, "code.issue", org_unit, "", {"expires_at": expires}))
    payload = json.dumps({"endpoint": endpoint, "code": code,
                          "province_key_id": province.key_id}, separators=(",", ":"))
    return {"code": code, "org_unit": org_unit, "expires_at": expires, "endpoint": endpoint,
            "province_key_id": province.key_id, "qr": _qr_data_uri(payload)}


def revoke(province: Province, device_id: str, reason: str, actor: str) -> None:
    """Revoke a device (a reason is required); logged."""
    reason = clean_text(reason, multiline=True)
    if not reason:
        raise DeviceError("reason_required")
    try:
        revoke_device(province, device_id, reason[:500])
    except NotFound:
        raise DeviceError("not_found") from None
    province.db.run(lambda tx: actions.record(tx, actor, "device.revoke", device_id, reason, {}))


def _payload(envelope: bytes) -> dict[str, Any]:
    parsed = dsse.parse(envelope)
    return dict(json.loads(parsed.payload))


def batches(province: Province, before: int | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A page of batches, newest first, and the current signed checkpoint."""

    def work(tx: Tx) -> tuple[list[tuple[Any, ...]], bytes]:
        sql = ("SELECT b.log_index, b.batch_id, b.device_id, d.org_unit, b.sequence, "
               "b.received_at, b.accepted, b.rejected FROM batches b JOIN devices d ON "
               "d.device_id = b.device_id")
        params: list[Any] = []
        if before is not None:
            sql += " WHERE b.log_index < ?"
            params.append(before)
        rows = tx.rows(sql + " ORDER BY b.log_index DESC LIMIT ?", [*params, BATCH_PAGE])
        return rows, log.latest_checkpoint(tx, province.signer)

    rows, checkpoint = province.db.run(work, write=False)
    keys = ("log_index", "batch_id", "device_id", "org_unit", "sequence", "received_at",
            "accepted", "rejected")
    head = _payload(checkpoint)
    head["key_id"] = dsse.parse(checkpoint).signatures[0][0]
    head["envelope"] = checkpoint.decode()
    return [dict(zip(keys, r, strict=True)) for r in rows], head


def batch(province: Province, batch_id: str) -> dict[str, Any] | None:
    """One batch: its receipt (accepted and rejected versions with reasons) and log position."""
    row = province.db.run(lambda tx: tx.one(
        "SELECT b.batch_id, b.device_id, d.org_unit, b.sequence, b.batch_hash, b.received_at, "
        "b.log_index, b.accepted, b.rejected, b.receipt FROM batches b JOIN devices d ON "
        "d.device_id = b.device_id WHERE b.batch_id = ?", [batch_id]), write=False)
    if row is None:
        return None
    keys = ("batch_id", "device_id", "org_unit", "sequence", "batch_hash", "received_at",
            "log_index", "accepted", "rejected")
    out = dict(zip(keys, row[:-1], strict=True))
    receipt = _payload(bytes(row[-1]))
    out["receipt_key_id"] = dsse.parse(bytes(row[-1])).signatures[0][0]
    out["receipt"] = receipt
    out["receipt_envelope"] = bytes(row[-1]).decode()
    return out
