"""A record's history as a reviewer reads it: each version and what it changed, field by field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from forms.errors import UnknownForm

MAX_VALUE = 500


def _group(form: Any, field: Any, items: list[Any], lang: str) -> str:
    """A repeat group: one item after another, each item's values as a person reads them."""
    shown = []
    for item in items[:50]:
        parts = []
        for key, value in item.items():
            if value in (None, ""):
                continue
            try:
                sub = field.subfield(key)
                parts.append(str(form.display_value(sub, value, item, lang)))
            except (KeyError, TypeError, ValueError):
                parts.append(str(value))
        shown.append("，".join(parts) if lang == "zh" else ", ".join(parts))
    return "；".join(shown) if lang == "zh" else "; ".join(shown)


def _display(form: Any, name: str, value: Any, data: Mapping[str, Any], lang: str) -> str:
    if value is None:
        return ""
    if form is not None and form.has_field(name):
        field = form.field(name)
        if field.is_group and isinstance(value, list) and all(isinstance(v, Mapping)
                                                               for v in value):
            return _group(form, field, value, lang)[:MAX_VALUE]
        if not isinstance(value, dict | list) or field.type in ("multi_choice", "attachment"):
            try:
                return str(form.display_value(field, value, data, lang))[:MAX_VALUE]
            except (TypeError, ValueError):
                pass
    if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
        # A repeat group: one item per line, its values in the order typed.
        text = "；".join("，".join(str(v) for v in item.values() if v not in (None, ""))
                        for item in value)
    else:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text[:MAX_VALUE]


def _label(form: Any, name: str, lang: str) -> str:
    if form is not None and form.has_field(name):
        return str(form.field(name).label(lang))
    return name


def changes(form: Any, before: Mapping[str, Any], after: Mapping[str, Any],
            lang: str) -> list[dict[str, str]]:
    """Fields that differ between two versions' data, in the form's field order."""
    order = [f.id for f in form.fields] if form is not None else []
    names = [n for n in order if n in before or n in after]
    names += sorted((set(before) | set(after)) - set(names))
    out = []
    for name in names:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        out.append({"field": name, "label": _label(form, name, lang), "kind": kind,
                    "old": _display(form, name, old, before, lang),
                    "new": _display(form, name, new, after, lang)})
    return out


def history(registry: Any, versions: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Each version (oldest first) with its field-level changes from the one before."""
    steps = []
    previous: Mapping[str, Any] = {}
    for version in versions:
        try:
            form = registry.form(version["form_id"], version["form_version"])
        except (UnknownForm, LookupError):
            form = None
        data = version["data"] if isinstance(version["data"], Mapping) else {}
        steps.append({**version, "changes": changes(form, previous, data, lang)})
        previous = data
    return steps
