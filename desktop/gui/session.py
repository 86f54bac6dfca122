"""What one signed-in user's window works with: the open office and its services."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.gui.labels import SectorLabels
from desktop.gui.settings import Settings
from desktop.gui.tasks import Task
from desktop.services.autosave import Autosave
from desktop.services.checking import RecordChecker
from desktop.services.lookup import StoreLookup
from desktop.services.records import RecordService
from desktop.store.office import Office


@dataclass
class Session:
    """The unlocked office with the record service, autosave, forms registry and settings.

    ``checker`` is the office's checker (``default_checker``); its registry is the one the
    editor generates forms from, so the GUI and the store validate with the same engine.
    """

    office: Office
    checker: RecordChecker
    settings: Settings
    data_dir: Path
    records: RecordService = field(init=False)
    autosave: Autosave = field(init=False)
    labels: SectorLabels = field(init=False)

    def __post_init__(self) -> None:
        # The GUI thread submits writes and is told how they went; it never waits for them.
        self.office.writer.never_wait_here()
        self.registry: Any = self.checker.registry  # type: ignore[attr-defined]
        self.records = RecordService(self.office, self.checker)
        self.autosave = Autosave(self.office)
        self.labels = SectorLabels(self.registry)
        self.lookup = StoreLookup(self.office.db)

    @property
    def draft_tolerated(self) -> frozenset[str]:
        """Problem codes a draft may still be saved with (it is work in progress)."""
        return frozenset(self.records.checker.draft_tolerated)

    def form(self, form_id: str, version: int | None = None) -> Any:
        return self.registry.form(form_id, version)

    def write(self, job: Any, owner: Any = None) -> Task:
        """A task for ``job(db)`` on the office's writer; add callbacks, then ``start()`` it."""
        return Task.write(self.office, job, owner)

    def close(self, wait: bool = False) -> None:
        """Close the office; writes already submitted still finish (waited for when ``wait``)."""
        self.office.close(wait=wait)
