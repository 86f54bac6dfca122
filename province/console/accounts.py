"""Staff accounts and sessions of the console: Argon2id passwords, lock-out, session tokens.

Passwords are hashed with Argon2id (``cryptography``) at OWASP's recommended cost and stored
in the PHC string format. Five failed logins in a row lock an account for 15 minutes. A
session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, with
the session's CSRF token, so any server process can check any session.
"""

from __future__ import annotations

import base64
import functools
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from province import actions
from province.clock import format_time, utc_now
from province.db import Database, Tx
from sync.encoding import sha256_hex

ROLES = ("viewer", "reviewer", "admin")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
# OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
MEMORY_KIB, ITERATIONS, LANES = 19456, 2, 1
MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 8
IDLE_MINUTES = 60


class AccountError(ValueError):
    """A refused account change; the message says why, for the operator."""


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member of a request."""

    username: str
    role: str
    csrf_token: str

    def can(self, role: str) -> bool:
        """Whether this member's role includes ``role`` (viewer < reviewer < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """The PHC string ``$argon2id$v=19$m=..,t=..,p=..$salt$hash`` of ``password``."""
    salt = secrets.token_bytes(16)
    kdf = Argon2id(salt=salt, length=32, iterations=ITERATIONS, lanes=LANES,
                   memory_cost=MEMORY_KIB)
    digest = kdf.derive(password.encode("utf-8"))
    return (f"$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={LANES}"
            f"${_b64(salt)}${_b64(digest)}")


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches a PHC string made by :func:`hash_password`."""
    try:
        _, algo, version, params, salt, digest = encoded.split("$")
        cost = dict(p.split("=") for p in params.split(","))
        if algo != "argon2id" or version != "v=19":
            return False
        kdf = Argon2id(salt=_unb64(salt), length=len(_unb64(digest)),
                       iterations=int(cost["t"]), lanes=int(cost["p"]),
                       memory_cost=int(cost["m"]))
        kdf.verify(password.encode("utf-8"), _unb64(digest))
        return True
    except (InvalidKey, ValueError, KeyError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the user does not exist, so a wrong name costs the same time."""
    return hash_password(secrets.token_hex(8))


def check_new_password(password: str) -> None:
    """Refuse a password that is too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD} 个字符")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"密码最多 {MAX_PASSWORD} 个字符")


def add_user(db: Database, username: str, role: str, password: str, actor: str) -> None:
    """Create a staff account (logged as ``user.add`` by ``actor``)."""
    if not USERNAME.match(username):
        raise AccountError("用户名应为 1 至 64 个字母、数字或 . _ @ -，并以字母或数字开头")
    if role not in ROLES:
        raise AccountError(f"角色应为 {'、'.join(ROLES)} 之一")
    check_new_password(password)
    encoded = hash_password(password)

    def work(tx: Tx) -> None:
        if tx.one("SELECT 1 FROM staff_users WHERE username = ?", [username]):
            raise AccountError(f"用户 {username} 已存在")
        now = utc_now()
        tx.execute("INSERT INTO staff_users (username, role, password_hash, created_at, "
                   "password_changed_at, failed_logins) VALUES (?, ?, ?, ?, ?, 0)",
                   [username, role, encoded, now, now])
        actions.record(tx, actor, "user.add", username, "", {"role": role})

    db.run(work)


def _existing(tx: Tx, username: str) -> None:
    if not tx.one("SELECT 1 FROM staff_users WHERE username = ? FOR UPDATE", [username]):
        raise AccountError(f"没有用户 {username}")


def set_disabled(db: Database, username: str, disabled: bool, actor: str, reason: str = "") -> None:
    """Disable (ending every session) or re-enable an account."""

    def work(tx: Tx) -> None:
        _existing(tx, username)
        tx.execute("UPDATE staff_users SET disabled_at = ? WHERE username = ?",
                   [utc_now() if disabled else None, username])
        if disabled:
            tx.execute("DELETE FROM staff_sessions WHERE username = ?", [username])
        actions.record(tx, actor, "user.disable" if disabled else "user.enable", username,
                       reason, {})

    db.run(work)


def reset_password(db: Database, username: str, password: str, actor: str,
                   role: str | None = None) -> None:
    """Set a new password (and optionally role), lift a lock-out, end every session."""
    check_new_password(password)
    if role is not None and role not in ROLES:
        raise AccountError(f"角色应为 {'、'.join(ROLES)} 之一")
    encoded = hash_password(password)

    def work(tx: Tx) -> None:
        _existing(tx, username)
        tx.execute("UPDATE staff_users SET password_hash = ?, password_changed_at = ?, "
                   "failed_logins = 0, locked_until = NULL, role = COALESCE(?, role) "
                   "WHERE username = ?", [encoded, utc_now(), role, username])
        tx.execute("DELETE FROM staff_sessions WHERE username = ?", [username])
        actions.record(tx, actor, "user.reset", username, "", {"role": role} if role else {})

    db.run(work)


def list_users(db: Database) -> list[dict[str, object]]:
    """Every account with its role and state (never the hash)."""
    keys = ("username", "role", "created_at", "disabled_at", "failed_logins", "locked_until",
            "last_login_at")
    rows = db.run(lambda tx: tx.rows(f"SELECT {', '.join(keys)} FROM staff_users "
                                     "ORDER BY username"), write=False)
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _later(minutes: float) -> str:
    return format_time(datetime.now(UTC) + timedelta(minutes=minutes))


def login(db: Database, username: str, password: str) -> tuple[str, Staff] | None:
    """Check a login; on success open a session and return (cookie token, staff).

    Unknown users, wrong passwords, disabled and locked accounts all answer None (the page
    says the same thing for each, so it tells an attacker nothing). Failures are counted
    and the account locked after :data:`MAX_FAILURES` in a row.
    """
    if len(password) > MAX_PASSWORD or len(username) > 64:
        return None
    row = db.run(lambda tx: tx.one(
        "SELECT password_hash, role, disabled_at, locked_until FROM staff_users "
        "WHERE username = ?", [username]), write=False)
    ok = verify_password(password, row[0] if row else _dummy_hash())
    if row is None:
        return None
    now = utc_now()
    usable = row[2] is None and (row[3] is None or row[3] <= now)

    def fail(tx: Tx) -> None:
        failures = int(tx.scalar("SELECT failed_logins FROM staff_users WHERE username = ? "
                                 "FOR UPDATE", [username])) + 1
        locked = _later(LOCK_MINUTES) if failures >= MAX_FAILURES else None
        tx.execute("UPDATE staff_users SET failed_logins = ?, locked_until = COALESCE(?, "
                   "locked_until) WHERE username = ?",
                   [0 if locked else failures, locked, username])
        if locked:
            actions.record(tx, username, "user.locked", username,
                           f"{MAX_FAILURES} failed logins", {"until": locked})

    if not ok:
        if row[2] is None:
            db.run(fail)
        return None
    if not usable:
        return None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)

    def open_session(tx: Tx) -> None:
        tx.execute("UPDATE staff_users SET failed_logins = 0, locked_until = NULL, "
                   "last_login_at = ? WHERE username = ?", [now, username])
        tx.execute("DELETE FROM staff_sessions WHERE expires_at < ?", [now])
        tx.execute("INSERT INTO staff_sessions (token_hash, username, csrf_token, created_at, "
                   "last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                   [sha256_hex(token.encode()), username, csrf, now, now,
                    _later(SESSION_HOURS * 60)])
        actions.record(tx, username, "login", username, "", {})

    db.run(open_session)
    return token, Staff(username, row[1], csrf)


def session(db: Database, token: str | None) -> Staff | None:
    """The staff member a session cookie belongs to, or None (expired, idle, disabled)."""
    if not token or len(token) > 100:
        return None
    token_hash = sha256_hex(token.encode())
    row = db.run(lambda tx: tx.one(
        "SELECT s.username, u.role, s.csrf_token, s.last_seen, s.expires_at, u.disabled_at "
        "FROM staff_sessions s JOIN staff_users u ON u.username = s.username "
        "WHERE s.token_hash = ?", [token_hash]), write=False)
    if row is None:
        return None
    now = utc_now()
    if row[5] is not None or row[4] <= now or row[3] <= _later(-IDLE_MINUTES):
        return None
    # Refresh the idle clock at most once a minute: a page view is not worth a write each.
    if row[3] <= _later(-1):
        db.run(lambda tx: tx.execute("UPDATE staff_sessions SET last_seen = ? "
                                     "WHERE token_hash = ?", [now, token_hash]))
    return Staff(row[0], row[1], row[2])


def logout(db: Database, token: str, username: str) -> None:
    """End a session."""

    def work(tx: Tx) -> None:
        tx.execute("DELETE FROM staff_sessions WHERE token_hash = ?", [sha256_hex(token.encode())])
        actions.record(tx, username, "logout", username, "", {})

    db.run(work)


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens (missing never matches)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
