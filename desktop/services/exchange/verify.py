"""Check an audit export offline: no office database, no passphrase, no network.

Everything is checked and every mismatch is named (a file, a record, a receipt), so an
auditor sees the whole extent of a problem rather than the first of it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from desktop.services.exchange.export import FORMAT, MANIFEST, SIGNATURE
from desktop.store.chain import entry_hash, genesis_hash
from forms.canonical import content_hash
from sync import errors as sync_errors
from sync.keys import key_id
from sync.receipts import verify_checkpoint, verify_receipt
from sync.trust import ProvinceTrust


@dataclass
class VerifyReport:
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (where, zh, en)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, zh: str, en: str) -> None:
        self.problems.append((where, zh, en))


def verify_export(folder: Path) -> VerifyReport:
    """Verify the export in ``folder``; the report lists every problem found."""
    report = VerifyReport()
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    try:
        manifest_bytes = manifest_path.read_bytes()
        manifest = json.loads(manifest_bytes)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError("not an anhui-collect export manifest")
    except (OSError, ValueError) as exc:
        report.add(MANIFEST, f"清单无法读取：{exc}", f"manifest cannot be read: {exc}")
        return report
    device = _device_key(folder, report)
    _check_signature(folder, manifest_bytes, manifest, device, report)
    _check_files(folder, manifest, report)
    versions = _check_history(folder, manifest, report)
    _check_records(folder, manifest, versions, report)
    _check_sync(folder, device, versions, report)
    return report


def _read(folder: Path, rel: str, report: VerifyReport) -> bytes | None:
    try:
        return (folder / rel).read_bytes()
    except OSError:
        return None  # already reported as missing by the file check


def _device_key(folder: Path, report: VerifyReport) -> Ed25519PublicKey | None:
    try:
        key = load_pem_public_key((folder / "keys/device.pem").read_bytes())
    except (OSError, ValueError) as exc:
        report.add("keys/device.pem", f"设备公钥无法读取：{exc}", f"device public key unreadable: {exc}")
        return None
    if not isinstance(key, Ed25519PublicKey):
        report.add("keys/device.pem", "设备公钥不是 Ed25519 密钥", "device public key is not Ed25519")
        return None
    return key


def _check_signature(folder: Path, manifest_bytes: bytes, manifest: dict[str, Any], device: Ed25519PublicKey | None, report: VerifyReport) -> None:
    if device is None:
        return
    try:
        device.verify((folder / SIGNATURE).read_bytes(), manifest_bytes)
    except OSError:
        report.add(SIGNATURE, "清单签名文件缺失", "manifest signature file is missing")
    except InvalidSignature:
        report.add(SIGNATURE, "清单签名不符：清单被改动或不是此设备签发", "manifest signature does not verify: altered or not signed by this device")
    if manifest.get("device", {}).get("key_id") != key_id(device):
        report.add("keys/device.pem", "设备公钥与清单记载的不一致", "device key differs from the one the manifest names")


def _check_files(folder: Path, manifest: dict[str, Any], report: VerifyReport) -> None:
    raw = manifest.get("files")
    files: dict[str, Any] = raw if isinstance(raw, dict) else {}
    for rel, meta in sorted(files.items()):
        path = folder / rel
        if ".." in Path(rel).parts or not path.is_file():
            report.add(rel, "文件缺失", "file is missing")
            continue
        data = path.read_bytes()
        if len(data) != meta.get("size") or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            report.add(rel, "文件内容与清单记载的哈希不符（被改动）", "file does not match its hash in the manifest (altered)")
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    for extra in sorted(present - set(files) - {MANIFEST, SIGNATURE}):
        report.add(extra, "清单中没有此文件（被添加）", "file is not in the manifest (added)")
    report.checked["files"] = len(files)


def _jsonl(folder: Path, rel: str, report: VerifyReport) -> list[dict[str, Any]]:
    data = _read(folder, rel, report)
    rows = []
    for n, line in enumerate((data or b"").splitlines(), start=1):
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
            rows.append(row)
        except ValueError:
            report.add(f"{rel}:{n}", "该行不是合法 JSON", "line is not valid JSON")
    return rows


def _check_history(folder: Path, manifest: dict[str, Any], report: VerifyReport) -> dict[str, dict[str, Any]]:
    versions: dict[str, dict[str, Any]] = {}
    for v in _jsonl(folder, "history/versions.jsonl", report):
        vid = str(v.get("version_id"))
        try:
            ok = content_hash(v["form_id"], v["form_version"], v["data"]) == v["content_hash"]
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            report.add(f"版本 {vid}（记录 {v.get('record_id')}）", "内容与其哈希不符", "content does not match its hash")
        versions[vid] = v
    prev = genesis_hash(str(manifest.get("office", {}).get("office_id")))
    seq = 0
    for h in _jsonl(folder, "history/chain.jsonl", report):
        seq += 1
        where = f"历史 {h.get('seq')}（记录 {h.get('record_id')}）"
        version = versions.get(str(h.get("version_id")))
        try:
            digest = entry_hash(dict(h, content_hash=version["content_hash"] if version else None))
        except KeyError:
            digest = ""
        if h.get("seq") != seq or h.get("prev_hash") != prev or digest != h.get("entry_hash"):
            report.add(where, "历史链断开：条目被改动、删除或重排", "history chain broken: entry altered, removed or reordered")
            break
        prev = h["entry_hash"]
    head = manifest.get("history_head", {})
    if report.ok and (head.get("seq") != seq or head.get("hash") != prev):
        report.add("history/chain.jsonl", "历史链末端与清单不符（历史被截短）", "history head differs from the manifest (truncated)")
    report.checked["versions"], report.checked["history"] = len(versions), seq
    return versions


def _check_records(folder: Path, manifest: dict[str, Any], versions: dict[str, dict[str, Any]], report: VerifyReport) -> None:
    counts = manifest.get("counts", {}).get("records", {})
    for form_id, expected in sorted(counts.items()):
        rows = _jsonl(folder, f"records/{form_id}.jsonl", report)
        for row in rows:
            version = versions.get(str(row.get("version_id")))
            try:
                ok = version is not None and content_hash(form_id, row["form_version"], row["data"]) == row["content_hash"] == version["content_hash"]
            except (KeyError, TypeError, ValueError):
                ok = False
            if not ok:
                report.add(f"记录 {row.get('record_id')}（{form_id}）", "记录与其版本历史不符", "record does not match its version history")
        if len(rows) != expected:
            report.add(f"records/{form_id}.jsonl", f"记录数 {len(rows)} 与清单的 {expected} 不符", f"{len(rows)} records, manifest says {expected}")
        report.checked[f"records:{form_id}"] = len(rows)


def _province_trust(folder: Path) -> ProvinceTrust:
    keys = []
    for pem in sorted(folder.glob("keys/province-*.pem")):
        key = load_pem_public_key(pem.read_bytes())
        if isinstance(key, Ed25519PublicKey):
            keys.append(key)
    return ProvinceTrust(keys)


def _check_sync(folder: Path, device: Ed25519PublicKey | None, versions: dict[str, dict[str, Any]], report: VerifyReport) -> None:
    receipts = sorted(folder.glob("sync/receipts/*.json"))
    if not receipts:
        return
    try:
        trust = _province_trust(folder)
    except ValueError as exc:
        report.add("keys/", f"省级公钥无法读取：{exc}", f"province keys unreadable: {exc}")
        return
    for path in receipts:
        rel = str(path.relative_to(folder))
        sequence = path.stem.rsplit("-", 1)[-1]
        batch = _read(folder, f"sync/batches/{sequence}.json", report)
        try:
            # A compact receipt names versions by their place in the batch: checked together.
            receipt, _ = verify_receipt(path.read_bytes(), trust.lookup, batch_envelope=batch)
        except sync_errors.SyncError as exc:
            report.add(rel, f"回执验证失败：{exc}", f"receipt does not verify: {exc}")
            continue
        for accepted in receipt.accepted:
            version = versions.get(accepted.version_id)
            if version is None or version["content_hash"] != accepted.content_hash:
                report.add(f"{rel}：版本 {accepted.version_id}", "省里收到的版本与导出的历史不符", "the version the province received differs from the exported history")
    checkpoint = _read(folder, "sync/checkpoint.json", report)
    if checkpoint is not None:
        try:
            verify_checkpoint(checkpoint, trust.lookup)
        except sync_errors.SyncError as exc:
            report.add("sync/checkpoint.json", f"检查点签名无效：{exc}", f"checkpoint does not verify: {exc}")
    report.checked["receipts"] = len(receipts)
