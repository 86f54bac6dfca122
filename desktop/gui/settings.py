"""The app's settings: one typed, declarative registry and a small JSON file in the data dir.

Each setting is declared once (name, type, default, description, allowed values); the file
holds only values that differ from the default. An unreadable file or a value of the wrong
type falls back to the default rather than stopping the app: settings are preferences, and a
clerk must never be locked out of their data by a damaged preference file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.fsutil import write_atomic

SETTINGS_FILE = "settings.json"
# Lets automation and the screenshots pick a language without touching the file.
LANG_ENV = "ANHUI_COLLECT_LANG"


@dataclass(frozen=True)
class Setting:
    """One declared setting: its name, Python type, default and what it means."""

    name: str
    type: type
    default: Any
    description: str
    choices: tuple[Any, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    # Shown in the settings dialog: only what a clerk has reason to change. The rest are
    # tuning values and state the app keeps for itself (where the window was).
    for_clerk: bool = False

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is a valid value of this setting."""
        if self.type is int and (isinstance(value, bool) or not isinstance(value, int)):
            return False
        if not isinstance(value, self.type):
            return False
        if self.choices and value not in self.choices:
            return False
        if self.minimum is not None and value < self.minimum:
            return False
        return not (self.maximum is not None and value > self.maximum)


REGISTRY: tuple[Setting, ...] = (
    Setting("language", str, "zh", "Language of the app (applied on restart): zh or en.", choices=("zh", "en"),
            for_clerk=True),
    Setting("idle_lock_minutes", int, 10, "Lock the app after this many idle minutes (0: never).", minimum=0, maximum=240,
            for_clerk=True),
    Setting("autosave_seconds", int, 5, "Save unsaved editor contents this often, in seconds.", minimum=1, maximum=60),
    Setting("page_size", int, 200, "Records fetched per page of a list.", minimum=50, maximum=5000),
    Setting("window_geometry", str, "", "The main window's size and place when it was last closed (Qt's saveGeometry, base64)."),
)
_BY_NAME = {s.name: s for s in REGISTRY}


class Settings:
    """The values of every declared setting, read from and saved to ``settings.json``."""

    def __init__(self, path: Path | None, values: dict[str, Any] | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = {}
        for name, value in (values or {}).items():
            setting = _BY_NAME.get(name)
            if setting is not None and setting.accepts(value):
                self._values[name] = value

    @classmethod
    def load(cls, data_dir: Path) -> Settings:
        """Read the settings of the office in ``data_dir`` (defaults if there is no file yet)."""
        path = Path(data_dir) / SETTINGS_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        return cls(path, raw if isinstance(raw, dict) else {})

    def get(self, name: str) -> Any:
        """The value of ``name`` (its default when unset); KeyError for an undeclared name."""
        setting = _BY_NAME[name]
        return self._values.get(name, setting.default)

    def set(self, name: str, value: Any) -> None:
        """Change a setting in memory; ValueError when the value does not fit its declaration."""
        setting = _BY_NAME[name]
        if not setting.accepts(value):
            raise ValueError(f"{name}: {value!r} is not a valid value")
        if value == setting.default:
            self._values.pop(name, None)
        else:
            self._values[name] = value

    def save(self) -> None:
        """Write the non-default values atomically (nothing to write without a data dir)."""
        if self.path is None:
            return
        body = json.dumps(self._values, ensure_ascii=False, indent=2, sort_keys=True)
        write_atomic(self.path, body.encode("utf-8"), mode=0o600)

    def language(self) -> str:
        """The language to show: ``$ANHUI_COLLECT_LANG`` when set, else the saved setting."""
        env = os.environ.get(LANG_ENV, "").lower()
        if env:
            return "en" if env.startswith("en") else "zh"
        return str(self.get("language"))

    def __iter__(self) -> Iterator[tuple[Setting, Any]]:
        return ((s, self.get(s.name)) for s in REGISTRY)
