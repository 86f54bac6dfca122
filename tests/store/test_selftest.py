"""`anhui-collect --self-test` runs headless and passes on a working install."""

import forms
from tests.conftest import run_cli


def test_self_test_passes(tmp_path):
    result = run_cli(tmp_path / "home", "--self-test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout
    assert f"{len(list(forms.load_registry().forms()))} forms validated and saved" in result.stdout
