"""Evidence files named by a record: what an attachment field holds and what a file may be.

An attachment field's value is a list of entries ``{"sha256", "size", "media_type",
"name"}``: the file itself travels and is stored apart from the record, and the record
names it by its SHA-256, so a record version's content hash (and with it the history chain,
the batch signature and the receipt) covers the exact bytes of every file it names.
Both ends use these functions: the office when it takes a file in, the province when it
takes the uploaded bytes and the version that names them.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from typing import Any

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HARD_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_FILES = 20
NAME_MAX = 120
NAME_MAX_BYTES = 255
ENTRY_KEYS = frozenset({"sha256", "size", "media_type", "name"})
SHA256_RE = re.compile(r"[0-9a-f]{64}")

# What a clerk can attach, by media type: the word a message uses for it.
MEDIA_TYPES: dict[str, tuple[str, str]] = {
    "application/pdf": ("PDF 文件", "PDF file"),
    "application/ofd": ("OFD 版式文件", "OFD document"),
    "image/jpeg": ("JPEG 图片", "JPEG image"),
    "image/png": ("PNG 图片", "PNG image"),
}
SUFFIXES = {"application/pdf": ".pdf", "application/ofd": ".ofd", "image/jpeg": ".jpg", "image/png": ".png"}


def sniff(content: bytes) -> str | None:
    """The media type the bytes themselves say they are, or None for anything else.

    A file's name says nothing: a spreadsheet renamed ``.pdf`` is not a PDF. PDF readers
    accept the ``%PDF-`` header within the first kilobyte, and so does this; OFD (GB/T
    33190) is a zip package whose root holds ``OFD.xml``.
    """
    head = content[:1024]
    if b"%PDF-" in head:
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as package:
                names = {n.casefold() for n in package.namelist()}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return None
        if "ofd.xml" in names:
            return "application/ofd"
    return None


def clean_name(name: str) -> str:
    """The file name as a record keeps it: the last part of any path, without control or
    format characters, at most ``NAME_MAX`` characters; never a path that could lead out of
    a folder when a file is written back under it."""
    base = re.split(r"[/\\]", name)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    base = unicodedata.normalize("NFC", base)
    if len(base) > NAME_MAX:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: NAME_MAX - len(suffix) - 1] + dot + suffix) if dot and len(suffix) <= 10 else base[:NAME_MAX]
    return base or "附件"


def file_name(name: str, media_type: str) -> str:
    """The name to write a file under: its recorded name, with the suffix of the kind its
    bytes are added when the name says otherwise, so that ``报告.pdf.exe`` holding a PDF is
    written as ``报告.pdf.exe.pdf`` and a reader (or a double click) opens it as what it is."""
    name = clean_name(name)
    suffix = SUFFIXES.get(media_type)
    if suffix is not None and not (name.lower().endswith(suffix) or (suffix == ".jpg" and name.lower().endswith(".jpeg"))):
        name = clean_name(name + suffix)
    return _fit_bytes(name)


def _fit_bytes(name: str, limit: int = NAME_MAX_BYTES) -> str:
    # Most file systems take at most 255 bytes of a name: 120 Chinese characters (a name a
    # Windows office may keep) are 360 in UTF-8. The stem is shortened, the suffix kept.
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, dot, suffix = name, "", ""
    keep = limit - len((dot + suffix).encode("utf-8"))
    while len(stem.encode("utf-8")) > keep:
        stem = stem[:-1]
    return stem.rstrip() + dot + suffix


def max_bytes(spec: Mapping[str, Any]) -> int:
    """The largest file an attachment field takes (its definition's ``max_bytes``)."""
    value = spec.get("max_bytes", DEFAULT_MAX_BYTES)
    return int(value)


def entry_problem(entry: Any, limit: int) -> tuple[str, str] | None:
    """Why ``entry`` is not a well-formed attachment entry (Chinese, English), or None."""
    if not isinstance(entry, Mapping) or set(entry) != ENTRY_KEYS:
        return ("每个附件应写明 sha256、size、media_type 和 name。",
                "each attachment names its sha256, size, media_type and name.")
    digest, size, media, name = entry["sha256"], entry["size"], entry["media_type"], entry["name"]
    if not isinstance(digest, str) or not SHA256_RE.fullmatch(digest):
        return ("附件的 sha256 应为 64 位小写十六进制。", "an attachment's sha256 is 64 lower-case hex digits.")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= limit:
        return (f"附件大小应在 1 字节到 {mb(limit)} 之间。", f"an attachment is 1 byte to {mb(limit, 'en')}.")
    if media not in MEDIA_TYPES:
        return ("附件只能是 PDF、OFD、JPEG 或 PNG 文件。", "an attachment is a PDF, OFD, JPEG or PNG file.")
    if not isinstance(name, str) or clean_name(name) != name:
        return ("附件的文件名不能含路径或控制字符。", "an attachment's name holds no path or control characters.")
    return None


def mb(size: int, lang: str = "zh") -> str:
    """A byte count as a clerk reads it (``20 MB``, ``512 KB``)."""
    if size >= 1024 * 1024:
        value = f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
        return f"{value} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} 字节" if lang == "zh" else f"{size} bytes"


def named_attachments(form: Any, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every attachment entry a record's data names, in field order (attachment fields are
    top-level fields only)."""
    found: list[dict[str, Any]] = []
    for f in form.fields:
        value = data.get(f.id)
        if f.type == "attachment" and isinstance(value, list):
            found += [dict(e) for e in value if isinstance(e, Mapping)]
    return found
