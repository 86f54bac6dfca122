"""Reviewers' decisions: accept a record, return it for correction, settle a duplicate."""

from __future__ import annotations

from typing import Any

from forms.text import clean_text
from province import actions
from province.clock import utc_now
from province.console.tally import Tally
from province.context import Province
from province.db import Tx
from province.updates import StaleVersion, return_record_in
from sync.errors import NotFound

MAX_REASON = 2000


class ReviewError(ValueError):
    """A decision that cannot be taken as asked; the message is for the reviewer."""


def accept(province: Province, record_id: str, version_id: str, actor: str) -> None:
    """Accept the version the reviewer saw (refused if a newer one arrived since)."""

    def work(tx: Tx) -> None:
        current = tx.scalar("SELECT current_version_id FROM records WHERE record_id = ? "
                            "FOR UPDATE", [record_id])
        if current is None:
            raise NotFound(f"no record {record_id}")
        if current != version_id:
            raise StaleVersion(f"record {record_id} has a newer version than the one reviewed")
        now = utc_now()
        tx.execute("INSERT INTO reviews (record_id, version_id, state, actor, at) "
                   "VALUES (?, ?, 'accepted', ?, ?) ON CONFLICT (record_id) DO UPDATE SET "
                   "version_id = excluded.version_id, state = excluded.state, "
                   "actor = excluded.actor, at = excluded.at",
                   [record_id, version_id, actor, now])
        tx.execute("UPDATE console_records SET state = 'accepted' WHERE record_id = ?",
                   [record_id])
        actions.record(tx, actor, "record.accept", record_id, "", {"version_id": version_id})

    province.db.run(work)


def return_for_correction(province: Province, record_id: str, version_id: str, reason: str,
                          actor: str) -> int:
    """Return the version the reviewer saw to its office; the reason reaches the office."""
    reason = clean_text(reason, multiline=True)
    if not reason:
        raise ReviewError("reason_required")
    if len(reason) > MAX_REASON:
        raise ReviewError("reason_too_long")
    return province.db.run(lambda tx: return_record_in(tx, province, record_id, reason, actor,
                                                       expected_version=version_id))


def duplicate_groups(province: Province, *, form_id: str = "", decided: str = "",
                     offset: int = 0, limit: int = 30) -> tuple[list[dict[str, Any]], int]:
    """Keys reported by more than one org unit, with their records and any decision.

    ``decided`` is "yes", "no" or "" (both). Returns one page of groups and how many there are.
    """
    where: list[str] = []
    params: list[Any] = []
    if form_id:
        where.append("g.form_id = ?")
        params.append(form_id)
    decision = ("EXISTS (SELECT 1 FROM duplicate_decisions d WHERE d.form_id = g.form_id "
                "AND d.dup_key = g.dup_key)")
    if decided == "yes":
        where.append(decision)
    elif decided == "no":
        where.append(f"NOT {decision}")
    # duplicate_groups holds only keys of several org units, kept by the index's catch-up.
    filtered = "duplicate_groups g" + (" WHERE " + " AND ".join(where) if where else "")

    def work(tx: Tx) -> tuple[list[dict[str, Any]], int]:
        # One query gives the page and, by a window, the number of groups.
        keys = tx.rows(f"SELECT g.form_id, g.dup_key, COUNT(*) OVER () FROM {filtered} "
                       "ORDER BY g.latest DESC, g.form_id, g.dup_key LIMIT ? OFFSET ?",
                       [*params, limit, offset])
        total = int(keys[0][2]) if keys else (
            int(tx.scalar(f"SELECT COUNT(*) FROM {filtered}", params)) if offset else 0)
        groups = []
        for form, key, _total in keys:
            members = tx.rows(
                "SELECT c.record_id, c.org_unit, c.city, c.title, c.received_at FROM "
                "console_records c WHERE c.form_id = ? AND c.dup_key = ? "
                "ORDER BY c.org_unit, c.record_id LIMIT 200", [form, key])
            decision = tx.one("SELECT org_unit, actor, at, reason FROM duplicate_decisions "
                              "WHERE form_id = ? AND dup_key = ?", [form, key])
            groups.append({
                "form_id": form, "dup_key": key,
                "records": [dict(zip(("record_id", "org_unit", "city", "title", "received_at"),
                                     m, strict=True)) for m in members],
                "decision": dict(zip(("org_unit", "actor", "at", "reason"), decision,
                                     strict=True)) if decision else None,
            })
        return groups, total

    return province.db.run(work, write=False)


def resolve_duplicate(province: Province, form_id: str, dup_key: str, org_unit: str,
                      reason: str, actor: str) -> None:
    """Decide which org unit a duplicated thing counts under; progress follows the decision."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ReviewError("reason_too_long")

    def work(tx: Tx) -> None:
        units = {r[0] for r in tx.rows("SELECT DISTINCT org_unit FROM console_records "
                                       "WHERE form_id = ? AND dup_key = ?", [form_id, dup_key])}
        if len(units) < 2:
            raise ReviewError("not_a_duplicate")
        if org_unit not in units:
            raise ReviewError("unit_not_in_group")
        tx.execute("INSERT INTO duplicate_decisions (form_id, dup_key, org_unit, actor, at, "
                   "reason) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (form_id, dup_key) DO UPDATE "
                   "SET org_unit = excluded.org_unit, actor = excluded.actor, at = excluded.at, "
                   "reason = excluded.reason", [form_id, dup_key, org_unit, actor, utc_now(),
                                                reason])
        # The records of the group count anew: some are now left out, one may now count.
        members = [r[0] for r in tx.rows("SELECT record_id FROM console_records "
                                         "WHERE form_id = ? AND dup_key = ?", [form_id, dup_key])]
        Tally(province.validator.registry()).refresh(tx, members)
        actions.record(tx, actor, "duplicate.resolve", f"{form_id}:{dup_key}", reason,
                       {"org_unit": org_unit, "org_units": sorted(units)})

    province.db.run(work)
