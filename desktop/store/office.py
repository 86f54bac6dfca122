"""An office's encrypted store: create it, unlock it, manage its users.

``Office`` holds who is signed in and their role, a read-only connection for the thread
that opened it (``db``) and the office's one :class:`~desktop.store.writer.Writer`, through
which every change is made (``write``/``submit``). Services (records, outbox, export) take
an ``Office``; nothing else opens the database file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from desktop.errors import (
    AlreadyInitialised,
    InvalidInput,
    KeyFileDamaged,
    NotInitialised,
    OfficeError,
    PermissionDenied,
    StoreDamaged,
    UnknownUser,
)
from desktop.paths import OfficePaths
from desktop.store.clock import utc_now
from desktop.store.connection import open_database
from desktop.store.keyfile import LEGACY_FORMAT, database_id_of
from desktop.store.keyslots import KeySlots, check_passphrase, new_database_key, new_recovery_key
from desktop.store.migrations import migrate
from desktop.store.signin import write_names
from desktop.store.writer import Writer

ROLES = ("admin", "clerk")
T = TypeVar("T")


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
    writer: Writer
    key_file_warnings: list[tuple[str, str]] = field(default_factory=list)
    """(zh, en) damage found in keyslots.json that did not stop this user: ``check`` names it."""
    _owns_writer: bool = True

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
        writer = Writer(lambda: open_database(staging, key or None))

        def first_rows(db: sqlite_utils.Database) -> None:
            db.table("meta").insert_all(
                [
                    {"key": "office_id", "value": office_id},
                    {"key": "org_unit", "value": org_unit},
                    {"key": "office_name", "value": office_name.strip()},
                    {"key": "created_at", "value": utc_now()},
                    {"key": "encrypted", "value": "1" if encrypted else "0"},
                ]
            )
            db.table("users").insert({"name": admin, "role": "admin", "created_at": utc_now(), "created_by": None})

        try:
            writer.run(lambda db: migrate(db, paths.backups), transaction=False)
            writer.run(first_rows)
            writer.run(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall(), transaction=False)
            writer.close()
            slots = KeySlots(office_id=office_id)
            slots.set_passphrase(admin, passphrase, key)
            recovery = new_recovery_key()
            slots.set_recovery(recovery, key)
            slots.save(paths.keyslots, key, database_id_of(staging))
            os.replace(staging, paths.database)
            paths.database.chmod(0o600)
            with contextlib.suppress(OSError):
                write_names(paths.root, [admin])
        except BaseException:
            writer.close()
            for leftover in paths.root.glob(staging.name + "*"):
                leftover.unlink()
            raise
        return cls._open(paths, key, admin), recovery

    @classmethod
    def unlock(cls, data_dir: str | os.PathLike[str], user: str | None, passphrase: str) -> Office:
        """Open the store as ``user`` (default: the first admin)."""
        paths = OfficePaths(data_dir)
        slots = cls._slots(paths)
        key, name = slots.unlock(user, passphrase)
        return cls._opened(paths, slots, key, name)

    @classmethod
    def unlock_with_recovery(cls, data_dir: str | os.PathLike[str], recovery_key: str, user: str) -> Office:
        """Open the store with the recovery key, acting as ``user`` (to reset a passphrase).

        A disabled user is opened too: the recovery key stands in for an admin (it is how an
        office whose only admin forgot their passphrase gets back in), and an admin setting a
        disabled user's passphrase enables them again, so the recovery key does the same.
        """
        paths = OfficePaths(data_dir)
        slots = cls._slots(paths)
        key = slots.unlock_with_recovery(recovery_key)
        return cls._opened(paths, slots, key, user, disabled_too=True)

    @staticmethod
    def _slots(paths: OfficePaths) -> KeySlots:
        """The key slots, once it is sure they belong to this folder's database."""
        if not paths.database.exists() and not paths.keyslots.exists():
            raise NotInitialised(str(paths.root))
        if not paths.keyslots.exists():
            raise KeyFileDamaged(
                f"密钥文件 {paths.keyslots.name} 不见了，数据库无法打开：请从备份恢复该文件。",
                f"The key file {paths.keyslots.name} is missing, so the database cannot be opened: restore it from a backup.",
            )
        if not paths.database.exists():
            raise StoreDamaged(f"数据库文件 {paths.database.name} 不见了", f"the database file {paths.database.name} is missing")
        slots = KeySlots.load(paths.keyslots)
        found = slots.found
        if found and found.database_id and not found.other_damage and found.database_id != database_id_of(paths.database):
            raise KeyFileDamaged(
                "密钥文件与这个数据库不是一对：它可能来自另一个办公室或另一台电脑，也可能是数据库文件头已损坏。"
                "请放回本办公室自己的 keyslots.json（从备份恢复）；之后可运行 check 检查数据库。",
                "The key file does not belong to this database: it may come from another office or computer, "
                "or the database's first bytes are damaged. Put back this office's own keyslots.json (from a "
                "backup); then run 'check' on the database.",
            )
        return slots

    @classmethod
    def _opened(cls, paths: OfficePaths, slots: KeySlots, key: bytes, user: str, *, disabled_too: bool = False) -> Office:
        office = cls._open(paths, key, user, disabled_too=disabled_too)
        try:
            office._settle_key_file(slots)
        except BaseException:
            office.close()
            raise
        return office

    def _settle_key_file(self, slots: KeySlots) -> None:
        # Format 1 had no checks: rewrite it as format 2 now that the key is proven right,
        # keeping the old file beside the database backups.
        found = slots.found
        if found is not None and found.format == LEGACY_FORMAT:
            self.paths.backups.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.paths.keyslots, self.paths.backups / f"keyslots-format1-{utc_now()[:19].replace(':', '')}.json")
            self._save_slots(slots)
            return
        self.key_file_warnings = slots.damage_report()
        if found is not None and not found.damaged and found.mac_matches(self._key) is False:
            self.key_file_warnings.append((
                "密钥文件的校验码与数据库密钥不符：文件被人改动过",
                "the key file's MAC does not match the database key: someone changed the file",
            ))

    def _save_slots(self, slots: KeySlots) -> None:
        # Unlocking without a user name opens the first passphrase slot, which must be the
        # first active admin's: a slot set again (after damage, by the recovery key) or a
        # disabled admin's removed slot would otherwise leave another user's in front.
        admins = [u["name"] for u in self.users() if u["role"] == "admin" and u["active"]]
        if admins:
            slots.lead_with(admins[0])
        slots.save(self.paths.keyslots, self._key, database_id_of(self.paths.database))

    @classmethod
    def _open(cls, paths: OfficePaths, key: bytes, user: str, *, disabled_too: bool = False) -> Office:
        writer = Writer(lambda: open_database(paths.database, key or None))
        db = None
        try:
            writer.run(lambda wdb: migrate(wdb, paths.backups), transaction=False)
            db = open_database(paths.database, key or None, read_only=True)
            meta = {row["key"]: row["value"] for row in db.query("SELECT key, value FROM meta")}
            row = next(db.query("SELECT role, disabled_at FROM users WHERE name = ?", [user]), None)
            if row is None or (row["disabled_at"] and not disabled_too):
                raise UnknownUser(user)
        except BaseException:
            if db is not None:
                db.close()
            writer.close()
            raise
        office = cls(
            paths=paths,
            db=db,
            user=user,
            role=row["role"],
            office_id=meta["office_id"],
            org_unit=meta["org_unit"],
            office_name=meta["office_name"],
            _key=key,
            writer=writer,
        )
        office.refresh_signin_list()  # a list deleted or edited by hand is put right
        return office

    def close(self, wait: bool = True) -> None:
        """Close this office's reader and, unless this is a clone, its writer.

        Writes already submitted are still made; ``wait=False`` does not wait for them
        (the GUI, locking while a long job ends on its own).
        """
        self.db.close()
        if self._owns_writer:
            self.writer.close(wait=wait)

    def clone(self) -> Office:
        """The same signed-in office with its own reader, for long work on a worker thread
        (a sync, an export, an import); it writes through the same writer. Close it after."""
        return dataclasses.replace(self, db=self.open_reader(), _owns_writer=False)

    def open_reader(self) -> sqlite_utils.Database:
        """Another read-only connection to this office's database, for a worker thread.

        Readers see every committed write (WAL) and never block the writer. The caller
        closes the reader.
        """
        return open_database(self.paths.database, self._key or None, read_only=True)

    # -- writing ------------------------------------------------------------------
    def write(self, job: Callable[[sqlite_utils.Database], T]) -> T:
        """Run ``job(db)`` as one transaction on the office's writer and return its result.

        Waits for the job: for worker threads and the command line. The GUI thread submits
        instead (``submit``) and is told of the outcome.
        """
        return self.writer.run(job)

    def write_later(self, job: Callable[[sqlite_utils.Database], T]) -> Future[T]:
        """Like ``write``, but the caller waits for the returned future when it is ready to:
        a worker overlaps its own work with the write (``Writer.start``)."""
        return self.writer.start(job)

    def submit(self, job: Callable[[sqlite_utils.Database], T]) -> Future[T]:
        """Queue ``job(db)`` on the office's writer without waiting; the future tells how it went."""
        return self.writer.submit(job)

    def __enter__(self) -> Office:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- users --------------------------------------------------------------------
    def users(self) -> list[dict[str, Any]]:
        """Every user with role, when and by whom added, and ``active``: not disabled.

        A disabled user keeps their row (their name stays on what they entered) but has no
        key slot, so no passphrase of theirs opens the database any more.
        """
        rows = self.db.query("SELECT name, role, created_at, created_by, disabled_at, disabled_by FROM users "
                             "ORDER BY created_at, name")
        return [dict(r, active=not r["disabled_at"]) for r in rows]

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
        row = {"name": name, "role": role, "created_at": utc_now(), "created_by": self.user}
        self.write(lambda db: db.table("users").insert(row))
        self._save_slots(slots)
        self.refresh_signin_list()

    def change_passphrase(self, name: str, new_passphrase: str) -> bool:
        """Rewrap the database key for ``name``; the database itself is not touched.

        For a disabled user (an admin setting it, or the recovery key) this enables them
        again; the answer says whether it did.
        """
        if name != self.user:
            self.require_admin("修改其他用户的口令", "change another user's passphrase")
        user = next((u for u in self.users() if u["name"] == name), None)
        if user is None:
            raise UnknownUser(name)
        slots = KeySlots.load(self.paths.keyslots)
        slots.set_passphrase(name, new_passphrase, self._key)
        if not user["active"]:
            self._set_disabled(name, None)
        self._save_slots(slots)
        self.refresh_signin_list()
        return not user["active"]

    def disable_user(self, name: str) -> None:
        """Stop ``name`` signing in (admins only): marked disabled, and their key slot removed.

        Their records and history stay. An admin enables them again by setting a new
        passphrase (``change_passphrase``). Nobody disables themselves or the last admin.
        """
        self.require_admin("停用用户", "disable users")
        users = {u["name"]: u for u in self.users()}
        if name not in users:
            raise UnknownUser(name)
        if name == self.user:
            raise InvalidInput("不能停用自己。", "You cannot disable yourself.")
        if users[name]["role"] == "admin" and not any(
            u["active"] and u["role"] == "admin" and n != name for n, u in users.items()
        ):
            raise InvalidInput("这是最后一位可登录的管理员，不能停用。", "This is the last admin who can sign in; they cannot be disabled.")
        self._set_disabled(name, utc_now())
        slots = KeySlots.load(self.paths.keyslots)
        slots.remove_user(name)
        self._save_slots(slots)
        self.refresh_signin_list()

    def _set_disabled(self, name: str, when: str | None) -> None:
        by = self.user if when else None

        def job(db: sqlite_utils.Database) -> None:
            db.execute("UPDATE users SET disabled_at = ?, disabled_by = ? WHERE name = ?", [when, by, name])

        self.write(job)

    # -- the sign-in list ---------------------------------------------------------------
    def signin_listed(self) -> bool:
        """Whether the unlock screen lists the office's users (the admin's choice; on by default)."""
        row = next(self.db.query("SELECT value FROM meta WHERE key = 'signin_list'"), None)
        return row is None or row["value"] != "off"

    def set_signin_listed(self, listed: bool) -> None:
        """List the users on the unlock screen, or not (admins only)."""
        self.require_admin("更改登录界面的用户列表", "change the sign-in list")
        value = "on" if listed else "off"

        def job(db: sqlite_utils.Database) -> None:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('signin_list', ?)", [value])

        self.write(job)
        self.refresh_signin_list()

    def refresh_signin_list(self) -> None:
        """Rewrite ``signin.json`` with the users who can sign in (or as "not listed")."""
        with contextlib.suppress(OSError, OfficeError):  # a list that cannot be written only costs typing the name
            names = [u["name"] for u in self.users() if u["active"]] if self.signin_listed() else None
            write_names(self.paths.root, names)

    def new_recovery_key(self) -> str:
        """Replace the recovery key (admins only) and return the new one, to show once.

        The old recovery key stops opening this office; damaged slots are dropped as the file
        is rewritten.
        """
        self.require_admin("生成新的恢复密钥", "make a new recovery key")
        slots = KeySlots.load(self.paths.keyslots)
        recovery = new_recovery_key()
        slots.set_recovery(recovery, self._key)
        self._save_slots(slots)
        return recovery

    def rewrite_key_file(self) -> None:
        """Write keyslots.json afresh from its intact slots (``check --repair``)."""
        self._save_slots(KeySlots.load(self.paths.keyslots))


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > 64 or any(ord(c) < 32 for c in name):
        raise InvalidInput("用户名须为 1–64 个可见字符。", "A user name is 1-64 visible characters.")


def store_exists(data_dir: str | os.PathLike[str]) -> bool:
    return OfficePaths(Path(data_dir)).exists()
