"""The database key, stored only wrapped.

The office database is encrypted under 256 random bits. That key never touches the disk
in the clear: ``keyslots.json`` beside the database holds it wrapped (AES-256-GCM) once
per user under a key derived from the user's passphrase with Argon2id, and once under a
printable recovery key. KDF parameters are stored per slot so they can be raised later;
changing a passphrase rewraps one slot and never re-encrypts the database. How the file
itself is written and checked is ``keyfile``'s business.
"""

from __future__ import annotations

import base64
import hashlib
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

from desktop.errors import InvalidInput, KeyFileDamaged, UnknownUser, WrongPassphrase
from desktop.store.keyfile import KeyFile, KeySlot, read_key_file, write_body
from sync.fsutil import write_atomic

KEY_BYTES = 32
# OWASP's second Argon2id profile (64 MiB, 3 passes); about 0.2 s on an office PC.
DEFAULT_ARGON2 = {"iterations": 3, "lanes": 4, "memory_cost": 64 * 1024}
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive_passphrase_key(passphrase: str, kdf: dict[str, Any]) -> bytes:
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
class KeySlots:
    """All slots of one office; load, unwrap, rewrap, save.

    Loading never fails on a damaged slot: damaged slots are set aside (and dropped at the
    next save, since they can never unwrap anything), so a user whose own slot is intact
    still gets in, and a user whose slot is damaged is told so instead of "wrong passphrase".
    """

    office_id: str
    slots: list[KeySlot] = field(default_factory=list)
    found: KeyFile | None = None  # what ``load`` read, with any damage; None for a new office

    # -- persistence --------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeySlots:
        return cls.from_key_file(read_key_file(path))

    @classmethod
    def from_key_file(cls, key_file: KeyFile) -> KeySlots:
        return cls(office_id=key_file.office_id, slots=list(key_file.slots), found=key_file)

    def save(self, path: Path, db_key: bytes, database_id: str) -> None:
        """Write every slot as format 2 (damaged ones are gone), MACed under ``db_key``."""
        write_atomic(path, write_body(self.office_id, self.slots, database_id, db_key))

    @property
    def damaged(self) -> bool:
        return self.found is not None and self.found.damaged

    def damage_report(self, users: list[str] | None = None) -> list[tuple[str, str]]:
        """(zh, en) for each damaged part, naming the user of a damaged slot when ``users``
        (the office's user names, which only the open database knows) are given."""
        if self.found is None:
            return []
        names = {self.tag("passphrase", u): u for u in users or []}
        report = []
        for slot in self.found.damaged_slots:
            name = names.get(slot.tag or "")
            if name is not None:
                report.append((f"用户“{name}”的密钥槽已损坏：请管理员用 anhui-collect user passwd {name} 为其重设口令",
                               f"the key slot of user '{name}' is damaged: an admin resets it with 'anhui-collect user passwd {name}'"))
            elif slot.kind == "recovery" or slot.tag == self.tag("recovery", None):
                report.append(("恢复密钥槽已损坏，恢复密钥已不能用：请管理员运行 anhui-collect recovery-key 生成新的恢复密钥",
                               "the recovery key slot is damaged, so the recovery key no longer works: an admin makes a new one with 'anhui-collect recovery-key'"))
            else:
                report.append((f"密钥文件第 {slot.position + 1} 个槽已损坏（无法辨认是谁的）",
                               f"slot {slot.position + 1} of the key file is damaged (whose it was cannot be told)"))
        if self.found.other_damage:
            report.append(("密钥文件中槽以外的内容被改动或缺失（anhui-collect check --repair 可重写该文件）",
                           "the key file was changed or cut outside its slots ('anhui-collect check --repair' rewrites it)"))
        return report

    # -- slots --------------------------------------------------------------------
    # The slot file sits unencrypted beside the database, so it must not name the users:
    # a slot is found by a tag derived from the user name, and the name itself travels
    # inside the wrapped payload (key length, key, name).

    def tag(self, kind: str, user: str | None) -> str:
        return hashlib.sha256(f"{self.office_id}|{kind}|{user or ''}".encode()).hexdigest()[:32]

    def _aad(self, slot_kind: str, tag: str) -> bytes:
        # Binding office and tag into the GCM tag stops a slot being moved to another name.
        return f"anhui-collect keyslot v1|{self.office_id}|{slot_kind}|{tag}".encode()

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

    def lead_with(self, user: str) -> None:
        """Put ``user``'s passphrase slot first: unlocking without a name opens that one."""
        tag = self.tag("passphrase", user)
        theirs = [s for s in self.slots if s.kind == "passphrase" and s.tag == tag]
        self.slots = theirs + [s for s in self.slots if s not in theirs]

    def remove_user(self, user: str) -> None:
        tag = self.tag("passphrase", user)
        self.slots = [s for s in self.slots if not (s.kind == "passphrase" and s.tag == tag)]

    def has_slot(self, kind: str, user: str | None) -> bool:
        tag = self.tag(kind, user)
        return any(s.kind == kind and s.tag == tag for s in self.slots)

    def unlock(self, user: str | None, passphrase: str) -> tuple[bytes, str]:
        """The database key and the user's name; ``user=None`` means the first admin.

        Raises WrongPassphrase only for an intact slot; KeyFileDamaged when the user's slot
        (or what decides which slot is theirs) is damaged; UnknownUser. Never touches the
        database.
        """
        slot = self._passphrase_slot(user)
        try:
            return self._unwrap(slot, _derive_passphrase_key(passphrase, slot.kdf))
        except InvalidTag:
            if user is None and self.found is not None and self.found.other_damage:
                # The slots may have been moved: the first one may no longer be the first admin's.
                raise _slot_damaged(None) from None
            raise WrongPassphrase(user or "") from None

    def _passphrase_slot(self, user: str | None) -> KeySlot:
        if user:
            wanted = self.tag("passphrase", user)
            for slot in self.slots:
                if slot.kind == "passphrase" and slot.tag == wanted:
                    return slot
            if self.damaged:
                raise _slot_damaged(user)
            raise UnknownUser(user)
        # The first admin's slot is the file's first passphrase slot: if a damaged slot
        # comes before the first intact one, it may have been theirs.
        found = self.found
        for position, slot in zip(found.positions if found else range(len(self.slots)), self.slots, strict=True):
            if found and any(d.position < position for d in found.damaged_slots):
                break
            if slot.kind == "passphrase":
                return slot
        raise _slot_damaged(None)

    def unlock_with_recovery(self, recovery_key: str) -> bytes:
        normalise_recovery_key(recovery_key)
        for slot in self.slots:
            if slot.kind == "recovery":
                try:
                    return self._unwrap(slot, _derive_recovery_key(recovery_key, slot.kdf))[0]
                except InvalidTag:
                    raise InvalidInput("恢复密钥不正确。", "The recovery key is not correct.") from None
        if self.damaged:
            raise KeyFileDamaged(
                "密钥文件中的恢复密钥槽已损坏，恢复密钥无法使用：请从备份恢复 keyslots.json。",
                "The recovery key slot in the key file is damaged, so the recovery key cannot be used: "
                "restore keyslots.json from a backup.",
            )
        raise InvalidInput("此办公室没有恢复密钥。", "This office has no recovery key.")


def _slot_damaged(user: str | None) -> KeyFileDamaged:
    who_zh, who_en = (f"（用户“{user}”的密钥槽）", f" (the slot of user '{user}')") if user else ("", "")
    return KeyFileDamaged(
        f"密钥文件已损坏{who_zh}：请从备份恢复，或用恢复密钥设置新口令。",
        f"The key file is damaged{who_en}: restore it from a backup, or set a new passphrase with the recovery key.",
        recovery_helps=True,
    )


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
