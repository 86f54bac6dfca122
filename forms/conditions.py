"""Conditions: the small predicate language of relevance, rules and target filters.

A condition is a JSON object naming a field and one test, or ``all``/``any``/``not`` over
other conditions. It is evaluated against already-normalised values, so ``"in": ["a"]``
compares codes, numbers and ISO dates as stored.

    {"field": "tiers", "contains": "listed"}
    {"field": "status", "in": ["published", "in_force"]}
    {"all": [{"field": "stage", "equals": "applied"}, {"field": "trl", "min": 6}]}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from forms.errors import DefinitionError

TESTS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "contains_any",
    "filled",
    "min",
    "max",
    "within_years",
)

# Looks up an attribute of a chosen code in the field's choice list (for target filters
# such as "platform types whose group is innovation"): (field id, code, attr) -> value.
AttrLookup = Callable[[str, Any, str], Any]


def is_filled(value: Any) -> bool:
    """Whether a value counts as given: not None, not blank text, not an empty list or object."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | dict | tuple):
        return len(value) > 0
    return True


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (
        isinstance(a, str) and isinstance(b, str)
    )


@dataclass(frozen=True)
class Condition:
    """A parsed condition; ``spec`` keeps the JSON it came from for GUIs and docs."""

    spec: Mapping[str, Any]

    @property
    def fields(self) -> list[str]:
        """Every field id the condition reads (for definition checks and GUI refreshes)."""
        return _fields(self.spec)

    def evaluate(
        self,
        values: Mapping[str, Any],
        outer: Mapping[str, Any] | None = None,
        *,
        attr: AttrLookup | None = None,
        today: dt.date | None = None,
    ) -> bool:
        """True when ``values`` (a record, or a group item with ``outer`` the record) satisfies it.

        Never raises on odd values: a test that cannot apply to a value is simply false.
        """
        return _eval(self.spec, values, outer, attr, today)


def parse_condition(raw: Any, where: str) -> Condition:
    """Check a condition's JSON and wrap it; raise DefinitionError naming ``where``."""
    _check(raw, where, 0)
    return Condition(raw)


def _check(raw: Any, where: str, depth: int) -> None:
    if depth > 8:
        raise DefinitionError(f"{where}: condition nested too deeply")
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: a condition must be an object")
    for combinator in ("all", "any"):
        if combinator in raw:
            parts = raw[combinator]
            if set(raw) != {combinator} or not isinstance(parts, list) or not parts:
                raise DefinitionError(
                    f"{where}: '{combinator}' takes a non-empty list and nothing else"
                )
            for i, part in enumerate(parts):
                _check(part, f"{where}.{combinator}[{i}]", depth + 1)
            return
    if "not" in raw:
        if set(raw) != {"not"}:
            raise DefinitionError(f"{where}: 'not' takes one condition and nothing else")
        _check(raw["not"], f"{where}.not", depth + 1)
        return
    if not isinstance(raw.get("field"), str):
        raise DefinitionError(f"{where}: a condition needs a 'field'")
    tests = [k for k in raw if k not in ("field", "attr")]
    if len(tests) != 1 or tests[0] not in TESTS:
        raise DefinitionError(f"{where}: a condition takes exactly one test of {', '.join(TESTS)}")
    test, arg = tests[0], raw[tests[0]]
    if test in ("in", "not_in", "contains_any") and not isinstance(arg, list):
        raise DefinitionError(f"{where}: '{test}' takes a list")
    if test == "filled" and not isinstance(arg, bool):
        raise DefinitionError(f"{where}: 'filled' takes true or false")
    if test == "within_years" and (not isinstance(arg, int) or isinstance(arg, bool) or arg < 0):
        raise DefinitionError(f"{where}: 'within_years' takes a whole number")
    if "attr" in raw and not isinstance(raw["attr"], str):
        raise DefinitionError(f"{where}: 'attr' names an attribute of the chosen item")


def _fields(spec: Mapping[str, Any]) -> list[str]:
    if "all" in spec or "any" in spec:
        return [f for part in spec.get("all", spec.get("any", [])) for f in _fields(part)]
    if "not" in spec:
        return _fields(spec["not"])
    return [spec["field"]]


def _lookup(name: str, values: Mapping[str, Any], outer: Mapping[str, Any] | None) -> Any:
    # Inside a repeat group a name means the sibling field first, then the record's field.
    if name in values:
        return values[name]
    return outer.get(name) if outer is not None else None


def _eval(
    spec: Mapping[str, Any],
    values: Mapping[str, Any],
    outer: Mapping[str, Any] | None,
    attr: AttrLookup | None,
    today: dt.date | None,
) -> bool:
    if "all" in spec:
        return all(_eval(p, values, outer, attr, today) for p in spec["all"])
    if "any" in spec:
        return any(_eval(p, values, outer, attr, today) for p in spec["any"])
    if "not" in spec:
        return not _eval(spec["not"], values, outer, attr, today)
    name = spec["field"]
    value = _lookup(name, values, outer)
    if "attr" in spec:
        if attr is None:
            return False
        if isinstance(value, list):
            value = [attr(name, v, spec["attr"]) for v in value[:1000]]
        else:
            value = attr(name, value, spec["attr"]) if is_filled(value) else None
    if "filled" in spec:
        return is_filled(value) == spec["filled"]
    if "equals" in spec:
        return bool(value == spec["equals"])
    if "not_equals" in spec:
        return bool(value != spec["not_equals"])
    if "in" in spec:
        return _hashable(value) and value in spec["in"]
    if "not_in" in spec:
        return not (_hashable(value) and value in spec["not_in"])
    if "contains" in spec:
        return isinstance(value, list) and spec["contains"] in value
    if "contains_any" in spec:
        return isinstance(value, list) and any(
            v in spec["contains_any"] for v in value if _hashable(v)
        )
    if "min" in spec:
        return _comparable(value, spec["min"]) and value >= spec["min"]
    if "max" in spec:
        return _comparable(value, spec["max"]) and value <= spec["max"]
    if "within_years" in spec:
        return _within_years(value, spec["within_years"], today or dt.date.today())
    return False  # pragma: no cover - parse_condition admits no other test


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _within_years(value: Any, years: int, today: dt.date) -> bool:
    if not isinstance(value, str):
        return False
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    try:
        limit = day.replace(year=day.year + years)
    except ValueError:  # 29 February plus a number of years that is not a leap year
        limit = day.replace(year=day.year + years, day=28)
    return day <= today < limit
