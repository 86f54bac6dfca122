"""Province-wide progress toward the plan's targets, counted by the forms engine's own rules.

The rules are :mod:`forms.progress`'s, the same the office dashboard uses. On top of what an
office sees: records the province returned for correction are not counted until the office
answers, and where a reviewer decided which org unit a duplicated enterprise, standard,
platform or team counts under (the console's 重复 page), the other org units' records of it
are left out.

:func:`compute` reads the running totals :mod:`province.console.tally` keeps as records
arrive, are returned or are decided on, so the numbers for any day and reporting year are a
read of a small table, however many records the province holds. :func:`compute_directly`
counts every record's current version with :func:`forms.progress.compute_progress` instead;
it is used when a target's rules change with the day (which totals cannot keep), and it is
what the totals are checked against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from forms.progress import Progress, TargetProgress, compute_progress
from province.console.catalog import catch_up
from province.console.tally import (
    DAYS,
    OPEN,
    RECORD_SQL,
    STATIC,
    as_counted,
    day_dependent,
    winners_of,
)
from province.context import Province
from province.db import Row, Tx

CHUNK = 5000
STATUSES = frozenset({"final"})


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _records(province: Province, skipped: dict[str, int]) -> Iterator[dict[str, Any]]:
    after = ""
    while True:
        def read(tx: Tx, after: str = after) -> list[Row]:
            return tx.rows(f"{RECORD_SQL} WHERE r.record_id > ? ORDER BY r.record_id LIMIT ?",
                           [after, CHUNK])

        rows = province.db.run(read, write=False)
        if not rows:
            return
        for row in rows:
            record, dropped = as_counted(row)
            if record is None:
                assert dropped is not None
                skipped[dropped] = skipped.get(dropped, 0) + 1
            else:
                yield record
        after = rows[-1][0]


def _body(progress: Progress, extra_skipped: dict[str, int]) -> dict[str, Any]:
    body = progress.to_json()
    body["scope"] = "province"
    body["records_seen"] += sum(extra_skipped.values())
    body["skipped"] = dict(sorted({**body["skipped"], **extra_skipped}.items()))
    return body


def compute_directly(province: Province, as_of: dt.date | None = None,
                     reporting_year: int | None = None) -> dict[str, Any]:
    """Province-wide progress counted from every record's current version (slow, exact)."""
    as_of = as_of or _today()
    catch_up(province)
    skipped: dict[str, int] = {}
    progress = compute_progress(province.validator.registry(), _records(province, skipped),
                                statuses=STATUSES, as_of=as_of, reporting_year=reporting_year)
    return _body(progress, skipped)


def compute(province: Province, as_of: dt.date | None = None,
            reporting_year: int | None = None) -> dict[str, Any]:
    """Province-wide progress as ``progress --json`` prints it and 总览 shows it.

    ``as_of`` is the day certificates must be valid on (today, UTC, by default);
    ``reporting_year`` the year whose money figures are added up (``as_of``'s year before).
    """
    as_of = as_of or _today()
    year = reporting_year or as_of.year - 1
    targets = province.validator.registry().targets()
    if any(day_dependent(t) for t in targets):
        return compute_directly(province, as_of, year)
    catch_up(province)
    day = as_of.isoformat()

    def read(tx: Tx) -> tuple[list[Row], list[Row]]:
        totals = tx.rows("SELECT target, bucket, scope, name, counted, amount "
                         "FROM progress_totals WHERE counted <> 0")
        days = tx.rows("SELECT target, record_id, dkey, org_unit, city, sector, amount, source_rank "
                       "FROM progress_facts WHERE bucket = ? AND reason = ? AND win_from <= ? "
                       "AND win_until > ?", [DAYS, OPEN, day, day])
        return totals, days

    totals, days = province.db.run(read, write=False)
    chosen = {STATIC, f"Y{year}"}
    tallies = {t.code: TargetProgress(t) for t in targets}
    offered_all = dict.fromkeys(tallies, 0)
    offered = dict.fromkeys(tallies, 0)
    kinds: dict[str, int] = {}

    def add(tp: TargetProgress, scope: str, name: str, counted: int, amount: float) -> None:
        if scope == "sector":
            tp.value += amount
            tp.counted += counted
            tp.by_sector[name] = tp.by_sector.get(name, 0.0) + amount
        elif scope == "unit":
            tp.by_org_unit[name] = tp.by_org_unit.get(name, 0.0) + amount
        elif scope == "city":
            tp.by_city[name] = tp.by_city.get(name, 0.0) + amount

    for target, bucket, scope, name, counted, amount in totals:
        if target == "":
            kinds[name] = kinds.get(name, 0) + int(counted)
            continue
        tp = tallies.get(target)
        if tp is None:
            continue
        if scope == "excluded":
            tp.excluded[name] = tp.excluded.get(name, 0) + int(counted)
        elif scope == "offered":
            offered_all[target] += int(counted)
            if bucket in chosen:
                offered[target] += int(counted)
        elif bucket in chosen:
            add(tp, scope, name, int(counted), float(amount))
    by_target: dict[str, list[tuple[str, str, str, str, str, float, int]]] = {}
    for target, *fact in days:
        by_target.setdefault(target, []).append(tuple(fact))  # type: ignore[arg-type]
    for target, facts in by_target.items():
        if target not in tallies:
            continue
        offered[target] += len(facts)
        for scope, name, _record, amount in winners_of(facts):
            add(tallies[target], scope, name, 1, amount)
    for code, tp in tallies.items():
        tp.excluded["outside_window"] += offered_all[code] - offered[code]
        tp.excluded["duplicate"] = offered[code] - tp.counted
    skipped = {k: n for k, n in sorted(kinds.items()) if k != "counted" and n}
    progress = Progress(list(tallies.values()), STATUSES, as_of, year,
                        records_seen=sum(kinds.values()), records_counted=kinds.get("counted", 0),
                        skipped=skipped)
    return _body(progress, {})


def counted_records(province: Province, target_code: str, record_ids: list[str], *,
                    as_of: dt.date, reporting_year: int, per_city: bool = False) -> set[str]:
    """Which of these records count toward a target on that day and reporting year: those
    whose key they win province-wide (or in their city, with ``per_city``)."""
    day, chosen = as_of.isoformat(), {STATIC, f"Y{reporting_year}"}

    def in_play(row: Row) -> bool:
        bucket, win_from, win_until = row[1], row[2], row[3]
        return bucket in chosen or (bucket == DAYS and win_from <= day < win_until)

    def work(tx: Tx) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(record_ids), 400):
            ids = record_ids[start:start + 400]
            marks = ", ".join("?" for _ in ids)
            mine = [r for r in tx.rows(
                "SELECT record_id, bucket, win_from, win_until, dkey, city, source_rank FROM progress_facts "
                f"WHERE target = ? AND reason = ? AND record_id IN ({marks})",
                [target_code, OPEN, *ids]) if in_play(r)]
            keys = sorted({r[4] for r in mine})
            # Of a key, a record of the target's own form comes before one of its fallback
            # form (rank), then the smallest record id.
            best: dict[tuple[str, str], tuple[int, str]] = {}
            for k in range(0, len(keys), 400):
                chunk = keys[k:k + 400]
                rivals = tx.rows(
                    "SELECT record_id, bucket, win_from, win_until, dkey, city, source_rank FROM progress_facts "
                    f"WHERE target = ? AND reason = ? AND dkey IN ({', '.join('?' for _ in chunk)})",
                    [target_code, OPEN, *chunk])
                for r in rivals:
                    if not in_play(r):
                        continue
                    slot = (r[4], r[5] if per_city else "")
                    order = (int(r[6]), r[0])
                    if slot not in best or order < best[slot]:
                        best[slot] = order
            found |= {r[0] for r in mine
                      if best.get((r[4], r[5] if per_city else ""), (0, ""))[1] == r[0]}
        return found

    return province.db.run(work, write=False)


def standing(province: Province, record_id: str, as_of: dt.date | None = None,
             reporting_year: int | None = None) -> tuple[str | None, list[tuple[str, str]]]:
    """How one record counts: its kind (``counted``, ``status:returned``,
    ``duplicate_counted_elsewhere``, ...) and, per target it is about, ``counted`` or the
    reason it is not (``not_final``, ``inconsistent``, ``outside_window``, ``duplicate``)."""
    as_of = as_of or _today()
    year = reporting_year or as_of.year - 1
    day, chosen = as_of.isoformat(), {STATIC, f"Y{year}"}
    catch_up(province)

    def read(tx: Tx) -> tuple[Any, list[Row]]:
        kind = tx.scalar("SELECT kind FROM progress_records WHERE record_id = ?", [record_id])
        facts = tx.rows("SELECT target, reason, bucket, win_from, win_until FROM progress_facts "
                        "WHERE record_id = ? ORDER BY target", [record_id])
        return kind, facts

    kind, facts = province.db.run(read, write=False)
    out: list[tuple[str, str]] = []
    for target, reason, bucket, win_from, win_until in facts:
        if reason != OPEN:
            out.append((target, reason))
        elif not (bucket in chosen or (bucket == DAYS and win_from <= day < win_until)):
            out.append((target, "outside_window"))
        elif counted_records(province, target, [record_id], as_of=as_of, reporting_year=year):
            out.append((target, "counted"))
        else:
            out.append((target, "duplicate"))
    return kind, out
