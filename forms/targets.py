"""The plan's targets as reference data: what each target counts, and its milestones.

Each item of the ``targets`` list states its meaning:

* ``form`` and ``filters`` — what counts (e.g. platforms at provincial level or above);
* ``window`` — the date field and the window a record's date must fall in: new since the
  plan's publication (``{"field": "approval_date", "from": "2024-09-30"}``), a certificate
  still valid (``{"field": "hte_cert_date", "within_years": 3}``) or the reporting year of a
  money figure (``{"field": "output_year", "reporting_year": true}``); none for a stock
  such as listed enterprises;
* ``consistency`` — conditions a counted record must meet, each with the words that explain
  it (a technology "broken through" has reached the readiness level the rule names);
* ``distinct`` — the fields that make two records one thing; by default the form's entry in
  the ``duplicate_keys`` list;
* ``measure`` — records counted, or a money field summed and scaled (万元 to 亿元);
* ``milestones`` — the 2027/2030 values with the plan's 左右 ("about") or 以上 ("at least");
* ``source_zh`` — the plan's sentence the rule rests on;
* ``fallback`` — another form whose records count where the target's own form has no counted
  record of the same key (``{"form", "filters", "measure", "window"}``): the scale targets
  read enterprises' annual reports, and an enterprise's own revenue figure of that year only
  where no annual report of it was counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from forms.conditions import Condition, parse_condition
from forms.errors import DefinitionError
from forms.refdata import ReferenceItem, ReferenceList

QUALIFIERS = {"about": ("左右", "about"), "at_least": ("以上", "at least")}
WINDOW_KINDS = ("from", "within_years", "reporting_year")


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
class Window:
    """The date field a target reads and the window its value must fall in."""

    field: str
    kind: str  # one of WINDOW_KINDS
    start: str | None = None  # ISO date, for "from"
    years: int | None = None  # for "within_years"

    def contains(self, value: Any, as_of: dt.date, reporting_year: int) -> bool:
        """Whether ``value`` (an ISO date or a year) lies in the window; no value never does."""
        where = self.place(value)
        if isinstance(where, bool):
            return where
        if isinstance(where, int):
            return where == reporting_year
        return where[0] <= as_of.isoformat() < where[1]

    def place(self, value: Any) -> bool | int | tuple[str, str]:
        """Where ``value`` stands toward the window, as far as it can be said without the day
        or the reporting year: in or out (a bool), a year to be compared with the reporting
        year (an int), or the days ``[from, until)`` (ISO dates) the day must fall in."""
        year = _year_of(value)
        if year is None:
            return False
        if self.kind == "reporting_year":
            return year
        if self.kind == "from":
            assert self.start is not None
            if isinstance(value, int):
                # A year alone (a team's founding year) counts from the start date's year.
                return year >= int(self.start[:4])
            return str(value)[:10] >= self.start
        assert self.years is not None
        day = _date_of(value)
        if day is None:
            return False
        try:
            limit = day.replace(year=day.year + self.years)
        except ValueError:  # 29 February plus a number of years that is not a leap year
            limit = day.replace(year=day.year + self.years, day=28)
        return day.isoformat(), limit.isoformat()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field}
        if self.kind == "from":
            out["from"] = self.start
        elif self.kind == "within_years":
            out["within_years"] = self.years
        else:
            out["reporting_year"] = True
        return out


def _date_of(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _year_of(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    day = _date_of(value)
    return day.year if day else None


@dataclass(frozen=True)
class Consistency:
    """A condition a counted record must meet, with the words that explain it."""

    condition: Condition
    label_zh: str
    label_en: str

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


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
    distinct: tuple[str, ...] = ()
    window: Window | None = None
    consistency: tuple[Consistency, ...] = ()
    responsible: tuple[str, ...] = ()
    help_zh: str = ""
    help_en: str = ""
    source_zh: str = ""
    fallback: Target | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh

    def unit(self, lang: str = "zh") -> str:
        return self.unit_en if lang == "en" else self.unit_zh

    @property
    def fields(self) -> list[str]:
        """Fields of the form this target reads (for checking it against the form)."""
        names = [n for c in self.filters for n in c.fields]
        names += [n for c in self.consistency for n in c.condition.fields]
        names += list(self.distinct)
        if self.window is not None:
            names.append(self.window.field)
        return names + ([self.sum_field] if self.sum_field else [])


def _i18n(raw: Any, where: str) -> tuple[str, str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("zh"), str):
        raise DefinitionError(f'{where}: expected {{"zh": ..., "en": ...}}')
    en = raw.get("en", raw["zh"])
    return raw["zh"], en if isinstance(en, str) else raw["zh"]


def _window(raw: Any, where: str) -> Window | None:
    if raw is None:
        return None
    kinds = [k for k in WINDOW_KINDS if k in raw] if isinstance(raw, dict) else []
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("field"), str)
        or len(kinds) != 1
        or len(raw) != 2
    ):
        raise DefinitionError(
            f"{where}.window: {{field, and one of from (ISO date), within_years (n), reporting_year (true)}}"
        )
    kind, value = kinds[0], raw[kinds[0]]
    if kind == "from":
        if _date_of(value) is None or len(value) != 10:
            raise DefinitionError(f"{where}.window: 'from' is an ISO date")
        return Window(raw["field"], kind, start=value)
    if kind == "within_years":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise DefinitionError(f"{where}.window: 'within_years' is a whole number from 1")
        return Window(raw["field"], kind, years=value)
    if value is not True:
        raise DefinitionError(f"{where}.window: 'reporting_year' is true")
    return Window(raw["field"], kind)


def _consistency(raw: Any, where: str) -> tuple[Consistency, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DefinitionError(f"{where}: 'consistency' lists {{condition, zh, en}}")
    out = []
    for i, item in enumerate(raw):
        at = f"{where}.consistency[{i}]"
        if not isinstance(item, dict) or set(item) - {"condition", "zh", "en"}:
            raise DefinitionError(f"{at}: {{condition, zh, en}}")
        zh, en = _i18n(item, at)
        out.append(Consistency(parse_condition(item.get("condition"), f"{at}.condition"), zh, en))
    return tuple(out)


def _distinct(raw: Any, where: str) -> tuple[str, ...]:
    # Version 1 of the list named one field; later versions name a list of them.
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list) and raw and all(isinstance(n, str) for n in raw):
        return tuple(raw)
    raise DefinitionError(f"{where}: 'distinct' names a field or a list of fields")


_FALLBACK_KEYS = {"form", "filters", "measure", "window"}


def parse_target(item: ReferenceItem, where: str) -> Target:
    """Build a :class:`Target` from an item of the ``targets`` list (DefinitionError if malformed)."""
    a = item.attrs
    where = f"{where} ({item.code})"
    fallback = None
    if "fallback" in a:
        raw = a["fallback"]
        if not isinstance(raw, dict) or "form" not in raw or set(raw) - _FALLBACK_KEYS:
            raise DefinitionError(f"{where}.fallback: {{form, filters, measure, window}}")
        # The fallback shares everything else (unit, key, milestones) with the target.
        rest = {k: v for k, v in a.items() if k not in _FALLBACK_KEYS | {"fallback"}}
        fallback = parse_target(replace(item, attrs={**rest, **raw}), f"{where}.fallback")
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
    for key in ("sector", "source_zh"):
        if a.get(key) is not None and not isinstance(a.get(key), str):
            raise DefinitionError(f"{where}: '{key}' must be text")
    responsible = a.get("responsible", [])
    if not isinstance(responsible, list) or not all(isinstance(r, str) for r in responsible):
        raise DefinitionError(f"{where}: 'responsible' lists responsible-unit codes")
    return Target(
        code=item.code, label_zh=item.label_zh, label_en=item.label_en, form_id=form_id,
        unit_zh=unit_zh, unit_en=unit_en, milestones=tuple(sorted(milestones, key=lambda m: m.year)),
        filters=filters, sum_field=sum_field, scale=float(scale), decimals=decimals,
        sector=a.get("sector"), distinct=_distinct(a.get("distinct"), where),
        window=_window(a.get("window"), where), consistency=_consistency(a.get("consistency"), where),
        responsible=tuple(responsible), help_zh=item.help_zh, help_en=item.help_en,
        source_zh=a.get("source_zh") or "", fallback=fallback,
    )  # fmt: skip


def parse_targets(ref: ReferenceList) -> list[Target]:
    """All active targets of a ``targets`` list, in order."""
    return [parse_target(item, f"targets v{ref.version}") for item in ref.items if not item.retired]
