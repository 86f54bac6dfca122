import os
import sys
from pathlib import Path

import pytest

# Qt must never need a display in tests; set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "correct horse battery"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def office_dir(tmp_path: Path) -> Path:
    """A fresh office store (org unit 蜀山区) with admin 张三."""
    from desktop.store.office import Office

    data_dir = tmp_path / "office"
    office, _recovery = Office.create(
        data_dir, org_unit="340104", office_name="蜀山区科技局", admin="张三", passphrase=PASSPHRASE
    )
    office.close()
    return data_dir


@pytest.fixture
def office(office_dir: Path):
    from desktop.store.office import Office

    opened = Office.unlock(office_dir, None, PASSPHRASE)
    yield opened
    opened.close()


def cli_env(data_dir: Path, passphrase: str = PASSPHRASE, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"ANHUI_COLLECT_HOME": str(data_dir), "ANHUI_COLLECT_PASSPHRASE": passphrase, "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


def run_cli(data_dir: Path, *args: str, passphrase: str = PASSPHRASE, input: str | None = None, **extra: str):
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        env=cli_env(data_dir, passphrase, **extra),
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
    )
