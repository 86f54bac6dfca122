"""The shipped example records are files ``record add`` takes as they are."""

from __future__ import annotations

from importlib import resources

from desktop.cli.main import main
from forms.registry import load_registry
from tests.conftest import PASSPHRASE


def test_record_add_takes_every_shipped_example(office_dir, monkeypatch, capsys):
    monkeypatch.setenv("ANHUI_COLLECT_HOME", str(office_dir))
    monkeypatch.setenv("ANHUI_COLLECT_PASSPHRASE", PASSPHRASE)
    folder = resources.files("forms.examples")
    forms = [f.id for f in load_registry().forms()]
    # The enterprise first: the other examples name it by its credit code.
    for form_id in sorted(forms, key=lambda f: f != "enterprise"):
        path = folder.joinpath(f"{form_id}.json")
        assert path.is_file(), form_id
        code = main(["record", "add", "--form", form_id, "--file", str(path), "--final"])
        out, err = capsys.readouterr()
        assert code == 0, (form_id, err)
        assert len(out.strip().splitlines()[-1]) == 36, out  # the new record's id
    capsys.readouterr()
    assert main(["record", "list", "--json"]) == 0
    assert capsys.readouterr().out.count('"record_id"') == len(forms)
