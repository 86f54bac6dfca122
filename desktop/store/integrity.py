"""``check``: prove the store is whole, or name the first broken thing.

Order matters: SQLCipher's per-page HMACs first (any flipped byte in the file), then
SQLite's own structure, then our content hashes and the history chain, then that the
records table agrees with the history it summarises.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

import sqlite_utils

from desktop.errors import InvalidInput, KeyFileDamaged, StoreDamaged
from desktop.paths import OfficePaths
from desktop.store.chain import entry_hash, genesis_hash
from desktop.store.connection import DatabaseError, open_database
from desktop.store.keyfile import LEGACY_FORMAT, database_id_of
from desktop.store.keyslots import KeySlots
from desktop.store.office import Office
from forms.canonical import content_hash

PAGE_TABLES = ("meta", "users", "records", "versions", "history", "record_search", "_migrations")


@dataclass
class CheckReport:
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (zh, en), not problems

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, zh: str, en: str) -> None:
        self.problems.append((zh, en))

    def add_note(self, zh: str, en: str) -> None:
        self.notes.append((zh, en))


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
        _check_counts(db, report)
        _check_attachments(db, report)
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


def _check_attachments(db: sqlite_utils.Database, report: CheckReport) -> None:
    # Every stored file hashes to the name it is stored under, piece by piece, and is whole.
    if "attachments" not in db.table_names():
        return
    n = 0
    for sha256, size, pieces in db.execute("SELECT sha256, size, pieces FROM attachments ORDER BY sha256").fetchall():
        n += 1
        digest, length, count = hashlib.sha256(), 0, 0
        for (piece,) in db.execute("SELECT data FROM attachment_pieces WHERE sha256 = ? ORDER BY n", [sha256]):
            digest.update(piece)
            length += len(piece)
            count += 1
        if digest.hexdigest() != sha256 or length != size or count != pieces:
            # Every damaged file is named, with the records naming it: each must be attached
            # again from its original.
            records = "、".join(r[0] for r in db.execute(
                "SELECT DISTINCT record_id FROM versions WHERE instr(data, ?) > 0 ORDER BY record_id", [sha256]))
            report.add(f"附件 {sha256} 的内容与其哈希不符：附件被改动或不完整"
                       + (f"（记录 {records} 引用此附件，请用原件重新附加）" if records else ""),
                       f"attachment {sha256}: content does not match its hash (altered or incomplete)"
                       + (f" (named by record {records}; attach it again from the original)" if records else ""))
    report.counts["attachments"] = n


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


def _check_counts(db: sqlite_utils.Database, report: CheckReport) -> None:
    # The kept counts (what the overview shows) must be what the records table holds.
    if "record_counts" not in db.table_names():
        return
    kept = {(f, st, se): n for f, st, se, n in db.execute("SELECT form_id, status, sector, n FROM record_counts WHERE n != 0")}
    actual = {(f, st, se): n for f, st, se, n in db.execute(
        "SELECT form_id, status, ifnull(sector, ''), count(*) FROM records GROUP BY 1, 2, 3")}
    if kept != actual:
        report.add("记录统计数与记录表不符", "the kept record counts disagree with the records table")


def check_store(data_dir: str | os.PathLike[str], user: str | None, passphrase: str, *,
                recovery_key: str | None = None, repair: bool = False) -> CheckReport:
    """Unlock with ``user``'s passphrase and check the key file and the store, without writing.

    Every slot is checked as far as possible: its own check sum, then the whole file's MAC
    under the database key (which covers the recovery slot and every user's slot), the
    user's slot by unlocking it, and the recovery slot by unlocking it when ``recovery_key``
    is given. ``repair`` rewrites keyslots.json from its intact slots (the only write).
    """
    paths = OfficePaths(data_dir)
    report = CheckReport()
    try:
        slots = Office._slots(paths)
    except KeyFileDamaged as exc:
        report.add(exc.message_zh, exc.message_en)
        return report
    try:
        key, _name = slots.unlock(user, passphrase)
    except KeyFileDamaged as exc:
        if recovery_key is None:
            report.add(exc.message_zh, exc.message_en)
            report.problems.extend(slots.damage_report())
            return report
        key = slots.unlock_with_recovery(recovery_key)
    try:
        db = open_database(paths.database, key or None, read_only=True)
    except StoreDamaged as exc:
        report.add(f"数据库已损坏：{exc.detail_zh}", f"the database is damaged: {exc.detail_en}")
        return report
    try:
        # Disabled users have no slot on purpose (see Office.disable_user); check never migrates,
        # so a store from before users could be disabled has no such column.
        disabled = "disabled_at" in {column.name for column in db["users"].columns}
        users = [row["name"] for row in db.query(
            "SELECT name FROM users" + (" WHERE disabled_at IS NULL" if disabled else "") + " ORDER BY created_at, name")]
    except DatabaseError as exc:
        db.close()
        report.add(f"用户表无法读取：{exc}", f"the users table cannot be read: {exc}")
        return report
    try:
        if repair and slots.damaged:
            slots.save(paths.keyslots, key, database_id_of(paths.database))
            slots = KeySlots.load(paths.keyslots)
        _check_key_file(slots, key, users, recovery_key, report)
        database = check_database(db, encrypted=bool(key))
        report.problems.extend(database.problems)
        report.counts.update(database.counts)
        return report
    finally:
        db.close()


def _check_key_file(slots: KeySlots, key: bytes, users: list[str], recovery_key: str | None, report: CheckReport) -> None:
    found = slots.found
    assert found is not None
    report.problems.extend(slots.damage_report(users))
    if not found.damaged and found.mac_matches(key) is False:
        report.add("密钥文件的校验码与数据库密钥不符：文件被人改动过，请从备份恢复", "the key file's MAC does not match the database key: it was changed; restore it from a backup")
    damaged_tags = {d.tag for d in found.damaged_slots}
    for name in users:
        if not slots.has_slot("passphrase", name) and slots.tag("passphrase", name) not in damaged_tags:
            report.add(f"用户“{name}”没有可用的密钥槽，无法登录：请管理员用 anhui-collect user passwd {name} 为其重设口令",
                       f"user '{name}' has no usable key slot and cannot sign in: an admin resets it with 'anhui-collect user passwd {name}'")
    if not slots.has_slot("recovery", None):
        if slots.tag("recovery", None) not in damaged_tags and not any(d.kind == "recovery" for d in found.damaged_slots):
            report.add("没有可用的恢复密钥槽：请管理员运行 anhui-collect recovery-key 生成新的恢复密钥",
                       "there is no usable recovery key slot: an admin makes a new recovery key with 'anhui-collect recovery-key'")
    elif recovery_key is not None:
        try:
            opened = slots.unlock_with_recovery(recovery_key)
        except InvalidInput as exc:
            report.add(exc.message_zh, exc.message_en)
        else:
            if opened != key:
                report.add("恢复密钥槽解开的不是这个数据库的密钥", "the recovery slot unwraps a key that is not this database's")
    if found.format == LEGACY_FORMAT:
        report.add_note("密钥文件是旧格式（无校验），下次登录时会自动升级", "the key file has the old format (no checks); it is upgraded at the next sign-in")
    report.counts["key_slots"] = len(slots.slots)
