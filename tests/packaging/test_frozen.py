"""The PyInstaller bundle: it builds, its frozen self-test passes with no network at all, and
its window opens on a virtual screen without attempting a network connection."""

import ast
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


def test_the_bundle_carries_qt_chinese_strings(bundle):
    # Where the frozen Qt looks for its translations: file dialogs and calendars speak Chinese.
    found = [p.relative_to(bundle).as_posix() for p in bundle.rglob("qtbase_zh_CN.qm")]
    assert any(p.endswith("PySide6/Qt/translations/qtbase_zh_CN.qm") for p in found), found


@pytest.mark.skipif(not all(shutil.which(t) for t in ("Xvfb", "xdotool", "import", "strace")),
                    reason="Xvfb, xdotool, ImageMagick and strace are installed by make test")
def test_frozen_window_opens_and_reaches_no_network(bundle, tmp_path):
    shot = tmp_path / "frozen.png"
    shown, connects = frozen_check.check(bundle, shot)
    assert shown and shot.stat().st_size > 10_000
    assert connects == []


# The office bundle never carries the provincial endpoint or its web server and database driver.
ENDPOINT_PACKAGES = ("province", "fastapi", "uvicorn", "starlette", "psycopg", "psycopg_binary",
                     "jinja2", "segno", "selenium")


def test_bundle_carries_no_endpoint(bundle):
    toc = next((ROOT / "build" / "pyinstaller" / "anhui-collect").glob("PYZ-*.toc"), None)
    assert toc is not None, "PyInstaller's table of contents of the archive is missing"
    modules = {entry[0] for entry in ast.literal_eval(toc.read_text())[1]}
    assert "desktop.gui.main_window" in modules and "sync.client" in modules  # the reading is real
    carried = sorted(m for m in modules if m.split(".")[0] in ENDPOINT_PACKAGES)
    assert carried == []
    files = [p.relative_to(bundle).as_posix() for p in bundle.rglob("*")]
    assert not [f for f in files if any(f"/{name}/" in f"/{f}" for name in ENDPOINT_PACKAGES)]


def test_the_bundle_carries_qtpdf_for_attachment_previews(bundle):
    names = {p.name for p in bundle.rglob("*")}
    assert any(n.startswith("libQt6Pdf.so") for n in names), "Qt's PDF library is missing"
    assert any(n.startswith("QtPdfWidgets") for n in names) and any(n.startswith("QtPdf.") for n in names)
    assert not any(n.startswith("libQt6PdfQuick") for n in names)
