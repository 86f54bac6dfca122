"""Progress toward the plan's targets, counted from records by the targets' own rules.

:func:`compute_progress` is what the ``progress`` command and the dashboard both call. Which
records count for which target is data (the ``targets`` reference list): the form, filters
such as "level is national or provincial", what makes two records the same thing, and
whether records are counted or a money field summed and scaled (万元 -> 亿元).

Only records in :data:`COUNTED_STATUSES` count: ``final`` (finished by the office),
``queued`` (waiting to sync) and ``synced`` (received by the province). Drafts are work in
progress and ``returned`` records were sent back by the province for correction.
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
from forms.model import FormDefinition
from forms.registry import Registry
from forms.targets import Milestone, Target
from forms.text import display_width

COUNTED_STATUSES = frozenset({"final", "queued", "synced"})
UNKNOWN = "unknown"


@dataclass
class TargetProgress:
    """Where one target stands: its value, broken down by sector, org unit and city."""

    target: Target
    value: float = 0.0
    records: int = 0
    by_sector: dict[str, float] = field(default_factory=dict)
    by_org_unit: dict[str, float] = field(default_factory=dict)
    by_city: dict[str, float] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.target.code

    def share(self, milestone: Milestone) -> float | None:
        """The value as a fraction of a milestone (None if the milestone is zero)."""
        return self.value / milestone.value if milestone.value else None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for ``progress --json`` and the dashboard."""
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
            "records": self.records,
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
    """Progress toward every target, plus what was and was not counted."""

    targets: list[TargetProgress]
    statuses: frozenset[str]
    as_of: dt.date
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
            "statuses": sorted(self.statuses),
            "records_seen": self.records_seen,
            "records_counted": self.records_counted,
            "skipped": dict(sorted(self.skipped.items())),
            "targets": [tp.to_json() for tp in self.targets],
        }

    def render_text(self, lang: str = "zh", *, detail: bool = False) -> str:
        """A table for the terminal (wide characters aligned); ``detail`` adds per-sector lines."""
        return _render(self, lang, detail)


def _rounded(value: float, decimals: int) -> float | int:
    return int(round(value)) if decimals == 0 else round(value, decimals)


def _rounded_map(values: Mapping[str, float], decimals: int) -> dict[str, float | int]:
    return {k: _rounded(v, decimals) for k, v in sorted(values.items())}


def _get(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value >= 0 else None
    if isinstance(value, str) and len(value) < 40:
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return None
        return number if math.isfinite(number) and number >= 0 else None
    return None


def _distinct_key(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.upper().split())
    return None


class _Tally:
    """Contributions to one target, deduplicated at each level of aggregation."""

    def __init__(self) -> None:
        # key -> (sector, amount); org-unit and city maps are keyed by (key, unit) so a
        # standard drafted in two counties counts once for the province and once for each.
        self.total: dict[Any, tuple[str, float]] = {}
        self.units: dict[tuple[Any, str], float] = {}
        self.cities: dict[tuple[Any, str], float] = {}

    def add(self, key: Any, sector: str, unit: str, city: str, amount: float) -> None:
        self.total[key] = (sector, amount)
        self.units[(key, unit)] = amount
        self.cities[(key, city)] = amount

    def into(self, tp: TargetProgress) -> None:
        for sector, amount in self.total.values():
            tp.value += amount
            tp.by_sector[sector] = tp.by_sector.get(sector, 0.0) + amount
        tp.records = len(self.total)
        for (_, unit), amount in self.units.items():
            tp.by_org_unit[unit] = tp.by_org_unit.get(unit, 0.0) + amount
        for (_, city), amount in self.cities.items():
            tp.by_city[city] = tp.by_city.get(city, 0.0) + amount


def compute_progress(
    registry: Registry,
    records: Iterable[Any],
    *,
    statuses: Iterable[str] = COUNTED_STATUSES,
    as_of: dt.date | None = None,
) -> Progress:
    """Count ``records`` toward each of the plan's targets.

    ``records`` yields objects or dicts with ``form_id``, ``data``, ``org_unit``, ``status``
    and optionally ``form_version`` and ``record_id``. Records whose status is not in
    ``statuses``, whose form is unknown or whose data is not an object are skipped and
    counted in ``Progress.skipped``. ``as_of`` is the day certificate ages are measured at.
    """
    as_of = as_of or dt.date.today()
    statuses = frozenset(statuses)
    targets = registry.targets()
    tallies = {t.code: _Tally() for t in targets}
    by_form: dict[str, list[Target]] = {}
    for t in targets:
        by_form.setdefault(t.form_id, []).append(t)
    skipped: Counter[str] = Counter()
    seen = counted = 0
    city_cache: dict[str, str] = {}
    for index, record in enumerate(records):
        seen += 1
        status, form_id, data = (
            _get(record, "status"),
            _get(record, "form_id"),
            _get(record, "data"),
        )
        if status not in statuses:
            skipped[f"status:{status}" if isinstance(status, str) else "status:?"] += 1
            continue
        form = _form_of(registry, form_id, _get(record, "form_version"))
        if form is None:
            skipped["unknown_form"] += 1
            continue
        if not isinstance(data, Mapping):
            skipped["bad_data"] += 1
            continue
        counted += 1
        org_unit = _get(record, "org_unit")
        unit = org_unit if isinstance(org_unit, str) and org_unit else UNKNOWN
        if unit not in city_cache:
            city = registry.city_of(unit)
            city_cache[unit] = city.code if city else (unit if registry.org_unit(unit) else UNKNOWN)
        raw_sector = data.get("sector")
        sector = raw_sector if isinstance(raw_sector, str) and raw_sector else UNKNOWN

        def attr(
            name: str,
            code: Any,
            key: str,
            form: FormDefinition = form,
            data: Mapping[str, Any] = data,
        ) -> Any:
            f = form.field(name) if form.has_field(name) else None
            found = form.find_choice(f, code, data)[0] if f is not None else None
            return found.attrs.get(key) if found is not None else None

        for target in by_form.get(form.id, []):
            if target.sector is not None and sector != target.sector:
                continue
            if not all(c.evaluate(data, attr=attr, today=as_of) for c in target.filters):
                continue
            amount = 1.0
            if target.sum_field is not None:
                summed = _number(data.get(target.sum_field))
                if summed is None:
                    continue
                amount = summed * target.scale
            key = _distinct_key(data.get(target.distinct)) if target.distinct else None
            tallies[target.code].add(
                key or ("record", index), sector, unit, city_cache[unit], amount
            )
    progress = Progress([], statuses, as_of, seen, counted, dict(skipped))
    for target in targets:
        tp = TargetProgress(target)
        tallies[target.code].into(tp)
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


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def _amount(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _render(progress: Progress, lang: str, detail: bool) -> str:
    zh = lang != "en"
    years = sorted({m.year for tp in progress.targets for m in tp.target.milestones})
    head = ["指标" if zh else "Measure", "当前" if zh else "Now"]
    for year in years:
        head += [f"{year}年目标" if zh else f"{year} target", "完成率" if zh else "Done"]
    rows = [head]
    for tp in progress.targets:
        t = tp.target
        unit = t.unit(lang)
        row = [
            t.label(lang),
            _amount(tp.value, t.decimals)
            + (f" {unit}" if unit and unit not in ("个", "项", "家") else ""),
        ]
        for year in years:
            m = next((m for m in t.milestones if m.year == year), None)
            share = tp.share(m) if m else None
            row += [m.describe(lang) if m else "—", f"{share:.1%}" if share is not None else "—"]
        rows.append(row)
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    counted = "、".join(sorted(progress.statuses)) if zh else ", ".join(sorted(progress.statuses))
    if zh:
        lines.append(
            f"未来产业发展目标进展（截至 {progress.as_of.isoformat()}；计入状态：{counted}；计入记录 {progress.records_counted} 条）"
        )
    else:
        lines.append(
            f"Progress toward the plan's targets (as of {progress.as_of.isoformat()}; statuses counted: {counted}; {progress.records_counted} records)"
        )
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(_pad(cell, widths[i], right=i > 0) for i, cell in enumerate(row)).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if detail:
        for tp in progress.targets:
            if not tp.by_sector:
                continue
            parts = []
            for code, value in sorted(tp.by_sector.items(), key=lambda kv: -kv[1]):
                label = progress.sector_labels.get(code, (code, code))[0 if zh else 1]
                parts.append(f"{label} {_amount(value, tp.target.decimals)}")
            lines.append(
                f"{tp.target.label(lang)}{'：' if zh else ': '}{'，'.join(parts) if zh else ', '.join(parts)}"
            )
    return "\n".join(lines) + "\n"
