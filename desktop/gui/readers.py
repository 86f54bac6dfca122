"""Read-only work for the dashboard, done on the thread pool over its own connection.

The house rule is one owner for writes and separate connections for readers: the GUI
thread keeps the office's connection, and a background read opens its own, so a long count
never interleaves with a save on the shared one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.services.progress import office_investment, office_progress
from desktop.store.office import Office


@dataclass
class DashboardData:
    """Everything the dashboard shows, computed in one background read."""

    by_status: dict[str, int] = field(default_factory=dict)
    by_sector_status: dict[tuple[str, str], int] = field(default_factory=dict)
    unsaved_edits: int = 0
    progress: Any = None
    investment: Any = None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def count(self, *statuses: str) -> int:
        return sum(self.by_status.get(s, 0) for s in statuses)


def dashboard_data(office: Office, registry: Any) -> DashboardData:
    """Counts by status and by sector, unsaved edits, and progress toward the targets."""
    db = office.open_reader()
    try:
        data = DashboardData()
        for row in db.query("SELECT sector, status, count(*) AS n FROM records GROUP BY sector, status"):
            data.by_sector_status[(row["sector"] or "", row["status"])] = row["n"]
            data.by_status[row["status"]] = data.by_status.get(row["status"], 0) + row["n"]
        data.unsaved_edits = next(db.query("SELECT count(*) AS n FROM autosave WHERE user = ?", [office.user]))["n"]
        data.progress = office_progress(office, registry, db)
        data.investment = office_investment(office, registry, db)
        return data
    finally:
        db.close()
