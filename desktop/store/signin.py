"""The sign-in list: the names the unlock screen offers, in a file beside the database.

The key slots deliberately name no one (a slot is found by a tag derived from the name),
so a list to pick from has to be kept apart from them. ``signin.json`` holds the names of
the users who can sign in now, nothing else: no roles, no key material, nothing that helps
to open the database. Whoever can read the data folder learns who works in the office;
an office that does not want that turns the list off (the unlock screen then asks for the
name to be typed) and the file is reduced to ``{"listed": false}``. The choice itself is
kept inside the encrypted database, so a changed or deleted file is rewritten as the
office decided at the next sign-in.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from sync.fsutil import write_atomic

FILE = "signin.json"
MAX_NAMES = 500


def signin_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE


def read_names(data_dir: Path) -> list[str] | None:
    """The names to offer, or None when there is no list (turned off, missing or unreadable)."""
    try:
        raw = json.loads(signin_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("listed") is not True or not isinstance(raw.get("users"), list):
        return None
    names = [n for n in raw["users"][:MAX_NAMES] if isinstance(n, str) and 0 < len(n) <= 64 and n.isprintable()]
    return names or None


def write_names(data_dir: Path, names: list[str] | None) -> None:
    """Offer ``names`` at sign-in; ``None`` turns the list off (no names are kept)."""
    body = {"format": 1, "listed": False} if names is None else {"format": 1, "listed": True, "users": names}
    data = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
    path = signin_path(data_dir)
    if _holds(path, data, 0o644):
        return  # every unlock refreshes the list: it costs a durable write only when it changed
    write_atomic(path, data, mode=0o644)


def _holds(path: Path, data: bytes, mode: int) -> bool:
    """Whether ``path`` is a file with exactly ``data`` and permissions ``mode``."""
    try:
        with open(path, "rb") as f:
            st_mode = os.fstat(f.fileno()).st_mode
            return stat.S_ISREG(st_mode) and stat.S_IMODE(st_mode) == mode and f.read(len(data) + 1) == data
    except OSError:
        return False
