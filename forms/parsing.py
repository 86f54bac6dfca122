"""Parsing and checking form definition files (``{"kind": "form", ...}``).

A definition is data published by the province, so it is checked as strictly as a record:
unknown keys, unknown field types, dangling field references and missing fixed field ids
are refused with a message naming the file and the spot, before any record meets it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from forms.attachments import DEFAULT_MAX_FILES, HARD_MAX_BYTES
from forms.conditions import Condition, parse_condition
from forms.errors import DefinitionError
from forms.model import FIELD_TYPES, Field, FormDefinition, ReferenceSource, Rule
from forms.refdata import NAME_RE, parse_item
from forms.rules import DERIVERS, RULE_TYPES
from forms.text import HARD_MAX_CHARS
from forms.validators import CODE_VALIDATORS

FIELD_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_GROUP_ITEMS = 1000

# Field ids the province and its tools rely on: a published version must keep them.
FIXED_FIELDS: dict[str, tuple[str, ...]] = {
    "*": ("sector", "direction"),
    "enterprise": ("name", "credit_code"),
    "platform": ("name", "platform_type", "level"),
    "talent_team": ("name", "leader"),
    "standard": ("number", "title", "level"),
}

_FORM_KEYS = {
    "kind", "id", "version", "label", "description", "order", "title", "fields", "rules",
    "unique_key",
}  # fmt: skip
_FIELD_KEYS = {
    "id", "type", "label", "help", "required", "required_when", "relevant", "min", "max",
    "min_length", "max_length", "pattern", "unit", "decimals", "choice_list", "choices", "parent",
    "validator", "validator_param", "ref_form", "fields", "min_items", "max_items", "unique",
    "similar", "rules", "messages", "fill", "max_bytes",
}  # fmt: skip
_DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 5000}
_DEFAULT_DECIMALS = {"decimal": 6, "money": 4}


def _i18n(raw: Any, where: str, *, required: bool = True) -> tuple[str, str]:
    if raw is None and not required:
        return "", ""
    if not isinstance(raw, dict) or not isinstance(raw.get("zh"), str) or not raw["zh"].strip():
        raise DefinitionError(f'{where}: expected {{"zh": ..., "en": ...}} with Chinese text')
    en = raw.get("en", "")
    if not isinstance(en, str) or set(raw) - {"zh", "en"}:
        raise DefinitionError(f"{where}: only 'zh' and 'en' texts are allowed")
    return raw["zh"], en or raw["zh"]


def _int(raw: Mapping[str, Any], key: str, where: str, lo: int = 0, hi: int = 10**9) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise DefinitionError(f"{where}: '{key}' must be a whole number from {lo} to {hi}")
    return value


def _bound(raw: Mapping[str, Any], key: str, ftype: str, where: str) -> Any:
    value = raw.get(key)
    if value is None:
        return None
    if ftype == "date":
        if value == "today" or (
            isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        ):
            return value
        raise DefinitionError(f"{where}: a date's '{key}' is an ISO date or \"today\"")
    if ftype == "year" and value == "this_year":
        return value
    if (
        ftype in ("integer", "year", "decimal", "money")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return value
    raise DefinitionError(f"{where}: '{key}' does not fit a {ftype} field")


def _messages(raw: Any, where: str) -> Mapping[str, Mapping[str, str]]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: 'messages' maps problem codes to {{zh, en}}")
    out = {}
    for code, text in raw.items():
        zh, en = _i18n(text, f"{where}.messages.{code}")
        out[code] = MappingProxyType({"zh": zh, "en": en})
    return MappingProxyType(out)


def parse_field(raw: Any, where: str, *, in_group: bool = False) -> Field:
    """Parse one field's JSON; raise DefinitionError naming ``where``."""
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: a field must be an object")
    fid = raw.get("id")
    if not isinstance(fid, str) or not FIELD_ID_RE.match(fid):
        raise DefinitionError(f"{where}: bad field id {fid!r} (lower case letters, digits, _)")
    where = f"{where} ({fid})"
    if unknown := set(raw) - _FIELD_KEYS:
        raise DefinitionError(f"{where}: unknown keys {sorted(unknown)}")
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        raise DefinitionError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}")
    if ftype == "group" and in_group:
        raise DefinitionError(f"{where}: repeat groups cannot be nested")
    if ftype == "attachment" and in_group:
        raise DefinitionError(f"{where}: attachment fields belong to the form, not to a repeat group")
    if "max_bytes" in raw and (ftype != "attachment" or _int(raw, "max_bytes", where, 1, HARD_MAX_BYTES) is None):
        raise DefinitionError(f"{where}: 'max_bytes' is the largest file of an attachment field")
    label_zh, label_en = _i18n(raw.get("label"), f"{where}.label")
    help_zh, help_en = _i18n(raw.get("help"), f"{where}.help", required=False)
    unit_zh, unit_en = _i18n(raw.get("unit"), f"{where}.unit", required=False)
    if ftype == "money" and not unit_zh:
        unit_zh, unit_en = "万元", "10k yuan"
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise DefinitionError(
            f"{where}: 'required' is true or false (use 'required_when' for a condition)"
        )
    required_when = _condition(raw, "required_when", where)
    relevant = _condition(raw, "relevant", where)

    max_length = _int(raw, "max_length", where, 1, HARD_MAX_CHARS)
    if ftype in _DEFAULT_MAX_LENGTH and max_length is None:
        max_length = _DEFAULT_MAX_LENGTH[ftype]
    pattern = raw.get("pattern")
    pattern_re = None
    if pattern is not None:
        if not isinstance(pattern, str) or ftype not in ("text", "code"):
            raise DefinitionError(
                f"{where}: 'pattern' is a regular expression for text or code fields"
            )
        try:
            pattern_re = re.compile(pattern)
        except re.error as exc:
            raise DefinitionError(f"{where}: bad pattern: {exc}") from None
    decimals = _int(raw, "decimals", where, 0, 10)
    if decimals is None:
        decimals = _DEFAULT_DECIMALS.get(ftype)
    minimum = _bound(raw, "min", ftype, where)
    if ftype == "money" and minimum is None:
        minimum = 0
    maximum = _bound(raw, "max", ftype, where)

    choices = tuple(
        parse_item(c, f"{where}.choices[{i}]") for i, c in enumerate(raw.get("choices") or [])
    )
    choice_list = raw.get("choice_list")
    if ftype in ("choice", "multi_choice"):
        if bool(choices) == bool(choice_list):
            raise DefinitionError(
                f"{where}: a choice field takes either 'choices' or 'choice_list'"
            )
        if choice_list is not None and (
            not isinstance(choice_list, str) or not NAME_RE.match(choice_list)
        ):
            raise DefinitionError(f"{where}: bad choice_list name {choice_list!r}")
        if len({c.code for c in choices}) != len(choices):
            raise DefinitionError(f"{where}: duplicate choice codes")
    elif choices or choice_list:
        raise DefinitionError(f"{where}: only choice fields have choices")
    parent = raw.get("parent")
    if parent is not None and (not isinstance(parent, str) or choice_list is None):
        raise DefinitionError(
            f"{where}: 'parent' names the field whose chosen item's children are the options"
        )

    validator = raw.get("validator")
    if ftype == "code" and validator is None:
        raise DefinitionError(f"{where}: a code field names its 'validator'")
    if validator is not None and (
        validator not in CODE_VALIDATORS or ftype not in ("code", "integer")
    ):
        raise DefinitionError(
            f"{where}: unknown validator {validator!r}; known: {', '.join(CODE_VALIDATORS)}"
        )
    validator_param = raw.get("validator_param")
    if validator_param is not None and (not isinstance(validator_param, str) or validator is None):
        raise DefinitionError(f"{where}: 'validator_param' names the field passed to the validator")
    ref_form = raw.get("ref_form")
    if (ftype == "record_ref") != isinstance(ref_form, str):
        raise DefinitionError(f"{where}: record_ref fields, and only they, name a 'ref_form'")
    fill = raw.get("fill", {})
    if not isinstance(fill, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in fill.items()) or (fill and ftype != "record_ref"):
        raise DefinitionError(f"{where}: 'fill' maps fields of this form to fields of the referenced form, on record_ref fields")

    subfields: tuple[Field, ...] = ()
    rules: tuple[Rule, ...] = ()
    if ftype == "group":
        subs = raw.get("fields")
        if not isinstance(subs, list) or not subs:
            raise DefinitionError(f"{where}: a repeat group lists its 'fields'")
        subfields = tuple(
            parse_field(s, f"{where}.fields[{i}]", in_group=True) for i, s in enumerate(subs)
        )
        _unique_ids(subfields, where)
        rules = parse_rules(raw.get("rules"), where, {s.id for s in subfields})
    elif "fields" in raw or "rules" in raw:
        raise DefinitionError(f"{where}: only repeat groups have 'fields' and 'rules'")
    unique = raw.get("unique")
    if unique not in (None, "error", "warning"):
        raise DefinitionError(f'{where}: \'unique\' is "error" or "warning"')
    similar = raw.get("similar", False)
    if not isinstance(similar, bool) or (similar and ftype != "text"):
        raise DefinitionError(f"{where}: 'similar' is true or false, on text fields")

    return Field(
        id=fid, type=ftype, label_zh=label_zh, label_en=label_en, help_zh=help_zh, help_en=help_en,
        required=required, required_when=required_when, relevant=relevant, min=minimum, max=maximum,
        min_length=_int(raw, "min_length", where, 0, HARD_MAX_CHARS), max_length=max_length,
        pattern=pattern, unit_zh=unit_zh, unit_en=unit_en, decimals=decimals,
        choice_list=choice_list, choices=choices, parent=parent, validator=validator,
        validator_param=validator_param, ref_form=ref_form, fields=subfields,
        min_items=_int(raw, "min_items", where, 0, MAX_GROUP_ITEMS),
        max_items=_int(raw, "max_items", where, 1, MAX_GROUP_ITEMS) or (MAX_GROUP_ITEMS if ftype in ("group", "multi_choice") else DEFAULT_MAX_FILES if ftype == "attachment" else None),
        unique=unique, similar=similar, rules=rules, messages=_messages(raw.get("messages"), where),
        spec=MappingProxyType(dict(raw)), pattern_re=pattern_re, fill=MappingProxyType(dict(fill)),
    )  # fmt: skip


def _condition(raw: Mapping[str, Any], key: str, where: str) -> Condition | None:
    return parse_condition(raw[key], f"{where}.{key}") if raw.get(key) is not None else None


def _unique_ids(fields: tuple[Field, ...], where: str) -> None:
    seen: set[str] = set()
    for f in fields:
        if f.id in seen:
            raise DefinitionError(f"{where}: field id {f.id!r} appears twice")
        seen.add(f.id)


def parse_rules(raw: Any, where: str, scope: set[str]) -> tuple[Rule, ...]:
    """Parse a list of cross-field rules whose field names must lie in ``scope``."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DefinitionError(f"{where}: 'rules' must be a list")
    rules = []
    for i, spec in enumerate(raw):
        at = f"{where}.rules[{i}]"
        if not isinstance(spec, dict) or spec.get("type") not in RULE_TYPES:
            raise DefinitionError(f"{at}: a rule has a 'type' of {', '.join(RULE_TYPES)}")
        severity = spec.get("severity", "error")
        if severity not in ("error", "warning"):
            raise DefinitionError(f'{at}: severity is "error" or "warning"')
        zh, en = _i18n(spec.get("message"), f"{at}.message", required=spec["type"] == "implies")
        for name in _rule_fields(spec, at):
            if name not in scope:
                raise DefinitionError(f"{at}: no field {name!r} here")
        rules.append(Rule(spec["type"], MappingProxyType(dict(spec)), severity, zh, en))
    return tuple(rules)


def _rule_fields(spec: Mapping[str, Any], at: str) -> list[str]:
    kind = spec["type"]
    try:
        if kind == "compare":
            if spec["op"] not in ("<", "<=", ">", ">=", "==", "!="):
                raise DefinitionError(f"{at}: unknown comparison {spec['op']!r}")
            other = spec["other"]
            return [spec["field"], other[1:] if other.startswith("#") else other]
        if kind == "one_of":
            if not isinstance(spec["fields"], list) or len(spec["fields"]) < 2:
                raise DefinitionError(f"{at}: 'one_of' lists at least two fields")
            return list(spec["fields"])
        if kind == "matches_derived":
            if spec["derive"] not in DERIVERS or spec.get("part") not in (None, "year"):
                raise DefinitionError(
                    f'{at}: derive is one of {", ".join(DERIVERS)}; part is "year"'
                )
            return [spec["source"], spec["field"]]
        if kind == "implies":
            when = parse_condition(spec["when"], f"{at}.when")
            then = parse_condition(spec["then"], f"{at}.then")
            return when.fields + then.fields
        if kind == "unique_items":
            return [spec["group"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise DefinitionError(f"{at}: incomplete {kind} rule ({exc})") from None
    return []  # pragma: no cover


def parse_form(raw: Any, source: str, references: ReferenceSource | None = None) -> FormDefinition:
    """Parse a form definition's JSON (already decoded); raise DefinitionError naming ``source``."""
    if not isinstance(raw, dict) or raw.get("kind") != "form":
        raise DefinitionError(f'{source}: not a form definition ("kind": "form" missing)')
    if unknown := set(raw) - _FORM_KEYS:
        raise DefinitionError(f"{source}: unknown keys {sorted(unknown)}")
    form_id = raw.get("id")
    if not isinstance(form_id, str) or not NAME_RE.match(form_id):
        raise DefinitionError(f"{source}: bad form id {form_id!r}")
    version = _int(raw, "version", source, 1, 10**6)
    if version is None:
        raise DefinitionError(f"{source}: 'version' is required")
    source = f"{source} [{form_id} v{version}]"
    label_zh, label_en = _i18n(raw.get("label"), f"{source}.label")
    desc_zh, desc_en = _i18n(raw.get("description"), f"{source}.description", required=False)
    fields_raw = raw.get("fields")
    if not isinstance(fields_raw, list) or not fields_raw:
        raise DefinitionError(f"{source}: 'fields' must be a non-empty list")
    fields = tuple(parse_field(f, f"{source}.fields[{i}]") for i, f in enumerate(fields_raw))
    _unique_ids(fields, source)
    by_id = {f.id: f for f in fields}
    for fixed in FIXED_FIELDS["*"] + FIXED_FIELDS.get(form_id, ()):
        if fixed not in by_id:
            raise DefinitionError(f"{source}: the fixed field {fixed!r} is missing")
    _check_references(fields, by_id, source)
    title = raw.get("title", [])
    if not isinstance(title, list) or not all(isinstance(p, str) for p in title):
        raise DefinitionError(f"{source}: 'title' is a list of pieces like \"{{name}}\"")
    for piece in title:
        for name in re.findall(r"\{([^}]*)\}", piece):
            if name not in by_id:
                raise DefinitionError(f"{source}: title names unknown field {name!r}")
    order = _int(raw, "order", source, 0, 10**6)
    unique_key = raw.get("unique_key")
    if unique_key not in (None, "error", "warning"):
        raise DefinitionError(f'{source}: \'unique_key\' is "error" or "warning"')
    return FormDefinition(
        id=form_id, version=version, label_zh=label_zh, label_en=label_en, fields=fields,
        rules=parse_rules(raw.get("rules"), source, set(by_id)), title_parts=tuple(title),
        description_zh=desc_zh, description_en=desc_en, order=100 if order is None else order,
        spec=MappingProxyType(dict(raw)), references=references, unique_key=unique_key,
    )  # fmt: skip


def _check_references(fields: tuple[Field, ...], by_id: Mapping[str, Field], source: str) -> None:
    """Every field a condition, parent or validator parameter names must exist where it is used."""
    for f in fields:
        _check_field_refs(f, by_id, {}, source)
        for sub in f.fields:
            _check_field_refs(sub, {s.id: s for s in f.fields}, by_id, f"{source}.{f.id}")


def _check_field_refs(
    f: Field, scope: Mapping[str, Field], outer: Mapping[str, Field], where: str
) -> None:
    def known(name: str) -> Field | None:
        return scope.get(name) or outer.get(name)

    for cond in (f.relevant, f.required_when):
        for name in cond.fields if cond else []:
            if known(name) is None or name == f.id:
                raise DefinitionError(f"{where}.{f.id}: condition names unknown field {name!r}")
    if f.parent is not None:
        parent = known(f.parent)
        if parent is None or parent.type != "choice" or parent.choice_list != f.choice_list:
            raise DefinitionError(
                f"{where}.{f.id}: parent {f.parent!r} must be a choice field on the same list"
            )
    for name in f.fill:
        if known(name) is None:
            raise DefinitionError(f"{where}.{f.id}: 'fill' names unknown field {name!r}")
    if f.validator_param is not None and known(f.validator_param) is None:
        raise DefinitionError(
            f"{where}.{f.id}: validator_param names unknown field {f.validator_param!r}"
        )
