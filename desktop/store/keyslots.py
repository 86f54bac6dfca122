"""The database key, stored only wrapped.

The office database is encrypted under 256 random bits. That key never touches the disk
in the clear: ``keyslots.json`` beside the database holds it wrapped (AES-256-GCM) once
per user under a key derived from the user's passphrase with Argon2id, and once under a
printable recovery key. KDF parameters are stored per slot so they can be raised later;
changing a passphrase rewraps one slot and never re-encrypts the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from desktop.errors import InvalidInput, StoreDamaged, UnknownUser, WrongPassphrase
from sync.fsutil import write_atomic

FORMAT = 1
KEY_BYTES = 32
# OWASP's second Argon2id profile (64 MiB, 3 passes); about 0.2 s on an office PC.
DEFAULT_ARGON2 = {"iterations": 3, "lanes": 4, "memory_cost": 64 * 1024}
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive_passphrase_key(passphrase: str, kdf: dict[str, Any]) -> bytes:
    if kdf.get("name") != "argon2id":
        raise StoreDamaged("密钥槽使用未知的密钥派生算法", f"unknown key derivation {kdf.get('name')!r}")
    return Argon2id(
        salt=_unb64(kdf["salt"]),
        length=KEY_BYTES,
        iterations=int(kdf["iterations"]),
        lanes=int(kdf["lanes"]),
        memory_cost=int(kdf["memory_cost"]),
    ).derive(passphrase.encode("utf-8"))


def _derive_recovery_key(recovery_key: str, kdf: dict[str, Any]) -> bytes:
    # The recovery key carries ~256 bits of entropy, so a fast KDF is enough.
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_unb64(kdf["salt"]), info=b"recovery"
    ).derive(normalise_recovery_key(recovery_key).encode("ascii"))


def new_recovery_key() -> str:
    """A printable recovery key: 52 characters (about 257 bits) in groups of four."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(52))
    return "-".join(chars[i : i + 4] for i in range(0, 52, 4))


def normalise_recovery_key(text: str) -> str:
    """Accept the recovery key as typed: any case, spaces or dashes between groups."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n")
    if len(cleaned) != 52 or any(ch not in RECOVERY_ALPHABET for ch in cleaned):
        raise InvalidInput(
            "恢复密钥格式不对：应为 52 个字母或数字，四个一组。",
            "That is not a recovery key: it has 52 letters and digits in groups of four.",
        )
    return cleaned


@dataclass
class KeySlot:
    kind: str  # "passphrase" or "recovery"
    tag: str  # names the user's slot without naming the user
    kdf: dict[str, Any]
    nonce: str
    wrapped: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "tag": self.tag,
            "kdf": self.kdf,
            "nonce": self.nonce,
            "wrapped": self.wrapped,
        }


@dataclass
class KeySlots:
    """All slots of one office; load, unwrap, rewrap, save."""

    office_id: str
    slots: list[KeySlot] = field(default_factory=list)

    # -- persistence --------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeySlots:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                raise ValueError(f"format {raw.get('format')!r}")
            slots = [
                KeySlot(s["kind"], s["tag"], s["kdf"], s["nonce"], s["wrapped"])
                for s in raw["slots"]
            ]
            return cls(office_id=str(raw["office_id"]), slots=slots)
        except FileNotFoundError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreDamaged(f"密钥文件 {path.name} 无法读取", f"key file {path.name} is unreadable ({exc})") from exc

    def save(self, path: Path) -> None:
        body = {"format": FORMAT, "office_id": self.office_id, "slots": [s.to_json() for s in self.slots]}
        write_atomic(path, json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"))

    # -- slots --------------------------------------------------------------------
    # The slot file sits unencrypted beside the database, so it must not name the users:
    # a slot is found by a tag derived from the user name, and the name itself travels
    # inside the wrapped payload (key length, key, name).

    def tag(self, kind: str, user: str | None) -> str:
        return hashlib.sha256(f"{self.office_id}|{kind}|{user or ''}".encode()).hexdigest()[:32]

    def _aad(self, slot_kind: str, tag: str) -> bytes:
        # Binding office and tag into the GCM tag stops a slot being moved to another name.
        return f"anhui-collect keyslot v{FORMAT}|{self.office_id}|{slot_kind}|{tag}".encode()

    def _wrap(self, kind: str, user: str | None, kdf: dict[str, Any], kek: bytes, db_key: bytes) -> KeySlot:
        tag = self.tag(kind, user)
        nonce = os.urandom(12)
        # One length byte, so an empty key (the benchmarks' plain baseline) unwraps too.
        payload = bytes([len(db_key)]) + db_key + (user or "").encode("utf-8")
        wrapped = AESGCM(kek).encrypt(nonce, payload, self._aad(kind, tag))
        return KeySlot(kind, tag, kdf, _b64(nonce), _b64(wrapped))

    def _unwrap(self, slot: KeySlot, kek: bytes) -> tuple[bytes, str]:
        payload = AESGCM(kek).decrypt(_unb64(slot.nonce), _unb64(slot.wrapped), self._aad(slot.kind, slot.tag))
        size = payload[0]
        return payload[1 : 1 + size], payload[1 + size :].decode("utf-8")

    def _put(self, slot: KeySlot) -> None:
        # Replace in place: the first passphrase slot stays the default user's.
        for i, existing in enumerate(self.slots):
            if existing.kind == slot.kind and existing.tag == slot.tag:
                self.slots[i] = slot
                return
        self.slots.append(slot)

    def set_passphrase(self, user: str, passphrase: str, db_key: bytes, params: dict[str, int] | None = None) -> None:
        """Add or replace ``user``'s slot wrapping ``db_key`` under ``passphrase``."""
        check_passphrase(passphrase)
        kdf = {"name": "argon2id", "salt": _b64(os.urandom(16)), **(params or DEFAULT_ARGON2)}
        self._put(self._wrap("passphrase", user, kdf, _derive_passphrase_key(passphrase, kdf), db_key))

    def set_recovery(self, recovery_key: str, db_key: bytes) -> None:
        kdf = {"name": "hkdf-sha256", "salt": _b64(os.urandom(16))}
        self._put(self._wrap("recovery", None, kdf, _derive_recovery_key(recovery_key, kdf), db_key))

    def remove_user(self, user: str) -> None:
        tag = self.tag("passphrase", user)
        self.slots = [s for s in self.slots if not (s.kind == "passphrase" and s.tag == tag)]

    def unlock(self, user: str | None, passphrase: str) -> tuple[bytes, str]:
        """The database key and the user's name; ``user=None`` means the first admin.

        Raises WrongPassphrase or UnknownUser. Never touches the database.
        """
        wanted = self.tag("passphrase", user) if user else None
        for slot in self.slots:
            if slot.kind == "passphrase" and (wanted is None or slot.tag == wanted):
                try:
                    return self._unwrap(slot, _derive_passphrase_key(passphrase, slot.kdf))
                except InvalidTag:
                    raise WrongPassphrase(user or "") from None
        raise UnknownUser(user or "")

    def unlock_with_recovery(self, recovery_key: str) -> bytes:
        for slot in self.slots:
            if slot.kind == "recovery":
                try:
                    return self._unwrap(slot, _derive_recovery_key(recovery_key, slot.kdf))[0]
                except InvalidTag:
                    raise InvalidInput("恢复密钥不正确。", "The recovery key is not correct.") from None
        raise InvalidInput("此办公室没有恢复密钥。", "This office has no recovery key.")


MIN_PASSPHRASE = 8


def check_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to protect a shared office PC."""
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            f"口令至少需要 {MIN_PASSPHRASE} 个字符。",
            f"A passphrase needs at least {MIN_PASSPHRASE} characters.",
        )


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)
