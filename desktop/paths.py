"""Where the office keeps its files.

platformdirs gives the per-user default; ``ANHUI_COLLECT_HOME`` overrides it for tests
and portable installs. Nothing is created at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "anhui-future-collect"
HOME_ENV = "ANHUI_COLLECT_HOME"


def default_data_dir() -> Path:
    """The office data folder: ``$ANHUI_COLLECT_HOME`` or the platform's user data dir."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Folder for the app's log file (never holds field values)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override) / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


class OfficePaths:
    """The files of one office inside its data folder."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.root = Path(data_dir)

    @property
    def database(self) -> Path:
        return self.root / "office.db"

    @property
    def keyslots(self) -> Path:
        return self.root / "keyslots.json"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def drafts(self) -> Path:
        return self.root / "drafts"

    def exists(self) -> bool:
        return self.database.exists() and self.keyslots.exists()
