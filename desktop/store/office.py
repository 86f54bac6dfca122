"""An office's encrypted store: create it, unlock it, manage its users.

``Office`` holds the open database, who is signed in and their role. Services (records,
outbox, export) take an ``Office``; nothing else opens the database file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from desktop.errors import (
    AlreadyInitialised,
    InvalidInput,
    NotInitialised,
    PermissionDenied,
    UnknownUser,
)
from desktop.paths import OfficePaths
from desktop.store.clock import utc_now
from desktop.store.connection import open_database, write_transaction
from desktop.store.keyslots import KeySlots, check_passphrase, new_database_key, new_recovery_key
from desktop.store.migrations import migrate

ROLES = ("admin", "clerk")


@dataclass
class Office:
    paths: OfficePaths
    db: sqlite_utils.Database
    user: str
    role: str
    office_id: str
    org_unit: str
    office_name: str
    _key: bytes

    # -- opening ------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        data_dir: str | os.PathLike[str],
        *,
        org_unit: str,
        office_name: str,
        admin: str,
        passphrase: str,
        encrypted: bool = True,
    ) -> tuple[Office, str]:
        """Make a new office store; return it open and the recovery key to show once."""
        paths = OfficePaths(data_dir)
        if paths.database.exists() or paths.keyslots.exists():
            raise AlreadyInitialised(str(paths.root))
        _check_name(admin)
        check_passphrase(passphrase)
        if not office_name.strip():
            raise InvalidInput("请填写办公室名称。", "The office name is required.")
        paths.root.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            paths.root.chmod(0o700)
        key = new_database_key() if encrypted else b""
        office_id = str(uuid.uuid4())
        # Build the database under a temporary name and move it into place only after
        # its key slots are saved: an interrupted init leaves nothing half-made behind.
        staging = paths.root / f".office-init-{office_id}.db"
        db = open_database(staging, key or None)
        try:
            migrate(db, staging, paths.backups)
            with write_transaction(db):
                db.table("meta").insert_all(
                    [
                        {"key": "office_id", "value": office_id},
                        {"key": "org_unit", "value": org_unit},
                        {"key": "office_name", "value": office_name.strip()},
                        {"key": "created_at", "value": utc_now()},
                        {"key": "encrypted", "value": "1" if encrypted else "0"},
                    ]
                )
                db.table("users").insert(
                    {"name": admin, "role": "admin", "created_at": utc_now(), "created_by": None}
                )
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            db.close()
            slots = KeySlots(office_id=office_id)
            slots.set_passphrase(admin, passphrase, key)
            recovery = new_recovery_key()
            slots.set_recovery(recovery, key)
            slots.save(paths.keyslots)
            os.replace(staging, paths.database)
            paths.database.chmod(0o600)
        except BaseException:
            with contextlib.suppress(Exception):
                db.close()
            for leftover in paths.root.glob(staging.name + "*"):
                leftover.unlink()
            raise
        return cls._open(paths, key, admin), recovery

    @classmethod
    def unlock(cls, data_dir: str | os.PathLike[str], user: str | None, passphrase: str) -> Office:
        """Open the store as ``user`` (default: the first admin)."""
        paths = OfficePaths(data_dir)
        key, name = cls._slots(paths).unlock(user, passphrase)
        return cls._open(paths, key, name)

    @classmethod
    def unlock_with_recovery(cls, data_dir: str | os.PathLike[str], recovery_key: str, user: str) -> Office:
        """Open the store with the recovery key, acting as ``user`` (to reset a passphrase)."""
        paths = OfficePaths(data_dir)
        key = cls._slots(paths).unlock_with_recovery(recovery_key)
        return cls._open(paths, key, user)

    @staticmethod
    def _slots(paths: OfficePaths) -> KeySlots:
        if not paths.exists():
            raise NotInitialised(str(paths.root))
        return KeySlots.load(paths.keyslots)

    @classmethod
    def _open(cls, paths: OfficePaths, key: bytes, user: str) -> Office:
        db = open_database(paths.database, key or None)
        try:
            migrate(db, paths.database, paths.backups)
            meta = {row["key"]: row["value"] for row in db.query("SELECT key, value FROM meta")}
            row = next(db.query("SELECT role FROM users WHERE name = ?", [user]), None)
            if row is None:
                raise UnknownUser(user)
        except BaseException:
            db.close()
            raise
        return cls(
            paths=paths,
            db=db,
            user=user,
            role=row["role"],
            office_id=meta["office_id"],
            org_unit=meta["org_unit"],
            office_name=meta["office_name"],
            _key=key,
        )

    def close(self) -> None:
        self.db.close()

    def clone(self) -> Office:
        """The same signed-in office over a new connection, for long work on a worker thread
        (a sync, an export, an import) while the GUI thread keeps its own. Close it after."""
        return dataclasses.replace(self, db=self.open_reader())

    def open_reader(self) -> sqlite_utils.Database:
        """Another connection to this office's database, for reading on a worker thread.

        Writes stay on ``db``; readers see every committed write (WAL), and never block it.
        The caller closes the reader.
        """
        return open_database(self.paths.database, self._key or None)

    def __enter__(self) -> Office:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- users --------------------------------------------------------------------
    def users(self) -> list[dict[str, str]]:
        return list(self.db.query("SELECT name, role, created_at, created_by FROM users ORDER BY created_at, name"))

    def require_admin(self, what_zh: str, what_en: str) -> None:
        if self.role != "admin":
            raise PermissionDenied(what_zh, what_en)

    def add_user(self, name: str, role: str, passphrase: str) -> None:
        """Add a user (admins only) with their own key slot."""
        self.require_admin("添加用户", "add users")
        _check_name(name)
        if role not in ROLES:
            raise InvalidInput(f"角色只能是 {'/'.join(ROLES)}。", f"Role must be one of {', '.join(ROLES)}.")
        if any(u["name"] == name for u in self.users()):
            raise InvalidInput(f"用户“{name}”已存在。", f"User '{name}' already exists.")
        slots = KeySlots.load(self.paths.keyslots)
        slots.set_passphrase(name, passphrase, self._key)
        with write_transaction(self.db):
            self.db.table("users").insert({"name": name, "role": role, "created_at": utc_now(), "created_by": self.user})
        slots.save(self.paths.keyslots)

    def change_passphrase(self, name: str, new_passphrase: str) -> None:
        """Rewrap the database key for ``name``; the database itself is not touched."""
        if name != self.user:
            self.require_admin("修改其他用户的口令", "change another user's passphrase")
        if not any(u["name"] == name for u in self.users()):
            raise UnknownUser(name)
        slots = KeySlots.load(self.paths.keyslots)
        slots.set_passphrase(name, new_passphrase, self._key)
        slots.save(self.paths.keyslots)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 64 or any(ord(c) < 32 for c in name):
        raise InvalidInput("用户名须为 1–64 个可见字符。", "A user name is 1-64 visible characters.")


def store_exists(data_dir: str | os.PathLike[str]) -> bool:
    return OfficePaths(Path(data_dir)).exists()
