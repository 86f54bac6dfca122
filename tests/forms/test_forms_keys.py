"""Folded keys and choices: two spellings of one thing are recognised, neither is changed."""

from __future__ import annotations

import pytest
from conftest import TODAY, USCC, codes, valid
from hypothesis import given
from hypothesis import strategies as st

import forms
from forms.keys import fold_key, fold_search, record_key
from forms.refdata import parse_reference

REGISTRY = forms.load_registry()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("安徽（合肥）量子科技有限公司", "安徽(合肥)量子科技有限公司"),  # bracket width
        ("ＡＩ芯片研究院", "ai芯片研究院"),  # letter width and case
        ("第１２３号", "第123号"),  # digit width
        ("专精特新“小巨人”企业", '专精特新"小巨人"企业'),  # quotation marks
        ("QC—72", "QC-72"),  # dash look-alikes
        ("安徽 量子\u3000科技", "安徽量子科技"),  # spaces of any kind
        ("伊力·哈木", "伊力・哈木"),  # middle dots
    ],
)
def test_spellings_of_one_name_share_a_key(a: str, b: str) -> None:
    assert fold_key(a) == fold_key(b)


@pytest.mark.parametrize(("a", "b"), [("合肥量子", "芜湖量子"), ("量子通信", "量子计算"), ("1", "1.5")])
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert fold_key(a) != fold_key(b)


@given(st.text(max_size=40))
def test_folding_is_idempotent_and_never_raises(text: str) -> None:
    assert fold_key(fold_key(text)) == fold_key(text)
    assert fold_search(fold_search(text)) == fold_search(text)
    assert fold_key(fold_search(text)) == fold_key(text)


def test_non_text_values_have_keys_too() -> None:
    assert (fold_key(2024), fold_key(True), fold_key(None), fold_key([1])) == ("2024", "true", "", "")


def test_record_keys_of_every_form() -> None:
    keys = {form.id: REGISTRY.duplicate_key_fields(form.id) for form in REGISTRY.forms()}
    assert keys == {
        "enterprise": ("credit_code",),
        "annual_report": ("credit_code", "year"),
        "project": ("name", "owner_name"),
        "financing": ("credit_code", "round", "date"),
        "platform": ("name", "level"),
        "talent_team": ("name", "host_name"),
        "standard": ("number",),
        "key_technology": ("name",),
        "landmark_product": ("name", "enterprise_name"),
        "application_scenario": ("name", "lead_org"),
    }
    lab = REGISTRY.duplicate_key("platform", {"name": "量子信息国家实验室（合肥）", "level": "national"})
    assert lab == "量子信息国家实验室(合肥) | NATIONAL"
    assert lab == REGISTRY.duplicate_key("platform", {"name": "量子信息国家实验室 (合肥)", "level": "national"})
    assert lab != REGISTRY.duplicate_key("platform", {"name": "量子信息国家实验室（合肥）", "level": "provincial"})
    # A missing part gives no key: a partial key would merge different things.
    assert REGISTRY.duplicate_key("platform", {"name": "量子信息国家实验室"}) is None
    assert record_key(("name",), "not a record") is None
    # A key of one field is that field's folded value: a credit code reads as printed.
    assert REGISTRY.duplicate_key("enterprise", {"credit_code": USCC["a"]}) == USCC["a"]
    assert REGISTRY.duplicate_key("standard", {"number": "GB/T 15776-2016"}) == "GB/T15776-2016"
    # A part never holds a space, so " | " cannot be mistaken for part of a name.
    assert record_key(("a", "b"), {"a": "x | y", "b": "z"}) == "X|Y | Z"


@pytest.mark.parametrize(
    ("field", "typed", "code"),
    [
        ("tiers", ["专精特新小巨人企业"], ["little_giant"]),  # without its quotation marks
        ("tiers", ["小巨人"], ["little_giant"]),  # shortened
        ("tiers", '专精特新"小巨人"企业、高企', ["little_giant", "high_tech"]),  # ASCII quotes, 高企
        ("tiers", ["生态主导力头部企业"], ["head"]),  # the old label
        ("tiers", ["专精特新“小巨人”"], ["little_giant"]),  # without 企业, as the plan writes it
        ("tiers", ["专精特新‘小巨人’企业"], ["little_giant"]),  # single quotes, as in a nested quotation
        ("tiers", ["国家级专精特新「小巨人」企业"], ["little_giant"]),  # corner brackets for quotes
        ("tiers", ["“新星企业”", "独角兽"], ["new_star", "unicorn"]),
        ("tiers", ["入库科技型中小企业"], ["tech_sme"]),
        ("ownership", "央企", "central_soe"),
        ("ownership", "市属国有企业", "municipal_soe"),
        ("ownership", "Private Enterprise", "private"),  # English label, any case
        ("direction", "量子上游关键材料", "quantum_materials"),  # the old label of 上游关键材料
        ("sector", "量子科技", "quantum"),
    ],
)
def test_choices_accept_labels_and_synonyms(field: str, typed: object, code: object) -> None:
    changes = {field: typed}
    if field == "tiers":
        # Each tier's evidence; the evidence of tiers not chosen is dropped as not applying.
        changes.update(little_giant_year=2025, little_giant_list="第七批", unicorn_year=2025, unicorn_list="中国独角兽企业榜单",
                       new_star_year=2025, new_star_list="第一批", tech_sme_year=2025, tech_sme_list="202534010400001",
                       exchange=None, stock_code=None,
                       listing_date=None)
    result = REGISTRY.validate("enterprise", valid("enterprise", **changes), today=TODAY)
    assert result.ok, result.problems
    assert result.data[field] == code


def test_brackets_of_either_width_pick_the_same_option() -> None:
    for typed in ("批复建设（筹建）", "批复建设(筹建)"):
        result = REGISTRY.validate("platform", valid("platform", status=typed), today=TODAY)
        assert result.data["status"] == "building", typed


def test_an_unknown_option_is_still_refused() -> None:
    result = REGISTRY.validate("enterprise", valid("enterprise", ownership="集体企业"), today=TODAY)
    assert ("ownership", "choice") in codes(result)
    # Quotation marks alone, or a provincial 专精特新 enterprise (not a 小巨人), match no tier.
    for typed in ("“”", "专精特新企业"):
        result = REGISTRY.validate("enterprise", valid("enterprise", tiers=[typed]), today=TODAY)
        assert ("tiers", "choice") in codes(result), typed


def test_a_synonym_two_items_share_is_refused_in_the_file() -> None:
    doc = {"kind": "reference", "name": "colours", "version": 1, "items": [
        {"code": "red", "zh": "红色", "synonyms": ["赤"]},
        {"code": "crimson", "zh": "深红", "synonyms": ["赤 "]},
    ]}
    with pytest.raises(forms.DefinitionError, match="share the label or synonym"):
        parse_reference(doc, "colours.v1.json")
