"""The validation engine: normalisation, every field type, relevance, rules and messages."""

from __future__ import annotations

import pytest
from conftest import TODAY, USCC, codes, valid

import forms


def check(
    registry: forms.Registry, form_id: str, data: object, **kw: object
) -> forms.ValidationResult:
    return registry.validate(form_id, data, today=TODAY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "form_id",
    [
        "enterprise",
        "platform",
        "talent_team",
        "standard",
        "key_technology",
        "landmark_product",
        "application_scenario",
    ],
)
def test_valid_samples_pass_and_round_trip(registry: forms.Registry, form_id: str) -> None:
    result = check(registry, form_id, valid(form_id))
    assert result.ok, result.problems
    assert result.problems == []
    # Normalised data validates to itself: saving and re-checking changes nothing.
    again = check(registry, form_id, result.data)
    assert again.ok and again.data == result.data


def test_every_problem_is_reported_at_once(registry: forms.Registry) -> None:
    data = valid(
        "enterprise", name=None, credit_code="91340000711771143K", employees=-3, ownership="国企"
    )
    result = check(registry, "enterprise", data)
    assert {
        ("name", "required"),
        ("credit_code", "uscc_checksum"),
        ("employees", "min"),
        ("ownership", "choice"),
    } <= codes(result)
    assert not result.ok
    for p in result.problems:
        assert p.message_zh and p.message_en and p.severity in ("error", "warning")


def test_messages_name_the_field_in_both_languages(registry: forms.Registry) -> None:
    result = check(registry, "enterprise", valid("enterprise", name=None))
    (problem,) = result.for_path("name")
    assert problem.message_zh == "企业名称：必须填写。"
    assert problem.message_en == "Enterprise name is required."
    # A validator's sentence that begins with the field's name is not prefixed with it again.
    (problem,) = check(registry, "enterprise", valid("enterprise", credit_code="9134")).for_path("credit_code")
    assert problem.message_zh == "统一社会信用代码应为18位，当前为4位。"


def test_text_is_kept_as_typed_and_identifiers_are_normalised(registry: forms.Registry) -> None:
    data = valid(
        "enterprise",
        name="\u3000安徽（合肥）量子科技；第１２３号：有限公司\u200b ",
        address="合肥市高新区  望江西路８００号（Ａ座）",
        credit_code="９１３４０１００ＭＡ２Ｎ０Ｋ０Ｅ０ｄ",
        stock_code="６８８０２７",
        employees="８００",
        output="３５，０００．５",
    )
    result = check(registry, "enterprise", data)
    assert result.ok, result.problems
    # Free text: only the outer spaces and the invisible zero-width space go (with a warning).
    assert result.data["name"] == "安徽（合肥）量子科技；第１２３号：有限公司"
    assert ("name", "control_chars") in codes(result)
    assert result.data["address"] == "合肥市高新区  望江西路８００号（Ａ座）"
    # Identifiers and numbers: full width read as the digits and letters they are.
    assert result.data["credit_code"] == USCC["a"]
    assert result.data["stock_code"] == "688027"
    assert result.data["employees"] == 800
    assert result.data["output"] == 35000.5


def test_control_characters_are_removed_and_reported(registry: forms.Registry) -> None:
    result = check(registry, "enterprise", valid("enterprise", name="安徽量子\x00科技\x1b有限公司"))
    assert result.data["name"] == "安徽量子科技有限公司"
    assert ("name", "control_chars") in codes(result)
    assert result.ok  # removed, so only a warning remains


def test_lone_surrogates_cannot_reach_the_store(registry: forms.Registry) -> None:
    result = check(registry, "enterprise", valid("enterprise", name="安徽\ud800量子科技"))
    assert result.data["name"] == "安徽量子科技"
    result.data["name"].encode("utf-8")


def test_textarea_keeps_line_breaks(registry: forms.Registry) -> None:
    result = check(
        registry,
        "key_technology",
        valid("key_technology", description="第一行  \r\n\r\n\r\n\r\n第二行\t结束"),
    )
    # Only the line ends are made uniform; spaces, blank lines and tabs stay as typed.
    assert result.data["description"] == "第一行  \n\n\n\n第二行\t结束"
    one_line = check(registry, "key_technology", valid("key_technology", name=" 第一行\r\n第二行\t结束 "))
    assert one_line.data["name"] == "第一行 第二行 结束"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "企" * 101, "too_long"),
        ("name", "企" * 1_000_000, "too_long"),
        ("name", 3.5, None),  # spreadsheets give numbers; kept as text
        ("name", ["安徽"], "type"),
        ("name", {"zh": "安徽"}, "type"),
        ("employees", "八百", "type"),
        ("employees", 12.5, "decimals"),
        ("employees", True, "type"),
        ("employees", 10**8, "max"),
        ("output", "-1", "min"),
        ("output", 1.23456, "decimals"),
        ("founded_date", "2099-01-01", "date_max"),
        ("founded_date", "2020-02-30", "date"),
        ("output_year", 2019, "year"),
        ("output_year", 2030, "year"),  # after this year
        ("ownership", 3, "choice"),
        ("ownership", ["private"], "type"),
        ("tiers", {"listed": True}, "type"),
        ("tiers", ["listed", "nonsense"], "choice"),
        ("credit_code", 913401001, "uscc_length"),
        ("contact_phone", "110", "phone"),
    ],
)
def test_field_type_errors(
    registry: forms.Registry, field: str, value: object, code: str | None
) -> None:
    result = check(registry, "enterprise", valid("enterprise", **{field: value}))
    if code is None:
        assert result.ok, result.problems
    else:
        assert (field, code) in codes(result), result.problems
        assert field not in result.data  # an invalid value is not passed on as if it were clean


def test_booleans_accept_yes_no_words(registry: forms.Registry) -> None:
    for raw, expected in (("是", True), ("否", False), ("yes", True), (0, False), (True, True)):
        result = check(
            registry,
            "application_scenario",
            valid("application_scenario", benchmark=raw, benchmark_year=2025 if expected else None),
        )
        assert result.ok, (raw, result.problems)
        assert result.data["benchmark"] is expected
    result = check(
        registry, "application_scenario", valid("application_scenario", benchmark="也许")
    )
    assert ("benchmark", "type") in codes(result)


def test_choice_labels_are_accepted_for_codes(registry: forms.Registry) -> None:
    data = valid(
        "enterprise",
        sector="量子科技",
        direction="量子计算",
        ownership="Private enterprise",
        tiers="上市企业、高新技术企业",
    )
    result = check(registry, "enterprise", data)
    assert result.ok, result.problems
    assert (result.data["sector"], result.data["direction"], result.data["ownership"]) == (
        "quantum",
        "quantum_computing",
        "private",
    )
    assert result.data["tiers"] == ["listed", "high_tech"]


def test_multi_choice_duplicates_are_merged(registry: forms.Registry) -> None:
    result = check(
        registry,
        "enterprise",
        valid("enterprise", roles=["terminal_maker", "终端制造商", "headquarters"]),
    )
    assert result.data["roles"] == ["terminal_maker", "headquarters"]


def test_direction_must_belong_to_the_sector(registry: forms.Registry) -> None:
    result = check(
        registry,
        "enterprise",
        valid("enterprise", sector="general_ai", direction="quantum_computing"),
    )
    (problem,) = result.for_path("direction")
    assert problem.code == "choice_of_other_parent"
    # It names the sector the direction belongs to, and the one chosen.
    assert "“量子计算”属于所属领域“量子科技”，不属于所选的“通用智能”" in problem.message_zh
    assert "'Quantum technology'" in problem.message_en
    result = check(
        registry, "enterprise", valid("enterprise", sector=None, direction="quantum_computing")
    )
    assert ("direction", "no_parent_choice") in codes(result)
    assert ("sector", "required") in codes(result)


def test_n_sectors_have_a_general_direction(registry: forms.Registry) -> None:
    result = check(
        registry,
        "enterprise",
        valid("enterprise", sector="blockchain", direction="blockchain_general"),
    )
    assert result.ok, result.problems


def test_relevance_shows_and_requires_listing_details(registry: forms.Registry) -> None:
    # Not listed: the exchange and stock code are not asked for.
    unlisted = valid(
        "enterprise", tiers=["high_tech"], exchange=None, stock_code=None, listing_date=None
    )
    assert check(registry, "enterprise", unlisted).ok
    # Listed without them: both are required.
    listed = valid("enterprise", exchange=None, stock_code=None)
    assert {("exchange", "required"), ("stock_code", "required")} <= codes(
        check(registry, "enterprise", listed)
    )


def test_values_of_irrelevant_fields_are_dropped_with_a_warning(registry: forms.Registry) -> None:
    data = valid("enterprise", tiers=["head"], hte_cert_number=None, hte_cert_date=None)
    result = check(registry, "enterprise", data)
    assert result.ok
    assert {("exchange", "not_relevant"), ("stock_code", "not_relevant")} <= codes(result)
    assert "exchange" not in result.data and "stock_code" not in result.data
    # A value that would be invalid does not matter when the field does not apply.
    data["stock_code"] = "garbage"
    assert check(registry, "enterprise", data).ok


def test_required_when(registry: forms.Registry) -> None:
    result = check(registry, "enterprise", valid("enterprise", output_year=None))
    assert ("output_year", "required") in codes(result)
    assert check(registry, "enterprise", valid("enterprise", output_year=None, output=None)).ok
    drafting = valid(
        "standard", status="drafting", number=None, publish_date=None, implement_date=None
    )
    assert check(registry, "standard", drafting).ok
    assert ("number", "required") in codes(
        check(registry, "standard", valid("standard", number=None))
    )


def test_stock_code_is_checked_against_the_chosen_exchange(registry: forms.Registry) -> None:
    result = check(
        registry, "enterprise", valid("enterprise", exchange="SZSE", stock_code="688027")
    )
    (problem,) = result.for_path("stock_code")
    assert "深圳证券交易所" in problem.message_zh
    result = check(registry, "enterprise", valid("enterprise", exchange="HKEX", stock_code="700"))
    assert result.data["stock_code"] == "00700"


def test_standard_level_must_match_its_number(registry: forms.Registry) -> None:
    result = check(
        registry,
        "standard",
        valid(
            "standard",
            number="T/CSTEA 0001-2021",
            level="national",
            publish_date="2021-03-01",
            implement_date=None,
        ),
    )
    (problem,) = result.for_path("level")
    assert problem.code == "rule" and problem.severity == "error"
    assert "团体标准" in problem.message_zh  # names the level the number implies
    result = check(registry, "standard", valid("standard", number="GB/T 42565—2023"))
    assert result.ok and result.data["number"] == "GB/T 42565-2023"


def test_standard_year_mismatch_is_a_warning(registry: forms.Registry) -> None:
    result = check(registry, "standard", valid("standard", publish_date="2022-12-30"))
    assert result.ok
    assert [p.code for p in result.for_path("publish_date")] == ["rule"]


def test_compare_rules(registry: forms.Registry) -> None:
    result = check(registry, "enterprise", valid("enterprise", rd_staff=900))
    (problem,) = result.for_path("rd_staff")
    assert problem.message_zh == "研发人员应不大于从业人员。"
    result = check(registry, "enterprise", valid("enterprise", listing_date="2008-01-01"))
    assert result.for_path("listing_date")[0].message_zh == "上市日期应不早于成立日期。"
    result = check(registry, "standard", valid("standard", implement_date="2023-01-01"))
    assert ("implement_date", "rule") in codes(result)
    # A compare is skipped while one side is empty or already wrong.
    assert check(registry, "enterprise", valid("enterprise", employees=None)).ok
    assert ("rd_staff", "rule") not in codes(
        check(registry, "enterprise", valid("enterprise", employees="many"))
    )


def test_compare_with_a_group_count(registry: forms.Registry) -> None:
    result = check(registry, "talent_team", valid("talent_team", member_count=1))
    (problem,) = result.for_path("member_count")
    assert "团队核心成员的项数" in problem.message_zh


def test_implies_rules_warn(registry: forms.Registry) -> None:
    result = check(registry, "key_technology", valid("key_technology", stage="applied", trl=4))
    (problem,) = result.for_path("trl")
    assert problem.severity == "warning" and "6级" in problem.message_zh
    assert result.ok


def test_certificate_age_and_year_warnings(registry: forms.Registry) -> None:
    old = valid("enterprise", hte_cert_number="GR202034001234", hte_cert_date="2020-12-01")
    result = check(registry, "enterprise", old)
    assert result.ok
    messages = [p.message_zh for p in result.for_path("hte_cert_date")]
    assert any("三年有效期" in m for m in messages)
    mismatch = check(registry, "enterprise", valid("enterprise", hte_cert_date="2025-01-02"))
    assert any("年份" in p.message_zh for p in mismatch.for_path("hte_cert_date"))


def test_repeat_groups_report_item_paths(registry: forms.Registry) -> None:
    members = [
        {"name": "张伟"},
        {"name": ""},
        {"name": "刘洋", "degree": "博士后"},
        "junk",
        {"name": "张伟", "age": 30},
    ]
    result = check(registry, "talent_team", valid("talent_team", members=members, member_count=10))
    found = codes(result)
    assert ("members[1].name", "required") in found
    assert ("members[2].degree", "choice") in found
    assert ("members[3]", "item_not_object") in found
    assert ("members[4].age", "unknown_field") in found
    assert ("members[4].name", "rule") in found  # a repeated name is a warning
    (problem,) = result.for_path("members[1].name")
    assert problem.message_zh == "团队核心成员第2项的姓名：必须填写。"
    assert result.data["members"][0] == {"name": "张伟"}


def test_group_bounds(registry: forms.Registry) -> None:
    assert ("host_orgs", "required") in codes(
        check(registry, "platform", valid("platform", host_orgs=[]))
    )
    many = [{"name": f"单位{i}", "role": "partner"} for i in range(51)]
    assert ("host_orgs", "too_many_items") in codes(
        check(registry, "platform", valid("platform", host_orgs=many))
    )
    assert ("host_orgs", "type") in codes(
        check(registry, "platform", valid("platform", host_orgs="中国科大"))
    )


def test_decimal_with_unit_only_for_zones(registry: forms.Registry) -> None:
    park = valid("platform", platform_type="future_science_park", area="2.35")
    result = check(registry, "platform", park)
    assert result.ok and result.data["area"] == 2.35
    lab = valid("platform", area=2)
    assert ("area", "not_relevant") in codes(check(registry, "platform", lab))


def test_unknown_fields_and_non_objects(registry: forms.Registry) -> None:
    result = check(registry, "enterprise", valid("enterprise", 备注="x", extra=1))
    assert {("备注", "unknown_field"), ("extra", "unknown_field")} <= codes(result)
    assert not result.ok and "extra" not in result.data
    for junk in (None, [], "enterprise", 42, [{"name": "x"}]):
        result = check(registry, "enterprise", junk)
        assert codes(result) == {("", "not_object")} and result.data == {}


def test_unknown_form_and_version_are_problems_not_exceptions(registry: forms.Registry) -> None:
    assert codes(check(registry, "nope", {})) == {("", "unknown_form")}
    assert codes(check(registry, "enterprise", valid("enterprise"), version=99)) == {
        ("", "unknown_form")
    }
    assert codes(check(registry, ["enterprise"], {})) == {("", "unknown_form")}  # type: ignore[arg-type]


def test_too_many_problems_are_capped(registry: forms.Registry) -> None:
    data = {f"junk{i}": i for i in range(5000)}
    result = check(registry, "enterprise", data)
    assert len(result.problems) < 250
    assert "too_many_fields" in {p.code for p in result.problems}


def test_result_to_json_is_plain(registry: forms.Registry) -> None:
    import json

    result = check(registry, "enterprise", valid("enterprise", name=None))
    text = json.dumps(result.to_json(), ensure_ascii=False)
    assert '"ok": false' in text and "必须填写" in text


def test_drafts_only_miss_required_fields(registry: forms.Registry) -> None:
    # The office saves drafts that are incomplete but never malformed: an empty form gives
    # nothing but "required" errors.
    result = check(registry, "enterprise", {})
    assert result.problems and {p.code for p in result.problems} == {"required"}


def test_values_with_braces_are_quoted_verbatim(registry: forms.Registry) -> None:
    # Found by the fuzz test: a value was once formatted as a message template.
    result = check(registry, "enterprise", valid("enterprise", sector="{", ownership="{0}{x.y}"))
    assert ("sector", "choice") in codes(result)
    assert "“{0}{x.y}”" in result.for_path("ownership")[0].message_zh


def test_text_of_only_control_characters_is_missing(registry: forms.Registry) -> None:
    # Found by the fuzz test: "\x08" became "" and then passed as a given name.
    result = check(registry, "enterprise", valid("enterprise", name="\x08 \u200b"))
    assert {("name", "required"), ("name", "control_chars")} <= codes(result)
    assert "name" not in result.data
