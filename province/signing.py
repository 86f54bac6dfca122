"""The province's signing key: created on first start, reloaded when rotated, announced.

The private key lives in ``<data-dir>/province-key.pem`` (mode 0600, written atomically); the
database keeps every public key with its position and the rotation statement that introduced
it, so offices can follow the chain from the key they pinned. A rotation writes the new key
beside the old one first, records it in the database, then renames it into place; a start
after a crash in between finishes or forgets the rotation, whichever the database says.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from province.clock import utc_now
from province.db import Database, Tx
from sync import dsse
from sync.control import PROVINCE_KEY_ROTATION_TYPE, ProvinceKeyRotation
from sync.encoding import b64encode, canonical_json
from sync.keys import (
    Ed25519PrivateKey,
    generate_private_key,
    key_id,
    load_private_key,
    public_key_raw,
    public_key_to_b64,
    write_private_key,
)

KEY_FILE = "province-key.pem"
NEXT_KEY_FILE = "province-key.next.pem"


class ProvinceKeyError(RuntimeError):
    """The key file and the database disagree; an operator must look (see docs/province.md)."""


@contextlib.contextmanager
def _key_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".province-key.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _key_ids(tx: Tx) -> list[str]:
    return [r[0] for r in tx.rows("SELECT key_id FROM province_keys ORDER BY position")]


def ensure_key(data_dir: Path, db: Database) -> str:
    """Make sure the key file exists and is the database's current key; return its id."""
    with _key_lock(data_dir):
        path, pending = data_dir / KEY_FILE, data_dir / NEXT_KEY_FILE
        if pending.exists():
            next_id = key_id(load_private_key(pending))
            if next_id in db.run(_key_ids, write=False):
                os.replace(pending, path)
            else:
                pending.unlink()
        if not path.exists():
            if db.run(_key_ids, write=False):
                raise ProvinceKeyError(
                    f"省级密钥文件 {path} 不见了，而数据库中已有省级密钥："
                    "请从备份恢复该文件（或从另一台服务器复制过来）"
                )
            write_private_key(path, generate_private_key())
        key = load_private_key(path)
        kid = key_id(key)

        def register(tx: Tx) -> None:
            ids = _key_ids(tx)
            if not ids:
                tx.execute(
                    "INSERT INTO province_keys (key_id, public_key, position, created_at) "
                    "VALUES (?, ?, 0, ?)", [kid, public_key_raw(key), utc_now()])
            elif kid != ids[-1]:
                raise ProvinceKeyError(
                    f"{path} 中的密钥是 {kid[:16]}…，而数据库当前的省级密钥是 {ids[-1][:16]}…："
                    "这个数据文件夹与这个数据库不是一对"
                )

        db.run(register)
        return kid


def rotate_key(data_dir: Path, db: Database) -> tuple[str, str]:
    """Replace the province key; announce the new one signed by old and new. Return both ids."""
    ensure_key(data_dir, db)
    with _key_lock(data_dir):
        path, pending = data_dir / KEY_FILE, data_dir / NEXT_KEY_FILE
        old = load_private_key(path)
        new = generate_private_key()
        write_private_key(pending, new)
        log_id = db.run(lambda tx: tx.scalar("SELECT value FROM meta WHERE key = 'log_id'"),
                        write=False)
        body = ProvinceKeyRotation(log_id=str(log_id), old_key_id=key_id(old),
                                   new_key_id=key_id(new), new_public_key=public_key_to_b64(new),
                                   issued_at=utc_now())
        statement = dsse.sign_bytes(canonical_json(body.to_json()), PROVINCE_KEY_ROTATION_TYPE,
                                    [old, new])

        def record(tx: Tx) -> None:
            ids = _key_ids(tx)
            if ids[-1] != key_id(old):
                raise ProvinceKeyError("同时有另一次密钥更换已完成，请再运行一次")
            tx.execute(
                "INSERT INTO province_keys (key_id, public_key, position, created_at, rotation) "
                "VALUES (?, ?, ?, ?, ?)",
                [key_id(new), public_key_raw(new), len(ids), body.issued_at, statement])

        try:
            db.run(record)
        except BaseException:
            pending.unlink(missing_ok=True)
            raise
        os.replace(pending, path)
        return key_id(old), key_id(new)


def keys_reply(tx: Tx) -> dict[str, Any]:
    """The body of ``GET /v1/province/keys``: every key and the rotations linking them."""
    rows = tx.rows("SELECT key_id, public_key, created_at, rotation FROM province_keys "
                   "ORDER BY position")
    log_id = tx.scalar("SELECT value FROM meta WHERE key = 'log_id'")
    return {
        "log_id": log_id,
        "current_key_id": rows[-1][0] if rows else None,
        "keys": [{"key_id": r[0], "public_key": b64encode(r[1]), "created_at": r[2]}
                 for r in rows],
        "rotations": [dsse.parse(r[3]).to_json() for r in rows if r[3] is not None],
    }


class Signer:
    """Signs with the current key file, picking up a rotation without a restart."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / KEY_FILE
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._key: Ed25519PrivateKey | None = None

    def key(self) -> Ed25519PrivateKey:
        """The current private key (re-read when the file changed)."""
        st = os.stat(self.path)
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._key is None or stamp != self._stamp:
                self._key = load_private_key(self.path)
                self._stamp = stamp
            return self._key

    def sign(self, message: dict[str, Any], payload_type: str) -> dsse.Envelope:
        """Sign a message (its canonical JSON) as the province."""
        return dsse.sign(canonical_json(message), payload_type, [self.key()])
