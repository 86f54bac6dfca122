"""Build the one-folder office app with PyInstaller, report its size, optionally self-test it.

    python packaging/build.py                        # dist/anhui-collect/
    python packaging/build.py --self-test            # build, then run the frozen binary's --self-test
    python packaging/build.py --no-build --self-test # test the bundle already built
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "anhui-collect"


def build() -> Path:
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"), str(HERE / "anhui-collect.spec")],
        cwd=HERE,
        check=True,
    )
    return BUNDLE


def size_of(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def self_test(bundle: Path) -> int:
    exe = bundle / ("anhui-collect.exe" if os.name == "nt" else "anhui-collect")
    with tempfile.TemporaryDirectory() as home:
        # A fresh home: the frozen app must find everything inside its own bundle.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env.update(ANHUI_COLLECT_HOME=home, QT_QPA_PLATFORM="offscreen")
        result = subprocess.run([str(exe), "--self-test"], env=env, cwd=home)
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--self-test", action="store_true", help="run the frozen app's self-test after building")
    parser.add_argument("--no-build", action="store_true", help="use the bundle already in dist/")
    args = parser.parse_args()
    bundle = BUNDLE if args.no_build else build()
    total, count = size_of(bundle)
    print(f"bundle: {bundle}  {total / 1024 / 1024:.1f} MiB in {count} files")
    if args.self_test:
        rc = self_test(bundle)
        print("frozen self-test: " + ("passed" if rc == 0 else f"FAILED (exit {rc})"))
        return rc
    return 0


if __name__ == "__main__":
    sys.exit(main())
