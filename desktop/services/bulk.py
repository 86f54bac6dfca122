"""Work on many records at once: marking a selection of drafts final.

Each record is checked as a final record on the caller's connection; the ones that pass
are marked final a chunk at a time, each chunk one job on the office's writer, so a save
or an autosave made meanwhile waits for one chunk, not for the whole selection. A record
edited between its check and its chunk is left as it is and listed: what was checked is
what becomes final, never a version nobody checked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.errors import OfficeError
from desktop.services.records import RecordService, change_status

CHUNK = 250


@dataclass(frozen=True)
class NotFinalized:
    """A record of the selection that stayed as it was, and why (in both languages)."""

    record_id: str
    title: str
    reason_zh: str
    reason_en: str

    def reason(self, lang: str = "zh") -> str:
        return self.reason_en if lang == "en" else self.reason_zh


@dataclass
class BulkProgress:
    """How far a bulk finalize has got; the last one (step "done") holds the outcome."""

    step: str  # checking | done
    done: int
    total: int
    finalized: list[str] = field(default_factory=list)
    failed: list[NotFinalized] = field(default_factory=list)
    skipped: int = 0  # already final or further along: nothing to do
    cancelled: bool = False


def finalize_records(service: RecordService, record_ids: Sequence[str], *,
                     cancel: threading.Event | None = None, chunk: int = CHUNK) -> Iterator[BulkProgress]:
    """Mark the drafts among ``record_ids`` final; yields progress, the last step is "done".

    Records with problems are listed with them, not changed; records that are not drafts
    (already final, sent, returned) are counted as skipped. A cancel stops before the next
    record; the chunks already written stay final, the rest stay drafts.
    """
    progress = BulkProgress("checking", 0, len(record_ids))
    ready: list[tuple[str, str, str]] = []  # record id, checked version id, title
    for n, record_id in enumerate(record_ids, start=1):
        if cancel is not None and cancel.is_set():
            progress.cancelled = True
            break
        _check(service, record_id, ready, progress)
        if len(ready) >= chunk:
            _write(service, ready, progress)
        progress.done = n
        if n % 50 == 0 or n == len(record_ids):
            yield progress
    if ready and not progress.cancelled:  # a cancel (or the office locking) stops short of writing more
        _write(service, ready, progress)
    progress.step = "done"
    yield progress


def _check(service: RecordService, record_id: str, ready: list[tuple[str, str, str]], progress: BulkProgress) -> None:
    try:
        row = service.get(record_id)
    except OfficeError as exc:
        progress.failed.append(NotFinalized(record_id, "", exc.message("zh"), exc.message("en")))
        return
    title = row.get("title") or ""
    if row["status"] == "returned":
        progress.failed.append(NotFinalized(record_id, title, "被退回的记录须先按退回原因修改并保存，再定稿。",
                                            "A returned record must be corrected and saved before it is made final."))
        return
    if row["status"] != "draft":
        progress.skipped += 1
        return
    data = json.loads(service.version(row["current_version_id"])["data"])
    _checked, blocking = service.check(row["form_id"], data, final=True, form_version=row["form_version"],
                                       record_id=record_id, warnings=False)
    if blocking:
        progress.failed.append(NotFinalized(
            record_id, title,
            "；".join(str(p["message_zh"]).rstrip("。") for p in blocking) + "。",
            "; ".join(str(p["message_en"]).rstrip(".") for p in blocking) + "."))
        return
    ready.append((record_id, row["current_version_id"], title))


def _write(service: RecordService, ready: list[tuple[str, str, str]], progress: BulkProgress) -> None:
    user = service.office.user
    batch = list(ready)
    ready.clear()

    def job(db: Any) -> tuple[list[str], list[tuple[str, str]]]:
        done, moved = [], []
        for record_id, version_id, title in batch:
            row = next(db.query("SELECT status, current_version_id FROM records WHERE record_id = ?", [record_id]), None)
            if row is None or row["status"] != "draft" or row["current_version_id"] != version_id:
                moved.append((record_id, title))  # saved or sent since it was checked
                continue
            change_status(db, record_id, "final", reason=None, actor=user)
            done.append(record_id)
        return done, moved

    done, moved = service.office.write(job)
    progress.finalized.extend(done)
    progress.failed.extend(NotFinalized(rid, title, "检查之后记录又被修改过，未定稿，请重新选择。",
                                        "The record changed after it was checked; not made final, select it again.")
                           for rid, title in moved)
