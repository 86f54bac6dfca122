"""Check an audit export offline: no office database, no passphrase, no network.

Trust starts from the province key the auditor gives (``province_key``), never from a key
in the folder; without one, the check still runs from the key the enrollment names, and the
report says it is unanchored. Everything is recomputed: the history from its versions, each
record's current state from the history, the CSV and XLSX tables from the records, the
counts from the tables, completeness from the province's chain-head statement. Every
mismatch is named (a file, a row and column, a record, a receipt), and memory stays flat
however large the export: large files are streamed and cross-references go through a
throw-away SQLite index on disk.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from desktop.services.exchange.against import check_against
from desktop.services.exchange.anchors import (
    Anchors,
    PinError,
    check_chain_head,
    check_device_keys,
    check_enrollment,
    province_trust,
    read_pem,
)
from desktop.services.exchange.attachments_out import check_attachments
from desktop.services.exchange.export import FORMAT, MANIFEST, SIGNATURE, WORKBOOK
from desktop.services.exchange.files import file_digest
from desktop.services.exchange.history_check import (
    check_chain,
    check_record_counts,
    check_record_row,
    check_versions,
    jsonl,
    open_index,
)
from desktop.services.exchange.report import VerifyReport
from desktop.services.exchange.sync_check import check_sync
from desktop.services.exchange.tables import group_rows, main_row, sheets_of
from desktop.services.exchange.tables_check import SheetCheck
from desktop.services.exchange.totals_check import check_totals
from desktop.services.exchange.xlsx_read import Workbook, XlsxError
from desktop.services.updates import published_dir, write_published_file
from forms.errors import UnknownForm
from forms.registry import Registry, load_registry
from sync import dsse
from sync.control import UPDATE_TYPE, Update
from sync.encoding import DecodeError, parse_json_object
from sync.errors import ProtocolError
from sync.keys import key_id

MAX_MANIFEST = 64 << 20
# Every file an export writes outside records/ (whose files follow the forms it holds). A
# file the manifest lists but nothing here checks would pass on the office's word alone.
LAYOUT = re.compile(
    r"keys/(?:device|device-enrolled|province-\d+)\.pem"
    r"|keys/(?:enrollment|device-rotation-\d{6,}|province-rotation-\d+)\.json"
    r"|history/(?:versions|chain)\.jsonl"
    r"|sync/(?:batches/\d{6,}|receipts/\d{6,}-batch-\d{6,}|updates/\d{6,}|checkpoint|chain-head)\.json"
    r"|sync/consistency\.jsonl"
)

__all__ = ["PinError", "VerifyReport", "verify_export"]


def verify_export(folder: Path, *, province_key: str | None = None, against: Path | None = None) -> VerifyReport:
    """Verify the export in ``folder``; the report lists every problem found.

    ``province_key`` is a PEM file or a key id the auditor got from the province (raises
    :class:`PinError` when it names no usable key); ``against`` is the folder of the
    province's own export (``anhui-province export``) to cross-check the batches with.
    """
    report = VerifyReport()
    folder = Path(folder)
    if _not_plain_files(folder, report) or (against is not None and _not_plain_files(Path(against), report)):
        return report
    manifest, manifest_bytes = _manifest(folder, report)
    if manifest is None:
        return report
    anchors = province_trust(folder, province_key, report, Path(against) if against is not None else None)
    check_enrollment(folder, anchors, manifest, report)
    _check_signature(folder, manifest_bytes, manifest, check_device_keys(folder, anchors, report), report)
    check_chain_head(folder, anchors, report)
    _check_files(folder, manifest, report)
    db = open_index()
    try:
        with tempfile.TemporaryDirectory(prefix="anhui-verify-") as scratch:
            registry = _registry(folder, anchors, Path(scratch), report)
        report.checked["versions"] = check_versions(folder, db, report)
        office_id = str((manifest.get("office") or {}).get("office_id"))
        attested = anchors.head.history.to_json() if anchors.head else None
        seq, digest = check_chain(folder, db, office_id, attested, report)
        report.checked["history"] = seq
        if manifest.get("history_head") != {"seq": seq, "hash": digest}:
            report.add("manifest.json", "清单记载的历史末端与历史链不符", "the manifest's history head differs from the history chain")
        record_files = _check_records(folder, manifest, registry, db, report)
        record_files |= check_totals(folder, manifest, registry, report)
        record_files |= check_attachments(folder, report)
        _check_layout(manifest, record_files, report)
        check_sync(folder, anchors, db, report)
        _unsynced(db, report)
        if against is not None:
            check_against(folder, Path(against), anchors, report)
    finally:
        db.close()
    report.anchored = anchors.anchored and anchors.enrollment is not None and anchors.head is not None
    return report


def _not_plain_files(folder: Path, report: VerifyReport) -> bool:
    """Name every link, pipe or device in the folder; True if there is one.

    An export holds only folders and regular files. A forged one could put a link to
    /dev/zero or a named pipe where a file is read, and the check would never end; nothing
    in such a folder is opened.
    """
    found = False
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root) / name
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
                continue
            found = True
            rel = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else str(path)
            report.add(rel, "不是普通文件（链接、管道或设备）：本程序写出的导出中没有这种文件，为安全起见未读取导出中的任何内容",
                       "not a regular file (a link, pipe or device): no export this program writes holds one, "
                       "so nothing in the export was read")
    return found


class _Unusable(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _manifest(folder: Path, report: VerifyReport) -> tuple[dict[str, Any] | None, bytes]:
    # Each way a manifest fails is told in words, never as a parser's message: it is the
    # first file an auditor's check reads, and nothing else can be checked without it.
    path = folder / MANIFEST
    try:
        try:
            if path.stat().st_size > MAX_MANIFEST:
                raise _Unusable("清单文件过大（超过 64 MB），不是本程序写出的清单",
                                "the manifest is too large (over 64 MB) to be one this program wrote")
            data = path.read_bytes()
        except OSError:
            raise _Unusable("清单文件缺失或无法读取：这不是一份完整的导出", "the manifest is missing or unreadable: this is not a whole export") from None
        try:
            manifest = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _Unusable("清单文件已损坏：不是有效的 JSON 文本", "the manifest is damaged: it is not valid JSON text") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _Unusable("这不是 anhui-collect 导出的清单（格式标记不符）",
                            "this is not the manifest of an anhui-collect export (its format mark differs)")
        if not isinstance(manifest.get("files"), dict) or not isinstance(manifest.get("filters"), dict):
            raise _Unusable("清单不完整：缺少文件列表或筛选条件", "the manifest is incomplete: it has no file list or filters")
    except _Unusable as exc:
        report.add(MANIFEST, exc.zh, exc.en)
        return None, b""
    return manifest, data


def _check_signature(folder: Path, manifest_bytes: bytes, manifest: dict[str, Any], anchored_key: Any,
                     report: VerifyReport) -> None:
    device = read_pem(folder / "keys/device.pem")
    if device is None:
        report.add("keys/device.pem", "设备公钥无法读取", "device public key unreadable")
        return
    try:
        device.verify((folder / SIGNATURE).read_bytes(), manifest_bytes)
    except OSError:
        report.add(SIGNATURE, "清单签名文件缺失", "manifest signature file is missing")
    except InvalidSignature:
        report.add(SIGNATURE, "清单签名不符：清单被改动或不是此设备签发", "manifest signature does not verify: altered or not signed by this device")
    if (manifest.get("device") or {}).get("key_id") != key_id(device):
        report.add("keys/device.pem", "设备公钥与清单记载的不一致", "device key differs from the one the manifest names")
    if anchored_key is not None and key_id(anchored_key) != key_id(device):
        report.add("keys/device.pem", "签署清单的不是省里登记（及其轮换）的设备密钥",
                   "the manifest is not signed by the device key the province enrolled (or its rotations)")


def _check_files(folder: Path, manifest: dict[str, Any], report: VerifyReport) -> None:
    files: dict[str, Any] = manifest["files"]
    root = folder.resolve()
    for rel, meta in sorted(files.items()):
        path = folder / rel
        if ".." in Path(rel).parts or not path.resolve().is_relative_to(root) or not path.is_file():
            report.add(rel, "文件缺失", "file is missing")
            continue
        if not isinstance(meta, dict) or file_digest(path) != {"sha256": meta.get("sha256"), "size": meta.get("size")}:
            report.add(rel, "文件内容与清单记载的哈希不符（被改动）", "file does not match its hash in the manifest (altered)")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for extra in sorted(present - set(files) - {MANIFEST, SIGNATURE}):
        report.add(extra, "清单中没有此文件（被添加）", "file is not in the manifest (added)")
    report.checked["files"] = len(files)


def _registry(folder: Path, anchors: Anchors, scratch: Path, report: VerifyReport) -> Registry:
    """The packaged forms plus form versions and reference data the province signed."""
    for path in sorted(folder.glob("sync/updates/*.json")):
        rel = path.relative_to(folder).as_posix()
        try:
            payload = dsse.verify(path.read_bytes(), anchors.lookup, UPDATE_TYPE).payload
            update = Update.from_json(parse_json_object(payload))
        except (OSError, ProtocolError, DecodeError) as exc:
            report.add(rel, f"更新不是受信任的省级密钥签发的：{exc}", f"update is not signed by a trusted province key: {exc}")
            continue
        if update.kind in ("form_version", "reference_data"):
            write_published_file(scratch, update.kind, update.body)
    return load_registry(published_dir(scratch))


def _check_layout(manifest: dict[str, Any], record_files: set[str], report: VerifyReport) -> None:
    for rel in sorted(manifest["files"]):
        if rel not in record_files and not LAYOUT.fullmatch(rel):
            report.add(rel, "导出格式中没有此文件：清单虽列出，却无从核对其内容",
                       "file is not part of an export: listed in the manifest, but nothing can check its content")


def _check_records(folder: Path, manifest: dict[str, Any], registry: Registry, db: Any,
                   report: VerifyReport) -> set[str]:
    """Check records, tables and counts; return the files under records/ that were checked."""
    filters = manifest["filters"]
    forms = [f for f in filters.get("forms") or [] if isinstance(f, str)]
    report.filters = {"forms": forms, "since": filters.get("since"),
                      "all_forms": set(forms) >= {f.id for f in registry.forms()}}
    try:
        book: Workbook | None = Workbook(str(folder / WORKBOOK))
    except XlsxError:
        if (folder / WORKBOOK).is_file():
            report.add(WORKBOOK, "工作簿已损坏，无法打开（文件不完整或不是 .xlsx 工作簿），其中各表无从核对",
                       "the workbook is damaged and cannot be opened (incomplete, or not an .xlsx workbook); its sheets cannot be checked")
        else:
            report.amend(WORKBOOK, "文件缺失：其中各表无从核对", "file is missing: its sheets cannot be checked")
        book = None
    seen: dict[str, int] = {}
    expected_sheets: set[str] = set()
    checked = {WORKBOOK}
    try:
        for form_id in forms:
            seen[form_id] = _check_form(folder, form_id, registry, book, db, expected_sheets, checked, report)
    finally:
        if book is not None:
            for name in sorted(set(book.sheets) - expected_sheets):
                report.add(f"{WORKBOOK}[{name}]", "多出的工作表", "unexpected sheet")
            book.close()
    counts = (manifest.get("counts") or {}).get("records") or {}
    check_record_counts(db, forms, filters.get("since"), seen, counts, report)
    return checked


def _check_form(folder: Path, form_id: str, registry: Registry, book: Workbook | None, db: Any,
                expected_sheets: set[str], checked: set[str], report: VerifyReport) -> int:
    checked.add(f"records/{form_id}.jsonl")
    try:
        latest = registry.form(form_id)
    except UnknownForm:
        report.add(f"records/{form_id}.jsonl", "未知的表单，无法核对表格", "unknown form: tables cannot be checked")
        return 0
    sheets = sheets_of(latest)
    expected_sheets.update(s.name for s in sheets)
    checks = [SheetCheck(folder, book, form_id, s, report) for s in sheets]
    checked.update(c.csv_rel for c in checks)
    n = 0
    for line, row in jsonl(folder, f"records/{form_id}.jsonl", report):
        n += 1
        where = f"records/{form_id}.jsonl:{line}（记录 {row.get('record_id')}）"
        check_record_row(db, form_id, row, where, report)
        try:
            form = registry.form(form_id, row["form_version"])
            data = row["data"]
            rows = [[main_row(form, sheets[0], row, data)]] + [group_rows(form, s, row["record_id"], data) for s in sheets[1:]]
        except (UnknownForm, KeyError, TypeError, AttributeError, ValueError) as exc:
            report.add(where, f"无法按表单排成表格：{exc}", f"cannot be laid out as its form's tables: {exc}")
            continue
        for check, sheet_rows in zip(checks, rows, strict=True):
            for cells in sheet_rows:
                check.compare(cells)
    for check in checks:
        check.finish()
    return n


def _unsynced(db: Any, report: VerifyReport) -> None:
    """Records whose current version no verified receipt confirms: listed, never hidden."""
    query = "FROM state WHERE version_id NOT IN (SELECT version_id FROM accepted)"
    report.unsynced = db.execute(f"SELECT count(*) {query}").fetchone()[0]
    report.unsynced_sample = [r[0] for r in db.execute(f"SELECT record_id {query} ORDER BY record_id LIMIT 20")]
    for (rid,) in db.execute(f"SELECT record_id {query} AND status = 'synced' LIMIT 100"):
        report.add(f"记录 {rid}", "标为“已同步”，却没有省级回执确认其当前版本",
                   "marked synced, but no province receipt confirms its current version")
