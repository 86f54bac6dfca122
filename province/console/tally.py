"""Province-wide progress kept as running totals, so 总览 is a read of a small table.

Every current record is judged once by the forms engine (:class:`forms.progress.Judge`, the
rules ``compute_progress`` applies) when its version, its return or a duplicate decision
changes, in the same transaction as that change. A judgement is kept per record and target
in ``progress_facts``; what depends on the day or the reporting year is kept as a *bucket*:

* ``*`` — the record is in the target's window whatever the day (or the target has none);
* ``Y2025`` — a money figure of that year, counted when 2025 is the reporting year;
* ``D`` — a certificate valid on the days ``[win_from, win_until)``, counted on those days.

Among the records of one target, bucket and de-duplication key the one with the smallest
record id counts (province-wide, per org unit and per city, as the engine does), and
``progress_totals`` holds the sums of those winners per sector, org unit and city, plus the
excluded counts and the records' own counts, all updated by difference. Bucket ``D`` is
counted when asked, from its facts (few: the targets with a validity window). Targets whose
filters or conditions depend on the day are not kept; :mod:`province.progress` counts those
the slow way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from forms.progress import Judge, Judgement
from forms.registry import Registry
from forms.targets import Target
from province.db import Row, Tx

STATIC = "*"
DAYS = "D"
OPEN = "open"  # a fact that counts unless another record of its key comes first
CHUNK = 400
DUPLICATE_ELSEWHERE = "duplicate_counted_elsewhere"

# The record's current version, its return and any decision on its duplicate key.
RECORD_SQL = (
    "SELECT r.record_id, v.form_id, v.form_version, r.org_unit, v.status, v.data, "
    "r.returned_version_id, r.current_version_id, d.org_unit "
    "FROM records r JOIN record_versions v ON v.version_id = r.current_version_id "
    "LEFT JOIN console_records c ON c.record_id = r.record_id "
    "LEFT JOIN duplicate_decisions d ON d.form_id = c.form_id AND d.dup_key = c.dup_key"
)


def day_dependent(target: Target) -> bool:
    """Whether a target's filters or conditions change with the day (not kept as totals)."""
    specs = [c.spec for c in target.filters] + [c.condition.spec for c in target.consistency]
    return any("within_years" in json.dumps(spec) for spec in specs)


def as_counted(row: Sequence[Any]) -> tuple[dict[str, Any] | None, str | None]:
    """A :data:`RECORD_SQL` row as the engine takes it, or why a decision leaves it out.

    A record returned for correction carries the status ``returned`` (not counted, as on the
    office's side); a record of a duplicate that a reviewer counted under another org unit
    is left out (:data:`DUPLICATE_ELSEWHERE`).
    """
    record_id, form_id, form_version, org_unit, status, data, returned, current, chosen = row
    if chosen is not None and chosen != org_unit:
        return None, DUPLICATE_ELSEWHERE
    return {"record_id": record_id, "form_id": form_id, "form_version": form_version,
            "org_unit": org_unit, "data": json.loads(data),
            "status": "returned" if returned == current else status}, None


@dataclass(frozen=True)
class Fact:
    """One ``progress_facts`` row."""

    record_id: str
    target: str
    reason: str
    bucket: str
    win_from: str | None
    win_until: str | None
    dkey: str
    org_unit: str
    city: str
    sector: str
    amount: float
    rank: int  # 0: of the target's own form; 1: of its fallback form, which gives way

    def row(self) -> list[Any]:
        return [self.record_id, self.target, self.reason, self.bucket, self.win_from,
                self.win_until, self.dkey, self.org_unit, self.city, self.sector, self.amount,
                self.rank]


FACT_COLUMNS = ("record_id, target, reason, bucket, win_from, win_until, dkey, org_unit, city, "
                "sector, amount, source_rank")


def _fact(record_id: str, j: Judgement) -> Fact:
    reason, bucket, win_from, win_until = j.reason or OPEN, STATIC, None, None
    if reason == OPEN and j.source.window is not None:
        where = j.source.window.place(j.window_value)
        if isinstance(where, bool):
            reason = OPEN if where else "outside_window"
        elif isinstance(where, int):
            bucket = f"Y{where}"
        else:
            bucket, (win_from, win_until) = DAYS, where
    # A record without a key is one of a kind: its own id is its key.
    dkey = j.key if j.key is not None else "\x00" + record_id
    return Fact(record_id, j.target.code, reason, bucket, win_from, win_until, dkey, j.unit,
                j.city, j.sector, j.amount, j.rank)


class Tally:
    """Keeps ``progress_facts`` and ``progress_totals`` in step, inside the caller's transaction."""

    def __init__(self, registry: Registry) -> None:
        self.judge = Judge(registry, statuses={"final"})
        self.kept = {t.code for t in self.judge.targets if not day_dependent(t)}

    def judged(self, row: Sequence[Any]) -> tuple[str, list[Fact]]:
        """A record's kind (``counted``, ``status:draft``, ``unknown_form``, ...) and facts."""
        record, dropped = as_counted(row)
        if record is None:
            return dropped or DUPLICATE_ELSEWHERE, []
        skip, not_final, judgements = self.judge.judge(record)
        if skip is not None:
            return skip, []
        facts = [_fact(record["record_id"], j) for j in judgements if j.target.code in self.kept]
        return not_final or "counted", facts

    def refresh(self, tx: Tx, record_ids: Iterable[str]) -> None:
        """Judge these records again from what the database holds now; adjust the totals."""
        ids = sorted(set(record_ids))
        if not ids:
            return
        # One refresher at a time: two records of one key judged at once would each see the
        # other's old facts and both adjust the key's sums. The index's catch-up holds the
        # same row lock, and in SQLite every writer is alone anyway.
        tx.scalar("SELECT value FROM meta WHERE key = 'console_indexed' FOR UPDATE")
        for start in range(0, len(ids), CHUNK):
            self._refresh(tx, ids[start:start + CHUNK])

    def _refresh(self, tx: Tx, ids: list[str]) -> None:
        marks = ", ".join("?" for _ in ids)
        old_kinds: dict[str, str] = dict(tx.rows(f"SELECT record_id, kind FROM progress_records "
                                 f"WHERE record_id IN ({marks})", ids))
        old = [Fact(*r) for r in tx.rows(f"SELECT {FACT_COLUMNS} FROM progress_facts "
                                         f"WHERE record_id IN ({marks})", ids)]
        kinds: dict[str, str] = {}
        new: list[Fact] = []
        for row in tx.rows(f"{RECORD_SQL} WHERE r.record_id IN ({marks})", ids):
            kinds[row[0]], facts = self.judged(row)
            new += facts
        if old_kinds == kinds and set(old) == set(new):
            return
        groups = {(f.target, f.bucket, f.dkey) for f in [*old, *new]
                  if f.reason == OPEN and f.bucket != DAYS}
        before = _winners(tx, groups)
        deltas = Deltas()
        for kind in old_kinds.values():
            deltas.add(("", STATIC, "records", kind), -1, 0.0)
        for kind in kinds.values():
            deltas.add(("", STATIC, "records", kind), 1, 0.0)
        for sign, facts in ((-1, old), (1, new)):
            for f in facts:
                if f.reason == OPEN:
                    deltas.add((f.target, f.bucket, "offered", ""), sign, 0.0)
                else:
                    deltas.add((f.target, STATIC, "excluded", f.reason), sign, 0.0)
        tx.execute(f"DELETE FROM progress_facts WHERE record_id IN ({marks})", ids)
        tx.execute_many(f"INSERT INTO progress_facts ({FACT_COLUMNS}) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [f.row() for f in new])
        tx.execute(f"DELETE FROM progress_records WHERE record_id IN ({marks})", ids)
        tx.execute_many("INSERT INTO progress_records (record_id, kind) VALUES (?, ?)",
                        sorted(kinds.items()))
        after = _winners(tx, groups)
        for sign, winners in ((-1, before), (1, after)):
            for (target, bucket, scope, name), amount in winners:
                deltas.add((target, bucket, scope, name), sign, sign * amount)
        deltas.apply(tx)


class Deltas:
    """Changes to ``progress_totals`` rows, summed before they are written."""

    def __init__(self) -> None:
        self.by_row: dict[tuple[str, str, str, str], list[float]] = {}

    def add(self, row: tuple[str, str, str, str], counted: int, amount: float) -> None:
        entry = self.by_row.setdefault(row, [0, 0.0])
        entry[0] += counted
        entry[1] += amount

    def apply(self, tx: Tx) -> None:
        changed = [[*row, int(c), a] for row, (c, a) in sorted(self.by_row.items())
                   if c or a]
        tx.execute_many(
            "INSERT INTO progress_totals (target, bucket, scope, name, counted, amount) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (target, bucket, scope, name) DO UPDATE "
            "SET counted = progress_totals.counted + excluded.counted, "
            "amount = progress_totals.amount + excluded.amount", changed)


Contribution = tuple[tuple[str, str, str, str], float]


def winners_of(facts: Iterable[tuple[str, str, str, str, str, float, int]],
               ) -> Iterator[tuple[str, str, str, float]]:
    """What the facts of one group add: ``(scope, name, record_id, amount)`` for the record
    that counts province-wide (scope ``sector``), per org unit and per city.

    ``facts`` are ``(record_id, dkey, org_unit, city, sector, amount, rank)`` of one target
    and bucket; of each key (and of each key and place) a record of the target's own form
    wins over one of its fallback form (``rank``), then the smallest record id, compared as
    Python compares text, as the engine does.
    """
    best: dict[tuple[str, ...], tuple[tuple[int, str], str, float]] = {}
    for record_id, dkey, unit, city, sector, amount, rank in facts:
        order = (int(rank), record_id)
        slots: tuple[tuple[tuple[str, ...], str], ...] = (
            (("sector", dkey), sector), (("unit", dkey, unit), unit), (("city", dkey, city), city))
        for slot, name in slots:
            current = best.get(slot)
            if current is None or order < current[0]:
                best[slot] = (order, name, amount)
    for slot, ((_rank, record_id), name, amount) in best.items():
        yield slot[0], name, record_id, amount


def _winners(tx: Tx, groups: set[tuple[str, str, str]]) -> list[Contribution]:
    by_target: dict[tuple[str, str], list[str]] = {}
    for target, bucket, dkey in groups:
        by_target.setdefault((target, bucket), []).append(dkey)
    out: list[Contribution] = []
    for (target, bucket), keys in sorted(by_target.items()):
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows: list[Row] = tx.rows(
                "SELECT record_id, dkey, org_unit, city, sector, amount, source_rank FROM progress_facts "
                f"WHERE target = ? AND bucket = ? AND reason = 'open' AND dkey IN ({marks})",
                [target, bucket, *chunk])
            out += [((target, bucket, scope, name), amount)
                    for scope, name, _id, amount in winners_of(rows)]  # type: ignore[arg-type]
    return out
