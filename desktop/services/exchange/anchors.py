"""Where an export's trust comes from: a province key the auditor brings, and what it signed.

From the pinned province key: the province's key rotation statements (followed in both
directions, each signed by both keys), the province-signed enrollment binding the device,
its org unit and its first key, every device key rotation (signed by old and new key), and
the chain-head statement. Nothing in the folder is trusted because it is there: a key found
in the folder is only a candidate until a statement signed by a trusted key vouches for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from desktop.services.exchange.report import VerifyReport
from sync import dsse
from sync.chainhead import ChainHead, verify_chain_head
from sync.control import (
    DEVICE_KEY_ROTATION_TYPE,
    ENROLLMENT_TYPE,
    PROVINCE_KEY_ROTATION_TYPE,
    DeviceKeyRotation,
    Enrollment,
    ProvinceKeyRotation,
)
from sync.encoding import DecodeError, parse_json_object
from sync.errors import ProtocolError, SyncError
from sync.keys import key_id, public_key_from_b64
from sync.protocol import Checkpoint

KEY_ID = re.compile(r"^[0-9a-f]{64}$")
MAX_KEY_FILE = 1 << 16


class PinError(ValueError):
    """The --province-key argument names no usable key."""


@dataclass
class Anchors:
    """What the export's province-signed statements establish."""

    trusted: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    anchored: bool = False
    enrollment: Enrollment | None = None
    device_keys: list[tuple[int, Ed25519PublicKey]] = field(default_factory=list)
    """(from sequence, key) in order: the device key valid for each batch sequence."""
    head: ChainHead | None = None
    head_checkpoint: Checkpoint | None = None

    def lookup(self, keyid: str) -> Ed25519PublicKey | None:
        return self.trusted.get(keyid)

    def device_key_at(self, sequence: int) -> Ed25519PublicKey | None:
        found = None
        for start, key in self.device_keys:
            if start <= sequence:
                found = key
        return found


def read_pem(path: Path) -> Ed25519PublicKey | None:
    try:
        if path.stat().st_size > MAX_KEY_FILE:
            return None
        key = load_pem_public_key(path.read_bytes())
    except (OSError, ValueError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def pinned_key(spec: str, candidates: dict[str, Ed25519PublicKey]) -> Ed25519PublicKey:
    """The key ``--province-key`` names: a PEM file, or a key id found among the candidates."""
    text = spec.strip().lower()
    if KEY_ID.match(text):
        if text not in candidates:
            raise PinError(text)
        return candidates[text]
    key = read_pem(Path(spec))
    if key is None:
        raise PinError(spec)
    return key


def _envelope_file(folder: Path, rel: str) -> bytes | None:
    try:
        return (folder / rel).read_bytes()
    except OSError:
        return None


def _province_rotations(folder: Path, report: VerifyReport) -> list[tuple[str, dsse.Envelope, ProvinceKeyRotation]]:
    found = []
    for path in sorted(folder.glob("keys/province-rotation-*.json")):
        rel = str(path.relative_to(folder))
        try:
            envelope = dsse.parse(path.read_bytes())
            body = ProvinceKeyRotation.from_json(parse_json_object(envelope.payload))
            found.append((rel, envelope, body))
        except (OSError, ProtocolError, DecodeError) as exc:
            report.add(rel, f"省级密钥轮换声明无法读取：{exc}", f"province key rotation statement unreadable: {exc}")
    return found


def _candidates(folder: Path, enrollment: bytes | None, rotations: list) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for path in sorted(folder.glob("keys/province-*.pem")):
        key = read_pem(path)
        if key is not None:
            keys[key_id(key)] = key
    for _rel, _env, body in rotations:
        try:
            new = public_key_from_b64(body.new_public_key)
            keys[key_id(new)] = new
        except (ValueError, DecodeError):
            pass
    if enrollment is not None:
        try:
            body = Enrollment.from_json(parse_json_object(dsse.parse(enrollment).payload))
            key = public_key_from_b64(body.province_public_key)
            keys[key_id(key)] = key
        except (ProtocolError, DecodeError, ValueError):
            pass
    return keys


def _published_keys(province_export: Path | None, report: VerifyReport) -> tuple[list, dict[str, Ed25519PublicKey]]:
    """The rotation statements and keys in a province export's ``province-keys.json``.

    A province that rotated its key after the office last synced has statements the office
    never saw; each is signed by both keys, so where it comes from does not matter.
    """
    if province_export is None:
        return [], {}
    rel = f"{province_export}/province-keys.json"
    rotations, keys = [], {}
    try:
        published = parse_json_object((province_export / "province-keys.json").read_bytes())
        for item in published.get("keys") or []:
            key = public_key_from_b64(item["public_key"])
            keys[key_id(key)] = key
        for n, item in enumerate(published.get("rotations") or []):
            envelope = dsse.parse(item)
            rotations.append((f"{rel}:rotations[{n}]", envelope,
                              ProvinceKeyRotation.from_json(parse_json_object(envelope.payload))))
    except (OSError, ProtocolError, DecodeError, ValueError, KeyError, TypeError) as exc:
        report.add(rel, f"省级公钥列表无法读取：{exc}", f"province key list unreadable: {exc}")
    return rotations, keys


def province_trust(folder: Path, pin: str | None, report: VerifyReport, province_export: Path | None = None) -> Anchors:
    """Start from the pinned key (or, unanchored, the key the enrollment names) and follow
    the rotation statements it can verify (the export's, and the province export's if given)."""
    anchors = Anchors()
    enrollment = _envelope_file(folder, "keys/enrollment.json")
    published, published_keys = _published_keys(province_export, report)
    rotations = _province_rotations(folder, report) + published
    candidates = {**published_keys, **_candidates(folder, enrollment, rotations)}
    root: Ed25519PublicKey | None
    if pin is not None:
        root = pinned_key(pin, candidates)
        anchors.anchored = True
    else:
        root = _enrolled_province_key(enrollment)
        if root is None:
            return anchors
    anchors.trusted[key_id(root)] = root
    report.trusted_key_id = key_id(root)
    _follow_rotations(anchors, rotations, candidates, report)
    return anchors


def _enrolled_province_key(enrollment: bytes | None) -> Ed25519PublicKey | None:
    if enrollment is None:
        return None
    try:
        body = Enrollment.from_json(parse_json_object(dsse.parse(enrollment).payload))
        return public_key_from_b64(body.province_public_key)
    except (ProtocolError, DecodeError, ValueError):
        return None


def _follow_rotations(anchors: Anchors, rotations: list, candidates: dict[str, Ed25519PublicKey],
                      report: VerifyReport) -> None:
    pending = list(rotations)
    changed = True
    while changed:
        changed = False
        for item in list(pending):
            rel, envelope, body = item
            old, new = candidates.get(body.old_key_id), candidates.get(body.new_key_id)
            if old is None or new is None or key_id(new) != body.new_key_id:
                continue
            if body.old_key_id not in anchors.trusted and body.new_key_id not in anchors.trusted:
                continue
            pending.remove(item)
            try:
                dsse.verify_all(envelope, [old, new], PROVINCE_KEY_ROTATION_TYPE)
            except ProtocolError as exc:
                report.add(rel, f"省级密钥轮换声明签名无效：{exc.message}", f"province key rotation does not verify: {exc.message}")
                continue
            anchors.trusted[body.old_key_id], anchors.trusted[body.new_key_id] = old, new
            changed = True


def check_enrollment(folder: Path, anchors: Anchors, manifest: dict, report: VerifyReport) -> None:
    """The province-signed enrollment: device id, org unit, log and the device's first key."""
    data = _envelope_file(folder, "keys/enrollment.json")
    if data is None:
        return
    try:
        verified = dsse.verify(data, anchors.lookup, ENROLLMENT_TYPE)
        body = Enrollment.from_json(parse_json_object(verified.payload))
    except (ProtocolError, DecodeError) as exc:
        report.add("keys/enrollment.json", f"登记回执不是受信任的省级密钥签发的：{exc}",
                   f"enrollment is not signed by a trusted province key: {exc}")
        return
    anchors.enrollment = body
    office = manifest.get("office") or {}
    if body.org_unit != office.get("org_unit"):
        report.add("keys/enrollment.json", f"登记的单位 {body.org_unit} 与导出的单位 {office.get('org_unit')} 不符",
                   f"enrolled for org unit {body.org_unit}, the export says {office.get('org_unit')}")
    if body.device_id != (manifest.get("device") or {}).get("device_id"):
        report.add("manifest.json", "清单中的设备编号与省里登记的不符", "device id differs from the enrollment")


def check_device_keys(folder: Path, anchors: Anchors, report: VerifyReport) -> Ed25519PublicKey | None:
    """The enrolled device key and every rotation after it; returns the key valid now."""
    enrollment = anchors.enrollment
    if enrollment is None:
        return None
    first = read_pem(folder / "keys/device-enrolled.pem")
    if first is None or key_id(first) != enrollment.device_key_id:
        report.add("keys/device-enrolled.pem", "不是省里登记的设备公钥", "is not the device key the province enrolled")
        return None
    anchors.device_keys = [(1, first)]
    current, last_from = first, 1
    for path in sorted(folder.glob("keys/device-rotation-*.json")):
        rel = str(path.relative_to(folder))
        try:
            envelope = dsse.parse(path.read_bytes())
            body = DeviceKeyRotation.from_json(parse_json_object(envelope.payload))
            new = public_key_from_b64(body.new_public_key)
            if body.device_id != enrollment.device_id or body.old_key_id != key_id(current) or key_id(new) != body.new_key_id:
                raise ValueError("does not continue the device's key chain")
            if body.from_sequence <= last_from:
                raise ValueError("from_sequence does not increase")
            dsse.verify_all(envelope, [current, new], DEVICE_KEY_ROTATION_TYPE)
        except (OSError, ProtocolError, DecodeError, ValueError) as exc:
            report.add(rel, f"设备密钥轮换声明无效：{exc}", f"device key rotation is not valid: {exc}")
            return None
        anchors.device_keys.append((body.from_sequence, new))
        current, last_from = new, body.from_sequence
    return current


def check_chain_head(folder: Path, anchors: Anchors, report: VerifyReport) -> None:
    """The province's statement of where the device's chain ended at its last sync."""
    data = _envelope_file(folder, "sync/chain-head.json")
    if data is None or anchors.enrollment is None:
        return
    try:
        head, checkpoint = verify_chain_head(data, anchors.lookup)
    except SyncError as exc:
        report.add("sync/chain-head.json", f"链头声明不是受信任的省级密钥签发的：{exc}",
                   f"chain head is not signed by a trusted province key: {exc}")
        return
    if head.device_id != anchors.enrollment.device_id or checkpoint.log_id != anchors.enrollment.log_id:
        report.add("sync/chain-head.json", "链头声明属于别的设备或别的日志", "chain head is for another device or log")
        return
    anchors.head, anchors.head_checkpoint = head, checkpoint
    report.head = {"device_id": head.device_id, "last_sequence": head.last_sequence,
                   "issued_at": head.issued_at, "tree_size": checkpoint.tree_size}
