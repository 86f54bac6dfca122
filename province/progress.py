"""Province-wide progress toward the plan's targets, counted by the forms engine's own rules.

The counting is :func:`forms.progress.compute_progress`, the same code the office dashboard
uses, fed with every record's current version from the province database. On top of what an
office sees: records the province returned for correction are not counted until the office
answers, and where a reviewer decided which org unit a duplicated enterprise, standard,
platform or team counts under (the console's 重复 page), the other org units' records of it
are left out. The result is cached in the database under a fingerprint of everything it
depends on, so every server process answers the 总览 page from one computation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from forms.progress import compute_progress
from province.clock import utc_now
from province.console.catalog import catch_up
from province.context import Province
from province.db import Row, Tx

CHUNK = 5000
DUPLICATE_ELSEWHERE = "duplicate_counted_elsewhere"
KEEP_CACHED = 20
logger = logging.getLogger("anhui_province")


ROW_SQL = (
    "SELECT r.record_id, v.form_id, v.form_version, r.org_unit, v.status, v.data, "
    "r.returned_version_id, r.current_version_id, d.org_unit "
    "FROM records r JOIN record_versions v ON v.version_id = r.current_version_id "
    "LEFT JOIN console_records c ON c.record_id = r.record_id "
    "LEFT JOIN duplicate_decisions d ON d.form_id = c.form_id AND d.dup_key = c.dup_key"
)


def as_counted(row: tuple[Any, ...], skipped: dict[str, int]) -> dict[str, Any] | None:
    """A :data:`ROW_SQL` row as the progress counter takes it, or None if a decision drops it.

    A record returned for correction carries the status ``returned`` (not counted, as on the
    office's side); a record of a duplicate that a reviewer counted under another org unit
    is left out and counted in ``skipped``.
    """
    record_id, form_id, form_version, org_unit, status, data, returned, current, chosen = row
    if chosen is not None and chosen != org_unit:
        skipped[DUPLICATE_ELSEWHERE] = skipped.get(DUPLICATE_ELSEWHERE, 0) + 1
        return None
    return {"record_id": record_id, "form_id": form_id, "form_version": form_version,
            "org_unit": org_unit, "data": json.loads(data),
            "status": "returned" if returned == current else status}


def _records(province: Province, skipped: dict[str, int]) -> Iterator[dict[str, Any]]:
    after = ""
    while True:
        def read(tx: Tx, after: str = after) -> list[Row]:
            return tx.rows(f"{ROW_SQL} WHERE r.record_id > ? ORDER BY r.record_id LIMIT ?",
                           [after, CHUNK])

        rows = province.db.run(read, write=False)
        if not rows:
            return
        for row in rows:
            record = as_counted(row, skipped)
            if record is not None:
                yield record
        after = rows[-1][0]


def fingerprint(province: Province, as_of: dt.date) -> str:
    """Everything the numbers depend on: the log, the updates, the decisions, the day."""

    def work(tx: Tx) -> str:
        log_size = tx.scalar("SELECT value FROM counters WHERE name = 'log'")
        updates = tx.scalar("SELECT value FROM counters WHERE name = 'updates'")
        decisions = tx.one("SELECT COUNT(*), MAX(at) FROM duplicate_decisions")
        return f"{log_size}|{updates}|{decisions}|{as_of.isoformat()}"

    return province.db.run(work, write=False)


def compute(province: Province, as_of: dt.date | None = None) -> dict[str, Any]:
    """Province-wide progress as ``progress --json`` prints it (computed now, not cached)."""
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    catch_up(province)
    skipped: dict[str, int] = {}
    progress = compute_progress(province.validator.registry(), _records(province, skipped),
                                as_of=as_of)
    body = progress.to_json()
    body["scope"] = "province"
    body["records_seen"] += sum(skipped.values())
    body["skipped"] = dict(sorted({**body["skipped"], **skipped}.items()))
    return body


SLOW_SECONDS = 2.0
_refreshing: set[str] = set()
_refresh_lock = threading.Lock()


def _store(province: Province, key: str, body: dict[str, Any]) -> None:
    def work(tx: Tx) -> None:
        tx.execute("INSERT INTO progress_cache (fingerprint, computed_at, body) VALUES (?, ?, ?) "
                   "ON CONFLICT (fingerprint) DO NOTHING",
                   [key, utc_now(), json.dumps(body, ensure_ascii=False)])
        tx.execute("DELETE FROM progress_cache WHERE fingerprint NOT IN (SELECT fingerprint "
                   "FROM progress_cache ORDER BY computed_at DESC LIMIT ?)", [KEEP_CACHED])

    province.db.run(work)


def _compute_and_store(province: Province, key: str, as_of: dt.date) -> dict[str, Any]:
    started = time.monotonic()
    body = compute(province, as_of)
    body["computed_in"] = round(time.monotonic() - started, 3)
    body["computed_at"] = utc_now()
    _store(province, key, body)
    return body


def _refresh_in_background(province: Province, key: str, as_of: dt.date) -> None:
    with _refresh_lock:
        if key in _refreshing:
            return
        _refreshing.add(key)

    def work() -> None:
        try:
            _compute_and_store(province, key, as_of)
        except Exception:  # the next page view tries again; nothing is lost
            logger.exception("recounting province-wide progress failed")
        finally:
            with _refresh_lock:
                _refreshing.discard(key)

    threading.Thread(target=work, name="progress-refresh", daemon=True).start()


def cached(province: Province, as_of: dt.date | None = None) -> dict[str, Any]:
    """:func:`compute`'s answer, from the cache when nothing it depends on has changed.

    When the data changed and the last count of the same day took more than
    :data:`SLOW_SECONDS` (a big province), the last count is answered at once, marked
    ``"stale": true``, while a fresh one is computed in the background; a small province
    always gets fresh numbers.
    """
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    catch_up(province)
    key = fingerprint(province, as_of)
    found = province.db.run(lambda tx: tx.scalar(
        "SELECT body FROM progress_cache WHERE fingerprint = ?", [key]), write=False)
    if found is not None:
        return dict(json.loads(found))
    last = province.db.run(lambda tx: tx.scalar(
        "SELECT body FROM progress_cache WHERE fingerprint LIKE ? ORDER BY computed_at DESC "
        "LIMIT 1", [f"%|{as_of.isoformat()}"]), write=False)
    if last is not None:
        previous = dict(json.loads(last))
        if previous.get("computed_in", 0) > SLOW_SECONDS:
            _refresh_in_background(province, key, as_of)
            return {**previous, "stale": True}
    return _compute_and_store(province, key, as_of)
