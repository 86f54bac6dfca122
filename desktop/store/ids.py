"""Ids of records and versions: UUIDs that sort in the order they were made (UUIDv7).

Every index keyed by a record or version id (the records' and versions' keys, a record's
versions, its history, its duplicate keys) takes each new id at its right edge, where
random UUIDs (v4) land anywhere. Saving a chunk of an import into an office of 100,000
records then changes a few pages of each such index instead of hundreds, and each changed
page is encrypted, logged and copied back into the file. A single save touches the same
few hot pages too.

The layout is RFC 9562's: 48 bits of Unix time in milliseconds, the version, 12 bits of
counter (started at a random value below 2,048 each millisecond, so ids made in the same
millisecond still sort in order; once it runs out, the time borrows the next
millisecond), the variant and 62 random bits. An id says when its record was made, which
the record says anyway.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> str:
    """A new UUIDv7, as text; later calls in this process give larger ids."""
    global _last_ms, _counter
    with _lock:
        now = time.time_ns() // 1_000_000
        if now > _last_ms:
            _last_ms, _counter = now, int.from_bytes(os.urandom(2), "big") & 0x7FF
        else:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms, _counter = _last_ms + 1, 0
        ms, counter = _last_ms, _counter
    tail = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | tail
    return str(uuid.UUID(int=value))
