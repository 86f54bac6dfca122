"""Fixtures for the GUI tests: real widgets on the offscreen platform, one forms registry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import desktop.gui  # noqa: F401  (guards PySide6 6.12's reference bug before any Qt call)
from tests.conftest import PASSPHRASE

WRONG_CODE = "91340100MA2NF8XL3B"  # check character wrong
GOOD_CODE = "91340100MA2NF8XL36"  # stdnum.cn.uscc.is_valid says yes


@pytest.fixture(scope="session")
def checker():
    """The office checker with the packaged forms (loaded once for the whole run)."""
    from desktop.services.checking import default_checker

    return default_checker(None)


@pytest.fixture(autouse=True)
def chinese(qapp) -> Iterator[None]:
    """Every test starts in Chinese, the app's default."""
    from desktop.gui.app import create_application
    from desktop.gui.i18n import install

    create_application()
    install("zh")
    yield
    install("zh")


@pytest.fixture
def controller(tmp_path: Path, checker, qtbot) -> Iterator:
    """An app controller over an empty data folder; closes whatever it opened."""
    from desktop.gui.app import AppController
    from desktop.gui.tasks import busy

    made = AppController(tmp_path / "office", checker=checker)
    yield made
    qtbot.waitUntil(lambda: busy() == 0, timeout=10000)
    made._close_session()
    if made.dialog is not None:
        made.dialog.close()


@pytest.fixture
def unlocked(office_dir: Path, checker, qtbot) -> Iterator:
    """A controller with the office of ``office_dir`` unlocked and its window shown."""
    from desktop.gui.app import AppController
    from desktop.gui.tasks import busy
    from desktop.store.office import Office

    made = AppController(office_dir, checker=checker)
    made.open_main(Office.unlock(office_dir, None, PASSPHRASE))
    yield made
    qtbot.waitUntil(lambda: busy() == 0, timeout=10000)
    made._close_session()
    if made.dialog is not None:
        made.dialog.close()


@pytest.fixture
def province(tmp_path: Path) -> Iterator:
    """A real ``anhui-province serve`` on loopback, for the sync screens."""
    from tests.sync.servers import ProvinceServer

    server = ProvinceServer(tmp_path / "province")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def window(office_dir: Path, checker, qtbot) -> Iterator:
    """The main window of the office in ``office_dir`` with the real sync screen."""
    from desktop.gui.app import AppController, sync_screen
    from desktop.gui.tasks import busy
    from desktop.store.office import Office

    controller = AppController(office_dir, checker=checker, sync_page=sync_screen)
    shown = controller.open_main(Office.unlock(office_dir, None, PASSPHRASE))
    yield shown
    qtbot.waitUntil(lambda: busy() == 0, timeout=20000)
    controller._close_session()


def new_code(province) -> tuple[str, str]:
    """A one-time enrollment code for org unit 340104 and the province key id printed with it."""
    out = province.cli("enroll-code", "--org-unit", "340104")
    code = re.search(r"登记码：\s*(\S+)", out).group(1)
    key_id = re.search(r"省级公钥编号：\s*(\S+)", out).group(1)
    return code, key_id
