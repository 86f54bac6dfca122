"""Reporting periods (填报期): the province opens and closes the time in which offices report a
yearly form (the annual report) for one year, each change a signed update to every office.

The latest ``reporting_period`` update of a form and year is that period's state; nothing else
is kept, so what the province says and what the offices pulled cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from forms.errors import UnknownForm
from forms.periods import report_link
from province import actions
from province.context import Province
from province.db import Row, Tx
from province.updates import add_update
from sync import dsse
from sync.control import PERIOD_STATES

KIND = "reporting_period"
FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodError(ValueError):
    """A period that cannot be opened or closed; the message says why."""


@dataclass(frozen=True)
class Period:
    form_id: str
    year: int
    state: str
    due: str
    update_id: int
    published_at: str

    def to_json(self) -> dict[str, Any]:
        return {"form_id": self.form_id, "year": self.year, "state": self.state, "due": self.due,
                "update_id": self.update_id, "published_at": self.published_at}


def subject(form_id: str, year: int) -> str:
    return f"{form_id}.{year}"


def periods(province: Province) -> list[Period]:
    """Every period ever opened, in its latest state, by form and year."""
    def work(tx: Tx) -> list[Period]:
        rows = tx.rows("SELECT update_id, envelope FROM updates WHERE kind = ? ORDER BY update_id", [KIND])
        latest: dict[tuple[str, int], Period] = {}
        for update_id, envelope in rows:
            update = json.loads(dsse.parse(bytes(envelope)).payload)
            body = update["body"]
            latest[(body["form_id"], body["year"])] = Period(
                body["form_id"], body["year"], body["state"], body["due"], int(update_id), update["published_at"])
        return sorted(latest.values(), key=lambda p: (p.form_id, p.year))

    return province.db.run(work, write=False)


def set_period(province: Province, form_id: str, year: int, state: str, *, due: dt.date | None = None,
               actor: str = "cli") -> int | None:
    """Open or close the period of ``form_id`` for ``year`` as a signed update to every office;
    return the update id, or None when the period is already in that state with that due day.

    Only a form reported year by year (a year in its de-duplication key) has periods; a period
    never opened cannot be closed.
    """
    if state not in PERIOD_STATES:
        raise PeriodError(f"状态应为 {'、'.join(PERIOD_STATES)} 之一，而不是 {state!r}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(f"年度应在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间，而不是 {year}")
    try:
        form = province.validator.registry().form(form_id)
    except UnknownForm:
        raise PeriodError(f"没有已发布的表单 {form_id!r}") from None
    if form.key_year() is None:
        raise PeriodError(f"{form_id} 不是按年度填报的表单，没有填报期")
    if state == "closed" and due is not None:
        raise PeriodError("截止日在开放填报期时给出，关闭时不用给")
    due_text = due.isoformat() if due is not None else ""
    current = next((p for p in periods(province) if (p.form_id, p.year) == (form_id, year)), None)
    if state == "closed" and current is None:
        raise PeriodError(f"{form_id} 的 {year} 年度填报期从未开放过，无从关闭")
    if current is not None and current.state == state and (state == "closed" or current.due == due_text):
        return None

    def work(tx: Tx) -> int:
        update_id = add_update(tx, province, KIND, "*", subject(form_id, year),
                               {"form_id": form_id, "year": year, "state": state, "due": due_text})
        actions.record(tx, actor, f"period.{state}", subject(form_id, year), "",
                       {"form_id": form_id, "year": year, "due": due_text, "update_id": update_id})
        return update_id

    return province.db.run(work)


@dataclass
class OfficeStanding:
    """One office's enterprises and how many of them the province holds a report from."""

    org_unit: str
    enterprises: int = 0
    reported: int = 0
    reports: int = 0

    @property
    def missing(self) -> int:
        return self.enterprises - self.reported


def standing(province: Province, period: Period) -> list[OfficeStanding]:
    """Per office (an org unit with an enrolled device or with enterprises), the enterprises the
    province holds from it, how many have a report for the period's year and how many reports
    it sent; offices with the most missing first.

    The province sees only what offices synced: an enterprise an office has not sent is not
    counted as missing.
    """
    try:
        link = report_link(province.validator.registry().form(period.form_id))
    except UnknownForm:
        return []
    if link is None:
        return []

    def work(tx: Tx) -> tuple[list[Row], list[Row], list[Row]]:
        current = ("SELECT r.record_id, r.org_unit, v.data FROM records r JOIN record_versions v "
                   "ON v.version_id = r.current_version_id WHERE r.form_id = ?")
        return (tx.rows(current, [period.form_id]), tx.rows(current, [link.subject_form]),
                tx.rows("SELECT DISTINCT org_unit FROM devices WHERE revoked_at IS NULL"))

    reports, subjects, enrolled = province.db.run(work, write=False)
    offices = {unit: OfficeStanding(unit) for (unit,) in enrolled}
    reported: set[str] = set()
    for _record_id, unit, raw in reports:
        data = json.loads(raw)
        if data.get(link.year_field) == period.year:
            reported.update(link.report_handles(data))
            offices.setdefault(unit, OfficeStanding(unit)).reports += 1
    for record_id, unit, raw in subjects:
        office = offices.setdefault(unit, OfficeStanding(unit))
        office.enterprises += 1
        office.reported += any(h in reported for h in link.subject_handles(record_id, json.loads(raw)))
    return sorted(offices.values(), key=lambda o: (-o.missing, o.org_unit))
