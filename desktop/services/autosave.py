"""Unsaved editor contents, kept in the encrypted store so nothing typed is lost.

The editor writes its current contents here every few seconds and on lock; a clean save or
a discard removes the slot; at the next start the app offers to restore what remains.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from desktop.store.clock import utc_now
from desktop.store.office import Office


def slot_name(form_id: str, record_id: str | None) -> str:
    """One slot per record being edited, and one per form for a new record."""
    return f"{form_id}:{record_id or 'new'}"


class Autosave:
    def __init__(self, office: Office) -> None:
        self.office = office

    def put(self, form_id: str, record_id: str | None, data: dict[str, Any]) -> None:
        self.office.write(self.put_job(form_id, record_id, data))

    def put_job(self, form_id: str, record_id: str | None, data: dict[str, Any]) -> Callable[[Any], None]:
        """The writer job keeping ``data`` in the slot of the record (or new record) being edited."""
        row = [slot_name(form_id, record_id), self.office.user, form_id, record_id,
               json.dumps(data, ensure_ascii=False), utc_now()]

        def job(db: Any) -> None:
            db.execute("INSERT OR REPLACE INTO autosave (slot, user, form_id, record_id, data, saved_at) VALUES (?, ?, ?, ?, ?, ?)", row)

        return job

    def get(self, form_id: str, record_id: str | None) -> dict[str, Any] | None:
        row = next(self.office.db.query("SELECT data FROM autosave WHERE slot = ?", [slot_name(form_id, record_id)]), None)
        return json.loads(row["data"]) if row else None

    def pending(self) -> list[dict[str, Any]]:
        """Every unsaved slot of the signed-in user, newest first."""
        rows = self.office.db.query(
            "SELECT slot, form_id, record_id, data, saved_at FROM autosave WHERE user = ? ORDER BY saved_at DESC",
            [self.office.user],
        )
        return [dict(r, data=json.loads(r["data"])) for r in rows]

    def discard(self, form_id: str, record_id: str | None) -> None:
        self.office.write(self.discard_job(form_id, record_id))

    def discard_job(self, form_id: str, record_id: str | None) -> Callable[[Any], None]:
        """The writer job emptying a slot (after a clean save, or when the clerk discards it)."""
        slot = slot_name(form_id, record_id)

        def job(db: Any) -> None:
            db.execute("DELETE FROM autosave WHERE slot = ?", [slot])

        return job
