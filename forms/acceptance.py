"""Whether a record version may be stored as the status it declares, judged the same at both ends.

A ``draft`` is work in progress: it may still lack required answers, never be malformed. A
``final`` version must pass every check. The office applies this before saving; the
province applies it to each version it receives, by the status the version declares, and
also refuses data that is not already in the forms engine's normalised form: a year sent as
``"２０２４"`` (text, full-width digits) is not the year ``2024`` the engine makes of it, and
storing it would give the province a second spelling of the same fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from forms.canonical import canonical_json
from forms.problems import Problem, ValidationResult

if TYPE_CHECKING:  # the registry (and the validators it loads) only when a caller has one
    from forms.model import FormDefinition
    from forms.registry import Registry

#: Statuses a version may declare.
VERSION_STATUSES = ("draft", "final")
#: Problem codes a draft may still have: what is missing, not what is wrong.
DRAFT_TOLERATED = frozenset({"required", "too_few_items"})
_SHOWN = 40


def blocking(result: ValidationResult, status: str) -> list[Problem]:
    """The problems that stop ``result``'s record being saved as ``status`` (draft or final)."""
    errors = result.errors
    if status == "final":
        return errors
    return [p for p in errors if p.code not in DRAFT_TOLERATED]


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else canonical_json(value).decode("utf-8")
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def not_normalised(
    form: FormDefinition, sent: Mapping[str, Any], result: ValidationResult
) -> list[Problem]:
    """A problem for each field whose value ``sent`` differs from what the engine makes of it.

    Fields already named by an error are left to that error; a value the engine drops (one
    that does not apply given the other answers) should not have been sent at all.
    """
    in_error = {p.path.split("[")[0].split(".")[0] for p in result.errors}
    problems = []
    for name, value in sent.items():
        if name in result.data and _same(value, result.data[name]):
            continue
        if not isinstance(name, str) or name in in_error or not form.has_field(name):
            continue
        f = form.field(name)
        if name not in result.data:
            zh = f"{f.label_zh}：根据其他填写内容此项不适用，不应发送。"
            en = f"{f.label_en}: does not apply given the other answers and must not be sent."
        else:
            expected = _shown(result.data[name])
            zh = f"{f.label_zh}：“{_shown(value)}”不是规范形式，应为“{expected}”。"
            en = f"{f.label_en}: '{_shown(value)}' is not in normal form; expected '{expected}'."
        problems.append(Problem(name, "not_normalised", zh, en))
    return problems


def _same(a: Any, b: Any) -> bool:
    """Equal as stored: the same JSON, so 1 and 1.0 or 1 and True are not the same."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def judge_version(
    registry: Registry, form_id: str, form_version: int, data: Any, status: str
) -> list[Problem]:
    """Every reason to refuse a version of ``form_id`` declaring ``status``; empty accepts it.

    Used by the province for each version of a batch: validated by its declared status,
    and accepted only in the engine's normalised form.
    """
    if status not in VERSION_STATUSES:
        shown = str(status)[:32]
        return [
            Problem(
                "status",
                "unknown_status",
                f"版本状态“{shown}”无效，应为 draft（草稿）或 final（定稿）。",
                f"The version status '{shown}' is not draft or final.",
            )
        ]
    result = registry.validate(form_id, data, version=form_version)
    problems = blocking(result, status)
    if any(p.code == "unknown_form" for p in problems) or not isinstance(data, Mapping):
        return problems
    form = registry.form(form_id, form_version)
    return problems + not_normalised(form, data, result)
