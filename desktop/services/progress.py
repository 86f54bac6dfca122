"""This office's progress toward the plan's targets (the CLI and the dashboard share it)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from desktop.services.records import STATUSES
from desktop.store.office import Office
from forms.investment import (
    FINANCING_FORM,
    PROJECT_FORM,
    FinancingTotals,
    InvestmentTotals,
    financing_totals,
    investment_totals,
)
from forms.progress import COUNTED_STATUSES, Progress, compute_progress
from forms.registry import Registry


def current_records(db: sqlite_utils.Database, statuses: Iterable[str] = COUNTED_STATUSES,
                    form_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Each record's current version with the given statuses (of one form, if given), as the
    progress counter takes them."""
    wanted: list[Any] = sorted(statuses)
    marks = ", ".join("?" for _ in wanted)
    only_form = ""
    if form_id is not None:
        only_form = " AND r.form_id = ?"
        wanted.append(form_id)
    rows = db.query(
        "SELECT r.record_id, r.form_id, r.form_version, r.org_unit, r.status, v.data FROM records r "
        f"JOIN versions v ON v.version_id = r.current_version_id WHERE r.status IN ({marks}){only_form}",
        wanted,
    )
    for row in rows:
        row["data"] = json.loads(row["data"])
        yield row


def office_progress(office: Office, registry: Registry, db: sqlite_utils.Database | None = None, *,
                    as_of: dt.date | None = None, reporting_year: int | None = None) -> Progress:
    """Progress of ``office``; pass ``db`` to read through another connection (a worker thread).

    Every current record is passed in, whatever its status: drafts and returned records are
    counted as excluded ("not yet final") by the targets they would count toward.
    """
    return compute_progress(registry, current_records(db or office.db, STATUSES), as_of=as_of,
                            reporting_year=reporting_year)


def office_investment(office: Office, registry: Registry, db: sqlite_utils.Database | None = None) -> InvestmentTotals:
    """This office's major projects added up by year and funding source (final records count;
    drafts and returned records are counted as not final)."""
    return investment_totals(registry, current_records(db or office.db, STATUSES, PROJECT_FORM))


def office_financing(office: Office, registry: Registry, db: sqlite_utils.Database | None = None) -> FinancingTotals:
    """This office's financing events added up by year and round (final records count; drafts
    and returned records are counted as not final)."""
    return financing_totals(registry, current_records(db or office.db, STATUSES, FINANCING_FORM))
