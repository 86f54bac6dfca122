"""Turning one raw field value into its normalised form, by field type.

Each ``coerce_*`` takes the raw JSON value and returns the normalised value or raises
:class:`FieldIssue`. Messages without text are filled in by the engine from
:data:`forms.problems.MESSAGES`, prefixed with the field's label.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from forms.text import HARD_MAX_CHARS, clean_text, fold_width, has_bad_control
from forms.validators import (
    CODE_VALIDATORS,
    InvalidValue,
    parse_amount,
    parse_date,
    parse_decimal,
    parse_year,
)


class FieldIssue(InvalidValue):
    """A problem with one value: a code, optional explicit messages, and template params."""

    def __init__(
        self,
        code: str,
        message_zh: str = "",
        message_en: str = "",
        severity: str = "error",
        *,
        sentence: bool = False,
        **params: Any,
    ) -> None:
        super().__init__(code, message_zh, message_en)
        self.severity = severity
        # A sentence stands after "label:"; otherwise the English text continues the label
        # ("Enterprise name" + " must be text.").
        self.sentence = sentence
        self.params = params

    @classmethod
    def of(cls, exc: InvalidValue) -> FieldIssue:
        """Wrap a standalone validator's refusal (whose messages are whole sentences)."""
        return cls(exc.code, exc.message_zh, exc.message_en, sentence=True)


def coerce_text(
    raw: Any,
    *,
    multiline: bool,
    max_length: int | None,
    min_length: int | None,
    pattern: re.Pattern[str] | None,
) -> tuple[str, list[FieldIssue]]:
    """Text as typed (see :func:`forms.text.clean_text`); control and invisible characters
    are removed and reported as a warning."""
    if isinstance(raw, int | float) and not isinstance(raw, bool) and abs(raw) < 10**30:
        raw = str(raw)  # spreadsheets turn codes and names like "2024" into numbers
    if not isinstance(raw, str):
        raise FieldIssue("type", "应填写文本。", "must be text.")
    if len(raw) > HARD_MAX_CHARS:
        raise FieldIssue("too_long", max_length=max_length or HARD_MAX_CHARS)
    warnings = [FieldIssue("control_chars", severity="warning")] if has_bad_control(raw) else []
    text = clean_text(raw, multiline=multiline)
    if max_length is not None and len(text) > max_length:
        raise FieldIssue("too_long", max_length=max_length)
    if min_length is not None and 0 < len(text) < min_length:
        raise FieldIssue("too_short", min_length=min_length)
    if pattern is not None and text and not pattern.fullmatch(text):
        raise FieldIssue("pattern")
    return text, warnings


def coerce_code(raw: Any, validator: str, param: Any) -> Any:
    """Run a named validator (credit code, standard number, ...) on a code value."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 10**20:
        raw = str(raw)
    if isinstance(raw, str) and len(raw) > HARD_MAX_CHARS:
        raise FieldIssue("too_long", max_length=200)
    try:
        return CODE_VALIDATORS[validator](raw, param)
    except InvalidValue as exc:
        raise FieldIssue.of(exc) from None


def _bounds(value: Any, minimum: Any, maximum: Any, fmt: str = "{}") -> None:
    if minimum is not None and value < minimum:
        raise FieldIssue("min", min=fmt.format(minimum))
    if maximum is not None and value > maximum:
        raise FieldIssue("max", max=fmt.format(maximum))


def coerce_number(
    raw: Any, ftype: str, decimals: int | None, minimum: Any, maximum: Any
) -> int | float:
    """Parse an integer, decimal or money (万元, non-negative) value and check its bounds."""
    try:
        if ftype == "money":
            value = parse_amount(raw, decimals=decimals if decimals is not None else 4)
        else:
            value = parse_decimal(raw, decimals=0 if ftype == "integer" else decimals)
    except InvalidValue as exc:
        raise FieldIssue.of(exc) from None
    _bounds(value, minimum, maximum)
    return value


def _day(bound: Any, today: dt.date) -> str | None:
    return today.isoformat() if bound == "today" else bound


def coerce_date(raw: Any, minimum: Any, maximum: Any, today: dt.date) -> str:
    """Parse a date to ISO form and check it against min/max (``"today"`` allowed)."""
    try:
        value = parse_date(raw)
    except InvalidValue as exc:
        raise FieldIssue.of(exc) from None
    lo, hi = _day(minimum, today), _day(maximum, today)
    if lo is not None and value < lo:
        raise FieldIssue("date_min", min="今天" if minimum == "today" else lo)
    if hi is not None and value > hi:
        raise FieldIssue("date_max", max=hi)
    return value


def coerce_year(raw: Any, minimum: Any, maximum: Any, today: dt.date) -> int:
    """Parse a year and check it against min/max (``"this_year"`` allowed)."""
    lo = 1900 if minimum is None else minimum
    hi = today.year if maximum == "this_year" else (2100 if maximum is None else maximum)
    try:
        return parse_year(raw, min_year=int(lo), max_year=int(hi))
    except InvalidValue as exc:
        raise FieldIssue.of(exc) from None


_TRUE = {"true", "yes", "y", "1", "是", "有", "✓", "√"}
_FALSE = {"false", "no", "n", "0", "否", "无", "×"}


def coerce_boolean(raw: Any) -> bool:
    """Accept true/false, 1/0 and 是/否 (as typed in a spreadsheet)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and len(raw) < 20:
        text = fold_width(raw).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise FieldIssue("type", "应为“是”或“否”。", "must be yes or no.")


def split_multi(raw: Any) -> list[Any]:
    """A multiple-choice value as a list; text like "上市企业、高新技术企业" is split."""
    if isinstance(raw, list):
        return raw
    if isinstance(raw, str):
        if len(raw) > HARD_MAX_CHARS:
            raise FieldIssue("too_long", max_length=HARD_MAX_CHARS)
        return [part for part in re.split(r"[,，、;；\n]", raw) if part.strip()]
    raise FieldIssue("type", "应为选项列表。", "must be a list of options.")
