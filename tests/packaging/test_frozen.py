"""The PyInstaller bundle: it builds, its frozen self-test passes with no network at all, and
its window opens on a virtual screen without attempting a network connection."""

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "packaging"))
import frozen_check  # noqa: E402

BUNDLE = ROOT / "dist" / "anhui-collect"


@pytest.fixture(scope="module")
def bundle():
    result = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "MiB in" in result.stdout  # the size is reported
    return BUNDLE


def test_frozen_self_test_passes_without_any_network(bundle, tmp_path):
    command = [str(bundle / "anhui-collect"), "--self-test"]
    if shutil.which("unshare"):
        command = ["unshare", "--net", *command]  # a network namespace with no interfaces up
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ANHUI_COLLECT_HOME": str(tmp_path / "o")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout


@pytest.mark.skipif(not all(shutil.which(t) for t in ("Xvfb", "xdotool", "import", "strace")),
                    reason="Xvfb, xdotool, ImageMagick and strace are installed by make test")
def test_frozen_window_opens_and_reaches_no_network(bundle, tmp_path):
    shot = tmp_path / "frozen.png"
    shown, connects = frozen_check.check(bundle, shot)
    assert shown and shot.stat().st_size > 10_000
    assert connects == []
