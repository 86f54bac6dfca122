"""Hypothesis draws of complete, valid records of any form, built from the form definition.

Every field gets a value of its type (text in Chinese and Latin script with full-width
punctuation and digits, numbers within bounds and decimals, dates up to today, codes that
pass their validators, choices from the current lists, repeat groups); optional fields are
left out at random. Cross-field rules the draw may break are then mended the way a clerk
would (an optional field dropped, a level set to what the standard number says), and the
record must pass final validation.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from stdnum.cn import uscc

import forms
from forms.model import Field, FormDefinition
from forms.rules import DERIVERS

TODAY = dt.date.today()
# Chinese, Latin letters and digits in both widths, the punctuation of names and addresses.
_CJK = "安徽合肥芜湖量子科技有限公司研究院中心实验室团队标准平台产品场景智能能源网络材料生命第号区路楼"
_LATIN = "ABCXYZabcxyz0123456789ＡＢＣａｂｃ０１２３４５６７８９"
_PUNCT = "（）()，,；;：:、。.“”\"《》-—/·＆&#%+ 　"
ALPHABET = _CJK + _LATIN + _PUNCT
STANDARD_NUMBERS = [
    "GB/T 15776-2016", "GB 4943.1-2022", "GB/Z 40637-2021", "JJF 1059.1-2012", "JJF(皖) 123-2021",
    "SJ/T 11364-2014", "YD/T 5235-2019", "DB34/T 4280-2022", "DB3401/T 1234-2020",
    "T/CESA 1169-2021", "Q/GDW 1234-2014", "ISO/IEC 27001:2022", "ITU-T Y.3172 (06/2019)",
]
_STOCK = {
    "SSE": r"\A60[0135]\d{3}\Z", "SZSE": r"\A00[0-4]\d{3}\Z", "BSE": r"\A8[3-9]\d{4}\Z",
    "HKEX": r"\A0[1-9]\d{3}\Z", "NASDAQ": r"\A[A-Z]{1,5}\Z", "NYSE": r"\A[A-Z]{1,5}\Z",
    "OTHER": r"\A[A-Z][A-Z0-9]{0,5}\Z",
}
_codes = itertools.count(1)


def new_credit_code() -> str:
    """A valid unified social credit code no earlier call returned (credit codes are unique)."""
    base = f"91340100{next(_codes):09d}"
    return next(base + c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if uscc.is_valid(base + c))


def _text(f: Field) -> st.SearchStrategy[str]:
    alphabet = ALPHABET + ("\n" if f.multiline else "")
    limit = min(f.max_length or 200, 30)
    # Text starting with "=" is written to a workbook as a formula, not as text.
    return st.text(alphabet, min_size=1, max_size=limit).filter(
        lambda t: t.strip() != "" and not t.strip().startswith("=")
    )


def _number(f: Field) -> st.SearchStrategy[Any]:
    lo = f.min if isinstance(f.min, int | float) else 0
    hi = f.max if isinstance(f.max, int | float) else 10**9
    if f.type == "integer":
        return st.integers(int(lo), int(hi))
    places = min(f.decimals if f.decimals is not None else 2, 4)
    scale = 10**places
    return st.integers(int(lo * scale), int(hi * scale)).map(
        lambda n: n // scale if n % scale == 0 else n / scale
    )


def _year(f: Field) -> st.SearchStrategy[int]:
    lo = f.min if isinstance(f.min, int) else 2000
    hi = TODAY.year if f.max in (None, "this_year") else min(int(f.max), TODAY.year)
    return st.integers(max(lo, 2000), hi)


_PHONES = st.one_of(st.from_regex(r"\A1[3-9]\d{9}\Z"), st.from_regex(r"\A0551-6\d{7}\Z"))
_STOCKS = {exchange: st.from_regex(pattern) for exchange, pattern in _STOCK.items()}
_CERTIFICATES = st.builds(
    lambda y, n: f"GR{y}34{n:06d}", st.integers(2008, TODAY.year), st.integers(0, 999999)
)
_DATES = st.dates(dt.date(2005, 1, 1), TODAY).map(dt.date.isoformat)


class _FormDraw:
    """The strategies of one form's fields, built once (building them per draw is slow)."""

    def __init__(self, form: FormDefinition) -> None:
        self.form = form
        self.fixed: dict[int, st.SearchStrategy[Any]] = {}
        self.dependent: dict[tuple[int, Any], st.SearchStrategy[Any]] = {}
        for _, f in form.walk():
            strategy = self._fixed(f)
            if strategy is not None:
                self.fixed[id(f)] = strategy

    def _fixed(self, f: Field) -> st.SearchStrategy[Any] | None:
        if f.type in ("text", "textarea"):
            return _text(f)
        if f.type in ("integer", "decimal", "money"):
            return _number(f)
        if f.type == "date":
            return _DATES
        if f.type == "year":
            return _year(f)
        if f.type == "boolean":
            return st.booleans()
        if f.type in ("choice", "multi_choice") and f.parent is None:
            return self._choices(f, [c.code for c in self.form.choices(f)])
        if f.type == "code":
            return {
                "uscc": st.builds(new_credit_code), "phone": _PHONES, "hte_certificate": _CERTIFICATES,
                "standard_number": st.sampled_from(STANDARD_NUMBERS),
            }.get(f.validator or "")
        return None

    @staticmethod
    def _choices(f: Field, codes: list[str]) -> st.SearchStrategy[Any]:
        if f.type == "choice":
            return st.sampled_from(codes)
        return st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True)

    def strategy(self, f: Field, values: dict[str, Any]) -> st.SearchStrategy[Any]:
        if id(f) in self.fixed:
            return self.fixed[id(f)]
        if f.validator == "stock_code":
            return _STOCKS.get(values.get(f.validator_param or ""), _STOCKS["SSE"])
        parent = values.get(f.parent or "")
        key = (id(f), parent)
        if key not in self.dependent:
            codes = [c.code for c in self.form.choices(f, values)]
            self.dependent[key] = self._choices(f, codes)
        return self.dependent[key]

    def fields(self, draw: Any, fields: tuple[Field, ...]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        # Fields a value depends on (a sector for its direction, an exchange for its stock
        # code) come first in every form, so the draw follows the form's order.
        for f in fields:
            # A record reference names a record of this office, which another office cannot hold;
            # an attachment names a file this office holds.
            wanted = f.required or f.required_when is not None or draw(st.booleans())
            if f.type in ("record_ref", "attachment") or not wanted:
                continue
            if f.is_group:
                count = draw(st.integers(f.min_items or 0, 3))
                values[f.id] = [self.fields(draw, f.fields) for _ in range(count)]
            else:
                values[f.id] = draw(self.strategy(f, values))
        return values


def _mend(form: FormDefinition, record: dict[str, Any], result: forms.ValidationResult) -> bool:
    """Mend what breaks a cross-field rule; True if anything changed."""
    broken = {p.path for p in result.errors if p.code == "rule"}
    changed = False
    for rule in form.rules:
        spec = rule.spec
        if rule.type == "compare" and spec["field"] in broken:
            for name in (spec["other"], spec["field"]):
                if name in record and not form.field(name).required:
                    record.pop(name)
                    changed = True
                    break
        elif rule.type == "matches_derived" and rule.severity == "error" and spec["field"] in broken:
            record[spec["field"]] = DERIVERS[spec["derive"]](record.get(spec["source"]))
            changed = True
    return changed


def valid_records(registry: forms.Registry, form_id: str) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
    """Complete records of the latest version of ``form_id`` that pass final validation: each
    as drawn, and as the forms engine normalises it (trimmed, digits folded, ...)."""
    form = registry.form(form_id)
    fields = _FormDraw(form)
    named_by = next((n for n in form.key_fields() if form.field(n).type == "text"), "")

    @st.composite
    def records(draw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        record = fields.fields(draw, form.fields)
        if form.unique_key and named_by in record:
            # One office holds one record per key (a project by name and owner): each draw
            # gets a name of its own, as credit codes are each new.
            record[named_by] = f"{record[named_by]}{next(_codes)}"
        result = registry.validate(form_id, record)
        for _ in range(3):
            if result.ok or not _mend(form, record, result):
                break
            result = registry.validate(form_id, record)
        assume(result.ok)
        return record, result.data

    return records()
