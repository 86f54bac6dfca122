"""Build Qt's ``.qm`` translation files from the ``.ts`` sources (run by the Makefile).

The ``.qm`` files are build output and never committed. ``--update`` first re-extracts the
GUI's strings into ``i18n/zh_CN.ts`` with pyside6-lupdate (new strings come out marked
unfinished for a translator; translations already made are kept).
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


def update() -> None:
    """Re-extract every translatable string of the GUI into the ``.ts`` files."""
    tool = Path(lrelease()).with_name("pyside6-lupdate")
    sources = sorted(str(p) for p in I18N_DIR.parent.rglob("*.py") if p.name != "__init__.py")
    for ts in sorted(I18N_DIR.glob("*.ts")):
        # The sources go before the options: pyside6-lupdate 6.12 misreads them otherwise.
        subprocess.run([str(tool), *sources, "-no-obsolete", "-locations", "none", "-source-language", "en",
                        "-target-language", ts.stem, "-ts", str(ts)], check=True)


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
    if "--update" in sys.argv[1:]:
        update()
    for path in build():
        print(f"built {path}")
