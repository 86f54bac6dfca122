"""How many durable commits a sync costs the office per batch, against a real province.

Every commit of the encrypted store syncs its log to disk, and the next batch waits on the
office's commits: a batch is stored in one transaction before it is sent, and its receipt is
stored in one more, together with the signed checkpoint and the consistency proof that came
with it. Counted as the transactions the office's writer runs, not timed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from desktop.services.outbox import OfficeOutbox
from desktop.services.sync_office import sync_office
from desktop.store.office import Office
from tests.office.conftest import enterprise
from tests.office.test_office_sync import enrolled
from tests.sync.servers import ProvinceServer


def test_a_batch_costs_the_office_two_commits_receipt_and_log_step_together(office: Office, service, tmp_path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    province = ProvinceServer(tmp_path / "province-small")
    province.start("--max-batch-versions", "2")
    try:
        enrolled(office, province)
        transactions: list[Callable[[Any], Any]] = []
        run = office.writer.run

        def counted(job: Callable[[Any], Any], **kwargs: Any) -> Any:
            transactions.append(job)
            return run(job, **kwargs)

        def sync(records: range) -> tuple[int, int]:
            service.add_many("enterprise", [enterprise(i) for i in records], final=True)
            transactions.clear()
            monkeypatch.setattr(office.writer, "run", counted)
            try:
                summary = sync_office(office)
            finally:
                monkeypatch.setattr(office.writer, "run", run)
            assert summary.accepted == len(records)
            return len(transactions), summary.batches

        first, first_batches = sync(range(4))
        second, second_batches = sync(range(4, 12))
        assert (first_batches, second_batches) == (2, 4)
        # What a sync does once (queueing, the pull, the chain head) is the same in both, so
        # the difference is what the two more batches cost: their batch and their receipt.
        assert second - first == 2 * (second_batches - first_batches)
        # The log steps are all kept: every receipt after the very first brought a newer
        # checkpoint, shown to extend the one before by a proof kept with the receipt.
        outbox = OfficeOutbox(office)
        proofs = outbox.consistency_proofs()
        assert len(proofs) >= first_batches + second_batches - 1
        assert bytes(proofs[-1]["newer"]) == outbox.last_checkpoint()
    finally:
        province.stop()
