"""Last year's figures for a new yearly report: the same subject's latest earlier report.

A yearly form (an annual report) has a de-duplication key of a subject (the enterprise's credit
code) and a year. Starting next year's report, the clerk is offered the latest earlier report of
that subject, copied into the empty fields, to be corrected where the year's figures differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from desktop.services.lookup import StoreLookup
from forms.keys import record_key
from forms.model import FormDefinition

EMPTY: tuple[Any, ...] = (None, "", [])


@dataclass(frozen=True)
class Carried:
    """The earlier report found and the values to put into the new one's empty fields."""

    record_id: str
    year: int
    values: dict[str, Any]


def year_field(form: FormDefinition) -> str | None:
    """The year in the form's de-duplication key, or None when the form is not yearly."""
    return form.key_year()


def previous_report(db: sqlite_utils.Database, form: FormDefinition, data: dict[str, Any]) -> tuple[str, int, dict[str, Any]] | None:
    """The latest report of ``data``'s subject before ``data``'s year (any year when none is
    typed yet): (record id, year, data), or None when there is none or no subject is typed."""
    year_id = year_field(form)
    if year_id is None:
        return None
    subject = [n for n in form.key_fields() if n != year_id]
    if not subject or record_key(subject, data) is None:
        return None
    probe = next((n for n in subject if form.field(n).type not in ("text", "textarea")), subject[0])
    before = data.get(year_id)
    best: tuple[str, int, dict[str, Any]] | None = None
    for record_id, other in StoreLookup(db, similar=False)(form.id, probe, data[probe]):
        year = other.get(year_id)
        if record_key(subject, other) != record_key(subject, data) or not isinstance(year, int) or isinstance(year, bool):
            continue
        if isinstance(before, int) and year >= before:
            continue
        if best is None or year > best[1]:
            best = (record_id, year, other)
    return best


def carry_over(db: sqlite_utils.Database, form: FormDefinition, data: dict[str, Any]) -> Carried | None:
    """What to copy from the subject's previous report into ``data``: every field ``data`` has
    empty except the year; the year itself becomes the one after the previous report's when
    none is typed. None when there is no previous report."""
    found = previous_report(db, form, data)
    if found is None:
        return None
    record_id, year, previous = found
    year_id = year_field(form)
    values = {f.id: previous[f.id] for f in form.fields
              if f.id != year_id and previous.get(f.id) not in EMPTY and data.get(f.id) in EMPTY}
    if year_id is not None and data.get(year_id) in EMPTY:
        values[year_id] = year + 1
    return Carried(record_id, year, values)
