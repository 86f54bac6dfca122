"""``check``: prove the store is whole, or name the first broken thing.

Order matters: SQLCipher's per-page HMACs first (any flipped byte in the file), then
SQLite's own structure, then our content hashes and the history chain, then that the
records table agrees with the history it summarises.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import sqlite_utils

from desktop.errors import NotInitialised, StoreDamaged
from desktop.paths import OfficePaths
from desktop.store.chain import entry_hash, genesis_hash
from desktop.store.connection import DatabaseError, open_database
from desktop.store.keyslots import KeySlots
from forms.canonical import content_hash

PAGE_TABLES = ("meta", "users", "records", "versions", "history", "record_search", "_migrations")


@dataclass
class CheckReport:
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, zh: str, en: str) -> None:
        self.problems.append((zh, en))


def check_database(db: sqlite_utils.Database, encrypted: bool) -> CheckReport:
    """Run every check; stop early only where later checks could not be trusted."""
    report = CheckReport()
    if encrypted:
        _check_pages(db, report)
        if not report.ok:
            _name_unreadable_tables(db, report)
            return report
    try:
        rows = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    except DatabaseError as exc:
        report.add(f"SQLite 结构检查失败：{exc}", f"SQLite structure check failed: {exc}")
        _name_unreadable_tables(db, report)
        return report
    if rows != ["ok"]:
        for line in rows[:10]:
            report.add(f"SQLite 结构错误：{line}", f"SQLite structure error: {line}")
        return report
    try:
        _check_versions(db, report)
        _check_chain(db, report)
        _check_records(db, report)
    except DatabaseError as exc:
        report.add(f"读取数据时出错：{exc}", f"error while reading data: {exc}")
    return report


def _check_pages(db: sqlite_utils.Database, report: CheckReport) -> None:
    try:
        rows = db.execute("PRAGMA cipher_integrity_check").fetchall()
    except DatabaseError as exc:
        report.add(f"加密页校验无法完成：{exc}", f"encrypted page check could not run: {exc}")
        return
    for (line,) in rows[:10]:
        report.add(f"加密页校验失败（文件被改动或损坏）：{line}", f"encrypted page check failed (file altered or damaged): {line}")


def _name_unreadable_tables(db: sqlite_utils.Database, report: CheckReport) -> None:
    # Page numbers mean little to a person; say which tables can no longer be read.
    for table in PAGE_TABLES:
        try:
            db.execute(f"SELECT * FROM [{table}]").fetchall()
        except DatabaseError as exc:
            report.add(f"表 {table} 无法读取：{exc}", f"table {table} cannot be read: {exc}")


def _check_versions(db: sqlite_utils.Database, report: CheckReport) -> None:
    n = 0
    for v in db.query("SELECT version_id, record_id, form_id, form_version, data, content_hash FROM versions ORDER BY rowid"):
        n += 1
        try:
            data = json.loads(v["data"])
        except ValueError:
            report.add(f"版本 {v['version_id']}（记录 {v['record_id']}）的数据不是合法 JSON", f"version {v['version_id']} of record {v['record_id']}: data is not valid JSON")
            return
        if content_hash(v["form_id"], v["form_version"], data) != v["content_hash"]:
            report.add(f"版本 {v['version_id']}（记录 {v['record_id']}）的内容与其哈希不符：内容被改动", f"version {v['version_id']} of record {v['record_id']}: content does not match its hash (altered)")
            return
    report.counts["versions"] = n


def _check_chain(db: sqlite_utils.Database, report: CheckReport) -> None:
    office_id = next(db.query("SELECT value FROM meta WHERE key = 'office_id'"))["value"]
    prev = genesis_hash(office_id)
    expected_seq = 1
    hashes = {v["version_id"]: v["content_hash"] for v in db.query("SELECT version_id, content_hash FROM versions")}
    for e in db.query("SELECT * FROM history ORDER BY seq"):
        where_zh, where_en = f"历史记录第 {e['seq']} 条（记录 {e['record_id']}）", f"history entry {e['seq']} (record {e['record_id']})"
        if e["seq"] != expected_seq:
            report.add(f"{where_zh}：序号不连续，应为 {expected_seq}，有条目被删除", f"{where_en}: sequence gap, expected {expected_seq}; an entry was removed")
            return
        if e["prev_hash"] != prev:
            report.add(f"{where_zh}：与前一条的链接断开", f"{where_en}: does not link to the entry before it")
            return
        entry = dict(e, content_hash=hashes.get(e["version_id"]))
        if e["version_id"] is not None and e["version_id"] not in hashes:
            report.add(f"{where_zh}：引用的版本 {e['version_id']} 不存在", f"{where_en}: refers to missing version {e['version_id']}")
            return
        if entry_hash(entry) != e["entry_hash"]:
            report.add(f"{where_zh}：内容与其哈希不符，历史被改动", f"{where_en}: does not match its hash; the history was altered")
            return
        prev = e["entry_hash"]
        expected_seq += 1
    report.counts["history"] = expected_seq - 1


def _check_records(db: sqlite_utils.Database, report: CheckReport) -> None:
    last = {
        r["record_id"]: r
        for r in db.query(
            "SELECT h.record_id, h.status, h.version_id FROM history h "
            "JOIN (SELECT record_id, max(seq) AS seq FROM history GROUP BY record_id) m "
            "ON h.record_id = m.record_id AND h.seq = m.seq"
        )
    }
    n = 0
    for r in db.query("SELECT record_id, status, current_version_id FROM records"):
        n += 1
        h = last.get(r["record_id"])
        if h is None or h["status"] != r["status"] or h["version_id"] != r["current_version_id"]:
            report.add(f"记录 {r['record_id']} 的状态或当前版本与历史不符", f"record {r['record_id']}: status or current version disagrees with its history")
            return
    if n != len(last):
        report.add("历史中有记录在记录表中缺失", "the history names records missing from the records table")
    report.counts["records"] = n


def check_store(data_dir: str | os.PathLike[str], user: str | None, passphrase: str) -> CheckReport:
    """Unlock with ``user``'s passphrase and check the store without migrating or writing."""
    paths = OfficePaths(data_dir)
    if not paths.exists():
        raise NotInitialised(str(paths.root))
    slots = KeySlots.load(paths.keyslots)
    key, _name = slots.unlock(user, passphrase)
    try:
        db = open_database(paths.database, key or None)
    except StoreDamaged as exc:
        report = CheckReport()
        report.add(exc.message_zh, exc.message_en)
        return report
    try:
        return check_database(db, encrypted=bool(key))
    finally:
        db.close()
