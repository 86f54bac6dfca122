"""Everything a request handler or admin command needs, built once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from province.db import Database
from province.limits import Limits, RateLimiter
from province.schema import migrate
from province.signing import Signer, ensure_key
from province.validation import Validator

DEFAULT_MAX_BATCH_VERSIONS = 500
DB_FILE = "province.sqlite3"


def default_data_dir() -> Path:
    """``$ANHUI_PROVINCE_HOME``, else the platform's per-user data folder."""
    env = os.environ.get("ANHUI_PROVINCE_HOME")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("anhui-province", appauthor=False))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    max_batch_versions: int = DEFAULT_MAX_BATCH_VERSIONS
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def make(cls, data_dir: str | os.PathLike[str] | None = None,
             database_url: str | None = None, **kwargs: int | Limits) -> Settings:
        """Settings with the defaults filled in: the SQLite file lives in the data dir."""
        folder = Path(data_dir) if data_dir else default_data_dir()
        url = database_url or os.environ.get("ANHUI_PROVINCE_DATABASE_URL") or str(folder / DB_FILE)
        return cls(folder, url, **kwargs)  # type: ignore[arg-type]


@dataclass
class Province:
    settings: Settings
    db: Database
    signer: Signer
    validator: Validator
    key_id: str
    devices: RateLimiter
    """Signed requests per device (charged once the signature verified)."""

    @classmethod
    def open(cls, settings: Settings) -> Province:
        """Open the database (migrating it), make sure the signing key exists."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(settings.data_dir, 0o700)
        db = Database(settings.database_url)
        migrate(db)
        key_id = ensure_key(settings.data_dir, db)
        validator = Validator(db, settings.data_dir / "published")
        limits = settings.limits
        return cls(settings, db, Signer(settings.data_dir), validator, key_id,
                   RateLimiter(limits.rate_per_device, limits.burst_per_device))

    def close(self) -> None:
        self.db.close()
