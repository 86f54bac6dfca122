"""The in-memory shape of a form definition: fields, choices, rules and the form itself.

These objects are immutable and plain, so a GUI can walk ``form.fields`` to build widgets,
the CLI can print them and the engine can validate against them. They are built from the
JSON definition files by :mod:`forms.parsing`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from forms.conditions import Condition, is_filled
from forms.keys import key_fields
from forms.refdata import ReferenceItem, ReferenceList

if TYPE_CHECKING:
    from forms.duplicates import DuplicateLookup
    from forms.problems import ValidationResult

FIELD_TYPES = (
    "text", "textarea", "integer", "decimal", "money", "date", "year",
    "choice", "multi_choice", "boolean", "code", "group", "record_ref", "attachment",
)  # fmt: skip

_EMPTY: Mapping[str, Any] = MappingProxyType({})
# Longest display title; titles are list labels, not documents.
TITLE_MAX = 200
SEARCH_TEXT_MAX = 100_000


class ReferenceSource(Protocol):
    """Where a form finds its named choice lists (the registry implements this)."""

    def reference(self, name: str, version: int | None = None) -> ReferenceList: ...

    def reference_versions(self, name: str) -> list[ReferenceList]: ...


@dataclass(frozen=True)
class Rule:
    """A cross-field rule of a form or repeat group; ``spec`` holds its JSON."""

    type: str
    spec: Mapping[str, Any]
    severity: str = "error"
    message_zh: str = ""
    message_en: str = ""


@dataclass(frozen=True)
class Field:
    """One field of a form (or of a repeat group's item), with everything a widget needs."""

    id: str
    type: str
    label_zh: str
    label_en: str
    help_zh: str = ""
    help_en: str = ""
    required: bool = False
    required_when: Condition | None = None
    relevant: Condition | None = None
    min: Any = None
    max: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    unit_zh: str = ""
    unit_en: str = ""
    decimals: int | None = None
    choice_list: str | None = None
    choices: tuple[ReferenceItem, ...] = ()
    parent: str | None = None
    validator: str | None = None
    validator_param: str | None = None
    ref_form: str | None = None
    fields: tuple[Field, ...] = ()
    min_items: int | None = None
    max_items: int | None = None
    unique: str | None = None
    similar: bool = False
    rules: tuple[Rule, ...] = ()
    messages: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: _EMPTY)
    spec: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False)
    pattern_re: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    # record_ref: fields of this form filled from the chosen record when empty, e.g.
    # {"enterprise_name": "name"} (this form's field: the referenced form's field).
    fill: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def label(self, lang: str = "zh") -> str:
        """The field's label in ``lang`` ("zh" or "en")."""
        return self.label_en if lang == "en" else self.label_zh

    def help(self, lang: str = "zh") -> str:
        """The field's help text in ``lang``."""
        return self.help_en if lang == "en" else self.help_zh

    def unit(self, lang: str = "zh") -> str:
        """The unit shown beside a number ("万元", "人", ...), or ""."""
        return self.unit_en if lang == "en" else self.unit_zh

    @property
    def is_choice(self) -> bool:
        return self.type in ("choice", "multi_choice")

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    @property
    def multiline(self) -> bool:
        return self.type == "textarea"

    def subfield(self, field_id: str) -> Field:
        """The repeat group's subfield ``field_id`` (KeyError if none)."""
        for sub in self.fields:
            if sub.id == field_id:
                return sub
        raise KeyError(field_id)


def _filler(values: Mapping[str, str]) -> Any:
    return lambda match: values[match[1]]


@dataclass(frozen=True)
class FormDefinition:
    """One version of one form. ``fields`` is ordered as the form should be shown."""

    id: str
    version: int
    label_zh: str
    label_en: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    title_parts: tuple[str, ...] = ()
    description_zh: str = ""
    description_en: str = ""
    order: int = 100
    spec: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False)
    references: ReferenceSource | None = field(default=None, repr=False, compare=False)
    # "error" or "warning": a second record with the same de-duplication key (the form's
    # entry in the ``duplicate_keys`` list, e.g. credit code and year) is a duplicate.
    unique_key: str | None = None

    # -- structure ------------------------------------------------------------------
    def label(self, lang: str = "zh") -> str:
        """The form's name in ``lang``."""
        return self.label_en if lang == "en" else self.label_zh

    def field(self, field_id: str) -> Field:
        """The top-level field ``field_id``, or ``group.sub`` for a repeat group's subfield."""
        head, _, tail = field_id.partition(".")
        for f in self.fields:
            if f.id == head:
                return f.subfield(tail) if tail else f
        raise KeyError(field_id)

    def has_field(self, field_id: str) -> bool:
        try:
            self.field(field_id)
        except KeyError:
            return False
        return True

    def key_fields(self) -> tuple[str, ...]:
        """The fields of this form's de-duplication key: its item of the ``duplicate_keys``
        list (e.g. ``("credit_code", "year")``), or () when the list names none."""
        if self.references is None:
            return ()
        try:
            item = self.references.reference("duplicate_keys").get(self.id)
        except LookupError:
            return ()
        return key_fields(item.attrs) if item is not None else ()

    def key_year(self) -> str | None:
        """The year field of this form's de-duplication key (an annual report's ``year``), or
        None when the form is not reported year by year."""
        return next((n for n in self.key_fields() if self.has_field(n) and self.field(n).type == "year"), None)

    def walk(self) -> Iterator[tuple[str, Field]]:
        """Every field with its dotted path ("name", "members", "members.name"), in order."""
        for f in self.fields:
            yield f.id, f
            for sub in f.fields:
                yield f"{f.id}.{sub.id}", sub

    def to_json(self) -> dict[str, Any]:
        """The definition's JSON as published (for ``forms show --json`` and exports)."""
        return dict(self.spec)

    # -- relevance ------------------------------------------------------------------
    def is_relevant(
        self, f: Field, data: Mapping[str, Any], item: Mapping[str, Any] | None = None
    ) -> bool:
        """Whether ``f`` is shown for ``data`` (``item`` is the group item for subfields)."""
        if f.relevant is None:
            return True
        values, outer = (item, data) if item is not None else (data, None)
        return f.relevant.evaluate(values, outer)

    def is_required(
        self, f: Field, data: Mapping[str, Any], item: Mapping[str, Any] | None = None
    ) -> bool:
        """Whether ``f`` must be filled for ``data``: required (or required_when) and relevant."""
        if not self.is_relevant(f, data, item):
            return False
        if f.required:
            return True
        if f.required_when is None:
            return False
        values, outer = (item, data) if item is not None else (data, None)
        return f.required_when.evaluate(values, outer)

    # -- choices --------------------------------------------------------------------
    def _lists(self, name: str) -> list[ReferenceList]:
        if self.references is None:
            return []
        try:
            return self.references.reference_versions(name)
        except LookupError:
            return []

    def _options_in(
        self, f: Field, ref: ReferenceList, parent_code: Any
    ) -> tuple[ReferenceItem, ...]:
        if f.parent is None:
            return ref.items
        parent = ref.get(parent_code)
        return parent.children if parent else ()

    def choices(
        self,
        f: Field | str,
        data: Mapping[str, Any] | None = None,
        item: Mapping[str, Any] | None = None,
        *,
        include_retired: bool = False,
    ) -> list[ReferenceItem]:
        """The options of a choice field for the current ``data`` (a direction's depend on the sector).

        Retired options are left out unless asked for; they stay valid on old records.
        """
        f = self.field(f) if isinstance(f, str) else f
        if f.choices:
            options: tuple[ReferenceItem, ...] = f.choices
        else:
            lists = self._lists(f.choice_list or "")
            if not lists:
                return []
            options = self._options_in(f, lists[0], self._parent_value(f, data or {}, item))
        return [o for o in options if include_retired or not o.retired]

    def _parent_value(
        self, f: Field, data: Mapping[str, Any], item: Mapping[str, Any] | None
    ) -> Any:
        if f.parent is None:
            return None
        if item is not None and f.parent in item:
            return item[f.parent]
        return data.get(f.parent) if isinstance(data, Mapping) else None

    def find_choice(
        self,
        f: Field,
        code: Any,
        data: Mapping[str, Any] | None = None,
        item: Mapping[str, Any] | None = None,
    ) -> tuple[ReferenceItem | None, str]:
        """Look ``code`` up among ``f``'s options: (item, "active" | "retired" | "unknown").

        A code dropped from a newer reference list, or marked retired, is "retired" so that
        records made before the change stay valid (with a warning).
        """
        if not isinstance(code, str):
            return None, "unknown"
        if f.choices:
            found = next((c for c in f.choices if c.code == code), None)
            if found is None:
                return None, "unknown"
            return found, "retired" if found.retired else "active"
        parent_code = self._parent_value(f, data or {}, item)
        for index, ref in enumerate(self._lists(f.choice_list or "")):
            found = next((c for c in self._options_in(f, ref, parent_code) if c.code == code), None)
            if found is not None:
                return found, "active" if index == 0 and not found.retired else "retired"
        return None, "unknown"

    def choice_label(
        self, f: Field, code: Any, data: Mapping[str, Any] | None = None, lang: str = "zh"
    ) -> str:
        """A choice code's label (the code itself if unknown)."""
        found, _ = self.find_choice(f, code, data)
        return found.label(lang) if found else str(code)

    # -- display --------------------------------------------------------------------
    def display_value(
        self, f: Field, value: Any, data: Mapping[str, Any] | None = None, lang: str = "zh"
    ) -> str:
        """A value as a person reads it: choice labels, 是/否, numbers with units."""
        if value is None:
            return ""
        if f.type == "choice":
            return self.choice_label(f, value, data, lang)
        if f.type == "multi_choice" and isinstance(value, list):
            sep = "、" if lang == "zh" else ", "
            return sep.join(self.choice_label(f, v, data, lang) for v in value[:100])
        if f.type == "boolean" and isinstance(value, bool):
            return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        if f.type == "attachment" and isinstance(value, list):
            sep = "、" if lang == "zh" else ", "
            return sep.join(str(e.get("name", "")) for e in value[:100] if isinstance(e, Mapping))
        if isinstance(value, dict | list):
            return ""
        if isinstance(value, int) and abs(value) >= 10**100:
            return "…"  # str() refuses ints this long; such a value is junk anyway
        text = str(value)[:TITLE_MAX]
        unit = f.unit(lang)
        return f"{text} {unit}" if unit and f.type in ("integer", "decimal", "money") else text

    def title_of(self, data: Any) -> str:
        """A short human title for a record: e.g. the enterprise name, or number《title》.

        Built from the definition's ``title`` pieces; a piece whose fields are empty is
        dropped. Never raises, whatever ``data`` holds.
        """
        if not isinstance(data, Mapping):
            return f"{self.label_zh}（无内容）"
        pieces = []
        for piece in self.title_parts:
            names = re.findall(r"\{([a-z][a-z0-9_]*)\}", piece)
            values: dict[str, str] = {}
            for name in names:
                f = self._top_field(name)
                raw = data.get(name)
                values[name] = self.display_value(f, raw, data) if f and raw is not None else ""
            if names and all(values[n].strip() for n in names):
                pieces.append(re.sub(r"\{([a-z][a-z0-9_]*)\}", _filler(values), piece))
        title = re.sub(r"\s+", " ", "".join(pieces)).strip()
        return title[:TITLE_MAX] or f"{self.label_zh}（未命名）"

    def _top_field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def search_text(self, data: Any) -> str:
        """The text a full-text index should hold for a record: string values and choice labels.

        Codes stay in (credit codes and standard numbers are searched for), choice fields
        contribute their Chinese and English labels, and repeat groups their items' text.
        """
        if not isinstance(data, Mapping):
            return ""
        parts: list[str] = []
        for f in self.fields:
            value = data.get(f.id)
            if f.type == "attachment" and isinstance(value, list):
                parts.extend(str(e.get("name", "")) for e in value[:100] if isinstance(e, Mapping))
            elif f.is_group and isinstance(value, list):
                for item in value[:1000]:
                    if isinstance(item, Mapping):
                        for sub in f.fields:
                            self._search_parts(sub, item.get(sub.id), data, item, parts)
            else:
                self._search_parts(f, value, data, None, parts)
        return "\n".join(p for p in parts if p)[:SEARCH_TEXT_MAX]

    def _search_parts(
        self,
        f: Field,
        value: Any,
        data: Mapping[str, Any],
        item: Mapping[str, Any] | None,
        parts: list[str],
    ) -> None:
        codes = value if f.type == "multi_choice" and isinstance(value, list) else [value]
        for code in codes[:100]:
            if f.is_choice:
                found, _ = self.find_choice(f, code, data, item)
                if found:
                    parts.extend((found.label_zh, found.label_en))
                elif isinstance(code, str):
                    parts.append(code)
            elif isinstance(code, str) and is_filled(code):
                parts.append(code[:SEARCH_TEXT_MAX])

    # -- validation -----------------------------------------------------------------
    def validate(
        self, data: Any, *, lookup: DuplicateLookup | Any = None, record_id: str | None = None
    ) -> ValidationResult:
        """Validate ``data`` against this form version (see :func:`forms.validation.validate_record`)."""
        from forms.validation import validate_record

        return validate_record(self, data, lookup=lookup, record_id=record_id)
