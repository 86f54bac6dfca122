"""``keyslots.json`` on disk, with every byte covered so damage is told apart from a wrong key.

Format 2 (written since this version):

- each slot carries ``check``: SHA-256 of the office id and the slot's fields, so a damaged
  slot is recognised as damaged *before* any passphrase is tried on it (a wrong passphrase
  fails the AES-GCM tag of an intact slot; a damaged slot never gets that far);
- the file carries ``check``: SHA-256 of everything else in it (each slot by its check), and
  must be byte for byte the way this module writes it, so no byte outside the slots can change
  unnoticed either, nor can a slot be removed, added or moved;
- the file carries ``mac``: HMAC-SHA256 under a key derived from the database key, so once a
  slot is unlocked every other slot (the recovery slot included) is proven to be the one
  written by someone holding the database key, not only internally consistent;
- ``database_id`` names the database file the slots belong to (the 16-byte salt at the start
  of a SQLCipher file), so a key file from another office is named as such.

Format 1 files (no checks) are still read; the office rewrites them as format 2 the first
time they unlock a database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.errors import KeyFileDamaged
from desktop.store.connection import file_salt
from forms.canonical import canonical_json

FORMAT = 2
LEGACY_FORMAT = 1
TOP_FIELDS = {"format", "office_id", "database_id", "slots", "mac", "check"}
SLOT_FIELDS = ("kind", "tag", "kdf", "nonce", "wrapped")
MAX_FILE_BYTES = 1 << 20
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Bounds on what a slot may ask of the KDF: a slot outside them is damaged (or planted to
# exhaust memory), never something to run.
ARGON2_LIMITS = {"iterations": (1, 64), "lanes": (1, 16), "memory_cost": (8, 1024 * 1024)}


@dataclass
class KeySlot:
    kind: str  # "passphrase" or "recovery"
    tag: str  # names the user's slot without naming the user
    kdf: dict[str, Any]
    nonce: str
    wrapped: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "tag": self.tag, "kdf": self.kdf, "nonce": self.nonce, "wrapped": self.wrapped}


@dataclass
class DamagedSlot:
    """A slot whose bytes no longer match its check; ``kind``/``tag`` only if still readable."""

    position: int
    kind: str | None
    tag: str | None


@dataclass
class KeyFile:
    """What was read: the intact slots, and everything found damaged."""

    office_id: str
    slots: list[KeySlot]
    database_id: str = ""
    format: int = FORMAT
    mac: str = ""
    damaged_slots: list[DamagedSlot] = field(default_factory=list)
    other_damage: bool = False  # a byte outside the slots changed, or a slot went missing
    positions: list[int] = field(default_factory=list)  # file position of each intact slot
    body: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def damaged(self) -> bool:
        return self.other_damage or bool(self.damaged_slots)

    def mac_matches(self, db_key: bytes) -> bool | None:
        """Whether the file's MAC verifies under ``db_key`` (None for a format-1 file, which has none)."""
        if self.format == LEGACY_FORMAT:
            return None
        try:
            expected = file_mac(db_key, self.office_id, self.body)
        except (ValueError, TypeError, RecursionError):
            return False
        return hmac.compare_digest(expected, self.mac)


def unreadable(name: str) -> KeyFileDamaged:
    return KeyFileDamaged(
        f"密钥文件 {name} 已损坏，无法读取：请从备份恢复该文件。",
        f"The key file {name} is damaged and cannot be read: restore it from a backup.",
    )


def read_key_file(path: Path) -> KeyFile:
    """Read ``path``; raise ``KeyFileDamaged`` only when nothing in it can be trusted."""
    if path.stat().st_size > MAX_FILE_BYTES:  # a few KB when whole; never read a giant
        raise unreadable(path.name)
    return parse_key_file(path.read_bytes(), path.name)


def parse_key_file(raw: bytes, name: str = "keyslots.json") -> KeyFile:
    """The key file in ``raw``, with every damaged part set aside (see ``read_key_file``)."""
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise unreadable(name) from None
    if not isinstance(body, dict) or not isinstance(body.get("office_id"), str) or not isinstance(body.get("slots"), list):
        raise unreadable(name)
    office_id = body["office_id"]
    version = body.get("format")
    if version == LEGACY_FORMAT and type(version) is int:
        return _read_legacy(body, office_id)
    if version != FORMAT or type(version) is not int:
        raise unreadable(name)
    found = KeyFile(office_id, [], format=FORMAT, body=body)
    for position, entry in enumerate(body["slots"]):
        slot = _slot(entry)
        if slot is not None and isinstance(entry, dict) and entry.get("check") == slot_check(office_id, slot):
            found.slots.append(slot)
            found.positions.append(position)
        else:
            readable = entry if isinstance(entry, dict) else {}
            kind, tag = readable.get("kind"), readable.get("tag")
            found.damaged_slots.append(DamagedSlot(position, kind if isinstance(kind, str) else None, tag if isinstance(tag, str) else None))
    database_id, mac = body.get("database_id"), body.get("mac")
    found.database_id = database_id if isinstance(database_id, str) and (database_id == "" or HEX32.match(database_id)) else ""
    found.mac = mac if isinstance(mac, str) and HEX64.match(mac) else ""
    try:
        found.other_damage = (
            set(body) != TOP_FIELDS
            or found.database_id != database_id
            or found.mac != mac
            or body.get("check") != file_check(body)
            or raw != serialise(body)
        )
    except (ValueError, TypeError, RecursionError):  # e.g. 1e999 somewhere: not what we write
        found.other_damage = True
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON this app writes")


def _read_legacy(body: dict[str, Any], office_id: str) -> KeyFile:
    found = KeyFile(office_id, [], format=LEGACY_FORMAT)
    for position, entry in enumerate(body["slots"]):
        slot = _slot(entry)
        if slot is None:
            found.damaged_slots.append(DamagedSlot(position, None, None))
        else:
            found.slots.append(slot)
            found.positions.append(position)
    return found


def _slot(entry: Any) -> KeySlot | None:
    """The slot in ``entry`` if its shape is one this app writes, else None."""
    if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("kind", "tag", "nonce", "wrapped")):
        return None
    kdf = entry.get("kdf")
    if entry["kind"] not in ("passphrase", "recovery") or not HEX32.match(entry["tag"]) or not _kdf_ok(kdf):
        return None
    if len(_bytes(entry["nonce"]) or b"") != 12 or not 17 <= len(_bytes(entry["wrapped"]) or b"") <= 1024:
        return None
    return KeySlot(entry["kind"], entry["tag"], dict(kdf), entry["nonce"], entry["wrapped"])  # type: ignore[arg-type]


def _kdf_ok(kdf: Any) -> bool:
    if not isinstance(kdf, dict) or not isinstance(kdf.get("salt"), str) or len(_bytes(kdf["salt"]) or b"") != 16:
        return False
    if kdf.get("name") == "hkdf-sha256":
        return set(kdf) == {"name", "salt"}
    if kdf.get("name") != "argon2id" or set(kdf) != {"name", "salt", *ARGON2_LIMITS}:
        return False
    return all(type(kdf[k]) is int and low <= kdf[k] <= high for k, (low, high) in ARGON2_LIMITS.items())


def _bytes(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def write_body(office_id: str, slots: list[KeySlot], database_id: str, db_key: bytes) -> bytes:
    """The bytes of a format-2 file holding ``slots``, checked and MACed under ``db_key``."""
    body: dict[str, Any] = {
        "format": FORMAT,
        "office_id": office_id,
        "database_id": database_id,
        "slots": [{**s.to_json(), "check": slot_check(office_id, s)} for s in slots],
    }
    body["mac"] = file_mac(db_key, office_id, body)
    body["check"] = file_check(body)
    return serialise(body)


def serialise(body: Any) -> bytes:
    return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def file_check(body: dict[str, Any]) -> str:
    """SHA-256 of the file without its ``check``, each slot standing in by its own check: so
    damage inside one slot is that slot's alone, while a slot removed, added or moved, or any
    other field changed, is the file's."""
    slots = body.get("slots")
    summary = {**_without(body, "check", "slots"),
               "slots": [s.get("check") if isinstance(s, dict) else None for s in slots] if isinstance(slots, list) else None}
    return _sha256(summary)


def slot_check(office_id: str, slot: KeySlot) -> str:
    return _sha256({"office_id": office_id, "slot": slot.to_json()})


def file_mac(db_key: bytes, office_id: str, body: dict[str, Any]) -> str:
    """HMAC over the file without its ``mac`` and ``check``, under a key only the database key gives."""
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"anhui-collect keyslots mac",
                   info=office_id.encode("utf-8")).derive(db_key)
    return hmac.new(mac_key, canonical_json(_without(body, "mac", "check")), hashlib.sha256).hexdigest()


def database_id_of(database: Path) -> str:
    """The id the key file records for ``database``: the salt that starts a SQLCipher file
    ("" for plain SQLite). Read through SQLite, as the office may be open (see ``file_salt``)."""
    head = file_salt(database)
    return "" if head == b"SQLite format 3\0".hex() else head


def _without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


def _sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()
