"""Evidence files in an audit export, and their check.

The export writes every file any exported version names as ``attachments/<sha256><ext>``,
streamed piece by piece from the encrypted store (never via a temporary file). Verification
reads the versions the export holds, so it knows from the signed history alone which files
must be there, which record names each, and what each must hash to: a changed byte is named
with its file and the records that name it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.errors import InvalidInput
from desktop.services.exchange.files import ExportFolder
from desktop.services.exchange.report import VerifyReport
from forms.attachments import ENTRY_KEYS, SHA256_RE, SUFFIXES

if TYPE_CHECKING:
    from desktop.store.office import Office

FOLDER = "attachments"


def export_name(sha256: str, media_type: str) -> str:
    """Where an export keeps a file: its hash, and the suffix of its kind."""
    return f"{FOLDER}/{sha256}{SUFFIXES.get(media_type, '.bin')}"


def entries_of(data: Any) -> Iterator[dict[str, Any]]:
    """The attachment entries a version's data holds (a list of well-formed entries under any
    field: the check needs no form to find them)."""
    if not isinstance(data, dict):
        return
    for value in data.values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and set(item) == ENTRY_KEYS and isinstance(item.get("sha256"), str) \
                        and SHA256_RE.fullmatch(item["sha256"]):
                    yield item


def write_attachments(office: Office, folder: ExportFolder) -> int:
    """Write every stored file a version names into the export; return how many."""
    from desktop.services.attachments import stored_pieces  # verification never opens a store

    named: set[str] = set()
    for (data,) in office.db.execute("SELECT data FROM versions WHERE instr(data, '\"media_type\"') > 0"):
        named.update(e["sha256"] for e in entries_of(json.loads(data)))
    n = 0
    for sha256, media_type in office.db.execute("SELECT sha256, media_type FROM attachments ORDER BY sha256"):
        if sha256 not in named:
            continue
        rel = export_name(sha256, media_type)
        out = folder.open(rel)
        for piece in stored_pieces(office.db, sha256):
            out.write(piece)
        folder.finish(rel)
        if folder.files[rel].get("sha256") != sha256:
            # An export is signed as the office's word: a file damaged in the store would be
            # vouched for and fail every audit, so nothing is exported until it is repaired.
            raise InvalidInput(f"本机存储中的附件 {sha256} 已损坏（哈希不符），未导出。请运行 check 查看，并用原件重新附加。",
                               f"The stored attachment {sha256} is damaged (its hash does not match); nothing was "
                               "exported. Run 'check' and attach it again from the original.")
        n += 1
    return n


def check_attachments(folder: Path, report: VerifyReport) -> set[str]:
    """Check every file the export's versions name against its hash and size, naming the
    records behind any that differs; return the files checked."""
    named: dict[str, dict[str, Any]] = {}
    path = folder / "history/versions.jsonl"
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if b'"media_type"' not in line:
                    continue
                try:
                    version = json.loads(line)
                except ValueError:
                    continue  # the history check names a broken line
                for entry in entries_of(version.get("data") if isinstance(version, dict) else None):
                    seen = named.setdefault(entry["sha256"], {**entry, "records": set()})
                    seen["records"].add(str(version.get("record_id")))
    except OSError:
        return set()
    checked: set[str] = set()
    for sha256, entry in sorted(named.items()):
        rel = export_name(sha256, str(entry["media_type"]))
        records = "、".join(sorted(entry["records"]))
        checked.add(rel)
        digest, size = _digest(folder / rel, entry["size"])
        if digest == _NOT_A_FILE:
            report.add(rel, f"附件不是普通文件（可能是链接或设备），未读取：记录 {records} 的“{entry['name']}”",
                       f"attachment is not a regular file (a link or a device?), not read: '{entry['name']}' of record {records}")
        elif digest is None:
            report.add(rel, f"附件缺失：记录 {records} 的“{entry['name']}”", f"attachment missing: '{entry['name']}' of record {records}")
        elif digest != sha256 or size != entry["size"]:
            report.add(rel, f"附件内容与其哈希不符（被改动）：记录 {records} 的“{entry['name']}”",
                       f"attachment does not match its hash (altered): '{entry['name']}' of record {records}")
    extra = {p.relative_to(folder).as_posix() for p in (folder / FOLDER).glob("*") if p.is_file()} - checked
    for rel in sorted(extra):
        report.add(rel, "没有记录引用此附件（被添加）", "no record names this attachment (added)")
    report.checked["attachments"] = len(checked)
    return checked | extra


_NOT_A_FILE = "not a regular file"


def _digest(path: Path, expected: Any) -> tuple[str | None, int]:
    # A forged export may put a link to /dev/zero, a pipe or a huge file where a file is
    # named: only a regular file is opened, and no more than one byte past its named size
    # is read, so the check always ends.
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return _NOT_A_FILE, 0
    except OSError:
        return None, 0
    limit = expected + 1 if isinstance(expected, int) and not isinstance(expected, bool) and expected >= 0 else 0
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as fh:
            while size < limit and (block := fh.read(min(1 << 20, limit - size))):
                digest.update(block)
                size += len(block)
    except OSError:
        return None, 0
    return digest.hexdigest(), size
