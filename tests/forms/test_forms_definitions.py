"""The definition format: what the parser refuses, and what the shipped forms give a GUI."""

from __future__ import annotations

import copy
import json
import unicodedata
from typing import Any

import pytest
from conftest import TODAY, valid

import forms
from forms.model import FIELD_TYPES
from forms.parsing import parse_form

MINIMAL: dict[str, Any] = {
    "kind": "form",
    "id": "demo",
    "version": 1,
    "label": {"zh": "示例", "en": "Demo"},
    "fields": [
        {
            "id": "sector",
            "type": "choice",
            "label": {"zh": "所属领域", "en": "Sector"},
            "choice_list": "sectors",
        },
        {
            "id": "direction",
            "type": "choice",
            "label": {"zh": "细分方向", "en": "Direction"},
            "choice_list": "sectors",
            "parent": "sector",
        },
    ],
}


def with_changes(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(MINIMAL)
    change(doc)
    return doc


def add_field(**spec: Any) -> Any:
    return lambda doc: doc["fields"].append({"id": "x", "label": {"zh": "某项", "en": "X"}, **spec})


def test_minimal_definition_parses() -> None:
    form = parse_form(MINIMAL, "demo.json")
    assert (form.id, form.version, [f.id for f in form.fields]) == (
        "demo",
        1,
        ["sector", "direction"],
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("kind"), "not a form definition"),
        (lambda d: d.update(version=0), "version"),
        (lambda d: d.update(version="1"), "version"),
        (lambda d: d.update(colour="red"), "unknown keys"),
        (lambda d: d.update(label={"en": "Demo"}), "Chinese"),
        (lambda d: d["fields"].pop(), "fixed field 'direction'"),
        (lambda d: d.update(id="enterprise"), "fixed field 'name'"),
        (lambda d: d["fields"].append(copy.deepcopy(d["fields"][0])), "appears twice"),
        (add_field(type="slider"), "type must be one of"),
        (add_field(type="text", maxlen=3), "unknown keys"),
        (add_field(type="text", pattern="(["), "bad pattern"),
        (add_field(type="integer", pattern="\\d+"), "pattern"),
        (add_field(type="choice"), "either 'choices' or 'choice_list'"),
        (
            add_field(
                type="choice", choices=[{"code": "a", "zh": "甲"}, {"code": "a", "zh": "乙"}]
            ),
            "duplicate choice codes",
        ),
        (add_field(type="text", choices=[{"code": "a", "zh": "甲"}]), "only choice fields"),
        (add_field(type="code"), "names its 'validator'"),
        (add_field(type="code", validator="iban"), "unknown validator"),
        (add_field(type="record_ref"), "ref_form"),
        (add_field(type="group"), "lists its 'fields'"),
        (
            add_field(
                type="group",
                fields=[{"id": "g", "type": "group", "label": {"zh": "组"}, "fields": []}],
            ),
            "cannot be nested",
        ),
        (add_field(type="text", required="yes"), "'required' is true or false"),
        (
            add_field(type="text", relevant={"field": "nowhere", "filled": True}),
            "unknown field 'nowhere'",
        ),
        (
            add_field(type="text", relevant={"field": "sector", "between": [1, 2]}),
            "exactly one test",
        ),
        (add_field(type="date", max="tomorrow"), 'ISO date or "today"'),
        (add_field(type="integer", min="1"), "does not fit"),
        (add_field(type="text", unique="always"), "'unique'"),
        (add_field(type="integer", similar=True), "'similar'"),
        (
            lambda d: d.update(
                rules=[{"type": "compare", "field": "sector", "op": "~", "other": "direction"}]
            ),
            "unknown comparison",
        ),
        (
            lambda d: d.update(rules=[{"type": "compare", "field": "sector", "op": "<"}]),
            "incomplete compare rule",
        ),
        (
            lambda d: d.update(rules=[{"type": "one_of", "fields": ["sector", "ghost"]}]),
            "no field 'ghost'",
        ),
        (
            lambda d: d.update(
                rules=[
                    {
                        "type": "implies",
                        "when": {"field": "sector", "filled": True},
                        "then": {"field": "direction", "filled": True},
                    }
                ]
            ),
            "message",
        ),
        (
            lambda d: d.update(
                rules=[
                    {
                        "type": "matches_derived",
                        "source": "sector",
                        "derive": "horoscope",
                        "field": "direction",
                    }
                ]
            ),
            "derive",
        ),
        (lambda d: d.update(rules=[{"type": "astrology"}]), "a rule has a 'type'"),
        (lambda d: d.update(title=["{ghost}"]), "title names unknown field"),
    ],
)
def test_malformed_definitions_are_refused(change: Any, message: str) -> None:
    with pytest.raises(forms.DefinitionError, match=message):
        parse_form(with_changes(change), "demo.json")


def is_chinese_label(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED") for ch in text)


def test_every_field_is_described_completely(registry: forms.Registry) -> None:
    seen_types = set()
    for form in registry.forms():
        for path, f in form.walk():
            seen_types.add(f.type)
            assert is_chinese_label(f.label_zh), (form.id, path)
            assert f.label_en and f.label_en.isascii() or "²" in f.label_en, (form.id, path)
            if f.is_choice:
                options = form.choices(f, {"sector": "quantum"})
                assert options, (form.id, path)
                assert all(is_chinese_label(o.label_zh) or o.label_zh.isdigit() for o in options)
            if f.type in ("text", "textarea"):
                assert f.max_length
            if f.type == "money":
                assert f.unit_zh == "万元" and f.min == 0
    assert seen_types == set(FIELD_TYPES)


def test_field_metadata_is_easy_to_walk(registry: forms.Registry) -> None:
    form = registry.form("talent_team")
    paths = [path for path, _ in form.walk()]
    assert "members" in paths and "members.name" in paths
    members = form.field("members")
    assert members.is_group and [f.id for f in members.fields][:2] == ["name", "role"]
    assert form.field("members.degree").choices[0].label_zh == "博士"
    stock = registry.form("enterprise").field("stock_code")
    assert (stock.validator, stock.validator_param, stock.relevant.spec) == (
        "stock_code",
        "exchange",
        {"field": "tiers", "contains": "listed"},
    )  # type: ignore[union-attr]
    trl = registry.form("key_technology").field("trl")
    assert (trl.type, trl.min, trl.max, trl.required) == ("integer", 1, 9, True)
    assert "技术就绪度" in trl.label_zh and trl.help_zh
    area = registry.form("platform").field("area")
    assert (area.unit_zh, area.unit("en"), area.decimals) == ("平方公里", "km²", 4)


def test_relevance_helpers_for_a_gui(registry: forms.Registry) -> None:
    form = registry.form("enterprise")
    exchange = form.field("exchange")
    assert not form.is_relevant(exchange, {"tiers": ["high_tech"]})
    assert form.is_relevant(exchange, {"tiers": ["listed"]})
    assert form.is_required(exchange, {"tiers": ["listed"]})
    assert form.is_required(form.field("output_year"), {"output": 12})
    assert not form.is_required(form.field("output_year"), {})
    directions = form.choices("direction", {"sector": "aerospace_info"})
    assert [d.label_zh for d in directions][:2] == ["低空经济", "商业航天"]
    assert form.choices("direction", {}) == []


def test_titles(registry: forms.Registry) -> None:
    standard = registry.form("standard")
    assert standard.title_of(valid("standard")) == "GB/T 42565-2023《量子计算 术语和定义》"
    assert standard.title_of({"title": "量子计算 术语"}) == "《量子计算 术语》"
    assert standard.title_of({}) == "标准规范（未命名）"
    assert registry.form("talent_team").title_of({"name": "X团队"}) == "X团队"
    for junk in (None, [], "x", {"name": {"a": 1}}, {"name": 10**200}, {"number": ["GB"]}):
        assert isinstance(standard.title_of(junk), str)
        assert isinstance(registry.form("enterprise").title_of(junk), str)


def test_search_text_has_values_and_choice_labels(registry: forms.Registry) -> None:
    form = registry.form("enterprise")
    text = form.search_text(registry.validate("enterprise", valid("enterprise"), today=TODAY).data)
    for expected in (
        "安徽量子科技有限公司",
        "91340100MA2N0K0E0D",
        "量子科技",
        "量子计算",
        "Quantum computing",
        "上市企业",
        "高新技术企业",
        "民营企业",
        "688027",
    ):
        assert expected in text
    team = registry.form("talent_team").search_text(valid("talent_team"))
    assert "张伟" in team and "博士" in team
    assert form.search_text(None) == "" and form.search_text({"name": ["x"]}) == ""


def test_definitions_round_trip_as_json(registry: forms.Registry) -> None:
    for form in registry.forms():
        again = parse_form(json.loads(json.dumps(form.to_json())), "round-trip")
        assert [f.id for f in again.fields] == [f.id for f in form.fields]
    assert (
        registry.reference("sectors").to_json()["items"][0]["children"][0]["code"]
        == "quantum_computing"
    )
