"""Record and version ids sort in the order they were made, so indexes on them grow at one edge."""

from __future__ import annotations

import threading
import time
import uuid

from desktop.services.checking import RecordChecker
from desktop.services.records import RecordService
from desktop.store.ids import new_id


def test_ids_are_version_7_uuids_that_sort_in_the_order_they_were_made() -> None:
    ids = [new_id() for _ in range(20_000)]  # thousands per millisecond: the counter orders them
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for text in ids[:50]:
        value = uuid.UUID(text)
        assert (value.version, value.variant) == (7, uuid.RFC_4122) and str(value) == text
    # The first 48 bits are the time in milliseconds.
    assert abs(int(ids[-1].replace("-", "")[:12], 16) - time.time_ns() // 1_000_000) < 60_000


def test_ids_made_on_several_threads_are_distinct_and_each_thread_sees_them_grow() -> None:
    made: dict[int, list[str]] = {}

    def make(n: int) -> None:
        made[n] = [new_id() for _ in range(5_000)]

    threads = [threading.Thread(target=make, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(ids == sorted(ids) for ids in made.values())
    assert len({i for ids in made.values() for i in ids}) == 20_000


def test_saved_records_and_versions_take_ids_in_save_order(office) -> None:
    service = RecordService(office, RecordChecker())
    first = service.add_many("enterprise", [{"name": f"企业{i}"} for i in range(300)])
    later = service.add("enterprise", {"name": "后来的企业"})
    edited = service.edit(first[0].record_id, {"name": "企业0改"})
    records = [s.record_id for s in first] + [later.record_id]
    versions = [s.version_id for s in first] + [later.version_id, edited.version_id]
    assert records == sorted(records) and versions == sorted(versions)
