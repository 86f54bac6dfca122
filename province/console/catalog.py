"""The console's index of current records, and the review list read from it.

``console_records`` holds, per record, what the lists filter and search on (city, sector,
direction, title, search text, duplicate key), computed in Python by the forms engine from
the current version. It follows the Merkle log: :func:`catch_up` indexes the versions of log
entries after the last one indexed, a few batches per transaction, so the lists and totals
stay SQL queries with indexes, however many versions the province holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.errors import UnknownForm
from province.console.tally import Tally
from province.context import Province
from province.db import Row, Tx

BATCHES_PER_STEP = 20
PAGE_SIZE = 50
STATES = ("received", "accepted", "returned", "resubmitted")
SEARCH_MAX = 4000
SEARCH_COUNT_CAP = 1000
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The review state, derived from the record, its last return and its last review. ODK
# Central's states: received, then accepted or returned, and a returned record answered by
# a new version is resubmitted until someone reviews it again.
STATE_SQL = (
    "CASE WHEN r.returned_version_id = r.current_version_id THEN 'returned' "
    "WHEN rv.state = 'accepted' AND rv.version_id = r.current_version_id THEN 'accepted' "
    "WHEN r.returned_version_id IS NOT NULL THEN 'resubmitted' ELSE 'received' END"
)
FROM_SQL = "FROM console_records c JOIN records r ON r.record_id = c.record_id"
# The index keeps each record's state (the lists filter and count on it without joins); it
# is set from STATE_SQL whenever a record is indexed, and by a return or an acceptance.
REFRESH_STATE = (f"UPDATE console_records SET state = (SELECT {STATE_SQL} FROM records r "
                 "LEFT JOIN reviews rv ON rv.record_id = r.record_id "
                 "WHERE r.record_id = console_records.record_id) WHERE record_id = ?")


def _describe(registry: Any, form_id: str, form_version: int, data: Any) -> tuple[str, str]:
    try:
        form = registry.form(form_id, form_version)
    except (UnknownForm, LookupError):
        return form_id, ""
    search = form.search_text(data)
    return form.title_of(data), search


def _text(data: Any, name: str) -> str:
    value = data.get(name) if isinstance(data, Mapping) else None
    return value[:64] if isinstance(value, str) else ""


def index_row(registry: Any, row: tuple[Any, ...]) -> list[Any]:
    """The ``console_records`` values for one current version row."""
    record_id, version_id, form_id, form_version, org_unit, raw, received_at, log_index = row
    data = json.loads(raw)
    title, search = _describe(registry, form_id, form_version, data)
    city = registry.city_of(org_unit)
    return [record_id, form_id, org_unit, city.code if city else "", _text(data, "sector"),
            _text(data, "direction"), title, search.casefold()[:SEARCH_MAX],
            registry.duplicate_key(form_id, data), version_id, received_at, received_at, log_index,
            "received"]


UPSERT = (
    "INSERT INTO console_records (record_id, form_id, org_unit, city, sector, direction, title, "
    "search, dup_key, version_id, first_received_at, received_at, log_index, state) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO UPDATE SET "
    "form_id = excluded.form_id, sector = excluded.sector, direction = excluded.direction, "
    "title = excluded.title, search = excluded.search, dup_key = excluded.dup_key, "
    "version_id = excluded.version_id, received_at = excluded.received_at, "
    "log_index = excluded.log_index"
)


def catch_up(province: Province) -> int:
    """Index every version received since the last call; return how many were indexed."""
    def behind(tx: Tx) -> bool:
        done = int(tx.scalar("SELECT value FROM meta WHERE key = 'console_indexed'"))
        return done < int(tx.scalar("SELECT value FROM counters WHERE name = 'log'")) - 1

    # A page view must not take the write lock when there is nothing new (the usual case).
    if not province.db.run(behind, write=False):
        return 0
    registry = province.validator.registry()
    tally = Tally(registry)
    total = 0
    while True:
        def step(tx: Tx) -> int | None:
            done = int(tx.scalar("SELECT value FROM meta WHERE key = 'console_indexed' "
                                 "FOR UPDATE"))
            size = int(tx.scalar("SELECT value FROM counters WHERE name = 'log'"))
            if done >= size - 1:
                return None
            upto = min(size - 1, done + BATCHES_PER_STEP)
            rows = tx.rows(
                "SELECT v.record_id, v.version_id, v.form_id, v.form_version, r.org_unit, "
                "v.data, v.received_at, b.log_index FROM batches b JOIN record_versions v "
                "ON v.batch_id = b.batch_id JOIN records r "
                "ON r.record_id = v.record_id AND r.current_version_id = v.version_id "
                "WHERE b.log_index > ? AND b.log_index <= ?", [done, upto])
            indexed = [index_row(registry, row) for row in rows]
            touched = _keys_of(tx, [r[0] for r in indexed])
            tx.execute_many(UPSERT, indexed)
            tx.execute_many(REFRESH_STATE, [[r[0]] for r in indexed])
            touched |= {(r[1], r[8]) for r in indexed if r[8] is not None}
            refresh_groups(tx, touched)
            tally.refresh(tx, [r[0] for r in indexed])
            tx.execute("UPDATE meta SET value = ? WHERE key = 'console_indexed'", [str(upto)])
            return len(rows)

        count = province.db.run(step)
        if count is None:
            return total
        total += count


def _keys_of(tx: Tx, record_ids: list[str]) -> set[tuple[str, str]]:
    """The (form, duplicate key) the index holds now for these records."""
    found: set[tuple[str, str]] = set()
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        found |= {(r[0], r[1]) for r in tx.rows(
            f"SELECT form_id, dup_key FROM console_records WHERE record_id IN ({marks}) "
            "AND dup_key IS NOT NULL", chunk)}
    return found


def refresh_groups(tx: Tx, keys: set[tuple[str, str]]) -> None:
    """Recount the duplicate groups of these keys: only keys of several org units are kept."""
    by_form: dict[str, list[str]] = {}
    for form_id, key in sorted(keys):
        by_form.setdefault(form_id, []).append(key)
    for form_id, dup_keys in by_form.items():
        for start in range(0, len(dup_keys), 500):
            chunk = dup_keys[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            counted = tx.rows(
                "SELECT form_id, dup_key, COUNT(DISTINCT org_unit), COUNT(*), MAX(log_index) "
                f"FROM console_records WHERE form_id = ? AND dup_key IN ({marks}) "
                "GROUP BY form_id, dup_key", [form_id, *chunk])
            tx.execute_many("DELETE FROM duplicate_groups WHERE form_id = ? AND dup_key = ?",
                            [[form_id, k] for k in chunk])
            tx.execute_many("INSERT INTO duplicate_groups (form_id, dup_key, org_units, "
                            "records, latest) VALUES (?, ?, ?, ?, ?)",
                            [list(r) for r in counted if r[2] > 1])


@dataclass
class Filters:
    """What the review list (and the export) is narrowed to; empty values mean "any"."""

    city: str = ""
    org_unit: str = ""
    form_id: str = ""
    sector: str = ""
    direction: str = ""
    state: str = ""
    received_from: str = ""
    received_to: str = ""
    q: str = ""
    dup_key: str = ""
    record_ids: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Filters from a request's query string (unknown or oversized values are dropped)."""
        def get(name: str, limit: int = 64) -> str:
            value = query.get(name) or ""
            return value.strip()[:limit]

        def day(name: str) -> str:
            value = get(name, 10)
            return value if DAY.match(value) else ""

        state = get("state")
        return cls(city=get("city"), org_unit=get("org_unit"), form_id=get("form"),
                   sector=get("sector"), direction=get("direction"),
                   state=state if state in STATES else "",
                   received_from=day("from"), received_to=day("to"), q=get("q", 100),
                   dup_key=get("dup_key", 300))

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as query-string items (for links and the export)."""
        pairs = [("city", self.city), ("org_unit", self.org_unit), ("form", self.form_id),
                 ("sector", self.sector), ("direction", self.direction), ("state", self.state),
                 ("from", self.received_from), ("to", self.received_to), ("q", self.q),
                 ("dup_key", self.dup_key)]
        return [(k, v) for k, v in pairs if v]

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (("c.city", self.city), ("c.org_unit", self.org_unit),
                              ("c.form_id", self.form_id), ("c.sector", self.sector),
                              ("c.direction", self.direction), ("c.dup_key", self.dup_key)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.state:
            clauses.append("c.state = ?")
            params.append(self.state)
        if self.received_from:
            clauses.append("c.received_at >= ?")
            params.append(self.received_from)
        if self.received_to:
            # A day, inclusive: everything before the next day's first instant.
            clauses.append("c.received_at < ?")
            params.append(self.received_to + "T99")
        if self.q:
            escaped = (self.q.casefold().replace("\\", "\\\\").replace("%", "\\%")
                       .replace("_", "\\_"))
            clauses.append("(c.search LIKE ? ESCAPE '\\' OR c.title LIKE ? ESCAPE '\\' "
                           "OR c.record_id = ?)")
            params += [f"%{escaped}%", f"%{self.q.replace('%', '')}%", self.q]
        if self.record_ids:
            clauses.append(f"c.record_id IN ({', '.join('?' for _ in self.record_ids)})")
            params += self.record_ids
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


LIST_COLUMNS = ("record_id", "form_id", "org_unit", "city", "sector", "direction", "title",
                "received_at", "first_received_at", "log_index", "state", "return_reason",
                "dup_key")


def list_page(province: Province, filters: Filters, *, after: tuple[int, str] | None = None,
              limit: int = PAGE_SIZE, count: bool = True) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the review list, newest first, and the number of matches (if asked; for a
    search, at most :data:`SEARCH_COUNT_CAP` + 1, meaning "more than the cap").

    Paging is by key (``after`` = the last row's log index and record id), so page 1,000 is
    as quick as page 1.
    """
    where, params = filters.where()
    keyset = ""
    page_params = list(params)
    if after is not None:
        keyset = (" AND " if where else " WHERE ") + "(c.log_index, c.record_id) < (?, ?)"
        page_params += [after[0], after[1]]
    sql = (f"SELECT c.record_id, c.form_id, c.org_unit, c.city, c.sector, c.direction, c.title, "
           f"c.received_at, c.first_received_at, c.log_index, c.state, r.return_reason, "
           f"c.dup_key {FROM_SQL}{where}{keyset} ORDER BY c.log_index DESC, c.record_id DESC "
           "LIMIT ?")
    count_from = "FROM console_records c"

    def work(tx: Tx) -> tuple[list[dict[str, Any]], int | None]:
        if len(filters.q) >= 3 and tx.dialect == "postgres":
            # PostgreSQL cannot tell how rare a Chinese substring is, and would rather read
            # the list backwards or every record than ask the trigram index (see schema.py)
            # which records hold it; within this read, it asks the index. (A term of one or
            # two characters holds no trigram: the index cannot help, reading can stop early.)
            tx.execute("SET LOCAL enable_seqscan = off")
            tx.execute("SET LOCAL enable_indexscan = off")
        rows = tx.rows(sql, [*page_params, limit])
        if not count:
            total = None
        elif filters.q:
            # A search counts its matches up to a limit: counting 30,000 matches of a common
            # word means reading them all, and "more than 1,000" says as much to a reviewer.
            total = int(tx.scalar(f"SELECT COUNT(*) FROM (SELECT 1 {count_from}{where} "
                                  "LIMIT ?) found", [*params, SEARCH_COUNT_CAP + 1]))
        else:
            total = int(tx.scalar(f"SELECT COUNT(*) {count_from}{where}", params))
        return [dict(zip(LIST_COLUMNS, r, strict=True)) for r in rows], total

    return province.db.run(work, write=False)


def iter_matches(province: Province, filters: Filters,
                 batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every matching record with its current data, page by page (for the export)."""
    after: tuple[int, str] | None = None
    while True:
        rows, _ = list_page(province, filters, after=after, limit=batch, count=False)
        if not rows:
            return
        ids = [r["record_id"] for r in rows]
        marks = ", ".join("?" for _ in ids)
        sql = ("SELECT r.record_id, v.data FROM records r JOIN record_versions v "
               f"ON v.version_id = r.current_version_id WHERE r.record_id IN ({marks})")

        def read(tx: Tx, sql: str = sql, ids: list[str] = ids) -> list[Row]:
            return tx.rows(sql, ids)

        data: dict[str, str] = dict(province.db.run(read, write=False))
        for row in rows:
            row["data"] = json.loads(data[row["record_id"]])
            yield row
        last = rows[-1]
        after = (int(last["log_index"]), str(last["record_id"]))


def record_state(province: Province, record_id: str) -> dict[str, Any] | None:
    """A record's header: org unit, form, current version, review state, last return."""
    row = province.db.run(lambda tx: tx.one(
        f"SELECT r.record_id, r.org_unit, r.form_id, r.current_version_id, {STATE_SQL}, "
        "r.return_reason, r.returned_at, rv.actor, rv.at, c.title, c.city, c.dup_key "
        "FROM records r LEFT JOIN reviews rv ON rv.record_id = r.record_id "
        "LEFT JOIN console_records c ON c.record_id = r.record_id WHERE r.record_id = ?",
        [record_id]), write=False)
    if row is None:
        return None
    keys = ("record_id", "org_unit", "form_id", "current_version_id", "state", "return_reason",
            "returned_at", "reviewed_by", "reviewed_at", "title", "city", "dup_key")
    return dict(zip(keys, row, strict=True))


def versions(province: Province, record_id: str) -> list[dict[str, Any]]:
    """Every version of a record, oldest first, with the batch that brought it."""
    rows = province.db.run(lambda tx: tx.rows(
        "SELECT v.version_id, v.form_id, v.form_version, v.status, v.data, v.content_hash, "
        "v.batch_id, v.device_id, v.received_at, b.log_index, b.sequence, b.batch_hash "
        "FROM record_versions v JOIN batches b ON b.batch_id = v.batch_id "
        "WHERE v.record_id = ? ORDER BY b.log_index, v.version_id", [record_id]), write=False)
    keys = ("version_id", "form_id", "form_version", "status", "data", "content_hash",
            "batch_id", "device_id", "received_at", "log_index", "sequence", "batch_hash")
    out = []
    for r in rows:
        item = dict(zip(keys, r, strict=True))
        item["data"] = json.loads(item["data"])
        out.append(item)
    return out
