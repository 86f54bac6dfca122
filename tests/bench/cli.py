"""``anhui-collect record list`` from a cold process: its imports, and its whole run.

The run is a new ``python -m desktop.cli record list --limit 50`` with the passphrase in the
environment, timed from before the process starts to its exit; the imports are what
``python -X importtime`` reports for the same command beyond what ``python -c pass``
imports. Floors, same run: ``python -c pass``, and unwrapping the key (Argon2id) in-process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from desktop.paths import OfficePaths
from desktop.store.keyslots import KeySlots
from tests.bench.data import PASS
from tests.sync.servers import ROOT

RUNS = 5
LIST = ["-m", "desktop.cli", "record", "list", "--limit", "50"]


def _env(office_dir: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "ANHUI_COLLECT_HOME": str(office_dir),
            "ANHUI_COLLECT_PASSPHRASE": PASS}


def _wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def _imported(args: list[str], env: dict[str, str]) -> float:
    """Seconds of imports ``python -X importtime`` reports (top-level modules, cumulative)."""
    out = subprocess.run([sys.executable, "-X", "importtime", *args], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=300).stderr
    total = 0
    for line in out.splitlines():
        if line.startswith("import time:") and "|" in line:
            _self, cumulative, name = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit() and not name.startswith("  "):
                total += int(cumulative)
    return total / 1e6


def measure(office_dir: Path) -> dict[str, float]:
    env = _env(office_dir)
    slots = KeySlots.load(OfficePaths(office_dir).keyslots)
    rounds: dict[str, list[float]] = {"pass": [], "list": [], "imports": [], "pass_imports": [], "kdf": []}
    for _ in range(RUNS):  # interleaved, so load changes hit every measure alike
        rounds["pass"].append(_wall(["-c", "pass"], env))
        rounds["list"].append(_wall(LIST, env))
        rounds["imports"].append(_imported(LIST, env))
        rounds["pass_imports"].append(_imported(["-c", "pass"], env))
        start = time.perf_counter()
        slots.unlock(None, PASS)
        rounds["kdf"].append(time.perf_counter() - start)
    result = {name: statistics.median(values) for name, values in rounds.items()}
    result["imports"] = max(0.0, result["imports"] - result["pass_imports"])
    return result
