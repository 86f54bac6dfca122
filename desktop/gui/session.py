"""What one signed-in user's window works with: the open office and its services."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.gui.labels import SectorLabels
from desktop.gui.settings import Settings
from desktop.services.autosave import Autosave
from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.store.office import Office


@dataclass
class Session:
    """The unlocked office with the record service, autosave, forms registry and settings."""

    office: Office
    registry: Any
    settings: Settings
    data_dir: Path
    records: RecordService = field(init=False)
    autosave: Autosave = field(init=False)
    labels: SectorLabels = field(init=False)

    def __post_init__(self) -> None:
        self.checker = default_checker(self.data_dir)
        self.records = RecordService(self.office, self.checker)
        self.autosave = Autosave(self.office)
        self.labels = SectorLabels(self.registry)

    @property
    def lookup(self) -> Any:
        """The store-backed duplicate lookup for inline validation, when the checker has one."""
        return getattr(self.checker, "lookup", None)

    @property
    def draft_tolerated(self) -> frozenset[str]:
        """Problem codes a draft may still be saved with (it is work in progress)."""
        return frozenset(getattr(self.checker, "draft_tolerated", frozenset({"required"})))

    def form(self, form_id: str, version: int | None = None) -> Any:
        return self.registry.form(form_id, version)

    def close(self) -> None:
        self.office.close()
