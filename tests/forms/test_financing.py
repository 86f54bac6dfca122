"""Financing events: one record per round of an enterprise, a repeat only warned about."""

from __future__ import annotations

from conftest import USCC, valid

import forms

REGISTRY = forms.load_registry()


def test_a_round_reported_twice_is_a_warning_and_another_round_is_not():
    office = forms.InMemoryLookup([("f1", "financing", valid("financing"))])
    again = valid("financing", amount=31000, round="B轮")  # the label typed, as offices write it
    result = REGISTRY.validate("financing", again, lookup=office)
    assert result.ok and result.data["round"] == "b"
    [warning] = result.warnings
    assert (warning.path, warning.code) == ("date", "duplicate")
    assert warning.message_zh.startswith("统一社会信用代码＋融资轮次＋融资日期：与已有记录重复：“安徽量子科技有限公司（B轮，2025-06-18）”")
    for other in (valid("financing", round="c"), valid("financing", date="2025-07-01"), valid("financing", credit_code=USCC["b"])):
        assert REGISTRY.validate("financing", other, lookup=office).problems == []


def test_a_valuation_below_the_amount_raised_is_questioned():
    result = REGISTRY.validate("financing", valid("financing", amount=30000, valuation=1000))
    assert result.ok and [p.path for p in result.warnings] == ["valuation"]
    assert REGISTRY.validate("financing", valid("financing", date="2999-01-01")).errors[0].path == "date"
