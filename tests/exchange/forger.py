"""A capable forger of audit exports, for the tests that must catch one.

It has the office's own device key and this project's code: it changes versions, records,
history and batches, rebuilds every hash chain, regenerates the tables and the manifest from
the changed data with the export's own writers, and signs the manifest again. What it does
not have is the province's key, and what the province signed can only be dropped or forged.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.services.checking import default_checker
from desktop.services.exchange.export import MANIFEST, SIGNATURE, WORKBOOK
from desktop.services.exchange.files import ExportFolder
from desktop.services.exchange.sheets import Workbook, sheet_csv_name
from desktop.services.exchange.tables import group_rows, main_row, sheets_of
from desktop.store.chain import entry_hash, genesis_hash
from forms.canonical import canonical_json, content_hash
from sync import dsse, merkle
from sync.compact import BATCH_V2_TYPE, RECEIPT_V2_TYPE, CompactEntry, gunzip
from sync.encoding import canonical_json as wire_json
from sync.encoding import parse_json_object
from sync.protocol import (
    CHECKPOINT_TYPE,
    RECEIPT_TYPE,
    Accepted,
    BatchPayload,
    Checkpoint,
    LogEntry,
    Receipt,
)
from sync.receipts import MAX_BATCH_BYTES, batch_hash


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_bytes(b"".join(canonical_json(r) + b"\n" for r in rows))


class Forger:
    def __init__(self, folder: Path, key: Ed25519PrivateKey) -> None:
        self.folder, self.key = folder, key
        self.manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        self.versions = read_jsonl(folder / "history/versions.jsonl")
        self.chain = read_jsonl(folder / "history/chain.jsonl")
        self.forms = list(self.manifest["filters"]["forms"])
        self.records = {f: read_jsonl(folder / f"records/{f}.jsonl") for f in self.forms}

    # -- changes ----------------------------------------------------------------------
    def version(self, version_id: str) -> dict[str, Any]:
        return next(v for v in self.versions if v["version_id"] == version_id)

    def edit_version(self, version_id: str, **data: Any) -> None:
        """Change a version's data everywhere it appears, with its hash recomputed."""
        v = self.version(version_id)
        v["data"] = {**v["data"], **data}
        v["content_hash"] = content_hash(v["form_id"], v["form_version"], v["data"])
        for rows in self.records.values():
            for r in rows:
                if r["version_id"] == version_id:
                    r["data"], r["content_hash"] = v["data"], v["content_hash"]

    def remove_record(self, record_id: str) -> None:
        self.versions = [v for v in self.versions if v["record_id"] != record_id]
        self.chain = [h for h in self.chain if h["record_id"] != record_id]
        for form, rows in self.records.items():
            self.records[form] = [r for r in rows if r["record_id"] != record_id]

    def show_version(self, record_id: str, version_id: str) -> None:
        """Show an older version of a record as its current one."""
        v = self.version(version_id)
        for rows in self.records.values():
            for r in rows:
                if r["record_id"] == record_id:
                    r.update(version_id=v["version_id"], number=v["number"], content_hash=v["content_hash"], data=v["data"])

    # -- rebuilding -------------------------------------------------------------------
    def rebuild(self, *, tables: bool = True) -> None:
        """Rewrite history, records and tables from the changed data (hashes recomputed)."""
        hashes = {v["version_id"]: v["content_hash"] for v in self.versions}
        prev = genesis_hash(self.manifest["office"]["office_id"])
        for seq, h in enumerate(self.chain, start=1):
            h.update(seq=seq, prev_hash=prev)
            h["entry_hash"] = prev = entry_hash(dict(h, content_hash=hashes.get(h["version_id"])))
        self.manifest["history_head"] = {"seq": len(self.chain), "hash": prev}
        write_jsonl(self.folder / "history/versions.jsonl", self.versions)
        write_jsonl(self.folder / "history/chain.jsonl", self.chain)
        for form_id, rows in self.records.items():
            write_jsonl(self.folder / f"records/{form_id}.jsonl", rows)
            self.manifest["counts"]["records"][form_id] = len(rows)
        self.manifest["counts"]["versions"], self.manifest["counts"]["history"] = len(self.versions), len(self.chain)
        if tables:
            self.write_tables()

    def write_tables(self) -> None:
        registry = default_checker(None).registry
        (self.folder / WORKBOOK).unlink()
        book = Workbook(ExportFolder(self.folder), WORKBOOK)
        for form_id in self.forms:
            form = registry.form(form_id)
            sheets = sheets_of(form)
            writers = [book.add_sheet(s, sheet_csv_name(form_id, s)) for s in sheets]
            for r in self.records[form_id]:
                writers[0].append(main_row(form, sheets[0], r, r["data"]))
                for s, w in zip(sheets[1:], writers[1:], strict=True):
                    for row in group_rows(form, s, r["record_id"], r["data"]):
                        w.append(row)
        book.close()

    def sign(self) -> None:
        """The manifest over every file as it now is, signed with the forger's key."""
        files = {}
        for path in sorted(self.folder.rglob("*")):
            rel = path.relative_to(self.folder).as_posix()
            if path.is_file() and rel not in (MANIFEST, SIGNATURE):
                data = path.read_bytes()
                files[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        self.manifest["files"] = files
        data = json.dumps(self.manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
        (self.folder / MANIFEST).write_bytes(data)
        (self.folder / SIGNATURE).write_bytes(self.key.sign(data))


def batch_json(envelope: bytes) -> dict[str, Any]:
    """The payload of a batch of either protocol version, as JSON."""
    parsed = dsse.parse(envelope)
    return parse_json_object(gunzip(parsed.payload, MAX_BATCH_BYTES) if parsed.payload_type == BATCH_V2_TYPE else parsed.payload)


def sign_batch(payload: dict[str, Any], payload_type: str, key: Ed25519PrivateKey) -> bytes:
    """A batch envelope of ``payload_type``'s version over ``payload``, signed by ``key``."""
    body = wire_json(payload)
    return dsse.sign_bytes(gzip.compress(body) if payload_type == BATCH_V2_TYPE else body, payload_type, [key])


def accepted_version_ids(folder: Path) -> set[str]:
    """Every version a receipt in the export accepts (a compact receipt expanded with its batch)."""
    accepted: set[str] = set()
    for path in sorted(folder.glob("sync/receipts/*.json")):
        envelope = dsse.parse(path.read_bytes())
        obj = parse_json_object(envelope.payload)
        if envelope.payload_type == RECEIPT_V2_TYPE:
            batch = (folder / f"sync/batches/{obj['entry']['sequence']:06d}.json").read_bytes()
            entry = CompactEntry.from_json(obj["entry"]).expand(BatchPayload.from_json(batch_json(batch), version=2))
        else:
            entry = LogEntry.from_json(obj["entry"])
        accepted |= {a.version_id for a in entry.accepted}
    return accepted


def forge_receipt(batch: bytes, key: Ed25519PrivateKey) -> bytes:
    """A receipt for ``batch`` signed by ``key``, as a forger holding some other key would make it."""
    payload = BatchPayload.from_json(batch_json(batch), version=2 if dsse.parse(batch).payload_type == BATCH_V2_TYPE else 1)
    accepted = tuple(Accepted(v.version_id, v.record_id, v.content_hash, False) for v in payload.versions)
    entry = LogEntry(payload.batch_id, payload.device_id, "340104", payload.sequence, batch_hash(batch),
                     "2025-01-01T00:00:00.000000Z", accepted, ())
    root = merkle.leaf_hash(entry.leaf())
    checkpoint = dsse.sign(wire_json(Checkpoint("forged-log", 1, root.hex(), entry.received_at).to_json()),
                           CHECKPOINT_TYPE, [key])
    return dsse.sign_bytes(wire_json(Receipt(entry, 0, checkpoint, ()).to_json()), RECEIPT_TYPE, [key])
