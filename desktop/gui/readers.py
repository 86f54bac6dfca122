"""Read-only work for the dashboard, done on the thread pool over its own connection.

The house rule is one owner for writes and separate connections for readers: the GUI
thread keeps the office's connection, and a background read opens its own, so a long count
never interleaves with a save on the shared one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from desktop.store.connection import open_database
from desktop.store.office import Office
from forms.progress import COUNTED_STATUSES, compute_progress


def open_reader(office: Office) -> Any:
    """A second connection to the office database for reading on another thread.

    The store does not offer a reader yet, so this opens one with the same key through the
    one opener (``open_database``); see the GUI report for the service wanted instead.
    """
    return open_database(office.paths.database, office._key or None)


@dataclass
class DashboardData:
    """Everything the dashboard shows, computed in one background read."""

    by_status: dict[str, int] = field(default_factory=dict)
    by_sector_status: dict[tuple[str, str], int] = field(default_factory=dict)
    unsaved_edits: int = 0
    progress: Any = None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def count(self, *statuses: str) -> int:
        return sum(self.by_status.get(s, 0) for s in statuses)


def _counted_records(db: Any) -> Iterator[dict[str, Any]]:
    marks = ", ".join("?" for _ in COUNTED_STATUSES)
    rows = db.query(
        "SELECT r.record_id, r.form_id, r.form_version, r.status, r.org_unit, v.data FROM records r "
        f"JOIN versions v ON v.version_id = r.current_version_id WHERE r.status IN ({marks})",
        sorted(COUNTED_STATUSES),
    )
    for row in rows:
        row["data"] = json.loads(row["data"])
        yield row


def dashboard_data(office: Office, registry: Any) -> DashboardData:
    """Counts by status and by sector, unsaved edits, and progress toward the targets."""
    db = open_reader(office)
    try:
        data = DashboardData()
        for row in db.query("SELECT sector, status, count(*) AS n FROM records GROUP BY sector, status"):
            data.by_sector_status[(row["sector"] or "", row["status"])] = row["n"]
            data.by_status[row["status"]] = data.by_status.get(row["status"], 0) + row["n"]
        data.unsaved_edits = next(db.query("SELECT count(*) AS n FROM autosave WHERE user = ?", [office.user]))["n"]
        data.progress = compute_progress(registry, _counted_records(db))
        return data
    finally:
        db.close()
