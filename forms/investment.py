"""Investment in major projects, added up by year and by funding source.

The plan asks for 有效投资 and 实物工作量 (task 5) and names the money behind it (task 16:
中央预算内投资, 超长期特别国债, 专项债, 产业基金, loans). :func:`investment_totals` adds up the
``project`` records an office or the province holds: planned and completed investment per
year from each project's ``investment`` lines, secured funds per source from its ``funding``
lines, and the projects' total investment. Like progress it counts only the statuses given
(final records by default) and one record per project key (name + owner), the smallest
record id winning, so the same rows give the same sums in any order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.progress import COUNTED_STATUSES
from forms.registry import Registry

PROJECT_FORM = "project"


@dataclass
class InvestmentTotals:
    """Sums over the counted projects, in 万元 as entered."""

    projects: int = 0
    not_final: int = 0
    duplicates: int = 0
    total_investment: float = 0.0
    planned_by_year: dict[int, float] = field(default_factory=dict)
    completed_by_year: dict[int, float] = field(default_factory=dict)
    by_source: dict[str, float] = field(default_factory=dict)
    source_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """Every year with a planned or completed figure, in order."""
        return sorted(set(self.planned_by_year) | set(self.completed_by_year))

    @property
    def completed(self) -> float:
        return sum(self.completed_by_year.values())

    @property
    def funded(self) -> float:
        return sum(self.by_source.values())

    def source_label(self, code: str, lang: str = "zh") -> str:
        """A source's name in ``lang`` (the code itself for a source no list knows)."""
        zh, en = self.source_labels.get(code, (code, code))
        return en if lang == "en" else zh

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: years and sources as lists in order, amounts rounded to 1 元."""
        return {
            "projects": self.projects,
            "not_final": self.not_final,
            "duplicates": self.duplicates,
            "total_investment": round(self.total_investment, 4),
            "by_year": [
                {"year": y, "planned": round(self.planned_by_year.get(y, 0.0), 4),
                 "completed": round(self.completed_by_year.get(y, 0.0), 4)}
                for y in self.years
            ],
            "by_source": [
                {"source": code, "label_zh": self.source_label(code), "amount": round(amount, 4)}
                for code, amount in self.by_source.items()
            ],
        }  # fmt: skip


def _amount(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return max(float(value), 0.0)


def _get(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)


def _items(data: Mapping[str, Any], group: str) -> list[Mapping[str, Any]]:
    items = data.get(group)
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def investment_totals(
    registry: Registry, records: Iterable[Any], *, statuses: Iterable[str] = COUNTED_STATUSES
) -> InvestmentTotals:
    """Add up the ``project`` records among ``records`` (dicts or objects with ``form_id``,
    ``data``, ``status`` and optionally ``record_id``, as :func:`forms.progress.compute_progress`
    takes them). Other forms are ignored; a project whose status is not in ``statuses`` is
    counted in ``not_final``, a second record of one project in ``duplicates``."""
    wanted = frozenset(statuses)
    chosen: dict[Any, tuple[tuple[str, int], Mapping[str, Any]]] = {}
    totals = InvestmentTotals()
    for index, record in enumerate(records):
        data = _get(record, "data")
        if _get(record, "form_id") != PROJECT_FORM or not isinstance(data, Mapping):
            continue
        if _get(record, "status") not in wanted:
            totals.not_final += 1
            continue
        record_id = _get(record, "record_id")
        order = (record_id if isinstance(record_id, str) else "", index)
        key = registry.duplicate_key(PROJECT_FORM, data) or ("record", index)
        if key in chosen:
            totals.duplicates += 1
            if order >= chosen[key][0]:
                continue
        chosen[key] = (order, data)
    sources: dict[str, float] = {}
    for _, data in chosen.values():
        totals.projects += 1
        totals.total_investment += _amount(data.get("total_investment"))
        for line in _items(data, "investment"):
            year = line.get("year")
            if isinstance(year, int) and not isinstance(year, bool):
                for column, table in (("planned", totals.planned_by_year), ("completed", totals.completed_by_year)):
                    if line.get(column) is not None:
                        table[year] = table.get(year, 0.0) + _amount(line.get(column))
        for line in _items(data, "funding"):
            source = line.get("source")
            if isinstance(source, str):
                sources[source] = sources.get(source, 0.0) + _amount(line.get("amount"))
    try:
        listed = registry.reference("funding_sources").items
    except LookupError:
        listed = ()
    totals.source_labels = {item.code: (item.label_zh, item.label_en) for item in listed}
    # Sources in the list's order (中央预算内投资 first), any unknown code after them.
    rank = {code: i for i, code in enumerate(totals.source_labels)}
    totals.by_source = dict(sorted(sources.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))
    return totals
