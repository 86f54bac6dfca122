from pathlib import Path

import pytest

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.sync.servers import ProvinceServer


def enterprise(i: int, **extra: object) -> dict:
    """A complete, valid enterprise record (credit codes get a correct check character)."""
    from stdnum.cn import uscc

    base = f"9134010{i:010d}"[:17]
    code = next(base + c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if uscc.is_valid(base + c))
    return {"name": f"安徽量子科技有限公司{i}", "credit_code": code, "sector": "quantum",
            "direction": "quantum_communication", "ownership": "private", **extra}


@pytest.fixture
def province(tmp_path: Path):
    server = ProvinceServer(tmp_path / "province")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def service(office: Office) -> RecordService:
    return RecordService(office, default_checker(office.paths.root))


def reopen(office_dir: Path) -> Office:
    return Office.unlock(office_dir, None, PASSPHRASE)
