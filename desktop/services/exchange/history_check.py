"""Rebuild an office's state from its exported history, in constant memory.

Every version's content hash and the whole hash chain are recomputed; the result (each
record's current version, status and last change) goes into a throw-away SQLite index on
disk, against which the record files and tables are then checked. Nothing is kept in Python
memory per record, so 100,000 records cost what 100 do.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop.services.exchange.report import VerifyReport
from desktop.store.chain import entry_hash, genesis_hash
from forms.canonical import content_hash

MAX_LINE = 64 << 20

SCHEMA = """
CREATE TABLE versions (version_id TEXT PRIMARY KEY, record_id TEXT, form_id TEXT,
                       form_version INTEGER, number INTEGER, org_unit TEXT, content_hash TEXT);
CREATE TABLE state (record_id TEXT PRIMARY KEY, version_id TEXT, status TEXT, at TEXT,
                    reason TEXT, form_id TEXT, seen INTEGER NOT NULL DEFAULT 0);
CREATE TABLE accepted (version_id TEXT PRIMARY KEY);
"""


def open_index() -> sqlite3.Connection:
    """A private temporary database on disk (SQLite deletes it when closed)."""
    db = sqlite3.connect("", isolation_level=None)
    db.execute("PRAGMA cache_size = -16000")
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    return db


def jsonl(folder: Path, rel: str, report: VerifyReport) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of a JSON Lines file with their line numbers; bad lines are reported."""
    try:
        fh = open(folder / rel, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return  # reported as missing by the file check
    with fh:
        n = 0
        while line := fh.readline(MAX_LINE + 1):
            n += 1
            if len(line) > MAX_LINE:
                report.add(f"{rel}:{n}", "该行过长", "line too long")
                while line and not line.endswith(b"\n"):  # skip the rest of it, a chunk at a time
                    line = fh.readline(MAX_LINE)
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not an object")
            except ValueError:
                report.add(f"{rel}:{n}", "该行不是合法 JSON 对象", "line is not a JSON object")
                continue
            yield n, row


def check_versions(folder: Path, db: sqlite3.Connection, report: VerifyReport) -> int:
    """Each version's content hash; index them by id. Returns how many there are."""
    count = 0
    for n, v in jsonl(folder, "history/versions.jsonl", report):
        vid = v.get("version_id")
        try:
            ok = isinstance(vid, str) and content_hash(v["form_id"], v["form_version"], v["data"]) == v["content_hash"]
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            report.add(f"history/versions.jsonl:{n}（版本 {vid}）", "内容与其哈希不符", "content does not match its hash")
            continue
        try:
            db.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [vid, str(v.get("record_id")), str(v["form_id"]), v["form_version"], v.get("number"),
                        str(v.get("org_unit")), v["content_hash"]])
        except sqlite3.IntegrityError:
            report.add(f"history/versions.jsonl:{n}（版本 {vid}）", "版本重复出现", "version appears twice")
        count += 1
    return count


def check_chain(folder: Path, db: sqlite3.Connection, office_id: str, attested: dict[str, Any] | None,
                report: VerifyReport) -> tuple[int, str]:
    """Walk the hash chain from genesis; keep each record's last entry as its state.

    ``attested`` is the history head the province signed back ({seq, hash}): the chain must
    pass through exactly that entry, or the history before it was rewritten.
    """
    prev = genesis_hash(office_id)
    seq = 0
    attested_seen = attested is None or attested.get("seq") == 0
    for n, h in jsonl(folder, "history/chain.jsonl", report):
        seq += 1
        where = f"history/chain.jsonl:{n}（记录 {h.get('record_id')}）"
        row = db.execute("SELECT content_hash, form_id FROM versions WHERE version_id = ?", [h.get("version_id")]).fetchone()
        try:
            digest = entry_hash(dict(h, content_hash=row[0] if row else None))
        except (KeyError, TypeError, ValueError):
            digest = ""
        if h.get("seq") != seq or h.get("prev_hash") != prev or digest != h.get("entry_hash"):
            report.add(where, "历史链断开：条目被改动、删除或重排", "history chain broken: entry altered, removed or reordered")
            return seq, prev
        if row is None and h.get("version_id") is not None:
            report.add(where, "历史条目指向不存在的版本", "history entry names a version that is not exported")
        prev = str(h["entry_hash"])
        if attested is not None and seq == attested.get("seq"):
            attested_seen = True
            if prev != attested.get("hash"):
                report.add(where, f"历史在省里签回其末端（第 {seq} 条）之后被改写",
                           f"history was rewritten after the province signed its head back (entry {seq})")
        detail = _detail(h.get("detail"))
        db.execute("INSERT OR REPLACE INTO state (record_id, version_id, status, at, reason, form_id) VALUES (?, ?, ?, ?, ?, ?)",
                   [h.get("record_id"), h.get("version_id"), h.get("status"), h.get("at"), detail.get("reason"),
                    row[1] if row else None])
    if not attested_seen:
        seq_attested = attested.get("seq") if attested else "?"
        report.add("history/chain.jsonl", f"历史在省里签回其末端（第 {seq_attested} 条）之后被改写或截短",
                   f"history was rewritten after the province signed its head back (entry {seq_attested}): it is shorter now")
    return seq, prev


def _detail(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def check_record_row(db: sqlite3.Connection, form_id: str, row: dict[str, Any], where: str, report: VerifyReport) -> bool:
    """A row of ``records/<form>.jsonl`` against the rebuilt state; marks the record as seen."""
    rid = row.get("record_id")
    state = db.execute("SELECT version_id, status, at, reason, seen FROM state WHERE record_id = ?", [rid]).fetchone()
    version = db.execute("SELECT form_id, form_version, number, org_unit, content_hash FROM versions WHERE version_id = ?",
                         [row.get("version_id")]).fetchone()
    if state is None or version is None:
        report.add(where, "记录不在导出的版本历史中", "record is not in the exported history")
        return False
    ok = True
    if state[4]:
        report.add(where, "同一记录出现两次", "record appears twice")
        ok = False
    db.execute("UPDATE state SET seen = seen + 1 WHERE record_id = ?", [rid])
    if row.get("version_id") != state[0]:
        report.add(where, "显示的不是该记录的当前版本（历史中最后一个版本）", "shown version is not the record's current one in the history")
        return False
    try:
        hashed = content_hash(form_id, row["form_version"], row["data"])
    except (KeyError, TypeError, ValueError):
        hashed = ""
    expected = (form_id, version[1], version[2], version[3], version[4], state[1], state[2], state[3])
    actual = (row.get("form_id"), row.get("form_version"), row.get("number"), row.get("org_unit"), hashed,
              row.get("status"), row.get("updated_at"), row.get("status_reason"))
    if expected != actual or row.get("content_hash") != version[4]:
        report.add(where, "记录内容、状态或时间与其版本历史不符", "record's data, status or time differs from its history")
        ok = False
    return ok


def check_record_counts(db: sqlite3.Connection, forms: list[str], since: str | None, seen: dict[str, int],
                        manifest_counts: dict[str, Any], report: VerifyReport) -> None:
    """Every record the history says the export must hold is there, and the counts agree."""
    for form_id in forms:
        params: list[Any] = [form_id]
        clause = ""
        if since:
            clause = " AND at >= ?"
            params.append(since)
        expected = db.execute(f"SELECT count(*) FROM state WHERE form_id = ?{clause}", params).fetchone()[0]
        missing = [r[0] for r in db.execute(f"SELECT record_id FROM state WHERE form_id = ?{clause} AND seen = 0 LIMIT 20", params)]
        rel = f"records/{form_id}.jsonl"
        for rid in missing:
            report.add(f"{rel}（记录 {rid}）", "历史中有此记录，导出中却缺少", "record is in the history but missing from the export")
        if seen.get(form_id, 0) != expected:
            report.add(rel, f"记录数 {seen.get(form_id, 0)}，按历史应为 {expected}",
                       f"{seen.get(form_id, 0)} records, the history says {expected}")
        if manifest_counts.get(form_id) != expected:
            report.add("manifest.json", f"清单记载的“{form_id}”记录数 {manifest_counts.get(form_id)} 与历史算出的 {expected} 不符",
                       f"manifest says {manifest_counts.get(form_id)} {form_id} records, the history gives {expected}")
