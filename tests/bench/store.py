"""Saving, validating, searching and paging in the office store, against plain SQLite.

Everything runs through ``RecordService`` with the office's own checker (forms engine,
duplicate keys, search indexes): the path a clerk's save takes. The encrypted office and
its plain copy (the same rows, decrypted) are measured in turn, interleaved, together with
the floors: one row inserted and committed into a small table, by SQLite and by SQLCipher,
with the store's own settings.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.store.connection import open_database, write_transaction
from desktop.store.office import Office
from tests.bench.data import PASS, enterprise, plain_copy
from tests.bench.report import interleaved, timed

SAVES = 60
ROW = "x" * 600  # about one record's JSON


class _Floor:
    """A bare insert + commit, into its own file, with the store's settings (WAL, full sync)."""

    def __init__(self, path: Path, key: bytes | None) -> None:
        self.db = open_database(path, key)
        self.db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, data TEXT NOT NULL)")
        self.n = itertools.count()

    def insert(self) -> None:
        with write_transaction(self.db):
            self.db.execute("INSERT INTO t (id, data) VALUES (?, ?)", [next(self.n), ROW])


def measure(office: Office, n: int, work: Path) -> dict[str, float]:
    """Milliseconds per operation on ``office`` (holding ``n`` records) and its plain copy."""
    plain = Office.unlock(plain_copy(office, work / "plain"), None, PASS)
    enc_floor, plain_floor = _Floor(work / "floor-enc.db", os.urandom(32)), _Floor(work / "floor-plain.db", None)
    try:
        enc = RecordService(office, default_checker(office.paths.root))
        clear = RecordService(plain, default_checker(plain.paths.root))
        fresh = itertools.count(10_000_000 + n * 10)
        result = interleaved({
            "save": lambda: enc.add("enterprise", enterprise(next(fresh))),
            "save_plain": lambda: clear.add("enterprise", enterprise(next(fresh))),
            "check": lambda: enc.check("enterprise", enterprise(next(fresh)), final=True),
            "floor_cipher": enc_floor.insert,
            "floor_plain": plain_floor.insert,
        }, SAVES)
        result.update(_reads(enc))
    finally:
        plain.close()
        enc_floor.db.close()
        plain_floor.db.close()
    return {k: v * 1000 for k, v in result.items()}


def _reads(service: RecordService) -> dict[str, float]:
    """First pages of searches and of a list, newest first (what a list shows first)."""
    deep = _row_at(service, 0.9)

    def trigram() -> None:
        service.db.execute("SELECT rowid FROM record_search WHERE record_search MATCH ? LIMIT 50",
                           ['"量子通信"']).fetchall()

    searches = interleaved({
        "search1": lambda: service.query(search="量", limit=50),
        "search2": lambda: [service.query(search=t, limit=50) for t in ("量子", "芯片", "储能")],
        "search4": lambda: service.query(search="量子通信", limit=50),
        "floor_trigram": trigram,
        "page_deep": lambda: service.query(form="enterprise", limit=50, after=deep),
    }, 15)
    searches["search2"] /= 3
    searches["count2"] = timed(lambda: service.count(search="储能"), repeat=3)
    return searches


def _row_at(service: RecordService, depth: float) -> dict:
    total = service.count(form="enterprise")
    row = service.db.execute(
        "SELECT * FROM records WHERE form_id = 'enterprise' ORDER BY updated_at DESC, record_id DESC LIMIT 1 OFFSET ?",
        [int(total * depth)],
    )
    names = [d[0] for d in row.description]
    return dict(zip(names, row.fetchone(), strict=True))
