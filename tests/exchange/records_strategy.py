"""Hypothesis records for every form: each form's example with fields redrawn by type.

Text is drawn from Chinese, ASCII, digits, punctuation, spaces and the characters a
spreadsheet takes for a formula; numbers from the field's range (``"today"``-style bounds
fall back to safe ones); choices from the options valid for the record drawn so far; optional
fields are sometimes left out; repeat groups get zero to three items.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from hypothesis import strategies as st

from forms.model import Field, FormDefinition

TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("量子芯片储能安徽合肥蜀山区科技有限公司〖〗「」“”（）、，。"),
        st.sampled_from("abcXYZ019 -_./()+=@'\"#%&*,;:?!\t"),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    ),
    min_size=1, max_size=40,
)
FORMULA = st.builds(lambda head, tail: head + tail, st.sampled_from(["=", "+", "-", "@", "'", "=HYPERLINK(", "\t"]), TEXT)


def _number(f: Field, *, integer: bool) -> st.SearchStrategy[Any]:
    low = f.min if isinstance(f.min, int | float) else 0
    high = f.max if isinstance(f.max, int | float) else (2024 if f.type == "year" else 10**7)
    if f.type == "year":
        low, high = max(low, 2000), min(high, 2024)
    if integer:
        return st.integers(int(low), int(high))
    places = f.decimals if f.decimals is not None else 2
    return st.integers(int(low * 10**places), int(high * 10**places)).map(
        lambda n: n // 10**places if n % 10**places == 0 else n / 10**places)


def _plain(f: Field) -> st.SearchStrategy[Any] | None:
    """A strategy for a field whose value does not depend on others (None: keep the example)."""
    if f.type in ("text", "textarea") and not f.pattern and not f.validator:
        return st.one_of(TEXT, FORMULA).map(lambda s: s[: f.max_length or 200])
    if f.type in ("integer", "year"):
        return _number(f, integer=True)
    if f.type in ("decimal", "money"):
        return _number(f, integer=False)
    if f.type == "date":
        return st.dates(dt.date(2015, 1, 1), dt.date(2024, 12, 31)).map(dt.date.isoformat)
    if f.type == "boolean":
        return st.booleans()
    return None


@st.composite
def record(draw: st.DrawFn, form: FormDefinition, example: dict[str, Any]) -> dict[str, Any]:
    """A record of ``form``: its example with every drawable field drawn again."""
    data = copy.deepcopy(example)
    _fill(draw, form, form.fields, data, data, None)
    return data


def _fill(draw: st.DrawFn, form: FormDefinition, fields: tuple[Field, ...], target: dict[str, Any],
          data: dict[str, Any], item: dict[str, Any] | None) -> None:
    for f in fields:
        if f.is_group:
            template = (target.get(f.id) or [{}])[0]
            items = []
            for _ in range(draw(st.integers(0, 3))):
                sub = copy.deepcopy(template)
                _fill(draw, form, f.fields, sub, data, sub)
                items.append(sub)
            if items or not f.required:
                target[f.id] = items
            continue
        if not f.required and draw(st.integers(0, 5)) == 0:
            target.pop(f.id, None)
            continue
        plain = _plain(f)
        if plain is not None:
            target[f.id] = draw(plain)
        elif f.is_choice:
            options = [o.code for o in form.choices(f, data, item)]
            if not options:
                continue
            if f.type == "choice":
                target[f.id] = draw(st.sampled_from(options))
            else:
                target[f.id] = draw(st.lists(st.sampled_from(options), min_size=1, max_size=3, unique=True))
