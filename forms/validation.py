"""The validation engine: one record's data against one form version.

Validation normalises every value, then checks relevance and requiredness, cross-field
rules and duplicates, and returns every problem at once. It never raises on the data: any
JSON value (or Python object) becomes problems, and the work is bounded — strings are
length-checked before they are touched, lists and key sets are capped, and the engine never
descends into values the form does not describe.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Mapping
from typing import Any

from forms.attachments import DEFAULT_MAX_FILES, entry_problem
from forms.attachments import max_bytes as attachment_max_bytes
from forms.conditions import is_filled
from forms.duplicates import similar_hits
from forms.keys import choice_key, record_key
from forms.model import Field, FormDefinition
from forms.parsing import MAX_GROUP_ITEMS
from forms.problems import MESSAGES, Problem, ValidationResult, fill
from forms.rules import RuleContext, check_rules
from forms.text import clean_text
from forms.validators import InvalidValue, validate_record_id
from forms.values import (
    FieldIssue,
    coerce_boolean,
    coerce_code,
    coerce_date,
    coerce_number,
    coerce_text,
    coerce_year,
    split_multi,
)

_log = logging.getLogger(__name__)

MAX_PROBLEMS = 200
MAX_KEYS = 1000
MAX_UNKNOWN_REPORTED = 20
MAX_HITS = 100


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# Per tuple of fields (a form's, or a group's): their ids, and the order they are checked in.
# Fields whose check needs another field's value (a direction needs its sector, a stock code
# its exchange, a group its record) go after the rest. Keyed by identity, the tuple kept
# alive with its entry; forms are few and long-lived, so this stays small.
_ORDERS: dict[int, tuple[tuple[Field, ...], frozenset[str], list[Field]]] = {}


def _field_order(fields: tuple[Field, ...]) -> tuple[frozenset[str], list[Field]]:
    entry = _ORDERS.get(id(fields))
    if entry is None or entry[0] is not fields:
        ordered = sorted(
            fields,
            key=lambda f: f.parent is not None or f.validator_param is not None or f.is_group,
        )
        entry = (fields, frozenset(f.id for f in fields), ordered)
        if len(_ORDERS) < 10_000:
            _ORDERS[id(fields)] = entry
    return entry[1], entry[2]


def _key_text(key: Any) -> str:
    text = key if isinstance(key, str) else repr(key)
    return clean_text(text[:64]) or "?"


class _Validation:
    """One run of the engine over one record."""

    def __init__(
        self, form: FormDefinition, lookup: Any, record_id: str | None, today: dt.date
    ) -> None:
        self.form = form
        self.lookup = lookup
        self.record_id = record_id
        self.today = today
        self.lookup_failed = False

    # -- problems -------------------------------------------------------------------
    def issue(self, path: str, f: Field, issue: FieldIssue, label: tuple[str, str]) -> Problem:
        custom = f.messages.get(issue.code)
        sentence = issue.sentence or custom is not None
        if issue.message_zh and custom is None:
            # Explicit messages may quote the value typed, braces included: used verbatim.
            zh, en = issue.message_zh, issue.message_en
        else:
            zh, en = (
                (custom["zh"], custom["en"])
                if custom is not None
                else MESSAGES.get(issue.code, MESSAGES["type"])
            )
            params = dict(
                min=f.min, max=f.max, min_length=f.min_length, max_length=f.max_length,
                min_items=f.min_items, max_items=f.max_items,
            )  # fmt: skip
            params.update({k: v for k, v in issue.params.items() if v is not None})
            zh, en = fill(zh, params), fill(en, params)
        return Problem(
            path,
            issue.code,
            # A validator's sentence may already begin with the field's name.
            zh if zh.startswith(label[0]) else f"{label[0]}：{zh}",
            f"{label[1]}: {en}" if sentence else f"{label[1]} {en}",
            issue.severity,
        )

    @staticmethod
    def record_problem(path: str, code: str, severity: str = "error", **params: Any) -> Problem:
        zh, en = MESSAGES[code]
        return Problem(path, code, fill(zh, params), fill(en, params), severity)

    # -- the record -----------------------------------------------------------------
    def run(self, data: Any) -> ValidationResult:
        form = self.form
        if not isinstance(data, Mapping):
            return ValidationResult(
                form.id, form.version, {}, [self.record_problem("", "not_object")]
            )
        values, errored, problems = self.scope(form.fields, data, None, "", None)
        ctx = self.rule_context(form.fields, values, None)
        for rp in check_rules(form.rules, values, ctx, skip=errored, today=self.today):
            problems.append(Problem(rp.path, "rule", rp.message_zh, rp.message_en, rp.severity))
        problems += self.duplicates(values, errored)
        if len(problems) > MAX_PROBLEMS:
            problems = problems[:MAX_PROBLEMS] + [
                self.record_problem("", "too_many_problems", count=MAX_PROBLEMS)
            ]
        return ValidationResult(form.id, form.version, values, problems)

    def rule_context(
        self, fields: tuple[Field, ...], values: Mapping[str, Any], outer: Mapping[str, Any] | None
    ) -> RuleContext:
        by_id = {f.id: f for f in fields}

        def label(name: str) -> tuple[str, str]:
            f = by_id.get(name) or (self.form.field(name) if self.form.has_field(name) else None)
            return (f.label_zh, f.label_en) if f else (name, name)

        def display(name: str, value: Any) -> str:
            f = by_id.get(name)
            data, item = (outer, values) if outer is not None else (values, None)
            if f is not None and f.is_choice:
                found, _ = self.form.find_choice(f, value, data, item)
                return found.label_zh if found else str(value)
            return str(value)

        return RuleContext(label, display)

    def scope(
        self, fields: tuple[Field, ...], raw: Mapping[Any, Any], outer: Mapping[str, Any] | None,
        prefix: str, group_label: tuple[Field, int] | None,
    ) -> tuple[dict[str, Any], set[str], list[Problem]]:  # fmt: skip
        """Validate one mapping (the record, or one group item): values, fields in error, problems."""
        problems: list[Problem] = []
        known, ordered = _field_order(fields)
        if len(raw) > MAX_KEYS:
            problems.append(self.record_problem(prefix, "too_many_fields"))
        unknown = [k for k in itertools.islice(raw.keys(), MAX_KEYS) if k not in known]
        for key in unknown[:MAX_UNKNOWN_REPORTED]:
            name = _key_text(key)
            zh, en = MESSAGES["unknown_field"]
            problems.append(
                Problem(_path(prefix, name), "unknown_field", f"“{name}”：{zh}", f"'{name}' {en}")
            )
        if len(unknown) > MAX_UNKNOWN_REPORTED:
            problems.append(self.record_problem(prefix, "too_many_fields"))

        values: dict[str, Any] = {}
        # Only fields with problems get a list: most of a form's fields have none.
        buckets: dict[str, list[Problem]] = {}
        for f in ordered:
            value = raw.get(f.id)
            if not is_filled(value):
                continue
            path = _path(prefix, f.id)
            try:
                normalised, issues = self.coerce(f, value, values, outer, path)
            except FieldIssue as issue:
                buckets[f.id] = [self.issue(path, f, issue, self.label(f, group_label))]
                continue
            if issues:
                buckets[f.id] = [
                    p if isinstance(p, Problem) else self.issue(path, f, p, self.label(f, group_label))
                    for p in issues
                ]
            # Text that was only spaces or control characters is no answer at all.
            if is_filled(normalised):
                values[f.id] = normalised

        out: dict[str, Any] = {}
        errored: set[str] = set()
        data, item = (outer, values) if outer is not None else (values, None)
        for f in fields:
            if not self.form.is_relevant(f, data, item):
                if is_filled(raw.get(f.id)):
                    problems.append(self.issue(
                        _path(prefix, f.id), f, FieldIssue("not_relevant", severity="warning"),
                        self.label(f, group_label),
                    ))
                continue
            bucket = buckets.get(f.id)
            if bucket:
                problems += bucket
                if any(p.severity == "error" for p in bucket):
                    errored.add(f.id)
            if f.id in values:
                out[f.id] = values[f.id]
            # Relevance is known here: only a field that may be required asks again.
            elif f.id not in errored and (f.required or f.required_when is not None) and (
                self.form.is_required(f, data, item)
            ):
                problems.append(self.issue(
                    _path(prefix, f.id), f, FieldIssue("required"), self.label(f, group_label)
                ))
                errored.add(f.id)
        return out, errored, problems

    @staticmethod
    def label(f: Field, group_label: tuple[Field, int] | None) -> tuple[str, str]:
        if group_label is None:
            return f.label_zh, f.label_en
        group, index = group_label
        return (
            f"{group.label_zh}第{index + 1}项的{f.label_zh}",
            f"{group.label_en} #{index + 1}, {f.label_en}",
        )

    # -- one value ------------------------------------------------------------------
    def coerce(
        self,
        f: Field,
        raw: Any,
        values: Mapping[str, Any],
        outer: Mapping[str, Any] | None,
        path: str,
    ) -> tuple[Any, list[FieldIssue | Problem]]:
        """Normalise one value by its field's type; raise FieldIssue when it cannot be."""
        t = f.type
        if t in ("text", "textarea"):
            text, warnings = coerce_text(
                raw,
                multiline=f.multiline,
                max_length=f.max_length,
                min_length=f.min_length,
                pattern=f.pattern_re,
            )
            return text, list(warnings)
        if t in ("integer", "decimal", "money"):
            number = coerce_number(raw, t, f.decimals, f.min, f.max)
            return (coerce_code(number, f.validator, None) if f.validator else number), []
        if t == "date":
            return coerce_date(raw, f.min, f.max, self.today), []
        if t == "year":
            return coerce_year(raw, f.min, f.max, self.today), []
        if t == "boolean":
            return coerce_boolean(raw), []
        if t == "code":
            param = None
            if f.validator_param is not None:
                param = values.get(f.validator_param, (outer or {}).get(f.validator_param))
            code = coerce_code(raw, f.validator or "", param)
            if isinstance(code, str):
                code, _ = coerce_text(
                    code,
                    multiline=False,
                    max_length=f.max_length,
                    min_length=f.min_length,
                    pattern=f.pattern_re,
                )
            return code, []
        if t == "choice":
            return self.choice(f, raw, values, outer)
        if t == "multi_choice":
            return self.multi_choice(f, raw, values, outer)
        if t == "record_ref":
            return self.record_ref(f, raw), []
        if t == "group":
            return self.group(f, raw, values, path)
        if t == "attachment":
            return self.attachments(f, raw), []
        raise FieldIssue("type")  # pragma: no cover - the definition parser admits no other type

    def choice(
        self, f: Field, raw: Any, values: Mapping[str, Any], outer: Mapping[str, Any] | None
    ) -> tuple[str, list[FieldIssue | Problem]]:
        if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) < 10**20:
            raw = str(raw)
        if not isinstance(raw, str):
            raise FieldIssue("type", "应为选项代码。", "must be an option code.")
        if len(raw) > 200:
            raise FieldIssue("choice")
        code = clean_text(raw)
        data, item = (outer, values) if outer is not None else (values, None)
        found, status = self.form.find_choice(f, code, data, item)
        if found is None:
            # A label or synonym typed (or pasted from a spreadsheet) instead of the code is
            # accepted, compared by folded key: brackets of either width, any case, with or
            # without quotation marks.
            key = choice_key(code)
            for option in self.form.choices(f, data, item, include_retired=True):
                if key and key in option.match_keys():
                    found, status = option, "retired" if option.retired else "active"
                    break
        if found is None:
            if f.parent is not None and not is_filled(
                values.get(f.parent, (outer or {}).get(f.parent))
            ):
                parent = self.form.field(f.parent) if self.form.has_field(f.parent) else None
                raise FieldIssue("no_parent_choice", parent=parent.label_zh if parent else f.parent)
            if f.parent is not None:
                self._wrong_parent(f, code, data, item)
            shown = code[:40]
            raise FieldIssue(
                "choice",
                f"“{shown}”不是有效选项。",
                f"'{shown}' is not one of the options.",
                sentence=True,
            )
        return found.code, [
            FieldIssue("retired_choice", severity="warning")
        ] if status == "retired" else []

    def _wrong_parent(self, f: Field, code: str, data: Mapping[str, Any], item: Mapping[str, Any] | None) -> None:
        """A direction of another sector: say which sector it belongs to, not just "invalid"."""
        if not self.form.has_field(str(f.parent)):
            return
        parent = self.form.field(str(f.parent))
        chosen, _ = self.form.find_choice(parent, (item or {}).get(parent.id, data.get(parent.id)), data)
        for option in self.form.choices(parent, data, item, include_retired=True):
            for child in option.children:
                if code in (child.code, child.label_zh) or code.casefold() == child.label_en.casefold():
                    raise FieldIssue(
                        "choice_of_other_parent",
                        f"“{child.label_zh}”属于{parent.label_zh}“{option.label_zh}”，不属于所选的"
                        f"“{chosen.label_zh if chosen else ''}”：请改选{parent.label_zh}，或另选{f.label_zh}。",
                        f"'{child.label_en}' belongs to the {parent.label_en.lower()} '{option.label_en}', not to the "
                        f"chosen '{chosen.label_en if chosen else ''}': change the {parent.label_en.lower()} or "
                        f"choose another {f.label_en.lower()}.",
                        sentence=True,
                    )

    def multi_choice(
        self, f: Field, raw: Any, values: Mapping[str, Any], outer: Mapping[str, Any] | None
    ) -> tuple[list[str], list[FieldIssue | Problem]]:
        items = split_multi(raw)
        limit = f.max_items or MAX_GROUP_ITEMS
        if len(items) > limit:
            raise FieldIssue("too_many_items", max_items=limit)
        codes: list[str] = []
        warnings: list[FieldIssue | Problem] = []
        for item in items:
            code, issues = self.choice(f, item, values, outer)
            if code not in codes:
                codes.append(code)
                warnings += issues
        if f.min_items and len(codes) < f.min_items:
            raise FieldIssue("too_few_items", min_items=f.min_items)
        return codes, warnings

    def record_ref(self, f: Field, raw: Any) -> str:
        try:
            record_id = validate_record_id(raw)
        except InvalidValue as exc:
            raise FieldIssue.of(exc) from None
        exists = getattr(self.lookup, "exists", None)
        if callable(exists):
            try:
                found = exists(f.ref_form, record_id)
            except Exception:  # the store's failure must not become the record's
                found = None
            if found is False:
                raise FieldIssue("ref_not_found")
        return record_id

    def attachments(self, f: Field, raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise FieldIssue("type", "应为附件列表。", "must be a list of attachments.")
        limit = f.max_items or DEFAULT_MAX_FILES
        if len(raw) > limit:
            raise FieldIssue("too_many_items", f"最多附加 {limit} 个文件，请先移除不需要的文件。",
                             f"takes at most {limit} files; remove one you do not need first.", max_items=limit)
        largest = attachment_max_bytes(f.spec)
        entries: list[dict[str, Any]] = []
        for entry in raw:
            if (why := entry_problem(entry, largest)) is not None:
                raise FieldIssue("attachment", *why)
            if any(e["sha256"] == entry["sha256"] for e in entries):
                raise FieldIssue("duplicate_attachment")
            entries.append(dict(entry))
        stored = getattr(self.lookup, "attachment_exists", None)
        if callable(stored):
            for entry in entries:
                if stored(entry["sha256"]) is False:
                    raise FieldIssue("attachment_not_stored", name=entry["name"])
        return entries

    def group(
        self, f: Field, raw: Any, values: Mapping[str, Any], path: str
    ) -> tuple[list[dict[str, Any]], list[FieldIssue | Problem]]:
        if not isinstance(raw, list):
            raise FieldIssue("type", "应为若干项的列表。", "must be a list of entries.")
        limit = f.max_items or MAX_GROUP_ITEMS
        if len(raw) > limit:
            raise FieldIssue("too_many_items", max_items=limit)
        if f.min_items and len(raw) < f.min_items:
            raise FieldIssue("too_few_items", min_items=f.min_items)
        items: list[dict[str, Any]] = []
        problems: list[FieldIssue | Problem] = []
        for index, item in enumerate(raw):
            item_path = f"{path}[{index}]"
            if not isinstance(item, Mapping):
                problems.append(self.record_problem(item_path, "item_not_object"))
                items.append({})  # a placeholder keeps later items' paths matching the input
                continue
            out, errored, item_problems = self.scope(f.fields, item, values, item_path, (f, index))
            problems += item_problems
            ctx = self.rule_context(f.fields, out, values)
            for rp in check_rules(f.rules, out, ctx, outer=values, skip=errored, today=self.today):
                problems.append(
                    Problem(
                        _path(item_path, rp.path), "rule", rp.message_zh, rp.message_en, rp.severity
                    )
                )
            items.append(out)
        return items, problems

    # -- duplicates -----------------------------------------------------------------
    def call_lookup(self, fn: Any, *args: Any) -> list[Any]:
        try:
            return list(itertools.islice(fn(*args) or (), MAX_HITS * 50))
        except Exception:  # the store's failure must not become the record's
            self.lookup_failed = True
            return []

    def describe(self, hit: Any) -> tuple[str, str] | None:
        try:
            record_id, data = hit
        except (TypeError, ValueError):
            return None
        if record_id == self.record_id:
            return None
        title = self.form.title_of(data)
        return f"“{title}”（记录 {record_id}）", f"'{title}' (record {record_id})"

    def duplicates(self, values: Mapping[str, Any], errored: set[str]) -> list[Problem]:
        lookup, problems = self.lookup, []
        if lookup is None:
            return []
        for f in self.form.fields:
            value = values.get(f.id)
            if f.id in errored or not is_filled(value):
                continue
            if f.unique and callable(lookup):
                hits = [
                    d
                    for h in self.call_lookup(lookup, self.form.id, f.id, value)[:MAX_HITS]
                    if (d := self.describe(h))
                ]
                if hits:
                    zh, en = "；".join(h[0] for h in hits[:3]), "; ".join(h[1] for h in hits[:3])
                    problems.append(
                        self.issue(
                            f.id,
                            f,
                            FieldIssue("duplicate", severity=f.unique, other=_Other(zh, en)),
                            (f.label_zh, f.label_en),
                        )
                    )
            similar = getattr(lookup, "similar", None)
            if f.similar and isinstance(value, str) and callable(similar):
                candidates = self.call_lookup(similar, self.form.id, f.id, value)
                matches = similar_hits(value, f.id, candidates, exclude=self.record_id, limit=3)
                if matches:
                    zh = "；".join(f"“{name}”（记录 {rid}）" for rid, name, _ in matches)
                    en = "; ".join(f"'{name}' (record {rid})" for rid, name, _ in matches)
                    problems.append(
                        self.issue(
                            f.id,
                            f,
                            FieldIssue("similar", severity="warning", other=_Other(zh, en)),
                            (f.label_zh, f.label_en),
                        )
                    )
        if self.form.unique_key and callable(lookup):
            problems += self.key_duplicates(lookup, values, errored)
        if self.lookup_failed:
            problems.append(self.record_problem("", "lookup_failed", severity="warning"))
        return problems

    def key_duplicates(
        self, lookup: Any, values: Mapping[str, Any], errored: set[str]
    ) -> list[Problem]:
        """Records sharing this record's de-duplication key (one annual report per
        enterprise and year), reported on the key's last field."""
        fields = self.form.key_fields()
        key = record_key(fields, values)
        if key is None or errored & set(fields) or not all(self.form.has_field(n) for n in fields):
            return []
        # The store is asked for exact matches on one field of the key; a field that is not
        # free text (a credit code, a year) is stored in its one normal form, so an exact
        # match finds every record that may share the key. The whole key then decides.
        probe = next(
            (n for n in fields if self.form.field(n).type not in ("text", "textarea")), fields[0]
        )
        hits = [
            d
            for h in self.call_lookup(lookup, self.form.id, probe, values[probe])
            if isinstance(h, tuple) and len(h) == 2 and record_key(fields, h[1]) == key
            if (d := self.describe(h))
        ][:MAX_HITS]
        if not hits:
            return []
        last = self.form.field(fields[-1])
        labels = [self.form.field(n) for n in fields]
        label = ("＋".join(f.label_zh for f in labels), " and ".join(f.label_en for f in labels))
        if "duplicate" in last.messages:
            # The form's own words say what repeats; the field's label is enough before them.
            label = (last.label_zh, last.label_en)
        zh, en = "；".join(h[0] for h in hits[:3]), "; ".join(h[1] for h in hits[:3])
        severity = self.form.unique_key or "error"
        issue = FieldIssue("duplicate", severity=severity, other=_Other(zh, en))
        return [self.issue(last.id, last, issue, label)]


class _Other:
    """A message parameter with a Chinese and an English rendering."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en

    def __format__(self, spec: str) -> str:
        return self.zh if spec != "en" else self.en


def validate_record(
    form: FormDefinition,
    data: Any,
    *,
    lookup: Any = None,
    record_id: str | None = None,
    today: dt.date | None = None,
) -> ValidationResult:
    """Validate ``data`` against ``form``: normalised data plus every problem, never an exception.

    ``lookup`` (see :mod:`forms.duplicates`) enables duplicate and reference checks;
    ``record_id`` is the record being edited, so it is not reported as its own duplicate;
    ``today`` fixes the date that "today" bounds and certificate ages are measured from.
    """
    try:
        return _Validation(form, lookup, record_id, today or dt.date.today()).run(data)
    except (
        Exception
    ) as exc:  # a bug here must reject the record, not crash the office or the endpoint
        # Only the exception's type is logged: its message might quote a field value.
        _log.error(
            "internal validation error %s in form %s v%s", type(exc).__name__, form.id, form.version
        )
        problem = Problem(
            "",
            "internal",
            "校验时发生内部错误，请联系省级管理员。",
            "Validation failed internally; contact the province.",
        )
        return ValidationResult(form.id, form.version, {}, [problem])
