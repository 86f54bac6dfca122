"""Files of an export, written as streams and hashed as they are written.

Nothing is held whole in memory: each file is written through :class:`HashedFile`, which
keeps its size and SHA-256 for the manifest.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


class HashedFile:
    """A binary file being written, with its running SHA-256 and size."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = open(path, "wb")  # noqa: SIM115 - closed by close()/the folder's owner
        self._sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self._sha.update(data)
        self.size += len(data)

    def close(self) -> dict[str, Any]:
        """Flush to disk and return the manifest entry ``{"sha256", "size"}``."""
        if self._fh.closed:
            return {"sha256": self._sha.hexdigest(), "size": self.size}
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        return {"sha256": self._sha.hexdigest(), "size": self.size}


class ExportFolder:
    """The folder being written; remembers every file's hash and size for the manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, dict[str, Any]] = {}
        self._open: dict[str, HashedFile] = {}

    def open(self, rel: str) -> HashedFile:
        """A file to stream into; :meth:`close_all` (or :meth:`finish`) records it."""
        handle = HashedFile(self.root / rel)
        self._open[rel] = handle
        return handle

    def finish(self, rel: str) -> None:
        self.files[rel] = self._open.pop(rel).close()

    def write(self, rel: str, data: bytes) -> None:
        """A small file written at once."""
        handle = self.open(rel)
        handle.write(data)
        self.finish(rel)

    def add_existing(self, rel: str) -> None:
        """Record a file another library wrote (the workbook), hashing it from disk."""
        self.files[rel] = file_digest(self.root / rel)
        with open(self.root / rel, "rb") as fh:
            os.fsync(fh.fileno())

    def close_all(self) -> None:
        for rel in list(self._open):
            self.finish(rel)


def file_digest(path: Path) -> dict[str, Any]:
    """``{"sha256", "size"}`` of a file, read in chunks."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return {"sha256": sha.hexdigest(), "size": size}
