"""The forms' names read without the engine say what the registry says."""

from __future__ import annotations

from pathlib import Path

import forms
from forms.labels import form_labels
from tests.forms.test_forms_registry import enterprise_v3, packaged, publish


def registry_labels(overrides: Path | None = None) -> dict[str, tuple[str, str]]:
    return {f.id: (f.label_zh, f.label_en) for f in forms.load_registry(overrides).forms()}


def test_the_packaged_forms_are_named_as_the_registry_names_them(tmp_path: Path) -> None:
    assert form_labels() == registry_labels()
    assert form_labels()["enterprise"] == ("企业", "Enterprise")
    # Published reference data names no form: the packaged labels stand.
    publish(tmp_path, "reference/sectors.v3.json", {**packaged("reference", "sectors.v2.json"), "version": 3})
    assert form_labels(tmp_path) == registry_labels(tmp_path) == registry_labels()
    assert form_labels(tmp_path / "not-there") == registry_labels()


def test_a_published_form_renames_only_when_the_registry_takes_it(tmp_path: Path) -> None:
    renamed = enterprise_v3()
    renamed["label"] = {"zh": "未来产业企业", "en": ""}
    publish(tmp_path / "good", "forms/enterprise.v3.json", renamed)
    assert form_labels(tmp_path / "good") == registry_labels(tmp_path / "good")
    assert form_labels(tmp_path / "good")["enterprise"] == ("未来产业企业", "未来产业企业")
    # A published form the registry refuses (it names a list that does not exist) renames nothing.
    next(f for f in renamed["fields"] if f["id"] == "roles")["choice_list"] = "nonexistent"
    publish(tmp_path / "bad", "enterprise.v3.json", renamed)
    assert form_labels(tmp_path / "bad") == registry_labels(tmp_path / "bad") == registry_labels()
