"""Investment in major projects, added up by year and by funding source; financing events,
added up by year and by round.

The plan asks for 有效投资 and 实物工作量 (task 5) and names the money behind it (task 16:
中央预算内投资, 超长期特别国债, 专项债, 产业基金, loans). :func:`investment_totals` adds up the
``project`` records an office or the province holds: planned and completed investment per
year from each project's ``investment`` lines, secured funds per source from its ``funding``
lines, and the projects' total investment. Like progress it counts only the statuses given
(final records by default) and one record per project key (name + owner), the smallest
record id winning, so the same rows give the same sums in any order. :func:`financing_totals`
does the same for ``financing`` records: events and amounts by the year of their date and by
round.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.progress import COUNTED_STATUSES
from forms.registry import Registry

PROJECT_FORM = "project"
FINANCING_FORM = "financing"


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


@dataclass
class FinancingTotals:
    """Financing events counted and their amounts (万元 as entered), by year and by round."""

    events: int = 0
    not_final: int = 0
    duplicates: int = 0
    amount: float = 0.0
    by_year: dict[int, tuple[int, float]] = field(default_factory=dict)
    by_round: dict[str, tuple[int, float]] = field(default_factory=dict)
    round_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def round_label(self, code: str, lang: str = "zh") -> str:
        """A round's name in ``lang`` (the code itself for a round the form does not list)."""
        zh, en = self.round_labels.get(code, (code, code))
        return en if lang == "en" else zh

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: years and rounds as lists in order, amounts rounded to 1 元."""
        return {
            "events": self.events, "not_final": self.not_final, "duplicates": self.duplicates,
            "amount": round(self.amount, 4),
            "by_year": [{"year": y, "events": n, "amount": round(a, 4)} for y, (n, a) in self.by_year.items()],
            "by_round": [{"round": r, "label_zh": self.round_label(r), "events": n, "amount": round(a, 4)}
                         for r, (n, a) in self.by_round.items()],
        }


def _amount(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return max(float(value), 0.0)


def _get(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)


def _items(data: Mapping[str, Any], group: str) -> list[Mapping[str, Any]]:
    items = data.get(group)
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _counted(registry: Registry, form_id: str, records: Iterable[Any], statuses: Iterable[str],
             totals: InvestmentTotals | FinancingTotals) -> list[Mapping[str, Any]]:
    """The data of ``form_id``'s records that count, one per de-duplication key (the smallest
    record id winning); the others are added to ``totals.not_final`` and ``totals.duplicates``."""
    wanted = frozenset(statuses)
    chosen: dict[Any, tuple[tuple[str, int], Mapping[str, Any]]] = {}
    for index, record in enumerate(records):
        data = _get(record, "data")
        if _get(record, "form_id") != form_id or not isinstance(data, Mapping):
            continue
        if _get(record, "status") not in wanted:
            totals.not_final += 1
            continue
        record_id = _get(record, "record_id")
        order = (record_id if isinstance(record_id, str) else "", index)
        key = registry.duplicate_key(form_id, data) or ("record", index)
        if key in chosen:
            totals.duplicates += 1
            if order >= chosen[key][0]:
                continue
        chosen[key] = (order, data)
    return [data for _, data in chosen.values()]


def investment_totals(
    registry: Registry, records: Iterable[Any], *, statuses: Iterable[str] = COUNTED_STATUSES
) -> InvestmentTotals:
    """Add up the ``project`` records among ``records`` (dicts or objects with ``form_id``,
    ``data``, ``status`` and optionally ``record_id``, as :func:`forms.progress.compute_progress`
    takes them). Other forms are ignored; a project whose status is not in ``statuses`` is
    counted in ``not_final``, a second record of one project in ``duplicates``."""
    totals = InvestmentTotals()
    chosen = _counted(registry, PROJECT_FORM, records, statuses, totals)
    sources: dict[str, float] = {}
    for data in chosen:
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


def _add(table: dict[Any, tuple[int, float]], key: Any, amount: float) -> None:
    count, total = table.get(key, (0, 0.0))
    table[key] = (count + 1, total + amount)


def financing_totals(
    registry: Registry, records: Iterable[Any], *, statuses: Iterable[str] = COUNTED_STATUSES
) -> FinancingTotals:
    """Add up the ``financing`` records among ``records`` (as :func:`investment_totals` takes
    them): the number of events and their amounts, by the year of the event's date and by
    round. An event without a readable date counts in the whole, under no year."""
    totals = FinancingTotals()
    rounds: dict[str, tuple[int, float]] = {}
    years: dict[int, tuple[int, float]] = {}
    for data in _counted(registry, FINANCING_FORM, records, statuses, totals):
        amount = _amount(data.get("amount"))
        totals.events += 1
        totals.amount += amount
        date = data.get("date")
        if isinstance(date, str) and date[:4].isdigit():
            _add(years, int(date[:4]), amount)
        code = data.get("round")
        _add(rounds, code if isinstance(code, str) else "", amount)
    try:
        form = registry.form(FINANCING_FORM)
        listed = form.choices("round", include_retired=True)
    except LookupError:
        listed = []
    totals.round_labels = {item.code: (item.label_zh, item.label_en) for item in listed}
    # Rounds in the form's order (天使轮 first), any unknown code after them.
    rank = {code: i for i, code in enumerate(totals.round_labels)}
    totals.by_round = dict(sorted(rounds.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))
    totals.by_year = dict(sorted(years.items()))
    return totals
