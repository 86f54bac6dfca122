"""How the office checks a record before saving it.

``RecordChecker`` turns (form id, data) into a ``Checked`` record: normalised data,
every problem found, and what the store indexes (title, sector, search text).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlite_utils

from desktop.services.updates import published_dir
from forms.acceptance import DRAFT_TOLERATED
from forms.errors import UnknownForm

if TYPE_CHECKING:
    from forms.duplicates import RecordKey
    from forms.registry import Registry


@dataclass
class Checked:
    form_id: str
    form_version: int
    data: Any
    problems: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    sector: str | None = None
    direction: str | None = None
    search_text: str = ""
    keys: tuple[RecordKey, ...] = ()
    """What duplicate checks will find this record by (``forms.duplicates.record_keys``)."""

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [p for p in self.problems if p["severity"] == "warning"]


def problem(path: str, code: str, zh: str, en: str, severity: str = "error") -> dict[str, Any]:
    return {"path": path, "code": code, "message_zh": zh, "message_en": en, "severity": severity}


class RecordChecker:
    """Checks a record's data; the base class accepts any JSON object under any form id."""

    # Problem codes a draft may still have: a draft is work in progress.
    draft_tolerated: frozenset[str] = frozenset({"required"})

    def bind(self, db: sqlite_utils.Database) -> RecordChecker:
        """This checker for the office whose database is ``db`` (for duplicate checks)."""
        return self

    # Exact keys (form, field, folded key) known to be in no record (``lookup.absent_keys``),
    # set by a caller checking many records at once: checks answer them without asking
    # the store. Only the forms checker asks the store at all.
    absent: Collection[tuple[str, str, str]] = ()

    def check(self, form_id: str, data: Any, form_version: int | None, *, exclude_record: str | None = None,
              similar: bool = True) -> Checked:
        if not isinstance(form_id, str) or not form_id.strip():
            return Checked("", 0, data, [problem("", "unknown_form", "表单编号为空。", "The form id is empty.")])
        if not isinstance(data, dict):
            return Checked(form_id, form_version or 1, data, [problem("", "not_object", "记录必须是 JSON 对象。", "A record must be a JSON object.")])
        title = next((str(data[k]) for k in ("name", "title", "number") if isinstance(data.get(k), str)), "")
        text = " ".join(str(v) for v in _strings(data))
        return Checked(form_id, form_version or 1, data, [], title[:200], _str(data.get("sector")), _str(data.get("direction")), text)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class FormsChecker(RecordChecker):
    """Checks records with the shared forms engine, against this office's other records."""

    draft_tolerated = DRAFT_TOLERATED

    def __init__(self, registry: Registry | Callable[[], Registry], db: sqlite_utils.Database | None = None) -> None:
        # A loader is called on first use: a command that only lists records never loads
        # (or imports) the forms engine.
        self._registry = registry
        self.db = db
        self.absent: Collection[tuple[str, str, str]] = ()

    @property
    def registry(self) -> Registry:
        """The forms registry (loaded now if it was given as a loader)."""
        if callable(self._registry):
            self._registry = self._registry()
        return self._registry

    def bind(self, db: sqlite_utils.Database) -> FormsChecker:
        """The same checker, looking up duplicates in ``db``."""
        return FormsChecker(self._registry, db)

    def check(self, form_id: str, data: Any, form_version: int | None, *, exclude_record: str | None = None,
              similar: bool = True) -> Checked:
        """Validate ``data``; ``similar=False`` leaves out the similar-name search (it only warns)."""
        # Imported on first check: a command that only reads records never loads them.
        from desktop.services.lookup import StoreLookup
        from forms.duplicates import record_keys

        lookup = StoreLookup(self.db, similar=similar, absent=self.absent) if self.db is not None else None
        result = self.registry.validate(form_id, data, version=form_version, lookup=lookup, record_id=exclude_record)
        problems = [p.to_json() for p in result.problems]
        try:
            form = self.registry.form(form_id, form_version)
        except UnknownForm:
            return Checked(str(form_id)[:64], form_version or 0, data, problems)
        clean = result.data if isinstance(result.data, dict) else data
        return Checked(
            form.id, form.version, clean, problems,
            title=form.title_of(clean), sector=_str(clean.get("sector")) if isinstance(clean, dict) else None,
            direction=_str(clean.get("direction")) if isinstance(clean, dict) else None,
            search_text=form.search_text(clean), keys=tuple(record_keys(form, clean)),
        )


def default_checker(data_dir: str | os.PathLike[str] | None = None) -> FormsChecker:
    """The checker the office app uses: packaged forms plus what the province published
    (read when first needed, once for this checker and every checker bound from it)."""

    @functools.cache
    def load() -> Registry:
        from forms.registry import load_registry

        return load_registry(published_dir(data_dir) if data_dir is not None else None)

    return FormsChecker(load)
