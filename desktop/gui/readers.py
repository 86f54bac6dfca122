"""Read-only work for the dashboard, done on the thread pool over its own connection.

The house rule is one owner for writes and separate connections for readers: the GUI
thread keeps the office's connection, and a background read opens its own, so a long count
never interleaves with a save on the shared one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desktop.services.periods import PeriodStatus, open_periods, period_status
from desktop.services.progress import office_financing, office_investment, office_progress
from desktop.store.office import Office


@dataclass
class DashboardData:
    """Everything the dashboard shows; ``progress`` is None until it has been computed."""

    by_status: dict[str, int] = field(default_factory=dict)
    by_sector_status: dict[tuple[str, str], int] = field(default_factory=dict)
    unsaved_edits: int = 0
    progress: Any = None
    investment: Any = None
    financing: Any = None
    report_years: list[int] = field(default_factory=list)
    periods: list[PeriodStatus] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def count(self, *statuses: str) -> int:
        return sum(self.by_status.get(s, 0) for s in statuses)


@dataclass
class ProgressRead:
    """The dashboard's second, slower read."""

    progress: Any
    investment: Any
    report_years: list[int]
    periods: list[PeriodStatus]
    financing: Any


def dashboard_counts(office: Office) -> DashboardData:
    """Counts by status and by sector (kept by the store as records change), unsaved edits."""
    db = office.open_reader()
    try:
        data = DashboardData()
        for sector, status, n in db.execute(
                "SELECT sector, status, sum(n) FROM record_counts GROUP BY sector, status HAVING sum(n) > 0"):
            data.by_sector_status[(sector, status)] = n
            data.by_status[status] = data.by_status.get(status, 0) + n
        data.unsaved_edits = next(db.query("SELECT count(*) AS n FROM autosave WHERE user = ?", [office.user]))["n"]
        return data
    finally:
        db.close()


def dashboard_progress(office: Office, registry: Any, reporting_year: int | None = None) -> ProgressRead:
    """Progress toward the targets with the money of ``reporting_year`` (the year before
    today's when None), the projects' investment totals, the years annual reports are for, the
    reporting periods open with what this office still owes, and the financing totals: every
    counted record is read, so they come second."""
    db = office.open_reader()
    try:
        return ProgressRead(office_progress(office, registry, db, reporting_year=reporting_year),
                            office_investment(office, registry, db), report_years(db),
                            [period_status(db, registry, p) for p in open_periods(db)],
                            office_financing(office, registry, db))
    finally:
        db.close()


def report_years(db: Any) -> list[int]:
    """The years this office's annual reports are for (any status), in order."""
    rows = db.query("SELECT DISTINCT json_extract(v.data, '$.year') AS year FROM records r "
                    "JOIN versions v ON v.version_id = r.current_version_id WHERE r.form_id = 'annual_report'")
    return sorted({r["year"] for r in rows if isinstance(r["year"], int)})
