"""Progress toward the plan's targets on a fixture set, against counts made by hand.

The expected numbers below were worked out from domain.md's rules, record by record (see the
comment on each record): platforms count at provincial level or above and only while being
built or operating; standards count when international, national, industry or local and
published or in force, each number once; enterprises count by tier, each credit code once,
high-tech only with a certificate under three years old; output is summed in 万元 and shown
in 亿元. Only final, queued and synced records count.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import USCC

import forms
from forms.progress import COUNTED_STATUSES, compute_progress

AS_OF = dt.date(2026, 11, 26)
HEFEI, SHUSHAN, HIGH_TECH_ZONE = "340100", "340104", "340176"
WUHU, JINGHU, WUHU_ETDZ = "340200", "340202", "340271"


def rec(form_id: str, record_status: str, org_unit: str, **data: Any) -> dict[str, Any]:
    return {
        "form_id": form_id,
        "status": record_status,
        "org_unit": org_unit,
        "form_version": 1,
        "data": data,
    }


def platform(
    status: str, unit: str, ptype: str, level: str, state: str, sector: str = "quantum"
) -> dict[str, Any]:
    return rec(
        "platform",
        status,
        unit,
        name=f"{ptype}-{level}",
        platform_type=ptype,
        level=level,
        status=state,
        sector=sector,
    )


RECORDS: list[Any] = [
    # platforms: p1, p2 and p12 count toward "platforms"
    platform("final", SHUSHAN, "key_lab", "provincial", "operating"),  # p1 counts
    platform("synced", HIGH_TECH_ZONE, "national_lab", "national", "building"),  # p2 counts
    platform(
        "final", SHUSHAN, "engineering_research_center", "municipal", "operating", "general_ai"
    ),  # municipal
    platform("final", SHUSHAN, "key_lab", "provincial", "applying"),  # only applying
    platform("draft", SHUSHAN, "key_lab", "provincial", "operating"),  # draft
    platform(
        "queued", HIGH_TECH_ZONE, "future_science_park", "provincial", "operating", "general_ai"
    ),  # science park
    platform("final", JINGHU, "pilot_zone", "provincial", "operating"),  # provincial pilot zone
    platform("final", WUHU_ETDZ, "pilot_zone", "national", "building"),  # national pilot zone
    platform("final", JINGHU, "future_scenario_lab", "provincial", "operating"),  # scenario lab
    platform("returned", SHUSHAN, "scenario_pilot_area", "provincial", "operating"),  # returned
    platform(
        "final", SHUSHAN, "scenario_pilot_area", "provincial", "operating"
    ),  # scenario pilot area
    platform(
        "synced", JINGHU, "incubation_base", "national", "operating", "low_carbon_energy"
    ),  # p12 counts
    platform("final", SHUSHAN, "key_lab", "provincial", "revoked"),  # revoked
    # standards: the same national standard from two Hefei offices counts once for the province
    rec(
        "standard",
        "final",
        SHUSHAN,
        number="GB/T 42565-2023",
        level="national",
        status="published",
        sector="quantum",
    ),
    rec(
        "standard",
        "final",
        HIGH_TECH_ZONE,
        number="GB/T 42565-2023",
        level="national",
        status="published",
        sector="quantum",
    ),
    rec(
        "standard",
        "final",
        SHUSHAN,
        number="T/CSTEA 0001-2021",
        level="group",
        status="published",
        sector="quantum",
    ),
    rec(
        "standard",
        "synced",
        JINGHU,
        number="DB34/T 4567-2023",
        level="local",
        status="in_force",
        sector="general_ai",
    ),
    rec(
        "standard",
        "final",
        JINGHU,
        number="YD/T 3627-2019",
        level="industry",
        status="drafting",
        sector="future_network",
    ),
    rec(
        "standard",
        "queued",
        WUHU_ETDZ,
        number="ISO/IEC 23837-1:2023",
        level="international",
        status="published",
        sector="quantum",
    ),
    # enterprises
    rec(
        "enterprise",
        "final",
        SHUSHAN,
        name="甲",
        credit_code=USCC["a"],
        tiers=["listed", "high_tech"],
        hte_cert_date="2024-10-29",
        output=350000,
        sector="quantum",
    ),  # 35 亿元
    rec(
        "enterprise",
        "synced",
        HIGH_TECH_ZONE,
        name="乙",
        credit_code=USCC["b"],
        tiers=["high_tech"],
        hte_cert_date="2021-01-01",
        output=200000,
        sector="general_ai",
    ),  # certificate expired; 20 亿元
    rec(
        "enterprise",
        "queued",
        SHUSHAN,
        name="科大讯飞",
        credit_code=USCC["iflytek"],
        tiers=["head", "listed", "high_tech"],
        hte_cert_date="2023-11-30",
        output=1000000,
        sector="general_ai",
    ),  # 100 亿元
    rec(
        "enterprise",
        "final",
        HIGH_TECH_ZONE,
        name="科大讯飞",
        credit_code=USCC["iflytek"],
        tiers=["head"],
        output=1000000,
        sector="general_ai",
    ),  # the same enterprise reported by the park
    rec(
        "enterprise",
        "draft",
        JINGHU,
        name="丙",
        credit_code=USCC["c"],
        tiers=["listed"],
        output=50000,
        sector="aerospace_info",
    ),
    SimpleNamespace(
        form_id="enterprise",
        status="final",
        org_unit=WUHU_ETDZ,
        form_version=None,
        data={
            "name": "丁",
            "credit_code": "91341100MA2TQ12348",
            "tiers": ["listed"],
            "output": "12,345.6",
            "sector": "low_carbon_energy",
        },
    ),  # an object, and a string amount: 1.23456 亿元
    # talent teams, key technologies, products, scenarios
    rec("talent_team", "final", SHUSHAN, name="团队一", sector="quantum"),
    rec("talent_team", "synced", JINGHU, name="团队二", sector="general_ai"),
    rec("talent_team", "draft", JINGHU, name="团队三", sector="general_ai"),
    rec(
        "key_technology", "final", SHUSHAN, name="技术一", stage="broken_through", sector="quantum"
    ),
    rec("key_technology", "final", SHUSHAN, name="技术二", stage="applied", sector="quantum"),
    rec("key_technology", "final", SHUSHAN, name="技术三", stage="tackling", sector="quantum"),
    rec("landmark_product", "final", HIGH_TECH_ZONE, name="量子计算机", sector="quantum"),
    rec("landmark_product", "queued", WUHU_ETDZ, name="eVTOL", sector="aerospace_info"),
    rec(
        "application_scenario",
        "final",
        JINGHU,
        name="场景一",
        benchmark=True,
        sector="aerospace_info",
    ),
    rec(
        "application_scenario",
        "final",
        JINGHU,
        name="场景二",
        benchmark=False,
        sector="aerospace_info",
    ),
    rec(
        "application_scenario",
        "returned",
        JINGHU,
        name="场景三",
        benchmark=True,
        sector="aerospace_info",
    ),
    # junk the dashboard must survive
    rec("rocket", "final", SHUSHAN, name="?"),
    {"form_id": "enterprise", "status": "final", "org_unit": SHUSHAN, "data": "not an object"},
]

EXPECTED_TOTALS = {
    "platforms": 3,
    "talent_teams": 2,
    "key_technologies": 2,
    "standards": 3,
    "landmark_products": 2,
    "head_enterprises": 1,
    "listed_enterprises": 3,
    "high_tech_enterprises": 2,
    "science_parks": 1,
    "pilot_zones_provincial": 1,
    "pilot_zones_national": 1,
    "output_total": 156.23,
    "output_aerospace_info": 0,
    "output_general_ai": 120.0,
    "output_low_carbon_energy": 1.23,
    "benchmark_scenarios": 1,
    "scenario_labs": 1,
    "scenario_pilot_areas": 1,
}


@pytest.fixture(scope="module")
def progress() -> Any:
    return compute_progress(forms.load_registry(), RECORDS, as_of=AS_OF)


def test_totals_match_the_hand_count(progress: Any) -> None:
    report = progress.to_json()
    assert {t["code"]: t["value"] for t in report["targets"]} == EXPECTED_TOTALS


def test_json_is_plain_and_complete(progress: Any) -> None:
    report = json.loads(json.dumps(progress.to_json()))
    assert report["as_of"] == "2026-11-26"
    assert report["statuses"] == ["final", "queued", "synced"]
    assert report["records_seen"] == len(RECORDS)
    assert report["skipped"] == {
        "status:draft": 3,
        "status:returned": 2,
        "unknown_form": 1,
        "bad_data": 1,
    }
    assert report["records_counted"] == len(RECORDS) - 7
    platforms = next(t for t in report["targets"] if t["code"] == "platforms")
    assert platforms["milestones"] == [
        {"year": 2027, "value": 80, "qualifier": "about", "share": 0.0375},
        {"year": 2030, "value": 150, "qualifier": "about", "share": 0.02},
    ]


def test_breakdowns_by_sector_org_unit_and_city(progress: Any) -> None:
    platforms = progress.target("platforms")
    assert platforms.by_sector == {"quantum": 2, "low_carbon_energy": 1}
    assert platforms.by_org_unit == {SHUSHAN: 1, HIGH_TECH_ZONE: 1, JINGHU: 1}
    assert platforms.by_city == {HEFEI: 2, WUHU: 1}
    standards = progress.target("standards")
    # Each office that drafted a standard gets it; the province and the city count it once.
    assert standards.by_org_unit == {SHUSHAN: 1, HIGH_TECH_ZONE: 1, JINGHU: 1, WUHU_ETDZ: 1}
    assert standards.by_city == {HEFEI: 1, WUHU: 2}
    assert standards.by_sector == {"quantum": 2, "general_ai": 1}
    output = progress.target("output_total")
    assert output.to_json()["by_sector"] == {
        "general_ai": 120.0,
        "low_carbon_energy": 1.23,
        "quantum": 35.0,
    }
    assert output.to_json()["by_city"] == {HEFEI: 155.0, WUHU: 1.23}


def test_other_statuses_can_be_counted(progress: Any) -> None:
    everything = compute_progress(
        forms.load_registry(),
        RECORDS,
        statuses=COUNTED_STATUSES | {"draft", "returned"},
        as_of=AS_OF,
    )
    assert everything.target("platforms").value == 4  # the draft key lab now counts
    assert everything.target("scenario_pilot_areas").value == 2
    assert everything.target("output_aerospace_info").value == pytest.approx(5.0)


def test_expired_certificates_stop_counting(progress: Any) -> None:
    later = compute_progress(forms.load_registry(), RECORDS, as_of=dt.date(2027, 6, 1))
    assert (
        later.target("high_tech_enterprises").value == 1
    )  # 科大讯飞's 2023 certificate has lapsed
    assert progress.target("high_tech_enterprises").value == 2


def test_render_text_zh_and_en(progress: Any) -> None:
    text = progress.render_text()
    lines = text.splitlines()
    assert lines[0].startswith("未来产业发展目标进展")
    assert any(
        line.startswith("新增省级及以上科技创新和公共服务平台")
        and "80左右" in line
        and "3.8%" in line
        for line in lines
    )
    assert any("全省未来产业规模" in line and "156.23 亿元" in line for line in lines)
    from forms.text import display_width

    table = lines[1:20]
    assert len({display_width(line) for line in table[2:]}) <= 2  # columns line up (right-aligned)
    english = progress.render_text("en", detail=True)
    assert "Provincial-or-higher standards" in english and "~100" in english and "≥200" in english
    assert "Quantum technology 2" in english


def test_empty_input() -> None:
    empty = compute_progress(forms.load_registry(), [], as_of=AS_OF)
    assert all(t.value == 0 for t in empty.targets)
    assert "0.0%" in empty.render_text()
