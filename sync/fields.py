"""Strict readers for message fields: exact keys, exact types, bounded sizes.

Every message parser goes through :class:`Fields`, so an unexpected key, a wrong type or an
oversized value is refused with the JSON path of the field that is wrong.
"""

from __future__ import annotations

import re
from typing import Any

from sync.errors import MalformedPayload, ProtocolError

HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Ids the office makes: UUIDs in practice, but anything printable and short is allowed.
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


class Fields:
    """Read the fields of one JSON object; call :meth:`done` to refuse unknown keys."""

    def __init__(
        self, obj: Any, path: str = "$", error: type[ProtocolError] = MalformedPayload
    ) -> None:
        if not isinstance(obj, dict):
            raise error(f"{path} must be an object", field=path)
        self.obj = obj
        self.path = path
        self.error = error
        self.seen: set[str] = set()

    def fail(self, key: str, why: str) -> ProtocolError:
        """The error for field ``key``, naming its full path."""
        return self.error(f"{self.path}.{key} {why}", field=f"{self.path}.{key}")

    def raw(self, key: str) -> Any:
        """The value of ``key`` without a type check (it must be present)."""
        self.seen.add(key)
        if key not in self.obj:
            raise self.fail(key, "is missing")
        return self.obj[key]

    def text(
        self, key: str, *, max_len: int = 200, pattern: re.Pattern[str] | None = None, empty: bool = False
    ) -> str:
        """A string field, non-empty unless ``empty``, matching ``pattern`` when given."""
        value = self.raw(key)
        if not isinstance(value, str):
            raise self.fail(key, "must be a string")
        if (not value and not empty) or len(value) > max_len:
            raise self.fail(key, f"must be 1 to {max_len} characters")
        if pattern is not None and not pattern.match(value):
            raise self.fail(key, "has an invalid format")
        return value

    def opt_text(self, key: str, **kwargs: Any) -> str | None:
        """Like :meth:`text` but ``null`` is allowed (the key must still be present)."""
        if self.raw(key) is None:
            return None
        return self.text(key, **kwargs)

    def integer(self, key: str, *, minimum: int = 0, maximum: int = 2**63 - 1) -> int:
        """An integer field (never a bool or float) within bounds."""
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "must be an integer")
        if not minimum <= value <= maximum:
            raise self.fail(key, f"must be between {minimum} and {maximum}")
        return value

    def flag(self, key: str) -> bool:
        """A boolean field."""
        value = self.raw(key)
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def items(self, key: str, *, max_len: int = 10_000) -> list[Any]:
        """A list field of at most ``max_len`` items."""
        value = self.raw(key)
        if not isinstance(value, list) or len(value) > max_len:
            raise self.fail(key, f"must be a list of at most {max_len} items")
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        """An object field (returned as is; parse it with another :class:`Fields`)."""
        value = self.raw(key)
        if not isinstance(value, dict):
            raise self.fail(key, "must be an object")
        return value

    def sub(self, key: str) -> Fields:
        """A :class:`Fields` for a nested object."""
        return Fields(self.mapping(key), f"{self.path}.{key}", self.error)

    def protocol(self, version: int = 1) -> None:
        """The message's ``protocol`` field, which must be ``version``."""
        if self.integer("protocol", minimum=0, maximum=1000) != version:
            raise self.fail("protocol", f"must be {version}")

    def done(self) -> None:
        """Refuse any key that was not read: messages have exactly their documented fields."""
        extra = set(self.obj) - self.seen
        if extra:
            key = sorted(extra)[0]
            raise self.fail(key, "is not a field of this message")
