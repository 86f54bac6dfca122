"""The staff action log: who did what, when and why; append-only.

Every change a staff member makes (a return, an acceptance, a duplicate decision, a code
issued, a device revoked, an account changed, a login) is written in the same transaction as
the change itself, so the log never misses one and never claims one that did not happen.
Nothing in the code updates or deletes a row of it. Ids come from the ``actions`` counter row,
locked until commit, so they are gapless and in commit order.
"""

from __future__ import annotations

import json
from typing import Any

from province.clock import utc_now
from province.db import Database, Tx

MAX_REASON = 2000
COLUMNS = ("action_id", "at", "actor", "action", "subject", "reason", "detail")


def record(tx: Tx, actor: str, action: str, subject: str, reason: str,
           detail: dict[str, Any]) -> int:
    """Append one action inside the caller's transaction; return its id."""
    action_id = int(tx.scalar("SELECT value FROM counters WHERE name = 'actions' FOR UPDATE")) + 1
    tx.execute("INSERT INTO action_log (action_id, at, actor, action, subject, reason, detail) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               [action_id, utc_now(), actor, action, subject, reason[:MAX_REASON],
                json.dumps(detail, ensure_ascii=False, sort_keys=True)])
    tx.execute("UPDATE counters SET value = ? WHERE name = 'actions'", [action_id])
    return action_id


def recent(db: Database, *, limit: int = 100, before: int | None = None,
           actor: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
    """Newest actions first (``before`` an id, for paging), optionally of one actor or kind."""
    where: list[str] = []
    params: list[Any] = []
    if before is not None:
        where.append("action_id < ?")
        params.append(before)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if action:
        where.append("action = ?")
        params.append(action)
    sql = f"SELECT {', '.join(COLUMNS)} FROM action_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = db.run(lambda tx: tx.rows(sql + " ORDER BY action_id DESC LIMIT ?",
                                     [*params, limit]), write=False)
    out = []
    for r in rows:
        item = dict(zip(COLUMNS, r, strict=True))
        item["detail"] = json.loads(str(item["detail"]))
        out.append(item)
    return out
