"""Cross-field rules of a form or repeat group, evaluated after every field is normalised.

Rule types (each with optional ``severity`` and ``message``):

* ``compare`` — ``field`` ``op`` ``other`` (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``); ``other``
  may be ``#group`` for a repeat group's number of items. Skipped while either side is empty.
* ``one_of`` — at least one of ``fields`` is filled.
* ``matches_derived`` — ``field`` equals what ``derive`` computes from ``source`` (e.g. a
  standard's level from its number); ``part: "year"`` compares a date's year.
* ``implies`` — when condition ``when`` holds, condition ``then`` must too (``message`` required).
* ``unique_items`` — no two items of repeat group ``group`` share ``field``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from forms.conditions import Condition, is_filled
from forms.keys import fold_key
from forms.model import Rule
from forms.problems import fill
from forms.standard_numbers import StandardNumberError, parse_standard_number
from forms.validators import hte_certificate_year

RULE_TYPES = ("compare", "one_of", "matches_derived", "implies", "unique_items")


def _standard(value: Any, attr: str) -> Any:
    try:
        return getattr(parse_standard_number(value), attr)
    except StandardNumberError:
        return None


# Values a rule may derive from another field: name -> function(value) -> derived or None.
DERIVERS: dict[str, Callable[[Any], Any]] = {
    "standard_level": lambda v: _standard(v, "level"),
    "standard_year": lambda v: _standard(v, "year"),
    "hte_certificate_year": hte_certificate_year,
}

_OPS: dict[str, tuple[Callable[[Any, Any], bool], str, str, str, str]] = {
    # op: (test, zh for numbers, zh for dates, en for numbers, en for dates)
    "<": (lambda a, b: a < b, "小于", "早于", "be less than", "be before"),
    "<=": (lambda a, b: a <= b, "不大于", "不晚于", "be at most", "be on or before"),
    ">": (lambda a, b: a > b, "大于", "晚于", "be greater than", "be after"),
    ">=": (lambda a, b: a >= b, "不小于", "不早于", "be at least", "be on or after"),
    "==": (lambda a, b: a == b, "等于", "等于", "equal", "equal"),
    "!=": (lambda a, b: a != b, "不等于", "不等于", "differ from", "differ from"),
}


@dataclass(frozen=True)
class RuleProblem:
    """A broken rule: where (a field id, or ``group[i].field``) and what to say."""

    path: str
    message_zh: str
    message_en: str
    severity: str


class RuleContext:
    """What rules need from the engine: labels and display values of fields in scope."""

    def __init__(
        self, label: Callable[[str], tuple[str, str]], display: Callable[[str, Any], str]
    ) -> None:
        self.label = label
        self.display = display


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return (isinstance(a, int | float) and isinstance(b, int | float)) or (
        isinstance(a, str) and isinstance(b, str)
    )


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 10 and value[4] == "-"


def _fmt(template: str, **params: Any) -> str:
    return fill(template, params)


def check_rules(
    rules: tuple[Rule, ...],
    values: Mapping[str, Any],
    ctx: RuleContext,
    *,
    outer: Mapping[str, Any] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    today: dt.date | None = None,
) -> list[RuleProblem]:
    """Evaluate ``rules`` on normalised ``values``; fields in ``skip`` (already in error) are left alone."""
    problems: list[RuleProblem] = []
    for rule in rules:
        problems.extend(_check(rule, values, ctx, outer, skip, today))
    return problems


def _check(
    rule: Rule, values: Mapping[str, Any], ctx: RuleContext, outer: Mapping[str, Any] | None,
    skip: set[str] | frozenset[str], today: dt.date | None,
) -> list[RuleProblem]:  # fmt: skip
    spec = rule.spec

    def problem(path: str, zh: str, en: str, **params: Any) -> list[RuleProblem]:
        return [
            RuleProblem(
                path,
                _fmt(rule.message_zh or zh, **params),
                _fmt(rule.message_en or en, **params),
                rule.severity,
            )
        ]

    if rule.type == "compare":
        name, other = spec["field"], spec["other"]
        a = values.get(name)
        if other.startswith("#"):
            items = values.get(other[1:])
            b: Any = len(items) if isinstance(items, list) else None
            b_zh, b_en = (
                f"{ctx.label(other[1:])[0]}的项数",
                f"the number of {ctx.label(other[1:])[1]}",
            )
        else:
            b = values.get(other)
            b_zh, b_en = ctx.label(other)
        if name in skip or other.lstrip("#") in skip or not _comparable(a, b):
            return []
        test, zh_num, zh_date, en_num, en_date = _OPS[spec["op"]]
        if test(a, b):
            return []
        dated = _is_date(a)
        a_zh, a_en = ctx.label(name)
        return problem(
            name,
            f"{a_zh}应{zh_date if dated else zh_num}{b_zh}。",
            f"{a_en} must {en_date if dated else en_num} {b_en}.",
        )
    if rule.type == "one_of":
        names = spec["fields"]
        if any(is_filled(values.get(n)) for n in names):
            return []
        zh = "、".join(ctx.label(n)[0] for n in names)
        en = " or ".join(ctx.label(n)[1] for n in names)
        return problem(names[0], f"{zh}至少填写一项。", f"Give at least one of {en}.")
    if rule.type == "matches_derived":
        source, name = spec["source"], spec["field"]
        src, actual = values.get(source), values.get(name)
        if source in skip or name in skip or not is_filled(src) or not is_filled(actual):
            return []
        expected = DERIVERS[spec["derive"]](src)
        if spec.get("part") == "year" and isinstance(actual, str) and _is_date(actual):
            actual = int(actual[:4])
        if expected is None or expected == actual:
            return []
        return problem(
            name, f"{ctx.label(name)[0]}与{ctx.label(source)[0]}不一致。",
            f"{ctx.label(name)[1]} does not match {ctx.label(source)[1]}.",
            expected=ctx.display(name, expected), actual=ctx.display(name, values.get(name)),
        )  # fmt: skip
    if rule.type == "implies":
        when, then = spec["when"], spec["then"]
        if not Condition(when).evaluate(values, outer, today=today):
            return []
        cond = Condition(then)
        if any(n in skip for n in cond.fields) or cond.evaluate(values, outer, today=today):
            return []
        return problem(spec.get("path") or cond.fields[0], "", "")
    if rule.type == "unique_items":
        return _unique_items(spec["group"], spec.get("field"), values, ctx, problem)
    return []  # pragma: no cover - the definition parser admits no other type


def _unique_items(
    group: str, field: str | None, values: Mapping[str, Any], ctx: RuleContext,
    problem: Callable[..., list[RuleProblem]],
) -> list[RuleProblem]:  # fmt: skip
    items = values.get(group)
    if not isinstance(items, list) or field is None:
        return []
    seen: dict[str, int] = {}
    out: list[RuleProblem] = []
    for i, item in enumerate(items):
        value = item.get(field) if isinstance(item, Mapping) else None
        # Names and codes, and whole numbers such as the year of an investment line.
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            continue
        key = fold_key(value)
        if key in seen:
            out += problem(
                f"{group}[{i}].{field}", f"{ctx.label(group)[0]}第{i + 1}项与第{seen[key] + 1}项重复。",
                f"{ctx.label(group)[1]} #{i + 1} repeats #{seen[key] + 1}.",
            )  # fmt: skip
        else:
            seen[key] = i
    return out
