"""This office's progress toward the plan's targets (the CLI and the dashboard share it)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from desktop.store.office import Office
from forms.progress import COUNTED_STATUSES, Progress, compute_progress
from forms.registry import Registry


def current_records(db: sqlite_utils.Database, statuses: Iterable[str] = COUNTED_STATUSES) -> Iterator[dict[str, Any]]:
    """Each record's current version with the given statuses, as the progress counter takes them."""
    wanted = sorted(statuses)
    marks = ", ".join("?" for _ in wanted)
    rows = db.query(
        "SELECT r.record_id, r.form_id, r.form_version, r.org_unit, r.status, v.data FROM records r "
        f"JOIN versions v ON v.version_id = r.current_version_id WHERE r.status IN ({marks})",
        wanted,
    )
    for row in rows:
        row["data"] = json.loads(row["data"])
        yield row


def office_progress(office: Office, registry: Registry, db: sqlite_utils.Database | None = None) -> Progress:
    """Progress of ``office``; pass ``db`` to read through another connection (a worker thread)."""
    return compute_progress(registry, current_records(db or office.db))
