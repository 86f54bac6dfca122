"""Batches, receipts, checkpoints and the chain head: what the province received, and all of it.

Every batch envelope is checked against the device key valid at its sequence and chained to
the one before; every receipt and checkpoint against the trusted province keys; every
inclusion proof; the consistency proofs the office kept link every checkpoint to the newest
one; and the chain-head statement says how many batches there must be and where they end.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from desktop.services.exchange.anchors import Anchors
from desktop.services.exchange.report import VerifyReport
from sync import dsse
from sync.compact import BATCH_TYPES, parse_batch
from sync.encoding import DecodeError
from sync.errors import ProtocolError, SyncError
from sync.keys import key_id
from sync.protocol import Checkpoint
from sync.receipts import (
    MAX_BATCH_BYTES,
    batch_hash,
    check_receipt_matches_batch,
    verify_checkpoint,
    verify_consistency,
    verify_receipt,
)

BATCH_FILE = re.compile(r"^(\d{6,})\.json$")


class _Checkpoints:
    """Every signed tree head held, and which are proven consistent with which (union-find)."""

    def __init__(self) -> None:
        self.roots: dict[int, str] = {}
        self.parent: dict[int, int] = {}
        self.where: dict[int, str] = {}

    def add(self, cp: Checkpoint, where: str, report: VerifyReport) -> bool:
        known = self.roots.get(cp.tree_size)
        if known is not None and known != cp.root_hash:
            report.add(where, f"省级日志分叉：大小 {cp.tree_size} 的两个检查点根哈希不同",
                       f"the province's log forked: two checkpoints of size {cp.tree_size} differ")
            return False
        self.roots[cp.tree_size] = cp.root_hash
        self.parent.setdefault(cp.tree_size, cp.tree_size)
        self.where.setdefault(cp.tree_size, where)
        return True

    def find(self, size: int) -> int:
        while self.parent[size] != size:
            self.parent[size] = self.parent[self.parent[size]]
            size = self.parent[size]
        return size

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)

    def check_connected(self, report: VerifyReport) -> None:
        if not self.roots:
            return
        newest = self.find(max(self.roots))
        for size in sorted(self.roots):
            if size and self.find(size) != newest:
                report.add(self.where[size], f"没有一致性证明把大小 {size} 的检查点连到最新的检查点",
                           f"no consistency proof links the checkpoint of size {size} to the newest one")


def check_sync(folder: Path, anchors: Anchors, db: sqlite3.Connection, report: VerifyReport) -> None:
    """Check batches, receipts, checkpoints, consistency and completeness against the anchors."""
    enrollment = anchors.enrollment
    if enrollment is None:
        if any(folder.glob("sync/receipts/*.json")) or any(folder.glob("sync/batches/*.json")):
            report.add("keys/enrollment.json", "有批次和回执，却没有可验证的登记回执", "batches and receipts but no verifiable enrollment")
        return
    hashes = _check_batches(folder, anchors, db, report)
    checkpoints = _Checkpoints()
    acknowledged = _check_receipts(folder, anchors, db, hashes, checkpoints, report)
    _check_checkpoints(folder, anchors, checkpoints, report)
    _check_completeness(anchors, hashes, acknowledged, report)
    report.checked["batches"], report.checked["receipts"] = len(hashes), report.checked.get("receipts", 0)


def _check_batches(folder: Path, anchors: Anchors, db: sqlite3.Connection, report: VerifyReport) -> dict[int, str]:
    """Each batch's signature, payload and chain link; returns {sequence: batch hash}."""
    assert anchors.enrollment is not None
    hashes: dict[int, str] = {}
    files = sorted((int(m.group(1)), p) for p in folder.glob("sync/batches/*.json") if (m := BATCH_FILE.match(p.name)))
    for sequence, path in files:
        rel = str(path.relative_to(folder))
        data = path.read_bytes()
        key = anchors.device_key_at(sequence)
        try:
            if key is None:
                raise ValueError("no device key is known for this sequence")
            verified = dsse.verify(data, {key_id(key): key}.get, BATCH_TYPES.values())
            # Either version: a compressed payload inflates within the largest batch's bound.
            batch = parse_batch(verified.payload_type, verified.payload, max_bytes=MAX_BATCH_BYTES)
        except (ProtocolError, DecodeError, ValueError) as exc:
            report.add(rel, f"批次不是该设备在此序号时的密钥签发的：{exc}", f"batch is not signed by the device key valid at its sequence: {exc}")
            continue
        if batch.device_id != anchors.enrollment.device_id or batch.sequence != sequence:
            report.add(rel, "批次的设备或序号与文件不符", "batch names another device or sequence than its file")
            continue
        expected_prev = hashes.get(sequence - 1) if sequence > 1 else None
        if sequence > 1 and sequence - 1 not in hashes:
            report.add(rel, f"批次链断开：缺少第 {sequence - 1} 批", f"batch chain broken: batch {sequence - 1} is missing")
        elif batch.previous_batch_hash != expected_prev:
            report.add(rel, "批次链断开：上一批的哈希不符", "batch chain broken: previous batch hash differs")
        for v in batch.versions:
            row = db.execute("SELECT content_hash FROM versions WHERE version_id = ?", [v.version_id]).fetchone()
            if row is None or row[0] != v.content_hash:
                report.add(f"{rel}（版本 {v.version_id}）", "发送的版本不在导出的历史中或内容不同",
                           "a version sent is not in the exported history, or differs")
        hashes[sequence] = batch_hash(data)
    return hashes


def _check_receipts(folder: Path, anchors: Anchors, db: sqlite3.Connection, hashes: dict[int, str],
                    checkpoints: _Checkpoints, report: VerifyReport) -> set[int]:
    """Each receipt against the province keys and its batch; returns acknowledged sequences."""
    assert anchors.enrollment is not None
    acknowledged: set[int] = set()
    count = 0
    for path in sorted(folder.glob("sync/receipts/*.json")):
        rel = str(path.relative_to(folder))
        count += 1
        # A compact receipt names versions by their place in the batch its file name gives,
        # so it is verified together with that batch.
        named = folder / f"sync/batches/{path.stem.rsplit('-', 1)[-1]}.json"
        try:
            receipt, checkpoint = verify_receipt(path.read_bytes(), anchors.lookup,
                                                 batch_envelope=named.read_bytes() if named.is_file() else None)
        except (SyncError, OSError) as exc:
            report.add(rel, f"回执不是受信任的省级密钥签发的，或证明无效：{exc}", f"receipt is not signed by a trusted province key or its proof fails: {exc}")
            continue
        sequence = receipt.sequence
        batch_path = folder / f"sync/batches/{sequence:06d}.json"
        try:
            check_receipt_matches_batch(receipt, batch_path.read_bytes())
        except OSError:
            report.add(rel, f"回执对应的第 {sequence} 批不在导出中", f"the batch {sequence} this receipt answers is not in the export")
            continue
        except SyncError as exc:
            report.add(rel, f"回执与第 {sequence} 批不符：{exc}", f"receipt does not answer batch {sequence}: {exc}")
            continue
        if receipt.entry.device_id != anchors.enrollment.device_id or checkpoint.log_id != anchors.enrollment.log_id:
            report.add(rel, "回执属于别的设备或别的日志", "receipt is for another device or log")
            continue
        checkpoints.add(checkpoint, rel, report)
        if sequence in hashes:
            acknowledged.add(sequence)
        for accepted in receipt.accepted:
            row = db.execute("SELECT content_hash FROM versions WHERE version_id = ?", [accepted.version_id]).fetchone()
            if row is None or row[0] != accepted.content_hash:
                report.add(f"{rel}（版本 {accepted.version_id}）", "省里收到的版本与导出的历史不符",
                           "the version the province received differs from the exported history")
            db.execute("INSERT OR IGNORE INTO accepted VALUES (?)", [accepted.version_id])
    report.checked["receipts"] = count
    return acknowledged


def _check_checkpoints(folder: Path, anchors: Anchors, checkpoints: _Checkpoints, report: VerifyReport) -> None:
    assert anchors.enrollment is not None
    log_id = anchors.enrollment.log_id
    for rel in ("sync/checkpoint.json",):
        try:
            data = (folder / rel).read_bytes()
        except OSError:
            continue
        try:
            cp = verify_checkpoint(data, anchors.lookup)
        except SyncError as exc:
            report.add(rel, f"检查点不是受信任的省级密钥签发的：{exc}", f"checkpoint is not signed by a trusted province key: {exc}")
            continue
        if cp.log_id != log_id:
            report.add(rel, "检查点属于别的日志", "checkpoint is of another log")
            continue
        checkpoints.add(cp, rel, report)
    if anchors.head_checkpoint is not None:
        checkpoints.add(anchors.head_checkpoint, "sync/chain-head.json", report)
    rel = "sync/consistency.jsonl"
    try:
        lines = (folder / rel).read_bytes().splitlines()
    except OSError:
        lines = []
    for n, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            older = verify_checkpoint(dsse.parse(item["older"]).to_bytes(), anchors.lookup)
            newer = verify_checkpoint(dsse.parse(item["newer"]).to_bytes(), anchors.lookup)
            proof = item["proof"]
            if not isinstance(proof, list) or not verify_consistency(older, newer, proof):
                raise ValueError("the proof does not verify")
            if older.log_id != log_id:
                raise ValueError("of another log")
        except (ValueError, KeyError, TypeError, SyncError, ProtocolError, DecodeError) as exc:
            report.add(f"{rel}:{n}", f"一致性证明无效：{exc}", f"consistency proof is not valid: {exc}")
            continue
        if checkpoints.add(older, f"{rel}:{n}", report) and checkpoints.add(newer, f"{rel}:{n}", report):
            checkpoints.join(older.tree_size, newer.tree_size)
    checkpoints.check_connected(report)


def _check_completeness(anchors: Anchors, hashes: dict[int, str], acknowledged: set[int], report: VerifyReport) -> None:
    head = anchors.head
    if head is None:
        if hashes:
            report.add("sync/chain-head.json", "缺少省级签发的链头声明，无法证明批次齐全",
                       "no province-signed chain head: the export cannot be shown to be complete")
        return
    n = head.last_sequence
    missing = [s for s in range(1, n + 1) if s not in hashes]
    for s in missing[:20]:
        report.add(f"sync/batches/{s:06d}.json", f"省里确认收到第 {s} 批（链头为第 {n} 批），导出中却没有",
                   f"the province holds batch {s} (its chain head is batch {n}) but the export lacks it")
    if len(missing) > 20:
        report.add("sync/batches/", f"另有 {len(missing) - 20} 批缺失", f"{len(missing) - 20} more batches missing")
    if n and n in hashes and hashes[n] != head.last_batch_hash:
        report.add(f"sync/batches/{n:06d}.json", "与省级链头声明中的最后一批哈希不符", "differs from the last batch hash in the chain head")
    for s in range(1, n + 1):
        if s in hashes and s not in acknowledged:
            report.add(f"sync/batches/{s:06d}.json", "缺少此批的省级回执", "the province's receipt for this batch is missing")
