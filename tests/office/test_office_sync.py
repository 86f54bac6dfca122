"""The office side of sync against a real `anhui-province serve` on loopback."""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest

from desktop.errors import OfficeError
from desktop.services.checking import RecordChecker, default_checker
from desktop.services.outbox import OfficeOutbox
from desktop.services.records import RecordService
from desktop.services.sync_office import SyncFailed, enroll_office, sync_office
from desktop.store.integrity import check_store
from sync.receipts import verify_receipt
from sync.trust import ProvinceTrust
from tests.conftest import PASSPHRASE, ROOT
from tests.office.conftest import enterprise, reopen


def new_code(province, org_unit="340104") -> str:
    out = province.cli("enroll-code", "--org-unit", org_unit)
    return re.search(r"登记码：\s*(\S+)", out).group(1)


def enrolled(office, province):
    enroll_office(office, province.url, new_code(province))


def test_enroll_sync_receipts_and_drafts_left_alone(office, service, province):
    enrolled(office, province)
    finals = [service.add("enterprise", enterprise(i), final=True).record_id for i in range(3)]
    draft = service.add("enterprise", {"name": "草稿企业"}).record_id
    summary = sync_office(office)
    assert (summary.sent, summary.accepted, summary.rejected) == (3, 3, 0)
    assert {service.get(r)["status"] for r in finals} == {"synced"}
    assert service.get(draft)["status"] == "draft"
    outbox = OfficeOutbox(office)
    receipts = outbox.receipts()
    assert len(receipts) == 1
    trust = ProvinceTrust(outbox.province_keys())
    receipt, _ = verify_receipt(bytes(receipts[0]["receipt"]), trust.lookup, batch_envelope=bytes(outbox.batches()[0]["envelope"]))
    assert {a.record_id for a in receipt.accepted} == set(finals)
    # Nothing left to send: a second sync sends nothing and changes nothing.
    again = sync_office(office)
    assert again.sent == 0
    assert json.loads(province.cli("records", "list", "--json")).__len__() == 3


def test_one_bad_record_is_returned_with_reasons_and_does_not_block(office, province):
    enrolled(office, province)
    good = RecordService(office, default_checker(office.paths.root))
    ok_ids = [good.add("enterprise", enterprise(i), final=True).record_id for i in range(2)]
    # An office on an old build saved a record the shared forms engine rejects.
    lax = RecordService(office, RecordChecker())
    bad = lax.add("enterprise", {"name": "坏记录", "credit_code": "123", "sector": "quantum"}, final=True).record_id
    summary = sync_office(office)
    assert (summary.accepted, summary.rejected) == (2, 1)
    record = good.get(bad)
    assert record["status"] == "returned"
    # The reason names the field as the clerk knows it, never by its id.
    assert "统一社会信用代码" in record["status_reason"] and "credit_code" not in record["status_reason"]
    assert {good.get(r)["status"] for r in ok_ids} == {"synced"}


def test_province_return_reaches_the_office(office, service, province):
    enrolled(office, province)
    rid = service.add("enterprise", enterprise(7), final=True).record_id
    sync_office(office)
    # Escape codes typed into the reason (they would drive the clerk's terminal) are removed.
    province.cli("records", "return", rid, "--reason", "注册资本\x1b[31m与营业执照不符\x07")
    summary = sync_office(office)
    assert summary.returned == 1
    record = service.get(rid)
    assert record["status"] == "returned" and record["status_reason"] == "注册资本[31m与营业执照不符"
    # Corrected and finalized again, it syncs again as a new version.
    service.edit(rid, enterprise(7, registered_capital=1000), final=True)
    assert sync_office(office).accepted == 1
    assert service.get(rid)["status"] == "synced"


def test_a_second_device_of_the_org_unit_counts_only_its_own_returns(office, service, province, tmp_path):
    """Returns are published to the org unit, so every device pulls them; a device that
    holds none of the returned records says it had none returned."""
    from desktop.store.office import Office

    enrolled(office, province)
    rid = service.add("enterprise", enterprise(8), final=True).record_id
    sync_office(office)
    province.cli("records", "return", rid, "--reason", "注册资本与营业执照不符")
    other, _recovery = Office.create(tmp_path / "second", org_unit="340104", office_name="蜀山区科技局",
                                     admin="王五", passphrase=PASSPHRASE)
    with other:
        enroll_office(other, province.url, new_code(province))
        summary = sync_office(other)
        assert (summary.pulled, summary.returned) == (1, 0)
    assert sync_office(office).returned == 1


def test_dead_network_is_a_clear_error_and_nothing_is_lost(office, service, province):
    enrolled(office, province)
    rid = service.add("enterprise", enterprise(3), final=True).record_id
    port = province.port
    province.stop()
    with pytest.raises(SyncFailed) as info:
        sync_office(office)
    assert "无法连接省级端点" in info.value.message_zh
    assert service.get(rid)["status"] == "queued"
    province.start(port=port)
    assert sync_office(office).accepted == 1
    assert service.get(rid)["status"] == "synced"


def test_code_for_another_org_unit_is_refused(office, province):
    with pytest.raises(OfficeError) as info:
        enroll_office(office, province.url, new_code(province, "340102"))
    assert "340102" in info.value.message_zh


SYNCER = textwrap.dedent(
    """
    import os, signal, sys
    from desktop.store.office import Office
    from desktop.services.sync_office import sync_office
    office = Office.unlock(sys.argv[1], None, sys.argv[2])
    step, count = sys.argv[3], int(sys.argv[4])
    seen = 0
    def progress(p):
        # The process kills itself at the named event, inside the callback: a kill sent by
        # the test on reading the line would land wherever the sync had got to by then.
        global seen
        print(p.step, p.done, flush=True)
        if p.step == step:
            seen += 1
            if seen == count:
                os.kill(os.getpid(), signal.SIGKILL)
    sync_office(office, progress=progress)
    """
)


def test_killed_mid_sync_resends_same_bytes_without_duplicates(office, service, tmp_path):
    from tests.sync.servers import ProvinceServer

    province = ProvinceServer(tmp_path / "province-small")
    province.start("--max-batch-versions", "10")
    try:
        enrolled(office, province)
        ids = [r.record_id for r in service.add_many("enterprise", [enterprise(i) for i in range(60)], final=True)]
        office.close()
        # Killed after the province answered batch 3 but before the office kept the
        # receipt: the next run must resend the very same bytes and get that receipt back.
        proc = subprocess.run([sys.executable, "-c", SYNCER, str(office.paths.root), PASSPHRASE,
                               "receipt_received", "3"],
                              capture_output=True, text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert proc.stdout.count("receipt_saved") == 2
        assert check_store(office.paths.root, None, PASSPHRASE).ok
        with reopen(office.paths.root) as again:
            summary = sync_office(again)
            records = RecordService(again, RecordChecker())
            assert {records.get(r)["status"] for r in ids} == {"synced"}
            # Batch 3 went again as it was stored (no seventh batch was built) and the
            # province answered it with the receipt it had already given.
            assert (summary.batches, summary.accepted) == (4, 40)
            assert len(OfficeOutbox(again).batches()) == 6
        on_province = json.loads(province.cli("records", "list", "--json"))
        assert sorted(r["record_id"] for r in on_province) == sorted(ids)
    finally:
        province.stop()
