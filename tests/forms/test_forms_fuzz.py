"""Hostile input: validation never raises, stays bounded, and its output is always storable."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
from conftest import TODAY, valid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forms
from forms.acceptance import judge_version
from forms.canonical import canonical_json

REGISTRY = forms.load_registry()
# More examples for a long run: FORMS_FUZZ_EXAMPLES=5000 pytest tests/forms/test_forms_fuzz.py
EXAMPLES = int(os.environ.get("FORMS_FUZZ_EXAMPLES", "300"))
FORM_IDS = [f.id for f in REGISTRY.forms()]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(
        alphabet=st.characters(
            codec="utf-8", categories=["Nd", "Lu", "Ll", "Lo", "Zs", "Pd", "Po", "Cc", "Cf"]
        )
    ),
    st.sampled_from(
        [
            "",
            " ",
            "是",
            "否",
            "2024-02-30",
            "GB/T 15776—2016",
            "quantum",
            "量子科技",
            "listed",
            "\x00",
            "\ud800",
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=40,
)


def field_keys(form_id: str) -> list[str]:
    return [f.id for f in REGISTRY.form(form_id).fields]


def check_result(form_id: str, result: forms.ValidationResult) -> None:
    assert isinstance(result, forms.ValidationResult)
    assert isinstance(result.data, dict)
    assert "internal" not in {p.code for p in result.problems}, result.problems
    for p in result.problems:
        assert isinstance(p.path, str) and p.code and p.message_zh and p.message_en
        assert p.severity in ("error", "warning")
    # Whatever comes out can be hashed and stored exactly as the office does it.
    canonical_json(result.data)
    json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")
    form = REGISTRY.form(form_id)
    assert isinstance(form.title_of(result.data), str)
    assert isinstance(form.search_text(result.data), str)


@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form_id=st.sampled_from(FORM_IDS), data=json_values)
def test_any_json_value_gives_a_result(form_id: str, data: Any) -> None:
    check_result(form_id, REGISTRY.validate(form_id, data, today=TODAY))
    form = REGISTRY.form(form_id)
    assert isinstance(form.title_of(data), str) and isinstance(form.search_text(data), str)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_records_with_the_forms_own_keys(data: st.DataObject) -> None:
    form_id = data.draw(st.sampled_from(FORM_IDS))
    keys = field_keys(form_id)
    record = data.draw(st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys)))
    check_result(form_id, REGISTRY.validate(form_id, record, today=TODAY))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_valid_records_with_one_field_spoiled(data: st.DataObject) -> None:
    form_id = data.draw(st.sampled_from(FORM_IDS))
    record = valid(form_id)
    key = data.draw(st.sampled_from(field_keys(form_id)))
    record[key] = data.draw(json_values)
    result = REGISTRY.validate(form_id, record, today=TODAY)
    check_result(form_id, result)
    if result.ok:
        # Normalising is idempotent: clean data comes back unchanged and still clean.
        again = REGISTRY.validate(form_id, result.data, today=TODAY)
        assert again.ok and again.data == result.data


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(
    form_id=st.text(max_size=20),
    version=st.one_of(st.none(), st.integers(), st.text(max_size=3)),
    data=json_values,
)
def test_unknown_forms_and_versions(form_id: str, version: Any, data: Any) -> None:
    result = REGISTRY.validate(form_id, data, version=version, today=TODAY)
    assert isinstance(result, forms.ValidationResult)


@settings(max_examples=EXAMPLES // 3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form_id=st.sampled_from(FORM_IDS),
    data=json_values,
    status=st.sampled_from(["draft", "final", "queued", "", "FINAL"]),
)
def test_judging_a_received_version_never_raises(form_id: str, data: Any, status: str) -> None:
    problems = judge_version(REGISTRY, form_id, 1, data, status)
    for p in problems:
        assert p.severity == "error" and p.code and p.message_zh and p.message_en
    if status not in ("draft", "final"):
        assert [p.code for p in problems] == ["unknown_status"]


def deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value] if depth % 2 else {"a": value}
    return value


HOSTILE: list[tuple[str, Any]] = [
    ("one_mb_string", "企" * (1 << 20)),
    ("one_mb_ascii", "9" * (1 << 20)),
    ("deep_list", deep(100_000)),
    ("deep_dict", deep(100_001)),
    ("long_list", list(range(200_000))),
    ("many_keys", {str(i): i for i in range(100_000)}),
    ("huge_int", 10**4000),
    ("control_chars", "".join(chr(i) for i in range(32)) * 1000),
]


@pytest.mark.parametrize(("name", "value"), HOSTILE, ids=[h[0] for h in HOSTILE])
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_hostile_values_are_refused_quickly(form_id: str, name: str, value: Any) -> None:
    form = REGISTRY.form(form_id)
    started = time.perf_counter()
    for field in form.fields:
        result = REGISTRY.validate(form_id, valid(form_id, **{field.id: value}), today=TODAY)
        check_result(form_id, result)
    # As the whole record, and inside a repeat group.
    check_result(form_id, REGISTRY.validate(form_id, value, today=TODAY))
    for field in form.fields:
        if field.is_group:
            check_result(
                form_id,
                REGISTRY.validate(
                    form_id, valid(form_id, **{field.id: [value, {"name": value}]}), today=TODAY
                ),
            )
    assert time.perf_counter() - started < 10.0


def test_a_one_megabyte_name_is_one_clear_problem() -> None:
    result = REGISTRY.validate(
        "enterprise", valid("enterprise", name="企" * (1 << 20)), today=TODAY
    )
    assert [(p.path, p.code) for p in result.problems] == [("name", "too_long")]
    assert result.problems[0].message_zh == "企业名称：内容过长，最多100个字符。"
    assert "name" not in result.data
