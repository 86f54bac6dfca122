"""Evidence files the province holds: each device's uploads, and whether a version may name one.

Each device uploads into its own upload of a file (device, SHA-256; see province.uploads):
another device's chunks can never land in it, and the same file from two devices is two
uploads. A version naming a file is accepted only once its own device's upload of that file
is complete, with the size and media type the version names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from forms.attachments import named_attachments
from province.db import Tx
from sync.protocol import Reason, RecordVersion


def list_uploads(province: Any, device_id: str | None = None) -> list[dict[str, Any]]:
    """Every upload (complete or not), newest first, optionally of one device."""
    where, params = ("WHERE device_id = ?", [device_id]) if device_id else ("", [])
    rows = province.db.run(lambda tx: tx.rows(
        "SELECT sha256, device_id, size, media_type, received, started_at, completed_at "
        f"FROM attachment_uploads {where} ORDER BY started_at DESC, sha256", params), write=False)
    keys = ("sha256", "device_id", "size", "media_type", "received", "started_at", "completed_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def prune_uploads(province: Any, started_before: str) -> int:
    """Drop the unfinished uploads started before ``started_before`` (UTC, ISO); how many."""

    def work(tx: Tx) -> int:
        stale = tx.rows("SELECT device_id, sha256 FROM attachment_uploads WHERE completed_at IS NULL "
                        "AND started_at < ?", [started_before])
        for device_id, sha256 in stale:
            tx.execute("DELETE FROM attachment_chunks WHERE device_id = ? AND sha256 = ?", [device_id, sha256])
            tx.execute("DELETE FROM attachment_uploads WHERE device_id = ? AND sha256 = ?", [device_id, sha256])
        return len(stale)

    return int(province.db.run(work))


def complete_file(tx: Tx, sha256: str) -> tuple[bytes, str] | None:
    """A file some device uploaded whole (its bytes hashed again here), with its media type."""
    found = tx.one("SELECT device_id, media_type FROM attachment_uploads WHERE sha256 = ? "
                   "AND completed_at IS NOT NULL ORDER BY completed_at LIMIT 1", [sha256])
    if found is None:
        return None
    content = b"".join(stored_chunks(tx, found[0], sha256))
    if hashlib.sha256(content).hexdigest() != sha256:
        raise ValueError(f"数据库中哈希为 {sha256} 的附件与其哈希不符：数据库被改动或已损坏，请从备份恢复。")
    return content, found[1]


def stored_chunks(tx: Tx, device_id: str, sha256: str) -> Iterator[bytes]:
    """The bytes of a device's upload of a file, chunk by chunk, in order."""
    for (data,) in tx.rows("SELECT data FROM attachment_chunks WHERE device_id = ? AND sha256 = ? "
                           "ORDER BY chunk_offset", [device_id, sha256]):
        yield bytes(data)


def complete_uploads(tx: Tx, device_id: str, hashes: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Of ``hashes``, the files this device's complete uploads hold: hash -> (size, media type)."""
    found: dict[str, tuple[int, str]] = {}
    unique = sorted(set(hashes))
    for start in range(0, len(unique), 500):
        part = unique[start:start + 500]
        marks = ",".join("?" * len(part))
        for sha256, size, media_type in tx.rows(
                f"SELECT sha256, size, media_type FROM attachment_uploads WHERE device_id = ? "
                f"AND completed_at IS NOT NULL AND sha256 IN ({marks})", [device_id, *part]):
            found[sha256] = (size, media_type)
    return found


def missing_attachments(tx: Tx, device_id: str, versions: Sequence[RecordVersion],
                        registry: Any) -> dict[int, list[Reason]]:
    """Why each version that names a file this device has not uploaded whole (with the size
    and media type the version says) cannot be accepted yet, by position in the batch."""
    named: dict[int, list[dict[str, Any]]] = {}
    for i, v in enumerate(versions):
        try:
            form = registry.form(v.form_id, v.form_version)
        except Exception:  # an unknown form is refused by validation already
            continue
        entries = named_attachments(form, v.data)
        if entries:
            named[i] = entries
    if not named:
        return {}
    held = complete_uploads(tx, device_id, [e["sha256"] for entries in named.values() for e in entries])
    reasons: dict[int, list[Reason]] = {}
    for i, entries in named.items():
        for e in entries:
            if held.get(str(e.get("sha256"))) != (e.get("size"), e.get("media_type")):
                reasons.setdefault(i, []).append(Reason(
                    "", "attachment_missing",
                    f"附件“{e.get('name')}”尚未完整上传到省平台，或与记录所写的大小、类型不符。",
                    f"The attachment '{e.get('name')}' has not been uploaded whole, or differs from "
                    "the size or type the record names."))
    return reasons
