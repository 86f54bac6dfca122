"""The core (forms, sync, store, services, CLI) imports and works with PySide6 blocked."""

import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import sys
sys.modules["PySide6"] = None  # any `import PySide6...` now raises ImportError
import importlib, pkgutil
import forms, sync, desktop
names = []
for package in (forms, sync, desktop):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.startswith("desktop.gui") or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
assert "desktop.store.office" in names and "desktop.services.records" in names, names
from desktop.cli.main import build_parser
build_parser()
assert not any(name.startswith("PySide6") and sys.modules[name] is not None for name in sys.modules)
print("core ok")
"""


def test_core_imports_with_pyside6_blocked():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "core ok" in result.stdout


def test_blocking_really_blocks():
    result = subprocess.run(
        [sys.executable, "-c", 'import sys; sys.modules["PySide6"] = None; import PySide6.QtCore'],
        capture_output=True, text=True,
    )
    assert result.returncode != 0
