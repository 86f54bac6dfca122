"""Reporting periods (填报期) as the province published them, and what this office still owes.

The province opens and closes a period of a yearly form (the annual report) for one year with
a signed ``reporting_period`` update; the latest one for a form and year is its state. For an
open period the office is shown each of its enterprises without a report for that year, and
those whose report is not yet final.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from desktop.services.progress import current_records
from desktop.services.records import STATUSES
from forms.errors import UnknownForm
from forms.periods import report_link
from forms.progress import COUNTED_STATUSES
from forms.registry import Registry


@dataclass(frozen=True)
class Period:
    form_id: str
    year: int
    state: str
    due: str
    published_at: str


@dataclass(frozen=True)
class Owing:
    """An enterprise of this office and the report it owes for a period."""

    record_id: str
    name: str
    credit_code: str
    report_id: str | None = None  # the unfinished report, when there is one
    report_status: str | None = None


@dataclass
class PeriodStatus:
    period: Period
    subject_form: str
    subjects: int = 0
    reported: int = 0
    missing: list[Owing] = field(default_factory=list)
    unfinished: list[Owing] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"form_id": self.period.form_id, "year": self.period.year, "state": self.period.state,
                "due": self.period.due, "published_at": self.period.published_at,
                "enterprises": self.subjects, "reported": self.reported,
                "missing": [o.__dict__ for o in self.missing],
                "not_final": [o.__dict__ for o in self.unfinished]}


def periods(db: sqlite_utils.Database) -> list[Period]:
    """Every period the province published, in its latest state, by form and year."""
    latest: dict[tuple[str, int], Period] = {}
    for row in db.query("SELECT body, published_at FROM updates WHERE kind = 'reporting_period' ORDER BY update_id"):
        body = json.loads(row["body"])
        latest[(body["form_id"], body["year"])] = Period(body["form_id"], body["year"], body["state"],
                                                          body.get("due", ""), row["published_at"])
    return sorted(latest.values(), key=lambda p: (p.form_id, p.year))


def open_periods(db: sqlite_utils.Database) -> list[Period]:
    """The periods open now, latest year first."""
    return sorted((p for p in periods(db) if p.state == "open"), key=lambda p: (-p.year, p.form_id))


def period_status(db: sqlite_utils.Database, registry: Registry, period: Period) -> PeriodStatus:
    """Which of this office's enterprises have a final report for ``period`` and which do not.

    A report belongs to an enterprise by its record reference or, failing that, by the subject
    part of the form's key (the credit code), as an imported sheet links it.
    """
    try:
        link = report_link(registry.form(period.form_id))
    except UnknownForm:  # published with a form this office has not pulled yet
        return PeriodStatus(period, "")
    if link is None:
        return PeriodStatus(period, "")
    best: dict[str, tuple[str, str]] = {}  # enterprise id or key -> (report id, status)
    for row in current_records(db, STATUSES, period.form_id):
        data = row["data"]
        if data.get(link.year_field) != period.year:
            continue
        found = (row["record_id"], row["status"])
        for handle in link.report_handles(data):
            if handle not in best or best[handle][1] not in COUNTED_STATUSES:
                best[handle] = found
    status = PeriodStatus(period, link.subject_form)
    code_field = dict(zip(link.report_key, link.subject_key, strict=True)).get("credit_code", "credit_code")
    for row in current_records(db, STATUSES, link.subject_form):
        data = row["data"]
        status.subjects += 1
        report = next((best[h] for h in link.subject_handles(row["record_id"], data) if h in best), None)
        owing = Owing(row["record_id"], str(data.get("name") or ""), str(data.get(code_field) or ""))
        if report is None:
            status.missing.append(owing)
        elif report[1] not in COUNTED_STATUSES:
            status.unfinished.append(Owing(owing.record_id, owing.name, owing.credit_code, report[0], report[1]))
        else:
            status.reported += 1
    status.missing.sort(key=lambda o: (o.name, o.record_id))
    status.unfinished.sort(key=lambda o: (o.name, o.record_id))
    return status

