"""Marking many drafts final: what passes, what is listed, what is skipped, and races."""

from __future__ import annotations

import threading

from desktop.services.bulk import BulkProgress, _write, finalize_records
from tests.office.conftest import enterprise


def test_valid_drafts_become_final_the_rest_are_listed_or_skipped(service):
    ok = [service.add("enterprise", enterprise(i)).record_id for i in range(3)]
    incomplete = service.add("enterprise", {"name": "安徽缺项科技有限公司"}).record_id
    final = service.add("enterprise", enterprise(7), final=True).record_id
    returned = service.add("enterprise", enterprise(8), final=True).record_id
    for status in ("queued", "returned"):
        service.set_status(returned, status, reason="请补充")
    steps = list(finalize_records(service, [*ok, incomplete, final, returned, "no-such-record"], chunk=2))
    last = steps[-1]
    assert last.step == "done" and sorted(last.finalized) == sorted(ok) and last.skipped == 1
    failed = {f.record_id: f for f in last.failed}
    assert set(failed) == {incomplete, returned, "no-such-record"}
    assert "必须填写" in failed[incomplete].reason("zh") and failed[incomplete].title == "安徽缺项科技有限公司"
    assert "退回" in failed[returned].reason("zh")
    assert {service.get(r)["status"] for r in ok} == {"final"} and service.get(incomplete)["status"] == "draft"


def test_a_record_saved_after_its_check_is_left_alone(service):
    record = service.add("enterprise", enterprise(1)).record_id
    checked_version = service.get(record)["current_version_id"]
    service.edit(record, enterprise(1, employees=12))  # another window saves it meanwhile
    progress = BulkProgress("checking", 1, 1)
    _write(service, [(record, checked_version, "x")], progress)
    assert progress.finalized == [] and "修改" in progress.failed[0].reason("zh")
    assert service.get(record)["status"] == "draft"  # the unchecked version never became final


def test_a_cancel_stops_before_the_next_record_and_writes_no_more(service):
    ids = [service.add("enterprise", enterprise(i)).record_id for i in range(4)]
    cancel = threading.Event()
    cancel.set()
    last = list(finalize_records(service, ids, cancel=cancel))[-1]
    assert last.cancelled and last.finalized == [] and service.count(status="final") == 0
