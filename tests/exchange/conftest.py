"""One office that has really synced with a real province, exported once for many tests.

Its history has everything an auditor meets: several batches, a device key rotation, a
province key rotation, a record edited after it synced, a draft that never synced, and
values a spreadsheet would take for formulas. Its first batches are protocol version 1 (as
an office synced before it sent version 2 holds them), the later ones version 2 with compact
receipts. The export and the province's own export are
built once per session; tests copy them before changing anything.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from desktop.services.checking import default_checker
from desktop.services.device import device_key, enrollment
from desktop.services.exchange.export import export_office
from desktop.services.outbox import OfficeOutbox
from desktop.services.records import RecordService
from desktop.services.sync_office import enroll_office, sync_office
from desktop.store.office import Office
from forms.examples import example
from sync import runner
from sync.keys import (
    Ed25519PrivateKey,
    generate_private_key,
    public_key_from_b64,
    public_key_to_pem,
)
from sync.office import build_key_rotation
from tests.conftest import PASSPHRASE
from tests.office.conftest import enterprise
from tests.sync.servers import ProvinceServer

FORMULAS = ["=HYPERLINK(\"http://x.example/\",\"点我\")", "+1+2", "-3", "@SUM(A1)", "\t制表", "'引号"]


@dataclass
class Audited:
    export: Path
    province_export: Path
    province_key_pem: Path  # the province's current key, as it publishes it
    province_key_id: str
    first_province_key_id: str  # the key the office pinned at enrollment (rotated since)
    office_dir: Path
    device_private: Ed25519PrivateKey
    draft_id: str
    edited_id: str
    province_dir: Path  # the province's data (copy it before changing anything)

    def copy(self, dest: Path) -> Path:
        shutil.copytree(self.export, dest)
        return dest


def _code(province: ProvinceServer) -> str:
    out = province.cli("enroll-code", "--org-unit", "340104")
    return re.search(r"登记码：\s*(\S+)", out).group(1)  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def audited(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("audited")
    province = ProvinceServer(root / "province")
    province.start("--max-batch-versions", "4")
    office, _ = Office.create(root / "office", org_unit="340104", office_name="蜀山区科技局", admin="张三",
                              passphrase=PASSPHRASE)
    try:
        service = RecordService(office, default_checker(office.paths.root))
        first_key_id = province.cli("key").strip()
        enroll_office(office, province.url, _code(province))
        for form in service.checker.registry.forms():  # type: ignore[attr-defined]
            service.add(form.id, example(form.id), final=True)
        ids = [service.add("enterprise", enterprise(i, remarks=FORMULAS[i % len(FORMULAS)]), final=True).record_id
               for i in range(6)]
        # The first sync as the release before version 2 made it: version 1 whatever the
        # province offered. Every later sync sends version 2.
        with pytest.MonkeyPatch.context() as earlier_release:
            earlier_release.setattr(runner, "SENT_VERSIONS", frozenset({1}))
            sync_office(office)
        # The device rotates its key: later batches are signed by the new one.
        outbox = OfficeOutbox(office)
        new_key = generate_private_key()
        device_id = enrollment(office).device_id  # type: ignore[union-attr]
        outbox.begin_key_rotation(new_key, build_key_rotation(device_key(office), new_key, device_id,
                                                              outbox.next_batch_position()[0]))
        service.edit(ids[0], enterprise(0, remarks="改过之后再同步"), final=True)
        sync_office(office)
        # The province rotates its key: later receipts are signed by the new one.
        province.cli("rotate-key")
        for i in range(6, 8):
            service.add("enterprise", enterprise(i), final=True)
        sync_office(office)
        # Never synced: a draft, and a synced record edited since. Both exist before the
        # last sync, so the province's signed history head covers them.
        draft = service.add("enterprise", enterprise(50, remarks="草稿")).record_id
        service.edit(ids[1], enterprise(1, remarks="同步后又改"))
        sync_office(office)
        out = root / "export"
        list(export_office(office, service.checker.registry, out))  # type: ignore[attr-defined]
        province_out = root / "province-export"
        province.cli("export", "--out", str(province_out))
        keys = requests.get(province.url + "/v1/province/keys", timeout=30).json()
        current = next(k for k in keys["keys"] if k["key_id"] == keys["current_key_id"])
        # The key file an auditor is handed: what `anhui-province key --pem` prints, which is
        # the key the province publishes.
        pem = root / "province-key.pem"
        pem.write_text(province.cli("key", "--pem"), encoding="ascii")
        assert pem.read_bytes() == public_key_to_pem(public_key_from_b64(current["public_key"]))
        yield Audited(out, province_out, pem, keys["current_key_id"], first_key_id, root / "office",
                      device_key(office), draft, ids[1], root / "province")
    finally:
        office.close()
        province.stop()
