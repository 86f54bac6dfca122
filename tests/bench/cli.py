"""``anhui-collect record list`` from a cold process: its imports, and its whole run.

The run is a new ``python -m desktop.cli record list --limit 50`` with the passphrase in the
environment, timed from before the process starts to its exit; the imports are what
``python -X importtime`` reports for the same command beyond what ``python -c pass``
imports; the run less its key derivation times the unwrap (Argon2id) inside the process.
Floors, same run: ``python -c pass``, and that unwrap.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.data import PASS
from tests.sync.servers import ROOT

RUNS = 5
LIST = ["-m", "desktop.cli", "record", "list", "--limit", "50"]
# The same command with the key's unwrapping timed inside the process (on stderr), so the
# run less its own Argon2id is measured rather than less another process's.
TIMED_LIST = ["-c", """
import sys, time
import desktop.store.keyslots as keyslots
unwrap = keyslots.KeySlots.unlock
def timed(self, *args, **kwargs):
    start = time.perf_counter()
    try:
        return unwrap(self, *args, **kwargs)
    finally:
        print("kdf", time.perf_counter() - start, file=sys.stderr)
keyslots.KeySlots.unlock = timed
from desktop.cli.main import main
sys.exit(main(["record", "list", "--limit", "50"]))
"""]


def _env(office_dir: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "ANHUI_COLLECT_HOME": str(office_dir),
            "ANHUI_COLLECT_PASSPHRASE": PASS}


def _wall(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from before the process starts to its exit, and the key unwrap it reported."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True,
                         timeout=300)
    elapsed = time.perf_counter() - start
    kdf = [float(line.split()[1]) for line in out.stderr.splitlines() if line.startswith("kdf ")]
    return elapsed, kdf[0] if kdf else 0.0


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
    rounds: dict[str, list[float]] = {"pass": [], "list": [], "imports": [], "pass_imports": [], "kdf": [],
                                      "beyond_kdf": []}
    for _ in range(RUNS):  # interleaved, so load changes hit every measure alike
        rounds["pass"].append(_wall(["-c", "pass"], env)[0])
        rounds["list"].append(_wall(LIST, env)[0])
        whole, kdf = _wall(TIMED_LIST, env)
        rounds["kdf"].append(kdf)
        rounds["beyond_kdf"].append(whole - kdf)
        rounds["imports"].append(_imported(LIST, env))
        rounds["pass_imports"].append(_imported(["-c", "pass"], env))
    result = {name: statistics.median(values) for name, values in rounds.items()}
    result["imports"] = max(0.0, result["imports"] - result["pass_imports"])
    return result
