"""The plan's targets as reference data: what each target counts, and its milestones.

Each item of the ``targets`` list says which form feeds it, which records count (filters,
in the condition language), whether records are counted or a field summed (and how it is
scaled, e.g. 万元 to 亿元), what makes two records the same thing (``distinct``), and the
2027/2030 milestones with the plan's qualifier (左右 "about" or 以上 "at least").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms.conditions import Condition, parse_condition
from forms.errors import DefinitionError
from forms.refdata import ReferenceItem, ReferenceList

QUALIFIERS = {"about": ("左右", "about"), "at_least": ("以上", "at least")}


@dataclass(frozen=True)
class Milestone:
    """A target value for a year, e.g. about 80 by 2027."""

    year: int
    value: float
    qualifier: str = "about"

    def describe(self, lang: str = "zh") -> str:
        """E.g. "80左右" or "≥ 150"."""
        value = f"{self.value:g}"
        if lang == "en":
            return f"~{value}" if self.qualifier == "about" else f"≥{value}"
        return value + QUALIFIERS[self.qualifier][0]


@dataclass(frozen=True)
class Target:
    """One measure of the plan and how records count toward it."""

    code: str
    label_zh: str
    label_en: str
    form_id: str
    unit_zh: str
    unit_en: str
    milestones: tuple[Milestone, ...]
    filters: tuple[Condition, ...] = ()
    sum_field: str | None = None
    scale: float = 1.0
    decimals: int = 0
    sector: str | None = None
    distinct: str | None = None
    responsible: tuple[str, ...] = ()
    help_zh: str = ""
    help_en: str = ""

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh

    def unit(self, lang: str = "zh") -> str:
        return self.unit_en if lang == "en" else self.unit_zh

    @property
    def fields(self) -> list[str]:
        """Fields of the form this target reads (for checking it against the form)."""
        names = [n for c in self.filters for n in c.fields]
        return names + [n for n in (self.sum_field, self.distinct) if n]


def _i18n(raw: Any, where: str) -> tuple[str, str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("zh"), str):
        raise DefinitionError(f'{where}: expected {{"zh": ..., "en": ...}}')
    en = raw.get("en", raw["zh"])
    return raw["zh"], en if isinstance(en, str) else raw["zh"]


def parse_target(item: ReferenceItem, where: str) -> Target:
    """Build a :class:`Target` from an item of the ``targets`` list (DefinitionError if malformed)."""
    a = item.attrs
    where = f"{where} ({item.code})"
    form_id = a.get("form")
    if not isinstance(form_id, str):
        raise DefinitionError(f"{where}: 'form' names the form that feeds the target")
    unit_zh, unit_en = _i18n(a.get("unit"), f"{where}.unit")
    filters_raw = a.get("filters", [])
    if not isinstance(filters_raw, list):
        raise DefinitionError(f"{where}: 'filters' is a list of conditions")
    filters = tuple(parse_condition(c, f"{where}.filters[{i}]") for i, c in enumerate(filters_raw))
    measure = a.get("measure", "count")
    sum_field, scale, decimals = None, 1.0, 0
    if isinstance(measure, dict) and isinstance(measure.get("sum"), str):
        sum_field = measure["sum"]
        scale = measure.get("scale", 1.0)
        decimals = measure.get("decimals", 2)
        if (
            not isinstance(scale, int | float)
            or not isinstance(decimals, int)
            or not 0 <= decimals <= 6
        ):
            raise DefinitionError(f"{where}: 'scale' is a number and 'decimals' 0-6")
    elif measure != "count":
        raise DefinitionError(f'{where}: \'measure\' is "count" or {{"sum": field, "scale": n}}')
    milestones = []
    for i, m in enumerate(a.get("milestones", [])):
        if (
            not isinstance(m, dict)
            or not isinstance(m.get("year"), int)
            or not isinstance(m.get("value"), int | float)
            or m.get("qualifier", "about") not in QUALIFIERS
        ):
            raise DefinitionError(
                f"{where}.milestones[{i}]: {{year, value, qualifier: about|at_least}}"
            )
        milestones.append(Milestone(m["year"], float(m["value"]), m.get("qualifier", "about")))
    for key in ("sector", "distinct"):
        if a.get(key) is not None and not isinstance(a.get(key), str):
            raise DefinitionError(f"{where}: '{key}' must be text")
    responsible = a.get("responsible", [])
    if not isinstance(responsible, list) or not all(isinstance(r, str) for r in responsible):
        raise DefinitionError(f"{where}: 'responsible' lists responsible-unit codes")
    return Target(
        code=item.code, label_zh=item.label_zh, label_en=item.label_en, form_id=form_id,
        unit_zh=unit_zh, unit_en=unit_en, milestones=tuple(sorted(milestones, key=lambda m: m.year)),
        filters=filters, sum_field=sum_field, scale=float(scale), decimals=decimals,
        sector=a.get("sector"), distinct=a.get("distinct"), responsible=tuple(responsible),
        help_zh=item.help_zh, help_en=item.help_en,
    )  # fmt: skip


def parse_targets(ref: ReferenceList) -> list[Target]:
    """All active targets of a ``targets`` list, in order."""
    return [parse_target(item, f"targets v{ref.version}") for item in ref.items if not item.retired]
