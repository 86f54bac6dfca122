"""`anhui-collect progress --json` on a fixture office, against a count made by hand.

The office below holds 65 records of all seven forms, saved through the record service as a
clerk would (drafts, finals, one queued and one returned record). Each record's comment says
what it is; the table after the records is the hand count — worked out from the rules in
docs/forms.md, record by record, not by the code under test — for every target, with every
excluded record and its reason. Counted as of 2026-11-26, revenue of 2025; the plan was
published on 2024-09-30.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from tests.conftest import run_cli
from tests.office.conftest import enterprise

AS_OF, YEAR = "2026-11-26", "2025"


def platform(name: str, ptype: str, level: str, approved: str | None, state: str = "operating", **extra: Any) -> dict[str, Any]:
    data = {"name": name, "platform_type": ptype, "level": level, "sector": "quantum", "direction": "quantum_computing",
            "status": state, "host_orgs": [{"name": "中国科学技术大学", "role": "lead"}], **extra}
    if approved:
        data.update(approving_body="安徽省科学技术厅", approval_document="皖科基〔2025〕1号", approval_date=approved)
    return data


def team(name: str, host: str, year: int) -> dict[str, Any]:
    return {"name": name, "leader": "李华", "leader_category": "national_talent", "sector": "general_ai",
            "direction": "general_llm", "origin": "introduced", "year": year, "host_kind": "university", "host_name": host}


def technology(name: str, stage: str, trl: int, date: str | None = None, owner: str = "中国科学技术大学") -> dict[str, Any]:
    data = {"name": name, "sector": "quantum", "direction": "quantum_computing", "description": "技术简介。",
            "owner_name": owner, "stage": stage, "trl": trl}
    if date:
        data["breakthrough_date"] = date
    return data


def standard(title: str, number: str | None, level: str, published: str | None, state: str = "published") -> dict[str, Any]:
    data = {"title": title, "status": state, "level": level, "sector": "quantum", "direction": "quantum_computing",
            "local_role": "lead", "drafting_orgs": [{"name": "安徽量子科技有限公司", "role": "lead"}]}
    if number:
        data.update(number=number, publish_date=published)
    return data


def product(name: str, maker: str, stage: str, launched: str | None = None) -> dict[str, Any]:
    data = {"name": name, "category": "quantum_computer", "sector": "quantum", "direction": "special_quantum_computer",
            "enterprise_name": maker, "stage": stage}
    if launched:
        data["launch_date"] = launched
    return data


def scenario(name: str, lead: str, benchmark_year: int | None) -> dict[str, Any]:
    data = {"name": name, "kind": "scenario", "sector": "aerospace_info", "direction": "low_altitude_economy",
            "scenario_field": "low_altitude", "lead_org": lead, "description": "场景内容。", "status": "operating",
            "benchmark": benchmark_year is not None}
    if benchmark_year:
        data["benchmark_year"] = benchmark_year
    return data


def firm(i: int, sector: str = "quantum", **extra: Any) -> dict[str, Any]:
    directions = {"quantum": "quantum_computing", "general_ai": "general_llm", "aerospace_info": "low_altitude_economy",
                  "low_carbon_energy": "hydrogen"}
    return enterprise(i, sector=sector, direction=directions[sector], **extra)


def revenue(year: int, amount: float) -> dict[str, Any]:
    return {"output_year": year, "output": amount}


HIGH_TECH = {"hte_cert_number": "GR202434001234", "hte_cert_date": "2024-11-01"}
LISTED = {"exchange": "SSE", "stock_code": "688027"}

# (form, data, how it is saved): "final", "draft", "queued" (final, then queued for sync) or
# "returned" (queued, then sent back by the province).
RECORDS: list[tuple[str, dict[str, Any], str]] = [
    # -- platforms ---------------------------------------------------------------------
    ("platform", platform("量子信息国家实验室（合肥）", "national_lab", "national", "2025-03-01"), "final"),  # P1
    ("platform", platform("量子信息国家实验室(合肥)", "national_lab", "national", "2025-04-01"), "final"),  # P2 = P1, half-width brackets
    ("platform", platform("安徽省量子计算重点实验室", "key_lab", "provincial", "2010-05-01"), "final"),  # P3 approved 2010
    ("platform", platform("安徽省量子通信重点实验室", "key_lab", "provincial", "2024-09-30"), "final"),  # P4 the plan's day
    ("platform", platform("安徽省量子测量重点实验室", "key_lab", "provincial", "2024-09-29"), "final"),  # P5 the day before
    ("platform", platform("合肥市量子工程研究中心", "engineering_research_center", "municipal", "2025-02-01"), "final"),  # P6 municipal
    ("platform", platform("安徽省量子材料重点实验室", "key_lab", "provincial", "2025-06-01"), "draft"),  # P7 draft
    ("platform", platform("量子概念验证中心", "proof_of_concept", "provincial", None, "applying"), "final"),  # P8 applying
    ("platform", platform("量子未来产业科技园", "future_science_park", "provincial", "2025-05-01"), "final"),  # P9 park
    ("platform", platform("量子未来产业先导区", "pilot_zone", "provincial", "2025-01-10"), "final"),  # P10 provincial zone
    ("platform", platform("国家未来产业先导区（量子）", "pilot_zone", "national", "2023-06-01"), "final"),  # P11 national zone, 2023
    ("platform", platform("量子未来场景实验室", "future_scenario_lab", "provincial", "2025-08-01",
                          scenario_lab_nature="public_good"), "final"),  # P12 scenario lab
    ("platform", platform("量子未来场景试验区一", "scenario_pilot_area", "provincial", "2025-02-01"), "returned"),  # P13
    ("platform", platform("量子未来场景试验区二", "scenario_pilot_area", "provincial", "2025-04-01"), "queued"),  # P14
    # -- talent teams ------------------------------------------------------------------
    ("talent_team", team("类脑芯片团队", "中国科学技术大学", 2025), "final"),  # T1
    ("talent_team", team("类脑芯片团队", "中国科学技术大学", 2025), "final"),  # T2 = T1
    ("talent_team", team("类脑芯片团队", "合肥工业大学", 2025), "final"),  # T3 same name, other host
    ("talent_team", team("大模型团队", "中国科学技术大学", 2005), "final"),  # T4 formed 2005
    ("talent_team", team("具身智能团队", "安徽大学", 2024), "final"),  # T5 the plan's year
    ("talent_team", team("智能语音团队", "安徽大学", 2023), "final"),  # T6 2023
    ("talent_team", team("多模态团队", "安徽大学", 2025), "draft"),  # T7 draft
    ("talent_team", team("智能制造团队", "安徽大学", 2026), "final"),  # T8
    # -- key technologies --------------------------------------------------------------
    ("key_technology", technology("超导量子比特读出", "broken_through", 7, "2025-06-30"), "final"),  # K1
    ("key_technology", technology("量子纠错编码", "broken_through", 4, "2025-06-30"), "final"),  # K2 TRL 4
    ("key_technology", technology("量子密钥分发", "applied", 8, "2019-05-01"), "final"),  # K3 2019
    ("key_technology", technology("离子阱囚禁", "tackling", 5), "final"),  # K4 still tackled
    ("key_technology", technology("超导量子比特读出", "broken_through", 7, "2025-08-01", "本源量子"), "final"),  # K5 = K1 by name
    ("key_technology", technology("量子随机数芯片", "applied", 9, "2024-10-15"), "final"),  # K6
    ("key_technology", technology("光量子芯片", "broken_through", 7, "2025-03-01"), "draft"),  # K7 draft
    ("key_technology", technology("量子测控系统", "broken_through", 6, "2024-09-30"), "final"),  # K8 TRL 6, plan's day
    # -- standards ---------------------------------------------------------------------
    ("standard", standard("量子计算 术语", "GB/T 45001-2025", "national", "2025-03-01"), "final"),  # S1
    ("standard", standard("量子计算 术语（重报）", "GB／T 45001—2025", "national", "2025-03-01"), "final"),  # S2 = S1 as printed
    ("standard", standard("量子通信 地方规范", "DB34/T 2318-2015", "local", "2015-06-01"), "final"),  # S3 2015
    ("standard", standard("量子测量 地方标准", "DB34/T 4567-2025", "local", "2025-05-01", "in_force"), "final"),  # S4
    ("standard", standard("合肥市量子服务规范", "DB3401/T 123-2025", "city_local", "2025-05-01"), "final"),  # S5 city level
    ("standard", standard("量子计算云 团体标准", "T/CESA 1270.3-2025", "group", "2025-07-01"), "final"),  # S6 group
    ("standard", standard("量子芯片 制定中", None, "national", None, "drafting"), "final"),  # S7 drafting
    ("standard", standard("量子计量 校准规范", "JJF(皖) 123-2025", "local", "2025-06-01"), "final"),  # S8 Anhui metrology
    ("standard", standard("量子安全 国际标准", "ISO/IEC 23837-1:2024", "international", "2024-12-01"), "final"),  # S9
    ("standard", standard("量子网络 行业标准", "YD/T 4500-2025", "industry", "2025-01-01"), "draft"),  # S10 draft
    # -- landmark products ---------------------------------------------------------------
    ("landmark_product", product("超导量子计算机", "安徽量子科技有限公司", "mass", "2025-05-01"), "final"),  # L1
    ("landmark_product", product("超导量子计算机", "安徽量子科技有限公司", "mass", "2025-05-01"), "final"),  # L2 = L1
    ("landmark_product", product("超导量子计算机", "本源量子计算科技有限公司", "mass", "2025-09-01"), "final"),  # L3 other maker
    ("landmark_product", product("光量子计算机", "安徽量子科技有限公司", "prototype"), "final"),  # L4 prototype
    ("landmark_product", product("量子密钥终端", "安徽量子科技有限公司", "mass", "2023-01-01"), "final"),  # L5 2023
    ("landmark_product", product("量子随机数卡", "安徽量子科技有限公司", "mass"), "final"),  # L6 no launch date
    ("landmark_product", product("量子传感器", "安徽量子科技有限公司", "mass", "2025-02-01"), "draft"),  # L7 draft
    # -- application scenarios -----------------------------------------------------------
    ("application_scenario", scenario("低空物流配送", "合肥低空物流有限公司", 2025), "final"),  # A1
    ("application_scenario", scenario("低空物流配送", "合肥低空物流有限公司", 2025), "final"),  # A2 = A1
    ("application_scenario", scenario("低空文旅航线", "黄山低空旅游有限公司", 2024), "final"),  # A3
    ("application_scenario", scenario("低空巡检", "合肥低空物流有限公司", None), "final"),  # A4 not a benchmark
    ("application_scenario", scenario("低空医疗转运", "合肥低空物流有限公司", 2025), "draft"),  # A5 draft
    ("application_scenario", scenario("低空物流配送", "芜湖低空物流有限公司", 2025), "final"),  # A7 same name, other lead
    # -- enterprises (one record per credit code: the office refuses a second) ----------
    ("enterprise", firm(1, "general_ai", tiers=["head", "listed", "high_tech"], **LISTED, **HIGH_TECH,
                        **revenue(2025, 50000)), "final"),  # E1
    ("enterprise", firm(2, tiers=["high_tech"], hte_cert_number="GR202234001235", hte_cert_date="2022-06-01",
                        **revenue(2025, 20000)), "final"),  # E2 certificate lapsed 2025-06-01
    ("enterprise", firm(3, tiers=["listed"], exchange="SZSE", stock_code="300750", **revenue(2024, 30000)), "final"),  # E3
    ("enterprise", firm(4, **revenue(2021, 90000)), "final"),  # E4 revenue of 2021
    ("enterprise", firm(5, "aerospace_info", tiers=["little_giant"], little_giant_year=2025,
                        little_giant_list="第七批专精特新“小巨人”企业名单", **revenue(2025, 8000)), "final"),  # E5
    ("enterprise", firm(6, tiers=["little_giant"], little_giant_year=2021,
                        little_giant_list="第三批专精特新“小巨人”企业名单"), "final"),  # E6 recognised 2021
    ("enterprise", firm(7, "low_carbon_energy", tiers=["unicorn"], unicorn_year=2025, unicorn_list="中国独角兽企业榜单",
                        **revenue(2025, 100000)), "final"),  # E7
    ("enterprise", firm(8, tiers=["tech_sme"], tech_sme_year=2025, tech_sme_list="202534010400001"), "final"),  # E8
    ("enterprise", firm(9, tiers=["new_star"], new_star_year=2025, new_star_list="未来产业新星企业名单（第一批）"), "final"),  # E9
    ("enterprise", firm(10, "general_ai", tiers=["head"], **revenue(2025, 70000)), "draft"),  # E10 draft
    ("enterprise", firm(12, **revenue(2026, 40000)), "final"),  # E12 this year's, incomplete
    ("enterprise", firm(13, tiers=["high_tech"], hte_cert_number="GR202634000001", hte_cert_date="2026-01-10"), "final"),  # E13
]

# The hand count. value, counted, then excluded by reason; every excluded record named.
# Records not in a target's scope (e.g. P6 municipal for "platforms") are neither.
#
# target                    value  counted  not_final  inconsistent  outside_window  duplicate
# platforms                   2    P1 P4     P7         -             P3 P5           P2
# talent_teams                4    T1 T3 T5 T8  T7      -             T4 T6           T2
# key_technologies            3    K1 K6 K8  K7         K2 (TRL 4)    K3              K5
# standards                   4    S1 S4 S8 S9  S10     -             S3              S2
# landmark_products           2    L1 L3     L7         L4 (prototype) L5 L6 (no date) L2
# head_enterprises            1    E1        E10        -             -               -
# listed_enterprises          2    E1 E3     -          -             -               -
# high_tech_enterprises       2    E1 E13    -          -             E2 (lapsed)     -
# science_parks               1    P9
# pilot_zones_provincial      1    P10
# pilot_zones_national        0    -         -          -             P11 (2023)      -
# output_total            17.80    E1 E2 E5 E7 (5+2+0.8+10 亿元)  E10  -  E3 E4 E12 (other years)  -
# output_aerospace_info    0.80    E5
# output_general_ai        5.00    E1        E10
# output_low_carbon_energy 10.00   E7
# benchmark_scenarios         3    A1 A3 A7  A5         -             -               A2
# scenario_labs               1    P12
# scenario_pilot_areas        1    P14       P13 (returned)
# little_giant_enterprises    1    E5        -          -             E6 (2021)       -
# unicorn_enterprises         1    E7
# tech_sme_enterprises        1    E8
# new_star_enterprises        1    E9
EXPECTED = {
    "platforms": (2, 2, {"not_final": 1, "outside_window": 2, "duplicate": 1}),
    "talent_teams": (4, 4, {"not_final": 1, "outside_window": 2, "duplicate": 1}),
    "key_technologies": (3, 3, {"not_final": 1, "inconsistent": 1, "outside_window": 1, "duplicate": 1}),
    "standards": (4, 4, {"not_final": 1, "outside_window": 1, "duplicate": 1}),
    "landmark_products": (2, 2, {"not_final": 1, "inconsistent": 1, "outside_window": 2, "duplicate": 1}),
    "head_enterprises": (1, 1, {"not_final": 1}),
    "listed_enterprises": (2, 2, {}),
    "high_tech_enterprises": (2, 2, {"outside_window": 1}),
    "science_parks": (1, 1, {}),
    "pilot_zones_provincial": (1, 1, {}),
    "pilot_zones_national": (0, 0, {"outside_window": 1}),
    "output_total": (17.8, 4, {"not_final": 1, "outside_window": 3}),
    "output_aerospace_info": (0.8, 1, {}),
    "output_general_ai": (5.0, 1, {"not_final": 1}),
    "output_low_carbon_energy": (10.0, 1, {}),
    "benchmark_scenarios": (3, 3, {"not_final": 1, "duplicate": 1}),
    "scenario_labs": (1, 1, {}),
    "scenario_pilot_areas": (1, 1, {"not_final": 1}),
    "little_giant_enterprises": (1, 1, {"outside_window": 1}),
    "unicorn_enterprises": (1, 1, {}),
    "tech_sme_enterprises": (1, 1, {}),
    "new_star_enterprises": (1, 1, {}),
}
REASONS = ("not_final", "inconsistent", "outside_window", "duplicate")


def _save(service: RecordService, form_id: str, data: dict[str, Any], how: str) -> None:
    saved = service.add(form_id, data, final=how != "draft")
    if how in ("queued", "returned"):
        service.set_status(saved.record_id, "queued")
    if how == "returned":
        service.set_status(saved.record_id, "returned", reason="批复文件号有误", actor="province")


@pytest.fixture
def fixture_office(office):
    service = RecordService(office, default_checker(office.paths.root))
    for form_id, data, how in RECORDS:
        _save(service, form_id, data, how)
    return office


def test_the_fixture_office_is_what_the_hand_count_describes(fixture_office):
    assert len(RECORDS) >= 60
    assert {form for form, _, _ in RECORDS} == {
        "enterprise", "platform", "talent_team", "standard", "key_technology", "landmark_product",
        "application_scenario",
    }
    service = RecordService(fixture_office, default_checker(fixture_office.paths.root))
    assert service.count() == len(RECORDS)
    assert service.counts_by("status") == {"final": 56, "draft": 7, "queued": 1, "returned": 1}


def test_progress_json_equals_the_hand_count(fixture_office):
    result = run_cli(fixture_office.paths.root, "progress", "--json", "--as-of", AS_OF, "--year", YEAR)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["as_of"], report["reporting_year"]) == (AS_OF, int(YEAR))
    got = {
        t["code"]: (t["value"], t["counted"], {r: n for r, n in t["excluded"].items() if n})
        for t in report["targets"]
    }
    assert got == EXPECTED
    for t in report["targets"]:
        assert set(t["excluded"]) == set(REASONS)
        assert t["excluded_total"] == sum(t["excluded"].values())
    assert report["exclusion_reasons"]["outside_window"]["zh"] == "不在统计时段内"


def test_another_reporting_year_takes_that_years_figures(fixture_office):
    result = run_cli(fixture_office.paths.root, "progress", "--json", "--as-of", AS_OF, "--year", "2024")
    targets = {t["code"]: t for t in json.loads(result.stdout)["targets"]}
    # Only E3's 2024 revenue (3 亿元); the 2025 and other figures are outside that year.
    assert (targets["output_total"]["value"], targets["output_total"]["counted"]) == (3.0, 1)
    assert targets["output_total"]["excluded"]["outside_window"] == 6


def test_progress_text_names_what_was_not_counted(fixture_office):
    result = run_cli(fixture_office.paths.root, "progress", "--as-of", AS_OF, "--year", YEAR)
    assert result.returncode == 0, result.stderr
    assert "营业收入统计年度 2025 年" in result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("新增省级及以上科技创新和公共服务平台"))
    assert line.rstrip().endswith("4")  # P2, P3, P5, P7


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "两千"], "--year"),
    (["--year", "1800"], "--year"),
    (["--year", "²⁰²⁵"], "--year"),  # digits, but not decimal ones
    (["--as-of", "2026-13-01"], "--as-of"),
    (["--as-of", "1900-01-01"], "--as-of"),  # its default reporting year would be 1899
    (["--year", "2026", "--as-of", "2026-11-26"], "2026 年截至 2026-11-26 尚未结束"),
    (["--year", "2030", "--as-of", "2026-01-01"], "应为 2025 年或更早"),
])
def test_bad_progress_options_are_clear_errors(office, args, message):
    result = run_cli(office.paths.root, "progress", *args)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
