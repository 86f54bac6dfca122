"""This office's progress toward the plan's targets (the CLI and the dashboard share it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from desktop.store.office import Office
from forms.progress import Progress, compute_progress
from forms.registry import Registry


def current_records(office: Office) -> Iterator[dict[str, Any]]:
    """Every record's current version, as the forms engine's progress counter takes them."""
    rows = office.db.query(
        "SELECT r.record_id, r.form_id, r.org_unit, r.status, v.data FROM records r "
        "JOIN versions v ON v.version_id = r.current_version_id"
    )
    for row in rows:
        yield {"record_id": row["record_id"], "form_id": row["form_id"], "org_unit": row["org_unit"],
               "status": row["status"], "data": json.loads(row["data"])}


def office_progress(office: Office, registry: Registry) -> Progress:
    return compute_progress(registry, current_records(office))
