"""The office side (forms, sync, desktop with its GUI) imports with the endpoint's libraries
blocked, so the office installation and bundle can leave FastAPI, uvicorn and psycopg out."""

import subprocess
import sys

from tests.conftest import ROOT

BLOCKED = ("province", "fastapi", "uvicorn", "starlette", "psycopg", "jinja2", "segno", "selenium")

SCRIPT = f"""
import sys
for name in {BLOCKED!r}:
    sys.modules[name] = None  # any import of these now raises ImportError
import importlib, pkgutil
import forms, sync, desktop
names = []
for package in (forms, sync, desktop):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.endswith("__main__") or info.name.startswith("desktop.gui.screenshots"):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
assert "desktop.gui.main_window" in names and "sync.client" in names, names
print("office ok")
"""


def test_office_imports_without_the_endpoint():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT,
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "office ok" in result.stdout


def test_blocking_really_blocks():
    result = subprocess.run(
        [sys.executable, "-c", 'import sys; sys.modules["fastapi"] = None; import fastapi'],
        capture_output=True, text=True,
    )
    assert result.returncode != 0
