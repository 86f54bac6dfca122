"""Build Qt's ``.qm`` translation files from the ``.ts`` sources (run by the Makefile).

The ``.qm`` files are build output and never committed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

I18N_DIR = Path(__file__).with_name("i18n")


def lrelease() -> str:
    """The path of pyside6-lrelease, preferring the one beside this Python."""
    found = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent)) or shutil.which("pyside6-lrelease")
    if not found:
        raise SystemExit("pyside6-lrelease not found; install PySide6 into this environment")
    return found


def build() -> list[Path]:
    """Compile every out-of-date ``.ts`` in ``i18n/`` to ``.qm``; returns what was built."""
    built = []
    for ts in sorted(I18N_DIR.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        subprocess.run([lrelease(), "-silent", str(ts), "-qm", str(qm)], check=True)
        built.append(qm)
    return built


if __name__ == "__main__":
    for path in build():
        print(f"built {path}")
