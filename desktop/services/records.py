"""Records: immutable versions, a status lifecycle and a hash-chained history.

Every write is one job on the office's writer (one ``BEGIN IMMEDIATE`` transaction) that
appends the version, the history entry and the search text together, so a crash leaves
all of it or none of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from desktop.errors import InvalidInput
from desktop.services import new_records
from desktop.services.checking import Checked, RecordChecker
from desktop.store.chain import append_history
from desktop.store.clock import utc_now
from desktop.store.connection import read_snapshot
from desktop.store.ids import new_id
from desktop.store.keys import replace_keys
from desktop.store.office import Office
from desktop.store.search import Terms, first_in_window, index_text, search_terms
from desktop.store.versions import declare_final
from desktop.vocabulary import STATUSES as STATUS_WORDS
from forms.canonical import canonical_json, content_hash

STATUSES = ("draft", "final", "queued", "synced", "returned")
STATUS_ZH = {code: words[0] for code, words in STATUS_WORDS.items()}
# Status changes that are not edits. An edit makes a new version from any status.
TRANSITIONS: dict[str, set[str]] = {
    "draft": {"final"},
    "final": {"queued", "draft"},
    "queued": {"synced", "returned", "final"},
    "synced": {"returned"},
    "returned": set(),
}
MAX_RECORD_BYTES = 4 * 1024 * 1024


class RecordNotFound(InvalidInput):
    def __init__(self, record_id: str) -> None:
        super().__init__(f"找不到记录 {record_id}。", f"No record with id {record_id}.")


class RecordInvalid(InvalidInput):
    """The record failed validation; ``problems`` lists every field-level problem."""

    def __init__(self, problems: list[dict[str, Any]], blocking: list[dict[str, Any]] | None = None) -> None:
        errors = blocking if blocking is not None else [p for p in problems if p["severity"] == "error"]
        super().__init__(
            # Each message begins with its field's label ("统一社会信用代码：…"): no field ids.
            "记录未通过校验：" + "".join(p["message_zh"] for p in errors),
            "The record is not valid: " + " ".join(p["message_en"] for p in errors),
        )
        self.problems = problems


@dataclass(frozen=True)
class SavedVersion:
    record_id: str
    version_id: str
    number: int
    status: str
    content_hash: str
    warnings: list[dict[str, Any]]


class RecordService:
    """Add, edit, finalize and read records as the signed-in user of an office."""

    def __init__(self, office: Office, checker: RecordChecker) -> None:
        self.office = office
        self.db = office.db
        self.checker = checker.bind(office.db)

    # -- writing ------------------------------------------------------------------
    # The saving itself is a job for the office's writer (``office.write`` waits for it;
    # the GUI submits the ``*_job`` forms). Every save (``add_many``, ``save_job``: ``add``,
    # ``edit``, the editor) checks inside that job, through the writer's connection: the
    # duplicate checks and the insert are one transaction, so two saves of the same
    # enterprise at once (two commands, a command and the app) cannot both pass, and the
    # lookups read pages the writer keeps cached. A reader loses its whole page cache
    # whenever another connection commits, so a check made on one after each save read
    # every page again (at 100,000 records, about half of a save's time).
    def add(self, form_id: str, data: Any, *, final: bool = False) -> SavedVersion:
        """Create a record with its first version (draft, or final when asked)."""
        return self.add_many(form_id, [data], final=final)[0]

    def add_many(self, form_id: str, items: Iterable[Any], *, final: bool = False) -> list[SavedVersion]:
        """Create several records in one transaction: all are saved, or none."""
        return self.office.write(self._new_job(form_id, list(items), None, final=final))

    def _new_job(self, form_id: str, items: list[Any], form_version: int | None, *,
                 final: bool) -> Callable[[Any], list[SavedVersion]]:
        def job(db: Any) -> list[SavedVersion]:
            checker = self.checker.bind(db)
            checked = [self._check(form_id, data, form_version, record_id=None, final=final, checker=checker)
                       for data in items]
            return self._write_new(db, self.prepare_new(checked, final=final))

        return job

    def edit(self, record_id: str, data: Any, *, final: bool = False) -> SavedVersion:
        """Append a new version of ``record_id``; its status goes back to draft unless final."""
        return self.office.write(self.save_job("", data, final=final, record_id=record_id))

    def save_job(self, form_id: str, data: Any, *, final: bool, form_version: int | None = None,
                 record_id: str | None = None) -> Callable[[Any], SavedVersion]:
        """The writer job checking ``data`` and saving it, in one transaction: a new record of
        ``form_id`` (and ``form_version``), or a new version of ``record_id`` (under its own
        form and version). Raises ``RecordInvalid`` when something blocks the save, as a
        duplicate saved since the editor last checked."""

        if record_id is None:
            new = self._new_job(form_id, [data], form_version, final=final)
            return lambda db: new(db)[0]

        def job(db: Any) -> SavedVersion:
            current = _row(db, "SELECT form_id, form_version FROM records WHERE record_id = ?", [record_id])
            if current is None:
                raise RecordNotFound(record_id)
            checked = self._check(current["form_id"], data, current["form_version"], record_id=record_id, final=final,
                                  checker=self.checker.bind(db))
            return self._append_version(db, record_id, checked, "final" if final else "draft", "edit")

        return job

    def _append_version(self, db: Any, record_id: str, checked: Checked, status: str, event: str) -> SavedVersion:
        # Inside the writer's transaction, so the version number read here is the one the
        # new version gets.
        current = _row(db, "SELECT version_count FROM records WHERE record_id = ?", [record_id])
        if current is None:
            raise RecordNotFound(record_id)
        now = utc_now()
        number = current["version_count"] + 1
        version = self._insert_version(db, record_id, number, checked, status, now)
        db.execute(
            "UPDATE records SET form_version = ?, status = ?, status_reason = NULL, title = ?, sector = ?, "
            "direction = ?, current_version_id = ?, version_count = ?, updated_at = ? WHERE record_id = ?",
            [checked.form_version, status, checked.title, checked.sector, checked.direction,
             version["version_id"], number, now, record_id],
        )
        rowid = db.execute("SELECT rowid FROM records WHERE record_id = ?", [record_id]).fetchone()[0]
        _index(db, rowid, record_id, checked, new=False)
        append_history(db, record_id, version["version_id"], event, status, self.office.user, now, {}, version["content_hash"])
        return SavedVersion(record_id, version["version_id"], number, status, version["content_hash"], checked.warnings)

    def finalize(self, record_id: str) -> SavedVersion:
        """Make a draft final (ready to sync): check it once more as final and save it as a
        final version, so that what reaches the province declares the status it has.

        The new version carries the draft's data as the forms engine normalises it today
        (normally the very same bytes and content hash); the draft version stays as it was.
        """
        current = self.get(record_id)
        if "final" not in TRANSITIONS.get(current["status"], set()):
            raise InvalidInput(
                f"只有草稿可以定稿；此记录当前为“{STATUS_ZH.get(current['status'], current['status'])}”。",
                f"Only a draft can be made final; this record is '{current['status']}'.",
            )
        data = json.loads(self.version(current["current_version_id"])["data"])
        checked, blocking = self.check(current["form_id"], data, final=True, form_version=current["form_version"],
                                       record_id=record_id, warnings=False)
        if blocking:
            raise RecordInvalid(checked.problems, blocking)
        checked_version = current["current_version_id"]

        def job(db: Any) -> SavedVersion:
            # The check above read the store outside the writer; a save, a sync or another
            # window's 定稿 may have come in between. Only the draft that was checked is
            # made final, once.
            now = _row(db, "SELECT status, current_version_id FROM records WHERE record_id = ?", [record_id])
            if now is None:
                raise RecordNotFound(record_id)
            if now["current_version_id"] != checked_version or "final" not in TRANSITIONS.get(now["status"], set()):
                raise InvalidInput(
                    "此记录刚刚被更改（另一处保存、定稿或同步），这次定稿没有执行；请重新打开记录后再定稿。",
                    "The record changed just now (saved, made final or synced elsewhere); it was not made "
                    "final. Open it again and make it final then.",
                )
            return self._append_version(db, record_id, checked, "final", "finalize")

        return self.office.write(job)

    def set_status(self, record_id: str, status: str, *, reason: str | None = None, actor: str | None = None) -> None:
        """Move a record along its lifecycle; refused when the step is not allowed."""
        self.office.write(self.status_job(record_id, status, reason=reason, actor=actor))

    def status_job(self, record_id: str, status: str, *, reason: str | None = None,
                   actor: str | None = None) -> Callable[[Any], None]:
        """The writer job of ``set_status``."""
        who = actor or self.office.user
        return lambda db: change_status(db, record_id, status, reason=reason, actor=who)

    def check(self, form_id: str, data: Any, *, final: bool, form_version: int | None = None,
              record_id: str | None = None, warnings: bool = True,
              checker: RecordChecker | None = None) -> tuple[Checked, list[dict[str, Any]]]:
        """Validate without saving: the checked record and the problems that block saving it.

        ``warnings=False`` skips checks that can only warn (similar names), for marking
        already saved drafts final, where only what blocks matters. ``checker`` is one bound
        to another connection (the writer's, inside a save); by default the service's own.
        """
        if _json_size(data) > MAX_RECORD_BYTES:
            too_big = {"path": "", "code": "too_large", "message_zh": "记录太大（超过 4 MB）。",
                       "message_en": "The record is too large (over 4 MB).", "severity": "error"}
            return Checked(str(form_id), form_version or 0, None, [too_big]), [too_big]
        checked = (checker or self.checker).check(form_id, data, form_version, exclude_record=record_id, similar=warnings)
        errors = [p for p in checked.problems if p["severity"] == "error"]
        # Drafts may be incomplete (that is what a draft is for) but never malformed.
        blocking = errors if final else [p for p in errors if p["code"] not in self.checker.draft_tolerated]
        return checked, blocking

    def _check(self, form_id: str, data: Any, form_version: int | None, *, record_id: str | None, final: bool,
               checker: RecordChecker | None = None) -> Checked:
        checked, blocking = self.check(form_id, data, final=final, form_version=form_version, record_id=record_id,
                                       checker=checker)
        if blocking:
            raise RecordInvalid(checked.problems, blocking)
        return checked

    def add_checked(self, checked_items: list[Checked], *, final: bool) -> list[SavedVersion]:
        """Save records already checked with ``check`` (imports), in one transaction."""
        return self.office.write(self.add_prepared_job(self.prepare_new(checked_items, final=final)))

    def prepare_new(self, checked_items: list[Checked], *, final: bool) -> new_records.NewRecords:
        """The part of saving checked records as new that needs no database (``new_records``)."""
        status = "final" if final else "draft"
        return new_records.prepare(checked_items, status, org_unit=self.office.org_unit, user=self.office.user)

    def add_prepared_job(self, prepared: new_records.NewRecords) -> Callable[[Any], list[SavedVersion]]:
        """The writer job saving records made ready by ``prepare_new``, in its transaction."""
        return lambda db: self._write_new(db, prepared)

    @staticmethod
    def _write_new(db: Any, prepared: new_records.NewRecords) -> list[SavedVersion]:
        return [SavedVersion(r.record_id, r.version_id, 1, prepared.status, r.content_hash, r.checked.warnings)
                for r, _at in new_records.write(db, prepared)]

    def _insert_version(self, db: Any, record_id: str, number: int, checked: Checked, status: str, now: str) -> dict[str, Any]:
        version_id = new_id()
        digest = content_hash(checked.form_id, checked.form_version, checked.data)
        row = {
            "version_id": version_id,
            "record_id": record_id,
            "number": number,
            "form_id": checked.form_id,
            "form_version": checked.form_version,
            "org_unit": self.office.org_unit,
            "status": status,
            "author": self.office.user,
            "created_at": now,
            "data": canonical_json(checked.data).decode("utf-8"),
            "content_hash": digest,
        }
        _insert(db, "versions", row)
        return row

    # -- reading ------------------------------------------------------------------
    def get(self, record_id: str) -> dict[str, Any]:
        row = _row(self.db, "SELECT * FROM records WHERE record_id = ?", [str(record_id)])
        if row is None:
            raise RecordNotFound(str(record_id))
        return row

    def version(self, version_id: str) -> dict[str, Any]:
        row = _row(self.db, "SELECT * FROM versions WHERE version_id = ?", [version_id])
        if row is None:
            raise RecordNotFound(version_id)
        return row

    def show(self, record_id: str, *, history: bool = False) -> dict[str, Any]:
        """What ``record show --json`` prints: the record, its current data and content hash,
        and with ``history`` every version (data decoded) and history entry."""
        record = self.get(record_id)
        current = self.version(record["current_version_id"])
        result = dict(record, data=json.loads(current["data"]), content_hash=current["content_hash"])
        if history:
            result["versions"] = [dict(v, data=json.loads(v["data"])) for v in self.versions(record_id)]
            result["history"] = self.history(record_id)
        return result

    def current_data(self, record_id: str) -> dict[str, Any]:
        return json.loads(self.version(self.get(record_id)["current_version_id"])["data"])

    def versions(self, record_id: str) -> list[dict[str, Any]]:
        self.get(record_id)
        return _rows(self.db, "SELECT * FROM versions WHERE record_id = ? ORDER BY number", [record_id])

    def history(self, record_id: str) -> list[dict[str, Any]]:
        self.get(record_id)
        return _rows(self.db, "SELECT * FROM history WHERE record_id = ? ORDER BY seq", [record_id])

    def query(
        self,
        *,
        form: str | None = None,
        status: str | None = None,
        search: str | None = None,
        sector: str | None = None,
        direction: str | None = None,
        limit: int | None = None,
        after: dict[str, Any] | None = None,
        order: str = "updated_at DESC",
    ) -> list[dict[str, Any]]:
        """Record summaries, newest first, filtered; ``search`` finds Chinese substrings.

        Pages are by keyset: pass the last row of one page as ``after`` to get the next, so
        page 500 costs what page 1 does (an offset would walk every row before it).
        """
        if order not in ORDERS:
            raise InvalidInput("不支持的排序方式。", f"Unsupported sort order {order!r}.")
        column, direction_word = order.split()
        first_rows = limit is not None
        terms = search_terms(self.db, search, first_rows=first_rows)
        # A rare term drives the query (its few matches, sorted): the filters must then not
        # pick an index of their own, or SQLite walks every record of the form instead.
        where, params = self._filters(form, status, sector, direction, indexed=terms.driver is None)
        if after is not None:
            seek, seek_params = _after_clause(column, direction_word, after)
            where = f"{where} AND {seek}" if where else f"WHERE {seek}"
            params += seek_params
        ordered = f"ORDER BY {column} {direction_word}, record_id {direction_word}"
        if first_rows and terms.sql and terms.driver is None:
            # Several statements: one snapshot, so a save between them cannot mix two states.
            with read_snapshot(self.db):
                found = first_in_window(self.db, f"SELECT rowid FROM records {where} {ordered} LIMIT ?", params,
                                        terms, int(limit or 0))
                if found is not None:
                    marks = ",".join("?" * len(found))
                    return _rows(self.db, f"SELECT * FROM records WHERE rowid IN ({marks}) {ordered}", found)
        where, params = _with_terms(where, params, terms, first_rows=first_rows)
        sql = f"SELECT * FROM records {where} {ordered}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return _rows(self.db, sql, params)

    def count(self, **filters: Any) -> int:
        """How many records match; by form, status and sector alone it is read from the kept counts."""
        if not filters.get("search") and not filters.get("direction"):
            clauses = [f"{column} = ?" for column in ("form_id", "status", "sector") if filters.get(_FILTER[column])]
            params = [filters[_FILTER[column]] for column in ("form_id", "status", "sector") if filters.get(_FILTER[column])]
            where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
            return int(self.db.execute(f"SELECT ifnull(sum(n), 0) FROM record_counts {where}", params).fetchone()[0])
        where, params = self._filters(filters.get("form"), filters.get("status"), filters.get("sector"),
                                      filters.get("direction"))
        where, params = _with_terms(where, params, search_terms(self.db, filters.get("search"), first_rows=False),
                                    first_rows=False)
        return int(self.db.execute(f"SELECT count(*) FROM records {where}", params).fetchone()[0])

    def counts_by(self, column: str) -> dict[str | None, int]:
        """Records per form, status or sector (None for records without a sector)."""
        if column not in _FILTER:
            raise ValueError(column)
        rows = self.db.execute(f"SELECT {column}, sum(n) FROM record_counts GROUP BY {column} HAVING sum(n) > 0")
        return {(key if key != "" or column != "sector" else None): int(n) for key, n in rows}

    def _filters(self, form: str | None, status: str | None, sector: str | None,
                 direction: str | None, *, indexed: bool = True) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        unary = "" if indexed else "+"  # "+column" keeps SQLite from choosing an index on it
        for column, value in (("form_id", form), ("status", status), ("sector", sector), ("direction", direction)):
            if value:
                clauses.append(f"{unary}{column} = ?")
                params.append(value)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _with_terms(where: str, params: list[Any], terms: Terms, *, first_rows: bool) -> tuple[str, list[Any]]:
    clauses, term_params = terms.clauses(first_rows=first_rows)
    if not clauses:
        return where, params
    joined = " AND ".join(clauses)
    return (f"{where} AND {joined}" if where else f"WHERE {joined}"), [*params, *term_params]


def change_status(db: Any, record_id: str, status: str, *, reason: str | None, actor: str, event: str = "status") -> None:
    """Change a record's status inside the caller's write transaction, with its history entry.

    A record made final whose current version is still a draft version gets a final version
    first (the same data, bytes and content hash): a final record always shows a version
    that declares itself final, which is what the outbox sends.
    """
    current = _row(db, "SELECT status, current_version_id FROM records WHERE record_id = ?", [record_id])
    if current is None:
        raise RecordNotFound(record_id)
    if status != current["status"] and status not in TRANSITIONS.get(current["status"], set()):
        raise InvalidInput(
            f"记录状态不能从“{STATUS_ZH.get(current['status'], current['status'])}”变为“{STATUS_ZH.get(status, status)}”。",
            f"A record cannot go from '{current['status']}' to '{status}'.",
        )
    now = utc_now()
    version = _row(db, "SELECT * FROM versions WHERE version_id = ?", [current["current_version_id"]])
    assert version is not None  # a record's current version always exists
    if status == "final" and version["status"] != "final":
        version = declare_final(db, version, actor, now)
        event = "finalize"
    db.execute(
        "UPDATE records SET status = ?, status_reason = ?, updated_at = ? WHERE record_id = ?",
        [status, reason, now, record_id],
    )
    detail = {"reason": reason} if reason else {}
    append_history(db, record_id, version["version_id"], event, status, actor, now, detail, version["content_hash"])


ORDERS = {
    "updated_at DESC", "updated_at ASC", "title ASC", "title DESC", "status ASC", "status DESC",
    "created_at DESC", "created_at ASC", "sector ASC", "sector DESC",
}


NULLABLE_ORDERS = {"sector"}
# The kept counts' columns, and the filter that names each.
_FILTER = {"form_id": "form", "status": "status", "sector": "sector"}


def _after_clause(column: str, direction: str, after: dict[str, Any]) -> tuple[str, list[Any]]:
    """The rows that come after ``after`` in ``ORDER BY column direction, record_id direction``.

    SQLite sorts NULL first, so for a column that may be NULL the NULL rows open an
    ascending list and close a descending one.
    """
    value, record_id = after.get(column), after.get("record_id")
    op = ">" if direction == "ASC" else "<"
    if column not in NULLABLE_ORDERS:
        return f"({column}, record_id) {op} (?, ?)", [value, record_id]
    if value is None:
        if direction == "ASC":
            return f"(({column} IS NULL AND record_id > ?) OR {column} IS NOT NULL)", [record_id]
        return f"({column} IS NULL AND record_id < ?)", [record_id]
    tail = "" if direction == "ASC" else f" OR {column} IS NULL"
    return f"(({column}, record_id) {op} (?, ?){tail})", [value, record_id]


def _rows(db: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    # Reads go through a plain cursor: sqlite-utils' query() wraps each in a SAVEPOINT,
    # which costs as much as a small query and, inside a write, makes every FTS5 table
    # flush a new segment.
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _row(db: Any, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = _rows(db, sql, params)
    return rows[0] if rows else None


def _index(db: Any, rowid: int, record_id: str, checked: Checked, *, new: bool) -> None:
    # Search text and duplicate keys change with the version, in its transaction.
    index_text(db, rowid, record_id, checked.search_text, new=new)
    replace_keys(db, record_id, checked.form_id, checked.keys, new=new)


def _insert(db: Any, table: str, row: dict[str, Any]) -> int:
    """Insert ``row`` into ``table``; its rowid."""
    # Plain INSERT: sqlite-utils' insert() re-reads the table's schema on every call,
    # which dominates single-record saves.
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    return int(db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())).lastrowid)


def _json_size(data: Any) -> int:
    """Bytes of ``data`` as canonical JSON (0 when it is not JSON: validation says why)."""
    try:
        return len(canonical_json(data))
    except (TypeError, ValueError):
        return 0
