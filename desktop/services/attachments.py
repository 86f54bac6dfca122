"""Evidence files: taken in from disk, kept encrypted in the office database, named by records.

A file is read once into memory (it is at most its field's limit, 20 MB by default), its
kind is told from its bytes, and it is stored by SHA-256 in ``attachments`` and
``attachment_pieces`` inside office.db, which SQLCipher encrypts like every other page: no
copy of it is ever written in plaintext, not even a temporary one. The writer job that
stores it also checks and saves the record's new version naming it, so a process killed
halfway leaves either both or neither. The bytes come back out only where the clerk asks
(``extract``), checked against their hash on the way.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import InvalidInput
from desktop.failures import user_error
from desktop.services.records import RecordInvalid, RecordService, SavedVersion
from desktop.store.clock import utc_now
from forms.attachments import (
    MEDIA_TYPES,
    SUFFIXES,
    clean_name,
    file_name,
    max_bytes,
    mb,
    named_attachments,
    sniff,
)
from forms.model import Field, FormDefinition

PIECE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Evidence:
    """A file read from disk and checked: its bytes, hash, kind and the name a record keeps."""

    content: bytes
    sha256: str
    media_type: str
    name: str

    @property
    def entry(self) -> dict[str, Any]:
        """What a record's attachment field holds for this file."""
        return {"sha256": self.sha256, "size": len(self.content), "media_type": self.media_type, "name": self.name}


def read_evidence(path: str | os.PathLike[str], limit: int) -> Evidence:
    """Read and check a file to attach: it must exist, be a regular file of 1 byte to
    ``limit``, and be a PDF, OFD, JPEG or PNG by its content, whatever its name says."""
    shown = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InvalidInput(f"找不到文件：{shown}。请检查路径。", f"No such file: {shown}.") from None
    except OSError as exc:
        raise InvalidInput(f"无法读取文件 {shown}：{exc.strerror}。", f"Cannot read {shown}: {exc.strerror}.") from exc
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"{shown} 是一个文件夹，请选择其中的文件。", f"{shown} is a folder; choose a file in it.")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"{shown} 不是普通文件，不能作为附件。", f"{shown} is not a regular file.")
    if info.st_size > limit:
        raise _too_big(shown, info.st_size, limit)
    try:
        with open(path, "rb") as fh:
            content = fh.read(limit + 1)  # a file growing while read is still bounded
    except OSError as exc:
        why = "没有权限读取" if isinstance(exc, PermissionError) else exc.strerror
        raise InvalidInput(f"无法读取文件 {shown}：{why}。", f"Cannot read {shown}: {exc.strerror}.") from exc
    if len(content) > limit:
        raise _too_big(shown, len(content), limit)
    if not content:
        raise InvalidInput(f"文件 {shown} 是空的（0 字节），不能作为附件。", f"{shown} is empty (0 bytes).")
    media_type = sniff(content)
    name = clean_name(os.path.basename(shown))
    if media_type is None:
        suffix = Path(name).suffix.lower()
        claimed = next((MEDIA_TYPES[m] for m, s in SUFFIXES.items() if s == suffix or (suffix == ".jpeg" and s == ".jpg")), None)
        if claimed is not None:
            raise InvalidInput(
                f"文件 {name} 的扩展名是 {suffix}，但内容不是 {claimed[0]}（可能是改了扩展名的其他文件）。"
                "请附加原始的 PDF、OFD、JPEG 或 PNG 文件。",
                f"{name} is named {suffix} but is not a {claimed[1]} (another kind of file renamed?). "
                "Attach the original PDF, OFD, JPEG or PNG file.",
            )
        raise InvalidInput(f"只能附加 PDF、OFD、JPEG 或 PNG 文件；{name} 不是这几种文件。",
                           f"Only PDF, OFD, JPEG or PNG files can be attached; {name} is none of them.")
    return Evidence(content, hashlib.sha256(content).hexdigest(), media_type, file_name(name, media_type))


def _too_big(shown: str, size: int, limit: int) -> InvalidInput:
    if mb(size) == mb(limit):  # "20 MB, at most 20 MB" would read as no reason at all
        return InvalidInput(f"文件 {shown} 太大（{size:,} 字节），此项附件每个不超过 {mb(limit)}（{limit:,} 字节）。",
                            f"{shown} is too large ({size:,} bytes); this field takes files up to "
                            f"{mb(limit, 'en')} ({limit:,} bytes).")
    return InvalidInput(f"文件 {shown} 太大（{mb(size)}），此项附件每个不超过 {mb(limit)}。",
                        f"{shown} is too large ({mb(size, 'en')}); this field takes files up to {mb(limit, 'en')}.")


def store_job_part(db: Any, evidence: Evidence, actor: str) -> bool:
    """Inside a writer job: store the file unless the office already holds it; True if stored now."""
    if db.execute("SELECT 1 FROM attachments WHERE sha256 = ?", [evidence.sha256]).fetchone():
        return False
    content = evidence.content
    pieces = [content[i:i + PIECE_BYTES] for i in range(0, len(content), PIECE_BYTES)]
    db.execute(
        "INSERT INTO attachments (sha256, size, media_type, pieces, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)",
        [evidence.sha256, len(content), evidence.media_type, len(pieces), utc_now(), actor],
    )
    for n, piece in enumerate(pieces):
        db.execute("INSERT INTO attachment_pieces (sha256, n, data) VALUES (?, ?, ?)", [evidence.sha256, n, piece])
    return True


def attachment_fields(form: FormDefinition) -> list[Field]:
    """The form's attachment fields, in form order."""
    return [f for f in form.fields if f.type == "attachment"]


class Attachments:
    """Attach, list and extract the evidence files of one office's records."""

    def __init__(self, service: RecordService) -> None:
        self.service = service
        self.office = service.office
        self.registry = service.checker.registry  # type: ignore[attr-defined]

    def target(self, record_id: str, field_id: str | None) -> tuple[dict[str, Any], FormDefinition, Field]:
        """The record, the form version its next version follows and the attachment field:
        the record's own form version if it has the field, else the newest that has it."""
        record = self.service.get(record_id)
        versions = [self.registry.form(record["form_id"], v) for v in self.registry.form_versions(record["form_id"])]
        own = next(form for form in versions if form.version == record["form_version"])
        candidates = [own] + sorted((f for f in versions if f.version > own.version), key=lambda f: -f.version)
        for form in candidates:
            fields = attachment_fields(form)
            if field_id is None and len(fields) == 1:
                return record, form, fields[0]
            found = next((f for f in fields if f.id == field_id), None)
            if found is not None:
                return record, form, found
            if field_id is None and fields:
                names = "、".join(f"{f.id}（{f.label_zh}）" for f in fields)
                raise InvalidInput(f"此表有多个附件项，请指明附加到哪一项：{names}。",
                                   "This form has several attachment fields; name one: "
                                   + ", ".join(f.id for f in fields) + ".")
        if field_id is None:
            raise InvalidInput(f"“{own.label_zh}”表没有附件项，不能附加文件。",
                               f"The form '{own.label_en}' has no attachment field.")
        raise InvalidInput(f"“{own.label_zh}”表没有附件项“{field_id}”。",
                           f"The form '{own.label_en}' has no attachment field '{field_id}'.")

    def attach(self, record_id: str, path: str | os.PathLike[str], *, field_id: str | None = None,
               final: bool = False) -> tuple[SavedVersion, dict[str, Any]]:
        """Attach the file at ``path`` to the record as a new version (draft unless ``final``);
        return the version and the entry naming the file."""
        record, form, field = self.target(record_id, field_id)
        evidence = read_evidence(path, max_bytes(field.spec))

        def job(db: Any) -> SavedVersion:
            # The record's data is read here, inside the writer's transaction: read before it,
            # two attaches at once (two windows, two commands) would each build on the same
            # version and the later would drop the other's file.
            row = db.execute("SELECT v.data FROM records r JOIN versions v ON v.version_id = r.current_version_id "
                             "WHERE r.record_id = ?", [record_id]).fetchone()
            data = json.loads(row[0])
            present = list(data.get(field.id) or [])
            if any(isinstance(e, dict) and e.get("sha256") == evidence.sha256 for e in present):
                raise InvalidInput(f"此记录的“{field.label_zh}”已附有同一文件（{evidence.name}）。",
                                   f"This record's '{field.label_en}' already has this file ({evidence.name}).")
            data[field.id] = [*present, evidence.entry]
            # The file, the check that sees it stored, and the version naming it: one
            # transaction, so a killed process leaves no file without its version or the reverse.
            store_job_part(db, evidence, self.office.user)
            return self._save(db, record_id, form, data, final, "attach")

        return self.office.write(job), evidence.entry

    def detach(self, record_id: str, text: str, *, field_id: str | None = None,
               final: bool = False) -> tuple[SavedVersion, dict[str, Any], Field]:
        """Save a new version of the record (draft unless ``final``) without the file whose
        hash is ``text`` (or a prefix of 8+ hex digits); return the version, the entry removed
        and its field. The stored bytes stay: earlier versions still name them."""
        text = text.strip().lower()
        if len(text) < 8 or len(text) > 64 or any(c not in "0123456789abcdef" for c in text):
            raise InvalidInput(f"“{text[:70]}”不是附件的 SHA-256：应为 8 至 64 位十六进制数字（见 record attachments）。",
                               f"'{text[:70]}' is not an attachment's SHA-256: give 8 to 64 hex digits "
                               "(see 'record attachments').")
        record = self.service.get(record_id)
        form = self.registry.form(record["form_id"], record["form_version"])
        fields = attachment_fields(form)
        if field_id is not None:
            fields = [f for f in fields if f.id == field_id]
            if not fields:
                raise InvalidInput(f"“{form.label_zh}”表没有附件项“{field_id}”。",
                                   f"The form '{form.label_en}' has no attachment field '{field_id}'.")

        def job(db: Any) -> tuple[SavedVersion, dict[str, Any], Field]:
            # Read inside the writer's transaction, as attach does: a detach and an attach (or
            # two detaches) at once each build on the other's version instead of undoing it.
            row = db.execute("SELECT v.data FROM records r JOIN versions v ON v.version_id = r.current_version_id "
                             "WHERE r.record_id = ?", [record_id]).fetchone()
            data = json.loads(row[0])
            hits = [(f, e) for f in fields for e in data.get(f.id) or []
                    if isinstance(e, dict) and str(e.get("sha256", "")).startswith(text)]
            digests = sorted({e["sha256"] for _f, e in hits})
            if not digests:
                where = f"的“{fields[0].label_zh}”" if field_id is not None else ""
                raise InvalidInput(f"记录 {record_id}{where}没有哈希为 {text} 的附件。请用 record attachments 查看。",
                                   f"Record {record_id} names no attachment {text}; see 'record attachments'.")
            if len(digests) > 1:
                raise InvalidInput(f"有多个附件的哈希以 {text} 开头，请多写几位。",
                                   f"Several attachments' hashes begin with {text}; give more digits.")
            if len(hits) > 1:
                names = "、".join(f"{f.id}（{f.label_zh}）" for f, _e in hits)
                raise InvalidInput(f"此文件同时附在 {names}中，请用 --field 指明从哪一项移除。",
                                   "This file is attached in " + ", ".join(f.id for f, _e in hits)
                                   + "; name one with --field.")
            field, entry = hits[0]
            data[field.id] = [e for e in data[field.id] if e is not entry]
            return self._save(db, record_id, form, data, final, "detach"), entry, field

        return self.office.write(job)

    def _save(self, db: Any, record_id: str, form: FormDefinition, data: dict[str, Any], final: bool,
              event: str) -> SavedVersion:
        # Inside the writer's job: checked as the new version, saved as draft unless final.
        checker = self.service.checker.bind(db)
        checked = checker.check(form.id, data, form.version, exclude_record=record_id, similar=False)
        errors = [p for p in checked.problems if p["severity"] == "error"]
        blocking = errors if final else [p for p in errors if p["code"] not in checker.draft_tolerated]
        if blocking:
            raise RecordInvalid(checked.problems, blocking)
        return self.service._append_version(db, record_id, checked, "final" if final else "draft", event)

    def listing(self, record_id: str) -> list[dict[str, Any]]:
        """The files the record's current version names: field, name, kind, size, hash, and
        how much of each the province has acknowledged."""
        record = self.service.get(record_id)
        form = self.registry.form(record["form_id"], record["form_version"])
        data = json.loads(self.service.version(record["current_version_id"])["data"])
        out = []
        for f in attachment_fields(form):
            for entry in data.get(f.id) or []:
                row = self.service.db.execute(
                    "SELECT u.acknowledged, u.completed_at FROM attachments a LEFT JOIN attachment_uploads u "
                    "ON u.sha256 = a.sha256 WHERE a.sha256 = ?", [entry["sha256"]]).fetchone()
                out.append({**entry, "field": f.id, "field_label_zh": f.label_zh, "field_label_en": f.label_en,
                            "stored": row is not None, "uploaded": bool(row and row[1])})
        return out

    def extract(self, record_id: str, sha256: str, to: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the file ``sha256`` named by one of the record's versions to ``to`` (a file
        path, or a folder to write it under its recorded name); return the path written."""
        entry = self._named(record_id, sha256)
        target = Path(to)
        if target.is_dir():
            target = target / file_name(str(entry["name"]), str(entry["media_type"]))
        if target.exists() and not overwrite:
            raise InvalidInput(f"{target} 已存在；请换一个文件名，或加 --force 覆盖。",
                               f"{target} exists; choose another name or add --force to replace it.")
        if not target.parent.is_dir():
            raise InvalidInput(f"文件夹 {target.parent} 不存在。", f"The folder {target.parent} does not exist.")
        return write_file(self.service.db, sha256, target)

    def named(self, record_id: str) -> list[dict[str, Any]]:
        """Every file any version of the record names, newest version first."""
        found: list[dict[str, Any]] = []
        for version in reversed(self.service.versions(record_id)):
            form = self.registry.form(version["form_id"], version["form_version"])
            found += [e for e in named_attachments(form, json.loads(version["data"]))
                      if all(e["sha256"] != f["sha256"] for f in found)]
        return found

    def resolve(self, record_id: str, text: str) -> str:
        """The full hash of the record's file that ``text`` (a hash or a prefix of 8+) names."""
        text = text.strip().lower()
        hits = [e["sha256"] for e in self.named(record_id) if len(text) >= 8 and e["sha256"].startswith(text)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise InvalidInput(f"有多个附件的哈希以 {text} 开头，请多写几位。",
                               f"Several attachments' hashes begin with {text}; give more digits.")
        return self._named(record_id, text)["sha256"]

    def _named(self, record_id: str, sha256: str) -> dict[str, Any]:
        for entry in self.named(record_id):
            if entry["sha256"] == sha256:
                return entry
        raise InvalidInput(f"记录 {record_id} 没有哈希为 {sha256[:64]} 的附件。请用 record attachments 查看。",
                           f"Record {record_id} names no attachment {sha256[:64]}; see 'record attachments'.")

    def pieces(self, sha256: str) -> Iterator[bytes]:
        """The stored file's bytes, piece by piece, in order."""
        return stored_pieces(self.service.db, sha256)


def write_file(db: Any, sha256: str, target: Path) -> Path:
    """Write the stored file ``sha256`` to ``target`` (replacing it), checked against its hash.

    Written beside the target and renamed over it when whole and checked: a half-written
    file never carries the requested name, and a damaged store never yields a wrong file.
    """
    # Not named after the target: a long Chinese name plus a suffix would pass the 255 bytes
    # a file name may have, and the write would fail for the partial file alone.
    partial = target.parent / f".{sha256[:16]}.{uuid.uuid4().hex[:8]}.partial"
    try:
        digest = hashlib.sha256()
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for piece in stored_pieces(db, sha256):
                digest.update(piece)
                out.write(piece)
        if digest.hexdigest() != sha256:
            raise InvalidInput("本机存储中的此附件已损坏（哈希不符），请运行 check。",
                               "The stored attachment is damaged (its hash does not match); run 'check'.")
        os.replace(partial, target)
    except OSError as exc:
        exc.filename, exc.filename2 = str(target), None  # the name the clerk gave, not the partial file's
        raise user_error(exc) or InvalidInput(f"无法写入 {target}：{exc.strerror}。",
                                              f"Cannot write {target}: {exc.strerror}.") from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


def read_range(db: Any, sha256: str, offset: int, length: int) -> bytes:
    """``length`` bytes of a stored file from ``offset`` (fewer at its end), read from the
    pieces that hold them only."""
    first, last = offset // PIECE_BYTES, (offset + length - 1) // PIECE_BYTES
    rows = db.execute("SELECT data FROM attachment_pieces WHERE sha256 = ? AND n BETWEEN ? AND ? ORDER BY n",
                      [sha256, first, last]).fetchall()
    joined = b"".join(bytes(r[0]) for r in rows)
    start = offset - first * PIECE_BYTES
    return joined[start:start + length]


def stored_pieces(db: Any, sha256: str) -> Iterator[bytes]:
    """A stored file's bytes piece by piece (from any connection to the office database)."""
    n = 0
    while True:
        row = db.execute("SELECT data FROM attachment_pieces WHERE sha256 = ? AND n = ?", [sha256, n]).fetchone()
        if row is None:
            return
        yield bytes(row[0])
        n += 1
