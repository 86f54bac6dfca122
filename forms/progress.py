"""Progress toward the plan's targets, counted from records by the targets' own rules.

:func:`compute_progress` is what the office's ``progress`` command and dashboard and the
province's console all call. Its input is any iterable of records — dicts or objects with
``form_id``, ``data``, ``org_unit``, ``status`` and optionally ``form_version`` and
``record_id`` — so the office feeds it rows of its store and the province rows of its
database, and both count by the same rules.

For each target a record of the target's form is first checked against what counts (the
target's filters, e.g. "level is national or provincial"); a record outside that is not
about the target at all. A record that is about it either counts or is *excluded*, for the
first of these reasons that applies:

* ``not_final`` — its status is not one of ``statuses`` (a draft, or returned for correction);
* ``inconsistent`` — it fails one of the target's consistency conditions (or its figure is
  not a number);
* ``outside_window`` — its date lies outside the target's window (older than the plan, a
  certificate expired, a figure of another year), or it has no date to show;
* ``duplicate`` — another counted record has the same de-duplication key. Among records
  sharing a key the one with the smallest ``record_id`` counts (input order without ids),
  so the same rows give the same figure in any order. A target's fallback form (see
  :mod:`forms.targets`) gives way: its record counts only when no record of the target's
  own form shares its key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.errors import UnknownForm
from forms.keys import record_key
from forms.model import FormDefinition
from forms.registry import Registry
from forms.targets import Milestone, Target

COUNTED_STATUSES = frozenset({"final", "queued", "synced"})
UNKNOWN = "unknown"
# Why a record about a target was not counted, in the order the reasons are tested.
EXCLUSION_REASONS: dict[str, tuple[str, str]] = {
    "not_final": ("未定稿", "not yet final"),
    "inconsistent": ("内容不一致", "inconsistent"),
    "outside_window": ("不在统计时段内", "outside the window"),
    "duplicate": ("重复", "duplicate"),
}
#: The heading of an excluded-count column, (Chinese, English).
NOT_COUNTED = ("未计入", "Not counted")


@dataclass
class TargetProgress:
    """Where one target stands: its value, what counted and what was excluded, and breakdowns."""

    target: Target
    value: float = 0.0
    counted: int = 0
    excluded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXCLUSION_REASONS, 0))
    by_sector: dict[str, float] = field(default_factory=dict)
    by_org_unit: dict[str, float] = field(default_factory=dict)
    by_city: dict[str, float] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.target.code

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    def share(self, milestone: Milestone) -> float | None:
        """The value as a fraction of a milestone (None if the milestone is zero)."""
        return self.value / milestone.value if milestone.value else None

    def excluded_text(self, lang: str = "zh") -> str:
        """The excluded counts in words, e.g. "未计入 3：未定稿 1、重复 2" ("" when none)."""
        parts = [
            f"{EXCLUSION_REASONS[r][0 if lang != 'en' else 1]} {n}"
            for r, n in self.excluded.items()
            if n
        ]
        if not parts:
            return ""
        if lang == "en":
            return f"{self.excluded_total} not counted: " + ", ".join(parts)
        return f"未计入 {self.excluded_total}：" + "、".join(parts)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for ``progress --json``, the dashboard and the province."""
        t = self.target
        return {
            "code": t.code,
            "label_zh": t.label_zh,
            "label_en": t.label_en,
            "unit_zh": t.unit_zh,
            "unit_en": t.unit_en,
            "form_id": t.form_id,
            "sector": t.sector,
            "value": _rounded(self.value, t.decimals),
            "counted": self.counted,
            "excluded": dict(self.excluded),
            "excluded_total": self.excluded_total,
            "rule": {
                "window": t.window.to_json() if t.window else None,
                "distinct": list(t.distinct),
                "consistency": [{"zh": c.label_zh, "en": c.label_en} for c in t.consistency],
                "source_zh": t.source_zh,
            },
            "milestones": [
                {
                    "year": m.year,
                    "value": _rounded(m.value, t.decimals),
                    "qualifier": m.qualifier,
                    "share": None if (s := self.share(m)) is None else round(s, 4),
                }
                for m in t.milestones
            ],
            "by_sector": _rounded_map(self.by_sector, t.decimals),
            "by_org_unit": _rounded_map(self.by_org_unit, t.decimals),
            "by_city": _rounded_map(self.by_city, t.decimals),
        }


@dataclass
class Progress:
    """Progress toward every target, plus what was and was not looked at."""

    targets: list[TargetProgress]
    statuses: frozenset[str]
    as_of: dt.date
    reporting_year: int
    records_seen: int = 0
    records_counted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    sector_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def target(self, code: str) -> TargetProgress:
        """The progress of target ``code`` (KeyError if none)."""
        for tp in self.targets:
            if tp.code == code:
                return tp
        raise KeyError(code)

    def to_json(self) -> dict[str, Any]:
        """Plain dicts and lists only, ready for ``json.dumps``."""
        return {
            "as_of": self.as_of.isoformat(),
            "reporting_year": self.reporting_year,
            "statuses": sorted(self.statuses),
            "records_seen": self.records_seen,
            "records_counted": self.records_counted,
            "skipped": dict(sorted(self.skipped.items())),
            "exclusion_reasons": {
                k: {"zh": zh, "en": en} for k, (zh, en) in EXCLUSION_REASONS.items()
            },
            "targets": [tp.to_json() for tp in self.targets],
        }

    def render_text(self, lang: str = "zh", *, detail: bool = False) -> str:
        """A table for the terminal (wide characters aligned); ``detail`` adds per-sector lines."""
        from forms.progress_text import render

        return render(self, lang, detail)


def _rounded(value: float, decimals: int) -> float | int:
    return int(round(value)) if decimals == 0 else round(value, decimals)


def _rounded_map(values: Mapping[str, float], decimals: int) -> dict[str, float | int]:
    return {k: _rounded(v, decimals) for k, v in sorted(values.items())}


def _get(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _number(value: Any) -> float | None:
    # Stored figures are numbers already (the forms engine normalised them); anything else
    # is not a figure to add up.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


@dataclass(frozen=True)
class _Candidate:
    order: tuple[int, str, int]  # (0 own form or 1 fallback, record id, input position)
    sector: str
    unit: str
    city: str
    amount: float


@dataclass(frozen=True)
class Judgement:
    """How a record stands toward one target it is about, before the window is applied.

    ``reason`` is ``not_final`` or ``inconsistent`` when the record cannot count whatever the
    day, else None; ``window_value`` is the value of the target's window field (the window
    is applied by the caller, which knows the day and the reporting year); ``key`` is the
    record's de-duplication key for the target (None: the record is one of a kind);
    ``amount`` is what it adds when counted (1 for a count, the scaled figure for a sum).
    """

    target: Target
    reason: str | None
    window_value: Any
    key: str | None
    amount: float
    sector: str
    unit: str
    city: str
    source: Target  # the target itself, or its fallback when the record is of that form
    rank: int  # 0 for the target's own form, 1 for its fallback: the own form comes first


class _Tally:
    """Candidates for one target; per key (and per key and place) the first in order wins."""

    def __init__(self) -> None:
        self.total: dict[Any, _Candidate] = {}
        self.units: dict[tuple[Any, str], _Candidate] = {}
        self.cities: dict[tuple[Any, str], _Candidate] = {}
        self.offered = 0
        self.excluded: Counter[str] = Counter()

    def offer(self, key: Any, candidate: _Candidate) -> None:
        self.offered += 1
        for table, slot in (
            (self.total, key),
            (self.units, (key, candidate.unit)),
            (self.cities, (key, candidate.city)),
        ):
            current = table.get(slot)
            if current is None or candidate.order < current.order:
                table[slot] = candidate

    def into(self, tp: TargetProgress) -> None:
        for c in self.total.values():
            tp.value += c.amount
            tp.by_sector[c.sector] = tp.by_sector.get(c.sector, 0.0) + c.amount
        for (_, unit), c in self.units.items():
            tp.by_org_unit[unit] = tp.by_org_unit.get(unit, 0.0) + c.amount
        for (_, city), c in self.cities.items():
            tp.by_city[city] = tp.by_city.get(city, 0.0) + c.amount
        tp.counted = len(self.total)
        tp.excluded.update(self.excluded)
        tp.excluded["duplicate"] = self.offered - len(self.total)


class _Counter:
    """One run of :func:`compute_progress`."""

    def __init__(
        self, registry: Registry, statuses: frozenset[str], as_of: dt.date, reporting_year: int
    ) -> None:
        self.registry = registry
        self.statuses = statuses
        self.as_of = as_of
        self.reporting_year = reporting_year
        self.targets = registry.targets()
        self.tallies = {t.code: _Tally() for t in self.targets}
        # Per form: (target, the source it is read by, its rank among the target's sources).
        self.by_form: dict[str, list[tuple[Target, Target, int]]] = {}
        for t in self.targets:
            self.by_form.setdefault(t.form_id, []).append((t, t, 0))
            if t.fallback is not None:
                self.by_form.setdefault(t.fallback.form_id, []).append((t, t.fallback, 1))
        self.default_keys: dict[str, tuple[str, ...]] = {}
        self.skipped: Counter[str] = Counter()
        self.seen = self.counted = 0
        self.cities: dict[str, str] = {}

    def city(self, unit: str) -> str:
        if unit not in self.cities:
            city = self.registry.city_of(unit)
            known = self.registry.org_unit(unit) is not None
            self.cities[unit] = city.code if city else (unit if known else UNKNOWN)
        return self.cities[unit]

    def key_fields(self, target: Target) -> tuple[str, ...]:
        if target.distinct:
            return target.distinct
        if target.form_id not in self.default_keys:
            self.default_keys[target.form_id] = self.registry.duplicate_key_fields(target.form_id)
        return self.default_keys[target.form_id]

    def judge(self, record: Any) -> tuple[str | None, str | None, list[Judgement]]:
        """What one record is toward every target, before the day and the year are known.

        Returns the reason the record is skipped altogether (``unknown_form``, ``bad_data``)
        or None, the status it is skipped under when not final (``status:draft``) or None,
        and one :class:`Judgement` per target the record is about.
        """
        status, form_id, data = (
            _get(record, "status"),
            _get(record, "form_id"),
            _get(record, "data"),
        )
        form = _form_of(self.registry, form_id, _get(record, "form_version"))
        if form is None:
            return "unknown_form", None, []
        if not isinstance(data, Mapping):
            return "bad_data", None, []
        final = status in self.statuses
        not_final = None if final else (f"status:{status}" if isinstance(status, str) else "status:?")
        org_unit = _get(record, "org_unit")
        unit = org_unit if isinstance(org_unit, str) and org_unit else UNKNOWN
        raw_sector = data.get("sector")
        sector = raw_sector if isinstance(raw_sector, str) and raw_sector else UNKNOWN

        def attr(name: str, code: Any, key: str) -> Any:
            f = form.field(name) if form.has_field(name) else None
            found = form.find_choice(f, code, data)[0] if f is not None else None
            return found.attrs.get(key) if found is not None else None

        judged = []
        for target, source, rank in self.by_form.get(form.id, []):
            if target.sector is not None and sector != target.sector:
                continue
            if not all(c.evaluate(data, attr=attr, today=self.as_of) for c in source.filters):
                continue
            amount = 1.0 if source.sum_field is None else _number(data.get(source.sum_field))
            reason = None
            if not final:
                reason = "not_final"
            elif amount is None or not all(
                c.condition.evaluate(data, attr=attr, today=self.as_of) for c in source.consistency
            ):
                reason = "inconsistent"
            window = source.window.field if source.window is not None else None
            judged.append(Judgement(
                target, reason, data.get(window) if window else None,
                record_key(self.key_fields(source), data), (amount or 0.0) * source.scale,
                sector, unit, self.city(unit), source, rank,
            ))  # fmt: skip
        return None, not_final, judged

    def add(self, index: int, record: Any) -> None:
        self.seen += 1
        skip, not_final, judged = self.judge(record)
        if skip is not None:
            self.skipped[skip] += 1
            return
        if not_final is None:
            self.counted += 1
        else:
            self.skipped[not_final] += 1
        record_id = _get(record, "record_id")
        rid = record_id if isinstance(record_id, str) else ""
        for j in judged:
            tally = self.tallies[j.target.code]
            window = j.source.window
            if j.reason is not None:
                tally.excluded[j.reason] += 1
            elif window is not None and not window.contains(j.window_value, self.as_of, self.reporting_year):
                tally.excluded["outside_window"] += 1
            else:
                candidate = _Candidate((j.rank, rid, index), j.sector, j.unit, j.city, j.amount)
                tally.offer(j.key or ("record", index), candidate)


class Judge:
    """Judges records one at a time by the targets' rules (what :func:`compute_progress` does
    per record), for a caller that keeps the results and applies the windows itself, such as
    the province's maintained totals. Conditions are evaluated on ``as_of``."""

    def __init__(
        self,
        registry: Registry,
        *,
        statuses: Iterable[str] = COUNTED_STATUSES,
        as_of: dt.date | None = None,
    ) -> None:
        as_of = as_of or dt.date.today()
        self._counter = _Counter(registry, frozenset(statuses), as_of, as_of.year - 1)
        self.targets = self._counter.targets

    def judge(self, record: Any) -> tuple[str | None, str | None, list[Judgement]]:
        """See :meth:`_Counter.judge`: (skipped as, not final as, judgements)."""
        return self._counter.judge(record)


def compute_progress(
    registry: Registry,
    records: Iterable[Any],
    *,
    statuses: Iterable[str] = COUNTED_STATUSES,
    as_of: dt.date | None = None,
    reporting_year: int | None = None,
) -> Progress:
    """Count ``records`` toward each of the plan's targets (see the module docstring).

    ``statuses`` are the statuses that count (the office: final, queued, synced; the
    province: the status a version declares, ``final``). ``as_of`` is the day certificate
    validity is measured at (today by default); ``reporting_year`` is the year whose money
    figures are summed, one per enterprise (the last complete year before ``as_of`` by
    default). Records of an unknown form or with non-object data are counted in ``skipped``.
    """
    as_of = as_of or dt.date.today()
    run = _Counter(registry, frozenset(statuses), as_of, reporting_year or as_of.year - 1)
    for index, record in enumerate(records):
        run.add(index, record)
    progress = Progress(
        [], run.statuses, as_of, run.reporting_year, run.seen, run.counted, dict(run.skipped)
    )
    for target in run.targets:
        tp = TargetProgress(target)
        run.tallies[target.code].into(tp)
        progress.targets.append(tp)
    with contextlib.suppress(LookupError):
        progress.sector_labels = {
            s.code: (s.label_zh, s.label_en) for s in registry.reference("sectors").items
        }
    return progress


def _form_of(registry: Registry, form_id: Any, version: Any) -> FormDefinition | None:
    if not isinstance(form_id, str):
        return None
    try:
        if isinstance(version, int) and not isinstance(version, bool):
            return registry.form(form_id, version)
        return registry.form(form_id)
    except UnknownForm:
        return None
