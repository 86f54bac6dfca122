"""Attachment upload: the signed chunk header both ends read, and the province's answer.

A file named by a record version travels apart from the batch, in chunks: each request's
body is the chunk's raw bytes, and its ``X-Anhui-Chunk`` header carries a DSSE envelope
signed by the device that says which file (SHA-256, size, media type), where in it
(offset) and which bytes (the chunk's own SHA-256 and length). The province appends a
chunk only at the end of what it holds, answers a chunk it already holds with what it
holds (so a chunk sent again is harmless), and once the file is whole checks it against
the hash the device signed before anyone may name it in a version.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from sync.errors import MalformedRequest
from sync.fields import ID, Fields
from sync.protocol import PROTOCOL_VERSION, payload_type

CHUNK_TYPE = payload_type("attachment-chunk")
CHUNK_HEADER = "X-Anhui-Chunk"
MAX_HEADER = 4096
MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024
CHUNK_BYTES = 4 * 1024 * 1024
HEX64 = re.compile(r"^[0-9a-f]{64}$")
MEDIA = re.compile(r"^(application/pdf|application/ofd|image/jpeg|image/png)$")


@dataclass(frozen=True)
class ChunkHeader:
    """What the device signs for one chunk."""

    device_id: str
    sha256: str
    size: int
    media_type: str
    offset: int
    chunk_size: int
    chunk_sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL_VERSION, "device_id": self.device_id, "sha256": self.sha256,
                "size": self.size, "media_type": self.media_type, "offset": self.offset,
                "chunk_size": self.chunk_size, "chunk_sha256": self.chunk_sha256}

    @classmethod
    def from_json(cls, obj: Any) -> ChunkHeader:
        f = Fields(obj)
        f.protocol()
        size = f.integer("size", minimum=1, maximum=MAX_ATTACHMENT_BYTES)
        msg = cls(f.text("device_id", max_len=128, pattern=ID), f.text("sha256", max_len=64, pattern=HEX64),
                  size, f.text("media_type", max_len=64, pattern=MEDIA),
                  f.integer("offset", maximum=MAX_ATTACHMENT_BYTES - 1),
                  f.integer("chunk_size", minimum=1, maximum=MAX_ATTACHMENT_BYTES),
                  f.text("chunk_sha256", max_len=64, pattern=HEX64))
        f.done()
        if msg.offset + msg.chunk_size > msg.size:
            raise f.fail("chunk_size", "the chunk runs past the end of the file")
        return msg


@dataclass(frozen=True)
class ChunkAnswer:
    """The province's answer: how many bytes of the file it holds, and whether it is whole
    and checked."""

    sha256: str
    received: int
    complete: bool

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "received": self.received, "complete": self.complete}

    @classmethod
    def from_json(cls, obj: Any) -> ChunkAnswer:
        f = Fields(obj)
        msg = cls(f.text("sha256", max_len=64, pattern=HEX64),
                  f.integer("received", maximum=MAX_ATTACHMENT_BYTES), f.flag("complete"))
        f.done()
        return msg


def header_value(envelope: bytes) -> str:
    """The header's text for a signed chunk envelope (base64: headers are ASCII)."""
    return base64.b64encode(envelope).decode("ascii")


def envelope_from_header(value: str | None) -> bytes:
    """The envelope bytes a chunk request's header carries; malformed_request if absent or bad."""
    if not value or len(value) > MAX_HEADER:
        raise MalformedRequest(f"a chunk is sent with its signed {CHUNK_HEADER} header")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise MalformedRequest(f"{CHUNK_HEADER} is not base64") from None
