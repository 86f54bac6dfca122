"""Chunked uploads of evidence files: verified, appended in order, checked whole.

A chunk is taken only at the end of what is held (one transaction locks the upload's row, so
two processes taking chunks of one upload queue); a chunk at an offset already held must be
the bytes held there and is answered with how far the upload has come, so a chunk sent again
after a lost answer changes nothing. When the last byte arrives the whole file is hashed and
its kind told from its bytes; a file that is not what the device signed is dropped whole.
"""

from __future__ import annotations

import hashlib
from typing import Any

from forms.attachments import sniff
from province.attachments import stored_chunks
from province.batches import read_payload, verify_device_envelope
from province.clock import utc_now
from province.context import Province
from province.db import Tx
from sync.errors import (
    AttachmentHashMismatch,
    ChunkMismatch,
    ChunkOutOfOrder,
    DeviceMismatch,
    KeyRetired,
    Revoked,
    TooManyUploads,
    UploadConflict,
)
from sync.uploads import CHUNK_TYPE, ChunkAnswer, ChunkHeader, envelope_from_header

MAX_OPEN_UPLOADS = 16


def receive_chunk(province: Province, header: str | None, body: bytes) -> dict[str, Any]:
    """Handle ``POST /v1/attachments/chunks``: verify, check and store one chunk; answer how
    many bytes of the file the province holds and whether it is complete."""
    verified, owner = verify_device_envelope(province, envelope_from_header(header), CHUNK_TYPE)
    chunk = read_payload(verified, ChunkHeader.from_json)
    if chunk.device_id != owner.device_id:
        raise DeviceMismatch("the chunk names another device than the key's owner")
    if owner.retired_from_sequence is not None:
        raise KeyRetired("this key was rotated away; sign with the new key",
                         retired_from_sequence=owner.retired_from_sequence)
    if len(body) != chunk.chunk_size or hashlib.sha256(body).hexdigest() != chunk.chunk_sha256:
        raise ChunkMismatch("the chunk's bytes are not those its signed header names")

    def work(tx: Tx) -> ChunkAnswer | None:
        revoked = tx.scalar("SELECT revoked_at FROM devices WHERE device_id = ?", [owner.device_id])
        if revoked is not None:
            raise Revoked("this device was revoked by the province", revoked_at=revoked)
        key = [owner.device_id, chunk.sha256]
        row = tx.one("SELECT size, media_type, received, completed_at FROM attachment_uploads "
                     "WHERE device_id = ? AND sha256 = ? FOR UPDATE", key)
        if row is None:
            # Unfinished uploads cost the province storage until they finish: a device (an
            # office sends one file at a time) may hold only so many.
            unfinished = tx.scalar("SELECT count(*) FROM attachment_uploads WHERE device_id = ? "
                                   "AND completed_at IS NULL", [owner.device_id])
            if unfinished >= MAX_OPEN_UPLOADS:
                raise TooManyUploads(f"this device has {unfinished} unfinished uploads; finish them first",
                                     max_open_uploads=MAX_OPEN_UPLOADS)
            tx.execute("INSERT INTO attachment_uploads (device_id, sha256, size, media_type, received, "
                       "started_at, completed_at) VALUES (?, ?, ?, ?, 0, ?, NULL)",
                       [*key, chunk.size, chunk.media_type, utc_now()])
            row = (chunk.size, chunk.media_type, 0, None)
        size, media_type, received, completed_at = row
        if (size, media_type) != (chunk.size, chunk.media_type):
            raise UploadConflict("this file was announced with another size or media type",
                                 size=size, media_type=media_type)
        if chunk.offset < received or completed_at is not None:
            # Bytes the province holds already: they must be the same bytes (compared where
            # they overlap, whatever the chunk sizes were then and now); the answer says
            # where the upload stands, and nothing is stored again.
            end = min(chunk.offset + len(body), received)
            if held_range(tx, owner.device_id, chunk.sha256, chunk.offset, end) != body[:end - chunk.offset]:
                raise UploadConflict("a chunk sent again differs from the bytes held at its offset",
                                     received=received)
            return ChunkAnswer(chunk.sha256, received, completed_at is not None)
        if chunk.offset > received:
            raise ChunkOutOfOrder(f"the province holds {received} bytes of this file; send from there",
                                  received=received)
        tx.execute("INSERT INTO attachment_chunks (device_id, sha256, chunk_offset, data) VALUES (?, ?, ?, ?)",
                   [*key, chunk.offset, body])
        received += len(body)
        if received < size:
            tx.execute("UPDATE attachment_uploads SET received = ? WHERE device_id = ? AND sha256 = ?",
                       [received, *key])
            return ChunkAnswer(chunk.sha256, received, False)
        return _complete(tx, owner.device_id, chunk, received)

    answer = province.db.run(work)
    if answer is None:  # the file was not what was signed: dropped, and said so
        raise AttachmentHashMismatch("the whole file does not match the SHA-256 and media type "
                                     "the device signed; what was received is dropped")
    return answer.to_json()


def held_range(tx: Tx, device_id: str, sha256: str, start: int, end: int) -> bytes:
    """The bytes ``start``..``end`` of a device's upload, from the chunks that hold them."""
    rows = tx.rows("SELECT chunk_offset, data FROM attachment_chunks WHERE device_id = ? AND sha256 = ? "
                   "AND chunk_offset < ? AND chunk_offset + length(data) > ? ORDER BY chunk_offset",
                   [device_id, sha256, end, start])
    if not rows:
        return b""
    joined = b"".join(bytes(data) for _, data in rows)
    return joined[start - rows[0][0]:end - rows[0][0]]


def _complete(tx: Tx, device_id: str, chunk: ChunkHeader, received: int) -> ChunkAnswer | None:
    content = b"".join(stored_chunks(tx, device_id, chunk.sha256))
    if hashlib.sha256(content).hexdigest() != chunk.sha256 or sniff(content) != chunk.media_type:
        # Dropped in this same transaction, so a new upload starts from nothing.
        tx.execute("DELETE FROM attachment_chunks WHERE device_id = ? AND sha256 = ?", [device_id, chunk.sha256])
        tx.execute("DELETE FROM attachment_uploads WHERE device_id = ? AND sha256 = ?", [device_id, chunk.sha256])
        return None
    tx.execute("UPDATE attachment_uploads SET received = ?, completed_at = ? WHERE device_id = ? AND sha256 = ?",
               [received, utc_now(), device_id, chunk.sha256])
    return ChunkAnswer(chunk.sha256, received, True)


