"""Reference data: named, versioned lists of coded items (sectors, org units, targets, ...).

A list is a JSON file ``{"kind": "reference", "name": ..., "version": n, "items": [...]}``
or, for org units, a CSV file named ``<name>.v<n>.csv``. Each item has a ``code``, Chinese and
English labels, optional ``children`` (a sector's directions), an optional ``retired`` flag
and any further attributes the list needs (a platform type's ``group``, a target's rule).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from forms.errors import DefinitionError
from forms.keys import choice_key

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
CSV_NAME_RE = re.compile(r"^([a-z][a-z0-9_]*)\.v([1-9][0-9]{0,5})\.csv$")
_RESERVED = {"code", "zh", "en", "help_zh", "help_en", "children", "retired", "synonyms"}

# Org units have no English names in the statistical code table; the CSV's ``name`` is used.
ORG_UNIT_LEVELS = ("province", "city", "county", "park")


@dataclass(frozen=True)
class ReferenceItem:
    """One coded entry of a reference list."""

    code: str
    label_zh: str
    label_en: str
    help_zh: str = ""
    help_en: str = ""
    retired: bool = False
    children: tuple[ReferenceItem, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    synonyms: tuple[str, ...] = ()

    def label(self, lang: str = "zh") -> str:
        """The item's label in ``lang`` ("zh" or "en")."""
        return self.label_en if lang == "en" else self.label_zh

    def match_keys(self) -> frozenset[str]:
        """The keys (:func:`forms.keys.choice_key`) a typed value may match this item by: code,
        labels, synonyms."""
        names = (self.code, self.label_zh, self.label_en, *self.synonyms)
        return frozenset(k for k in map(choice_key, names) if k)

    def child(self, code: Any) -> ReferenceItem | None:
        """The child item (e.g. a direction of this sector) with ``code``, or None."""
        return next((c for c in self.children if c.code == code), None)

    def to_json(self) -> dict[str, Any]:
        """The item as plain JSON, as it appears in a reference file."""
        out: dict[str, Any] = {"code": self.code, "zh": self.label_zh, "en": self.label_en}
        if self.help_zh or self.help_en:
            out.update(help_zh=self.help_zh, help_en=self.help_en)
        if self.retired:
            out["retired"] = True
        if self.synonyms:
            out["synonyms"] = list(self.synonyms)
        if self.children:
            out["children"] = [c.to_json() for c in self.children]
        out.update(self.attrs)
        return out


@dataclass(frozen=True)
class ReferenceList:
    """A named, versioned reference list; ``items`` includes retired items, in file order."""

    name: str
    version: int
    label_zh: str
    label_en: str
    items: tuple[ReferenceItem, ...]
    _index: Mapping[str, ReferenceItem] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {item.code: item for item in self.items})

    def __iter__(self) -> Iterator[ReferenceItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._index

    def get(self, code: Any) -> ReferenceItem | None:
        """The item with ``code`` (retired or not), or None."""
        return self._index.get(code) if isinstance(code, str) else None

    def active(self) -> list[ReferenceItem]:
        """Items offered for new entries (not retired)."""
        return [item for item in self.items if not item.retired]

    def codes(self) -> list[str]:
        """Codes of the active items, in order."""
        return [item.code for item in self.items if not item.retired]

    def label_of(self, code: Any, lang: str = "zh") -> str:
        """The label of ``code``, or the code itself when the list does not hold it."""
        item = self.get(code)
        return item.label(lang) if item else str(code)

    def to_json(self) -> dict[str, Any]:
        """The list as a reference file's JSON."""
        return {
            "kind": "reference",
            "name": self.name,
            "version": self.version,
            "label": {"zh": self.label_zh, "en": self.label_en},
            "items": [item.to_json() for item in self.items],
        }


@dataclass(frozen=True)
class OrgUnit:
    """An organisational unit: the province, a city, a county-level unit or a park."""

    code: str
    name: str
    level: str
    parent_code: str | None
    retired: bool = False

    @classmethod
    def from_item(cls, item: ReferenceItem) -> OrgUnit:
        parent = item.attrs.get("parent_code")
        return cls(
            item.code, item.label_zh, str(item.attrs.get("level", "")), parent or None, item.retired
        )


def _text(raw: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise DefinitionError(f"{where}: '{key}' must be {'non-empty ' if required else ''}text")
    return value


def parse_item(raw: Any, where: str, depth: int = 0) -> ReferenceItem:
    """Parse one item of a reference list, raising DefinitionError naming ``where``."""
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: an item must be an object")
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise DefinitionError(f"{where}: bad item code {code!r}")
    zh = _text(raw, "zh", where)
    en = raw.get("en") or zh
    if not isinstance(en, str):
        raise DefinitionError(f"{where}: 'en' must be text")
    children_raw = raw.get("children", [])
    if not isinstance(children_raw, list) or (children_raw and depth > 0):
        raise DefinitionError(f"{where}: 'children' must be a list, one level deep")
    children = tuple(
        parse_item(c, f"{where}.children[{i}]", depth + 1) for i, c in enumerate(children_raw)
    )
    _unique([c.code for c in children], f"{where}.children")
    retired = raw.get("retired", False)
    if not isinstance(retired, bool):
        raise DefinitionError(f"{where}: 'retired' must be true or false")
    synonyms = raw.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(
        isinstance(x, str) and x.strip() for x in synonyms
    ):
        raise DefinitionError(f"{where}: 'synonyms' is a list of texts offices write for the item")
    attrs = {k: v for k, v in raw.items() if k not in _RESERVED}
    _unambiguous(children, f"{where}.children")
    return ReferenceItem(
        code,
        zh,
        en,
        _text(raw, "help_zh", where, required=False),
        _text(raw, "help_en", where, required=False),
        retired,
        children,
        MappingProxyType(attrs),
        tuple(synonyms),
    )


def _unique(codes: list[str], where: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise DefinitionError(f"{where}: code {code!r} appears twice")
        seen.add(code)


def _unambiguous(items: tuple[ReferenceItem, ...] | list[ReferenceItem], where: str) -> None:
    """No typed value may match two items: their folded labels and synonyms are distinct."""
    owner: dict[str, str] = {}
    for item in items:
        for key in item.match_keys():
            if owner.setdefault(key, item.code) != item.code:
                raise DefinitionError(
                    f"{where}: {item.code!r} and {owner[key]!r} share the label or synonym {key!r}"
                )


def parse_reference(raw: Any, source: str) -> ReferenceList:
    """Parse a reference list's JSON (already decoded), raising DefinitionError naming ``source``."""
    if not isinstance(raw, dict) or raw.get("kind") != "reference":
        raise DefinitionError(f'{source}: not a reference list ("kind": "reference" missing)')
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise DefinitionError(f"{source}: bad list name {name!r}")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DefinitionError(f"{source}: 'version' must be a whole number from 1")
    label = raw.get("label", {})
    if not isinstance(label, dict):
        raise DefinitionError(f"{source}: 'label' must be an object with zh and en")
    items_raw = raw.get("items")
    if not isinstance(items_raw, list):
        raise DefinitionError(f"{source}: 'items' must be a list")
    items = tuple(parse_item(item, f"{source}: items[{i}]") for i, item in enumerate(items_raw))
    _unique([item.code for item in items], source)
    _unambiguous(items, source)
    zh, en = label.get("zh"), label.get("en")
    zh = zh if isinstance(zh, str) else name
    en = en if isinstance(en, str) else name
    return ReferenceList(name, version, zh, en, items)


def parse_org_units_csv(text: str, filename: str) -> ReferenceList:
    """Parse an org-unit CSV (``code,name,level,parent_code[,retired]``) named ``<name>.v<n>.csv``."""
    match = CSV_NAME_RE.match(filename)
    if not match:
        raise DefinitionError(f"{filename}: a CSV list must be named <name>.v<version>.csv")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or not {"code", "name", "level", "parent_code"} <= set(
        reader.fieldnames
    ):
        raise DefinitionError(f"{filename}: columns code, name, level, parent_code are required")
    items = []
    for line, row in enumerate(reader, start=2):
        where = f"{filename}:{line}"
        level = (row.get("level") or "").strip()
        if level not in ORG_UNIT_LEVELS:
            raise DefinitionError(f"{where}: level must be one of {', '.join(ORG_UNIT_LEVELS)}")
        raw = {
            "code": (row.get("code") or "").strip(),
            "zh": (row.get("name") or "").strip(),
            "en": (row.get("name_en") or "").strip() or (row.get("name") or "").strip(),
            "retired": (row.get("retired") or "").strip().lower() in ("1", "true", "yes"),
            "level": level,
            "parent_code": (row.get("parent_code") or "").strip() or None,
        }
        items.append(parse_item(raw, where))
    _unique([item.code for item in items], filename)
    codes = {item.code for item in items}
    for item in items:
        parent = item.attrs.get("parent_code")
        if parent is not None and parent not in codes:
            raise DefinitionError(f"{filename}: {item.code}'s parent {parent} is not in the list")
    return ReferenceList(
        match[1], int(match[2]), "组织单位（行政区划与园区）", "Organisational units", tuple(items)
    )
