"""Loading the registry: packaged data, published overrides, versions and reference data."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, codes, valid

import forms
from forms.parsing import FIXED_FIELDS

FORM_IDS = [
    "enterprise",
    "annual_report",
    "project",
    "financing",
    "platform",
    "talent_team",
    "standard",
    "key_technology",
    "landmark_product",
    "application_scenario",
]


def packaged(kind: str, name: str) -> dict[str, Any]:
    folder = "definitions" if kind == "form" else "reference"
    return json.loads(resources.files("forms").joinpath(folder, name).read_text(encoding="utf-8"))


def publish(folder: Path, name: str, doc: dict[str, Any]) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_packaged_forms(registry: forms.Registry) -> None:
    assert [f.id for f in registry.forms()] == FORM_IDS
    assert registry.load_problems == []
    for form in registry.forms():
        assert form.label_zh and form.label_en
        assert form.version == (2 if form.id in ("enterprise", "platform", "standard") else 1)
        ids = [f.id for f in form.fields]
        for fixed in FIXED_FIELDS["*"] + FIXED_FIELDS.get(form.id, ()):
            assert fixed in ids


def test_unknown_form_raises_a_clear_error(registry: forms.Registry) -> None:
    with pytest.raises(forms.UnknownForm, match="enterprize.*known forms: annual_report, application_scenario"):
        registry.form("enterprize")
    with pytest.raises(forms.UnknownForm, match="version 7"):
        registry.form("enterprise", 7)
    with pytest.raises(forms.UnknownReference):
        registry.reference("colours")


def test_reference_lists(registry: forms.Registry) -> None:
    sectors = registry.reference("sectors")
    assert len(sectors.codes()) == 11
    assert sectors.get("quantum").label_zh == "量子科技"
    assert sectors.get("general_ai").child("brain_inspired").label_zh == "类脑智能"
    for name in (
        "org_units",
        "targets",
        "responsible_units",
        "platform_types",
        "platform_levels",
        "enterprise_tiers",
        "standard_levels",
        "exchanges",
        "trl_levels",
    ):
        assert len(registry.reference(name)) > 0
    assert registry.reference("divisions") is registry.reference("org_units")
    assert len(registry.reference("responsible_units")) == 14


def test_org_units(registry: forms.Registry) -> None:
    units = registry.org_units()
    assert len(units) == 136
    assert sum(u.level == "park" for u in units) == 15
    park = registry.org_unit("340176")
    assert park is not None and (park.name, park.level, park.parent_code) == (
        "合肥高新技术产业开发区",
        "park",
        "340100",
    )
    assert registry.city_of("340176").name == "合肥市"  # type: ignore[union-attr]
    assert registry.city_of("340100").code == "340100"  # type: ignore[union-attr]
    assert registry.city_of("340000") is None
    assert registry.org_unit("999999") is None and registry.org_unit(None) is None


def test_loading_is_lazy_and_cheap() -> None:
    import time

    start = time.perf_counter()
    forms.load_registry()
    assert time.perf_counter() - start < 2.0


def test_missing_overrides_folder_is_fine(tmp_path: Path) -> None:
    registry = forms.load_registry(tmp_path / "not-there")
    assert registry.load_problems == []


def enterprise_v3() -> dict[str, Any]:
    """Enterprise v3 as the province would publish it: one field and one choice added."""
    doc = packaged("form", "enterprise.v2.json")
    doc["version"] = 3
    ownership = next(f for f in doc["fields"] if f["id"] == "ownership")
    ownership.pop("choice_list")
    ownership["choices"] = [
        {"code": "private", "zh": "民营企业", "en": "Private"},
        {"code": "collective", "zh": "集体企业", "en": "Collective"},
    ]
    doc["fields"].insert(
        3,
        {
            "id": "website",
            "type": "text",
            "label": {"zh": "企业网站", "en": "Website"},
            "max_length": 200,
        },
    )
    return doc


def test_a_version_bump_loads_without_code_changes_and_old_records_stay_valid(
    tmp_path: Path,
) -> None:
    publish(tmp_path, "forms/enterprise.v3.json", enterprise_v3())
    registry = forms.load_registry(tmp_path)
    assert registry.load_problems == []
    assert registry.form_versions("enterprise") == [1, 2, 3]
    latest = registry.form("enterprise")
    assert latest.version == 3 and latest.has_field("website")
    assert next(f for f in registry.forms() if f.id == "enterprise").version == 3

    old_record = valid("enterprise", ownership="provincial_soe")
    # The old record keeps its version and still validates and displays under it...
    result = registry.validate("enterprise", old_record, version=2, today=TODAY)
    assert result.ok and result.form_version == 2
    assert registry.form("enterprise", 2).title_of(result.data) == "安徽量子科技有限公司"
    # ...while the new version has the new field and choice.
    new_record = valid("enterprise", ownership="collective", website="https://example.cn")
    assert registry.validate("enterprise", new_record, today=TODAY).ok
    assert ("website", "unknown_field") in codes(
        registry.validate("enterprise", new_record, version=2, today=TODAY)
    )
    assert ("ownership", "choice") in codes(
        registry.validate("enterprise", old_record, version=3, today=TODAY)
    )


def test_reference_update_adds_a_direction_and_retires_one(tmp_path: Path) -> None:
    doc = packaged("reference", "sectors.v2.json")
    doc["version"] = 3
    quantum = doc["items"][0]
    quantum["children"].append(
        {"code": "quantum_sensing_network", "zh": "量子传感网络", "en": "Quantum sensing networks"}
    )
    quantum["children"] = [c for c in quantum["children"] if c["code"] != "quantum_instruments"]
    doc["items"].append(
        {
            "code": "humanoid_robots",
            "zh": "人形机器人",
            "en": "Humanoid robots",
            "children": [{"code": "humanoid_general", "zh": "人形机器人（综合）", "en": "General"}],
        }
    )
    publish(tmp_path, "reference/sectors.v3.json", doc)
    registry = forms.load_registry(tmp_path)
    assert registry.load_problems == []
    assert registry.reference("sectors").version == 3
    assert registry.reference("sectors", 1).version == 1

    new = valid("enterprise", sector="humanoid_robots", direction="humanoid_general")
    assert registry.validate("enterprise", new, today=TODAY).ok
    assert registry.validate(
        "enterprise", valid("enterprise", direction="quantum_sensing_network"), today=TODAY
    ).ok
    # A record filed under the dropped direction stays valid, with a warning.
    old = registry.validate(
        "enterprise", valid("enterprise", direction="quantum_instruments"), version=1, today=TODAY
    )
    assert old.ok
    assert ("direction", "retired_choice") in codes(old)
    form = registry.form("enterprise")
    options = [c.code for c in form.choices("direction", {"sector": "quantum"})]
    assert "quantum_sensing_network" in options and "quantum_instruments" not in options
    assert (
        form.choice_label(form.field("direction"), "quantum_instruments", {"sector": "quantum"})
        == "仪器设备"
    )


def test_retired_items_stay_valid_but_are_not_offered(tmp_path: Path) -> None:
    doc = packaged("reference", "ownership_types.v2.json")
    doc["version"] = 3
    doc["items"][-1]["retired"] = True  # "other"
    publish(tmp_path, "ownership_types.v3.json", doc)
    registry = forms.load_registry(tmp_path)
    form = registry.form("enterprise")
    assert "other" not in [c.code for c in form.choices("ownership")]
    result = registry.validate("enterprise", valid("enterprise", ownership="other"), today=TODAY)
    assert result.ok and ("ownership", "retired_choice") in codes(result)


def test_org_units_can_be_added_by_csv(tmp_path: Path) -> None:
    source = (
        resources.files("forms")
        .joinpath("reference", "org_units.v1.csv")
        .read_text(encoding="utf-8")
    )
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "org_units.v2.csv").write_text(
        source + "P34001,合肥未来产业先导区,park,340100\n", encoding="utf-8"
    )
    registry = forms.load_registry(tmp_path)
    assert registry.load_problems == []
    unit = registry.org_unit("P34001")
    assert unit is not None and unit.level == "park"
    assert registry.city_of("P34001").code == "340100"  # type: ignore[union-attr]
    assert len(registry.org_units()) == 137


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.json", "{not json", "broken.json"),
        ("forms/enterprise.v1.json", None, "differs from the version already published"),
        ("forms/noid.json", {"kind": "form", "version": 3}, "bad form id"),
        ("forms/nosector.json", "DROP_SECTOR", "fixed field 'sector' is missing"),
        ("forms/badlist.json", "BAD_LIST", "unknown list"),
        ("reference/targets.v4.json", "BAD_TARGET", "unknown form"),
        ("something.json", {"kind": "widget"}, '"kind" must be'),
        ("reference/bad.csv", "code,name\n", "named <name>.v<version>.csv"),
        (
            "reference/org_units.v3.csv",
            "code,name,level,parent_code\n1,x,planet,\n",
            "level must be one of",
        ),
    ],
)
def test_bad_published_files_are_skipped_and_reported(
    tmp_path: Path, name: str, content: Any, message: str
) -> None:
    if content is None:
        doc = packaged("form", "enterprise.v1.json")
        doc["label"]["zh"] = "改过的企业"
        content = doc
    elif content == "DROP_SECTOR":
        content = enterprise_v3()
        content["fields"] = [f for f in content["fields"] if f["id"] != "sector"]
    elif content == "BAD_LIST":
        content = enterprise_v3()
        next(f for f in content["fields"] if f["id"] == "roles")["choice_list"] = "nonexistent"
    elif content == "BAD_TARGET":
        content = packaged("reference", "targets.v3.json")
        content["version"] = 4
        content["items"][0]["form"] = "rocket"
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        content if isinstance(content, str) else json.dumps(content, ensure_ascii=False),
        encoding="utf-8",
    )
    registry = forms.load_registry(tmp_path)
    assert any(message in problem for problem in registry.load_problems), registry.load_problems
    # Everything packaged still works.
    assert registry.form("enterprise", 1).label_zh == "企业"
    assert registry.reference("targets").version == 3
    assert len(registry.targets()) == 22


def test_republishing_an_identical_version_is_harmless(tmp_path: Path) -> None:
    publish(tmp_path, "forms/enterprise.v1.json", packaged("form", "enterprise.v1.json"))
    shutil.copy(
        resources.files("forms").joinpath("reference", "org_units.v1.csv"),
        tmp_path / "org_units.v1.csv",
    )  # type: ignore[call-overload]
    assert forms.load_registry(tmp_path).load_problems == []


def test_a_bad_packaged_file_is_a_release_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from forms import registry as registry_module

    def files() -> list[tuple[str, str]]:
        return [("broken.v1.json", "{}")]

    monkeypatch.setattr(registry_module, "_packaged_files", files)
    with pytest.raises(forms.DefinitionError):
        forms.load_registry()
