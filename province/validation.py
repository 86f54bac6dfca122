"""Record validation on the province side, with the very engine the office uses (``forms``).

The registry is built from the forms shipped with the code plus every form version and
reference list the province published (materialised from the database into a folder the
engine reads as overrides), and rebuilt when something new is published.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from province.db import Database, Tx
from sync.fsutil import write_atomic
from sync.protocol import Reason, RecordVersion

MAX_REASONS = 50


def _problem_reason(problem: Any) -> Reason:
    return Reason(str(problem.path), str(problem.code), str(problem.message_zh),
                  str(problem.message_en))


class Validator:
    """Checks record versions; ``check`` returns the reasons to reject (empty = accept)."""

    def __init__(self, db: Database, folder: Path,
                 loader: Callable[[Path | None], Any] | None = None) -> None:
        self.db = db
        self.folder = folder
        self._loader = loader
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._registry: Any = None

    def load_registry(self, overrides: Path | None) -> Any:
        """A fresh registry with ``overrides`` (published definitions) on top of the shipped ones."""
        if self._loader is not None:
            return self._loader(overrides)
        import forms

        return forms.load_registry(overrides_dir=overrides)

    def registry(self) -> Any:
        """The registry, rebuilt first if the province published anything since last time."""
        generation = self.db.run(
            lambda tx: int(tx.scalar("SELECT COUNT(*) FROM published")), write=False)
        with self._lock:
            if self._registry is None or generation != self._generation:
                rows = self.db.run(_published_rows, write=False)
                overrides = materialise(self.folder, rows) if rows else None
                self._registry = self.load_registry(overrides)
                self._generation = generation
            return self._registry

    def check(self, version: RecordVersion, registry: Any) -> list[Reason]:
        """Every reason to refuse ``version``; an empty list accepts it.

        The version is judged by the status it declares (a draft may be incomplete, a final
        version must pass every check) and must carry data already in the forms engine's
        normalised form (:func:`forms.acceptance.judge_version`).
        """
        if not version.hash_matches():
            return [Reason("content_hash", "content_hash_mismatch",
                           "内容哈希与表单、表单版本和数据不符。",
                           "content_hash is not the hash of form_id, form_version and data.")]
        # Imported here, like the registry, so a server process starts without the forms engine.
        from forms.acceptance import judge_version

        try:
            problems = judge_version(registry, version.form_id, version.form_version,
                                     version.data, version.status)
        except LookupError:
            return [Reason("form_version", "unknown_form",
                           f"省级未发布表单 {version.form_id} 的第 {version.form_version} 版。",
                           f"The province has no version {version.form_version} "
                           f"of form {version.form_id}.")]
        return [_problem_reason(p) for p in problems[:MAX_REASONS]]


def _published_rows(tx: Tx) -> list[tuple[str, str, int, str]]:
    return [(r[0], r[1], int(r[2]), r[3]) for r in tx.rows(
        "SELECT kind, name, version, content FROM published ORDER BY kind, name, version")]


def file_name(kind: str, name: str, version: int) -> str:
    """Where a published form or reference list lives in the overrides folder."""
    if kind == "reference_csv":
        return f"reference/{name}.v{version}.csv"
    sub = "forms" if kind == "form" else "reference"
    return f"{sub}/{name}.v{version}.json"


def materialise(folder: Path, rows: list[tuple[str, str, int, str]]) -> Path:
    """Write published definitions as files the forms engine loads; return the folder."""
    for kind, name, version, content in rows:
        path = folder / file_name(kind, name, version)
        data = content.encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            write_atomic(path, data, mode=0o644)
    return folder

