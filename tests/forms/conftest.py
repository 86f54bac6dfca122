"""Fixtures for the forms engine's tests: one registry per session and a valid record per form."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

import forms

# Real-world-shaped, valid unified social credit codes (check characters computed by GB 32100).
USCC = {
    "iflytek": "91340000711771143J",
    "a": "91340100MA2N0K0E0D",
    "b": "91340104MA8N1XQ80E",
    "c": "91340100705104485R",
    "institution": "12340000485000227D",
    "social_org": "52340000MJA001234W",
}

TODAY = dt.date(2026, 11, 26)

VALID: dict[str, dict[str, Any]] = {
    "enterprise": {
        "name": "安徽量子科技有限公司",
        "credit_code": USCC["a"],
        "sector": "quantum",
        "direction": "quantum_computing",
        "ownership": "private",
        "roles": ["terminal_maker"],
        "tiers": ["listed", "high_tech"],
        "exchange": "SSE",
        "stock_code": "688027",
        "listing_date": "2020-07-09",
        "hte_cert_number": "GR202434001234",
        "hte_cert_date": "2024-10-29",
        "founded_date": "2009-05-27",
        "output_year": 2025,
        "output": 35000.5,
        "employees": 800,
        "rd_staff": 300,
        "contact_person": "王明",
        "contact_phone": "0551-65312345",
    },
    "annual_report": {
        "enterprise_name": "安徽量子科技有限公司",
        "credit_code": USCC["a"],
        "year": 2025,
        "sector": "quantum",
        "direction": "quantum_computing",
        "revenue": 52000,
        "future_revenue": 35000.5,
        "output_value": 61000,
        "rd_spending": 4200,
        "employees": 800,
        "rd_staff": 300,
        "tax": 2100,
        "exports": 900,
    },
    "project": {
        "name": "合肥量子计算机整机制造基地项目",
        "owner_name": "安徽量子科技有限公司",
        "credit_code": USCC["a"],
        "sector": "quantum",
        "direction": "quantum_computing",
        "location": "340104",
        "stage": "building",
        "total_investment": 250000,
        "start_date": "2024-03-18",
        "investment": [{"year": 2024, "planned": 30000, "completed": 28000}],
        "funding": [
            {"source": "central_budget", "amount": 8000},
            {"source": "industry_fund", "fund_name": "安徽省未来产业基金", "amount": 50000},
        ],
    },
    "financing": {
        "enterprise_name": "安徽量子科技有限公司",
        "credit_code": USCC["a"],
        "sector": "quantum",
        "direction": "quantum_computing",
        "round": "b",
        "date": "2025-06-18",
        "amount": 30000,
        "investors": "合肥市创新投资基金、某某资本",
        "fund_name": "安徽省未来产业基金",
        "valuation": 300000,
    },
    "platform": {
        "name": "安徽省量子精密测量重点实验室",
        "platform_type": "key_lab",
        "level": "provincial",
        "sector": "quantum",
        "direction": "quantum_metrology",
        "status": "operating",
        "approving_body": "省科技厅",
        "approval_document": "皖科基秘〔2024〕123号",
        "approval_date": "2024-12-20",
        "host_orgs": [
            {"name": "中国科学技术大学", "credit_code": USCC["institution"], "role": "lead"},
            {"name": "安徽量子科技有限公司", "role": "partner"},
        ],
    },
    "talent_team": {
        "name": "类脑智能芯片创新团队",
        "leader": "李华",
        "leader_category": "national_talent",
        "sector": "general_ai",
        "direction": "brain_inspired",
        "origin": "introduced",
        "year": 2025,
        "host_kind": "enterprise",
        "host_name": "安徽量子科技有限公司",
        "host_credit_code": USCC["a"],
        "member_count": 12,
        "members": [{"name": "张伟", "role": "芯片设计", "degree": "doctor"}, {"name": "刘洋"}],
        "funding": 1000,
    },
    "standard": {
        "title": "量子计算 术语和定义",
        "status": "published",
        "number": "GB/T 42565-2023",
        "level": "national",
        "sector": "quantum",
        "direction": "quantum_computing",
        "publish_date": "2023-05-23",
        "implement_date": "2023-12-01",
        "local_role": "participant",
        "drafting_orgs": [{"name": "中国科学技术大学", "role": "participant"}],
    },
    "key_technology": {
        "name": "超导量子比特高保真读出技术",
        "sector": "quantum",
        "direction": "quantum_computing",
        "description": "实现超导量子比特读出保真度99%以上。",
        "owner_name": "安徽量子科技有限公司",
        "stage": "broken_through",
        "trl": 6,
        "breakthrough_date": "2025-06-30",
    },
    "landmark_product": {
        "name": "超导量子计算机",
        "model": "QC-72",
        "category": "quantum_computer",
        "sector": "quantum",
        "direction": "special_quantum_computer",
        "enterprise_name": "安徽量子科技有限公司",
        "stage": "mass",
        "launch_date": "2025-01-06",
    },
    "application_scenario": {
        "name": "低空物流配送应用场景",
        "kind": "scenario",
        "sector": "aerospace_info",
        "direction": "low_altitude_economy",
        "scenario_field": "low_altitude",
        "lead_org": "合肥低空物流有限公司",
        "description": "在蜀山区开通无人机物流配送航线5条。",
        "status": "operating",
        "benchmark": True,
        "benchmark_year": 2025,
    },
}


def valid(form_id: str, **changes: Any) -> dict[str, Any]:
    """A deep copy of the valid sample for ``form_id``, with ``changes`` applied (None removes)."""
    data = copy.deepcopy(VALID[form_id])
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.fixture(scope="session")
def registry() -> forms.Registry:
    return forms.load_registry()


def codes(result: forms.ValidationResult) -> set[tuple[str, str]]:
    """(path, code) of every problem, for compact assertions."""
    return {(p.path, p.code) for p in result.problems}
