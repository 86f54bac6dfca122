"""Duplicate checks through the store's lookup: same credit code refused, similar names warned."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TODAY, USCC, codes, valid

import forms
from forms.duplicates import InMemoryLookup, name_key, name_similarity


@pytest.fixture
def lookup() -> InMemoryLookup:
    return InMemoryLookup(
        [
            (
                "rec-1",
                "enterprise",
                {"name": "科大讯飞股份有限公司", "credit_code": USCC["iflytek"]},
            ),
            ("rec-2", "enterprise", {"name": "安徽量子科技有限公司", "credit_code": USCC["a"]}),
            ("rec-3", "standard", {"number": "GB/T 42565-2023", "title": "量子计算 术语和定义"}),
            ("rec-4", "platform", {"name": "安徽省量子精密测量重点实验室"}),
        ]
    )


def test_same_credit_code_is_an_error_pointing_at_the_existing_record(
    registry: forms.Registry, lookup: InMemoryLookup
) -> None:
    data = valid("enterprise", name="科大讯飞", credit_code=USCC["iflytek"])
    result = registry.validate("enterprise", data, lookup=lookup, today=TODAY)
    (problem,) = [p for p in result.problems if p.code == "duplicate"]
    assert problem.path == "credit_code" and problem.severity == "error"
    assert "rec-1" in problem.message_zh and "科大讯飞股份有限公司" in problem.message_zh
    assert "rec-1" in problem.message_en
    assert not result.ok


def test_full_width_credit_code_still_matches(
    registry: forms.Registry, lookup: InMemoryLookup
) -> None:
    data = valid(
        "enterprise", name="另一家公司", credit_code="９１３４００００７１１７７１１４３ｊ"
    )
    assert ("credit_code", "duplicate") in codes(
        registry.validate("enterprise", data, lookup=lookup, today=TODAY)
    )


def test_editing_a_record_is_not_its_own_duplicate(
    registry: forms.Registry, lookup: InMemoryLookup
) -> None:
    data = valid("enterprise")  # rec-2's code and name
    assert not registry.validate("enterprise", data, lookup=lookup, today=TODAY).ok
    result = registry.validate("enterprise", data, lookup=lookup, record_id="rec-2", today=TODAY)
    assert result.ok and result.problems == []


def test_similar_name_is_a_warning(registry: forms.Registry, lookup: InMemoryLookup) -> None:
    data = valid("enterprise", name="安徽科大讯飞有限公司", credit_code=USCC["b"])
    result = registry.validate("enterprise", data, lookup=lookup, today=TODAY)
    (problem,) = result.for_path("name")
    assert problem.code == "similar" and problem.severity == "warning"
    assert "rec-1" in problem.message_zh
    assert result.ok


def test_similar_platform_names_warn(registry: forms.Registry, lookup: InMemoryLookup) -> None:
    data = valid("platform", name="安徽省量子精密测量重点实验室（筹）")
    assert ("name", "similar") in codes(
        registry.validate("platform", data, lookup=lookup, today=TODAY)
    )


def test_repeated_standard_number_is_only_a_warning(
    registry: forms.Registry, lookup: InMemoryLookup
) -> None:
    result = registry.validate("standard", valid("standard"), lookup=lookup, today=TODAY)
    (problem,) = result.for_path("number")
    assert problem.code == "duplicate" and problem.severity == "warning"
    assert result.ok


def test_a_plain_callable_is_enough(registry: forms.Registry) -> None:
    calls: list[tuple[str, str, Any]] = []

    def exact(form_id: str, field: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
        calls.append((form_id, field, value))
        return [("old", {"name": "旧企业"})] if value == USCC["a"] else []

    result = registry.validate("enterprise", valid("enterprise"), lookup=exact, today=TODAY)
    assert ("credit_code", "duplicate") in codes(result)
    assert ("enterprise", "credit_code", USCC["a"]) in calls


def test_a_failing_lookup_is_a_warning_not_a_crash(registry: forms.Registry) -> None:
    class Broken:
        def __call__(self, *args: Any) -> Any:
            raise RuntimeError("database locked")

        def similar(self, *args: Any) -> Any:
            return 42  # not iterable

        def exists(self, *args: Any) -> Any:
            raise OSError

    result = registry.validate(
        "talent_team", valid("talent_team", host_enterprise="rec-2"), lookup=Broken(), today=TODAY
    )
    assert ("", "lookup_failed") in codes(result)
    assert result.ok


def test_record_references(registry: forms.Registry, lookup: InMemoryLookup) -> None:
    data = valid("talent_team", host_enterprise="rec-2")
    assert registry.validate("talent_team", data, lookup=lookup, today=TODAY).ok
    # Without a lookup only the format is checked.
    assert registry.validate(
        "talent_team", valid("talent_team", host_enterprise="rec-999"), today=TODAY
    ).ok
    result = registry.validate(
        "talent_team", valid("talent_team", host_enterprise="rec-999"), lookup=lookup, today=TODAY
    )
    assert ("host_enterprise", "ref_not_found") in codes(result)
    result = registry.validate(
        "talent_team", valid("talent_team", host_enterprise="not an id"), today=TODAY
    )
    assert ("host_enterprise", "record_ref") in codes(result)
    # The reference applies only to enterprise hosts.
    data = valid(
        "talent_team", host_kind="university", host_credit_code=None, host_enterprise="rec-2"
    )
    assert ("host_enterprise", "not_relevant") in codes(
        registry.validate("talent_team", data, today=TODAY)
    )


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        ("科大讯飞股份有限公司", "科大讯飞有限公司", True),
        ("安徽科大讯飞有限公司", "科大讯飞股份有限公司", True),
        ("本源量子计算科技（合肥）股份有限公司", "合肥本源量子计算科技有限责任公司", True),
        ("国盾量子", "国科量子", False),
        ("合肥低空物流有限公司", "芜湖低空物流有限公司", False),
        ("Quantum Co., Ltd.", "QUANTUM CO LTD", True),
    ],
)
def test_name_similarity(a: str, b: str, similar: bool) -> None:
    assert (name_similarity(a, b) >= 0.85) is similar


def test_name_key() -> None:
    assert name_key("安徽科大讯飞股份有限公司") == "科大讯飞"
    assert name_key("（合肥）") == ""
    assert name_similarity("", "科大讯飞") == 0.0
