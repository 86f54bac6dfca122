"""Canonical JSON and content hashes, identical at the office, the province and the auditor.

Every hash in the project is taken over these bytes, so the office's record versions, the
batches built from them and an export can be recomputed anywhere from the data alone.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# One encoder for every call: json.dumps with non-default options builds a new one each time,
# which costs as much as encoding a small object.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no insignificant whitespace."""
    return _ENCODER.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(form_id: str, form_version: int, data: Any) -> str:
    """The hash of one record version's content: its form, form version and data."""
    return sha256_hex(
        canonical_json({"form_id": form_id, "form_version": form_version, "data": data})
    )


def content_hash_of_json(form_id: str, form_version: int, data_json: bytes) -> str:
    """``content_hash`` of data already encoded by ``canonical_json``: the same bytes hashed,
    without encoding the data a second time ("data" sorts before "form_id")."""
    return sha256_hex(
        b'{"data":' + data_json + b',"form_id":' + canonical_json(form_id)
        + b',"form_version":' + canonical_json(form_version) + b"}"
    )
