"""forms/ is the shared core: it never imports Qt, the desktop app or the sync layer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import forms

FORMS_DIR = Path(forms.__file__).resolve().parent
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "desktop", "sync")

SCRIPT = """
import importlib, pkgutil, sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {forbidden!r}:
            raise ImportError("blocked: " + name)
        return None

sys.meta_path.insert(0, Block())
import forms
for info in pkgutil.walk_packages(forms.__path__, "forms."):
    importlib.import_module(info.name)
registry = forms.load_registry()
assert registry.validate("enterprise", {{}}).problems
from forms.progress import compute_progress
compute_progress(registry, [])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})
assert not loaded, loaded
print("ok")
"""


def test_forms_runs_with_qt_desktop_and_sync_blocked() -> None:
    root = FORMS_DIR.parent
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(forbidden=set(FORBIDDEN))],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_forbidden_import_in_the_source() -> None:
    for path in FORMS_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_importing_forms_does_no_loading() -> None:
    # No work at import time: with package data unreadable, importing must still succeed;
    # only load_registry() reads the definitions.
    script = (
        "import importlib.resources as r\n"
        "def refuse(*a, **k):\n    raise RuntimeError('data read at import time')\n"
        "r.files = refuse\n"
        "import forms, forms.progress, forms.validators\n"
        "try:\n    forms.load_registry()\nexcept RuntimeError:\n    print('lazy')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=FORMS_DIR.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lazy"
