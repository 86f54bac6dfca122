"""The registry: every form version and reference list, packaged and published.

:func:`load_registry` reads the definitions and reference data shipped inside the package
(through ``importlib.resources``, so it works from a PyInstaller bundle) and then any files
the province has published into an overrides folder. Versions accumulate: the latest is
offered for new records, and every older one stays available so a record keeps validating
under the version it was made with.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from forms.errors import DefinitionError, UnknownForm, UnknownReference
from forms.keys import key_fields, record_key
from forms.labels import MAX_FILE_BYTES
from forms.model import FormDefinition
from forms.parsing import parse_form
from forms.problems import Problem, ValidationResult
from forms.refdata import (
    CSV_NAME_RE,
    OrgUnit,
    ReferenceList,
    parse_org_units_csv,
    parse_reference,
)
from forms.targets import Target, parse_targets
from forms.validation import validate_record

# Alternative names of reference lists, for callers that speak of divisions.
ALIASES = {"divisions": "org_units"}
MAX_OVERRIDE_FILES = 2000


class Registry:
    """All loaded form versions and reference lists; see :func:`load_registry`."""

    def __init__(
        self,
        forms: dict[str, dict[int, FormDefinition]],
        references: dict[str, dict[int, ReferenceList]],
        load_problems: list[str],
    ) -> None:
        self._forms = forms
        self._references = references
        self._org_units: dict[str, OrgUnit] | None = None
        #: Published files that were refused (malformed, or changing a published version).
        self.load_problems = load_problems

    # -- forms ----------------------------------------------------------------------
    def forms(self) -> list[FormDefinition]:
        """The latest version of every form, in display order."""
        latest = [versions[max(versions)] for versions in self._forms.values()]
        return sorted(latest, key=lambda f: (f.order, f.id))

    def form(self, form_id: str, version: int | None = None) -> FormDefinition:
        """Form ``form_id`` at ``version`` (latest if None); raises :class:`UnknownForm`."""
        versions = self._forms.get(form_id) if isinstance(form_id, str) else None
        if not versions:
            raise UnknownForm(str(form_id)[:64], None, sorted(self._forms))
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise UnknownForm(form_id, version)
        return versions[version]

    def form_versions(self, form_id: str) -> list[int]:
        """Every loaded version of ``form_id``, oldest first (empty if unknown)."""
        return sorted(self._forms.get(form_id, {}))

    # -- reference data -------------------------------------------------------------
    def reference(self, name: str, version: int | None = None) -> ReferenceList:
        """Reference list ``name`` at ``version`` (latest if None); raises :class:`UnknownReference`."""
        versions = self._references.get(ALIASES.get(name, name))
        if not versions:
            raise UnknownReference(name, None, sorted(self._references))
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise UnknownReference(name, version)
        return versions[version]

    def reference_versions(self, name: str) -> list[ReferenceList]:
        """Every version of list ``name``, newest first (raises :class:`UnknownReference`)."""
        versions = self._references.get(ALIASES.get(name, name))
        if not versions:
            raise UnknownReference(name, None, sorted(self._references))
        return [versions[v] for v in sorted(versions, reverse=True)]

    def reference_names(self) -> list[str]:
        """Names of every loaded reference list."""
        return sorted(self._references)

    def org_unit(self, code: Any) -> OrgUnit | None:
        """The org unit (division or park) with ``code``, from any published version, or None."""
        if self._org_units is None:
            units: dict[str, OrgUnit] = {}
            # Oldest first, so a newer version's entry replaces an older one's.
            for ref in reversed(self.reference_versions("org_units")):
                for item in ref.items:
                    units[item.code] = OrgUnit.from_item(item)
            self._org_units = units
        return self._org_units.get(code) if isinstance(code, str) else None

    def org_units(self, *, include_retired: bool = False) -> list[OrgUnit]:
        """The org units of the latest list, in order."""
        return [
            OrgUnit.from_item(item)
            for item in self.reference("org_units").items
            if include_retired or not item.retired
        ]

    def city_of(self, code: Any) -> OrgUnit | None:
        """The city an org unit belongs to (itself for a city; None for the province or unknown)."""
        unit = self.org_unit(code)
        for _ in range(5):
            if unit is None or unit.level == "city":
                return unit
            if unit.level == "province":
                return None
            unit = self.org_unit(unit.parent_code)
        return None

    def targets(self, version: int | None = None) -> list[Target]:
        """The plan's targets from the (latest) ``targets`` list."""
        return parse_targets(self.reference("targets", version))

    def duplicate_key_fields(self, form_id: str) -> tuple[str, ...]:
        """The fields that make two records of ``form_id`` one thing (the ``duplicate_keys``
        list), e.g. ``("name", "level")`` for platforms; empty when the list names none."""
        try:
            return self.form(form_id).key_fields()
        except UnknownForm:
            return ()

    def duplicate_key(self, form_id: str, data: Any) -> str | None:
        """The de-duplication key of a record of ``form_id`` (see :func:`forms.keys.record_key`):
        the same key at the office, in its store's index and at the province, or None when
        a key field is empty."""
        return record_key(self.duplicate_key_fields(form_id), data)

    # -- validation -----------------------------------------------------------------
    def validate(
        self,
        form_id: str,
        data: Any,
        *,
        version: int | None = None,
        lookup: Any = None,
        record_id: str | None = None,
        today: dt.date | None = None,
    ) -> ValidationResult:
        """Normalise and validate ``data`` against form ``form_id`` (latest, or ``version``).

        Never raises: an unknown form or version is a problem in the result too. See
        :mod:`forms.duplicates` for ``lookup``; ``record_id`` is the record being edited;
        ``today`` fixes the day that date limits and certificate ages are measured from.
        """
        try:
            form = self.form(
                form_id,
                version if isinstance(version, int) and not isinstance(version, bool) else None,
            )
            if version is not None and form.version != version:
                raise UnknownForm(str(form_id), version)
        except UnknownForm as exc:
            shown = str(form_id)[:64]
            what_zh = (
                f"表单“{shown}”" if exc.version is None else f"表单“{shown}”的第{exc.version}版"
            )
            what_en = (
                f"form '{shown}'"
                if exc.version is None
                else f"version {exc.version} of form '{shown}'"
            )
            problem = Problem("", "unknown_form", f"未知的{what_zh}。", f"Unknown {what_en}.")
            return ValidationResult(
                shown, version if isinstance(version, int) else None, {}, [problem]
            )
        return validate_record(form, data, lookup=lookup, record_id=record_id, today=today)


class _Builder:
    """Collects files, then checks them together (forms name lists, targets name forms)."""

    def __init__(self) -> None:
        self.forms: dict[str, dict[int, tuple[FormDefinition, bool]]] = {}
        self.references: dict[str, dict[int, tuple[ReferenceList, bool]]] = {}
        self.problems: list[str] = []

    def fail(self, message: str, packaged: bool) -> None:
        if packaged:
            raise DefinitionError(message)
        self.problems.append(message)

    def add(self, name: str, text: str, packaged: bool) -> None:
        try:
            if name.endswith(".csv"):
                self.add_reference(parse_org_units_csv(text, name), name, packaged)
                return
            raw = json.loads(text)
            kind = raw.get("kind") if isinstance(raw, dict) else None
            if kind == "form":
                self.add_form(parse_form(raw, name), name, packaged)
            elif kind == "reference":
                self.add_reference(parse_reference(raw, name), name, packaged)
            else:
                raise DefinitionError(f'{name}: "kind" must be "form" or "reference"')
        except (ValueError, RecursionError) as exc:  # DefinitionError and JSON errors
            self.fail(
                f"{name}: {exc}" if not isinstance(exc, DefinitionError) else str(exc), packaged
            )

    def add_form(self, form: FormDefinition, source: str, packaged: bool) -> None:
        existing = self.forms.setdefault(form.id, {}).get(form.version)
        if existing is not None:
            if _same_json(existing[0].spec) != _same_json(form.spec):
                self.fail(f"{source}: {form.id} v{form.version} differs from the version already published; "
                          "a published version never changes, publish a new version instead", packaged)  # fmt: skip
            return
        self.forms[form.id][form.version] = (form, packaged)

    def add_reference(self, ref: ReferenceList, source: str, packaged: bool) -> None:
        existing = self.references.setdefault(ref.name, {}).get(ref.version)
        if existing is not None:
            if existing[0].to_json() != ref.to_json():
                self.fail(f"{source}: {ref.name} v{ref.version} differs from the version already published; "
                          "publish a new version instead", packaged)  # fmt: skip
            return
        self.references[ref.name][ref.version] = (ref, packaged)

    def build(self) -> Registry:
        references = {
            name: {v: ref for v, (ref, _) in versions.items()}
            for name, versions in self.references.items()
        }
        forms: dict[str, dict[int, FormDefinition]] = {}
        for form_id, versions in sorted(self.forms.items()):
            for version, (form, packaged) in sorted(versions.items()):
                try:
                    self.check_form(form, references)
                except DefinitionError as exc:
                    self.fail(str(exc), packaged)
                    continue
                forms.setdefault(form_id, {})[version] = form
        registry = Registry(forms, references, self.problems)
        for form_versions in forms.values():
            for version, form in form_versions.items():
                # Bind each form to the registry so its choices resolve against published lists.
                form_versions[version] = _bind(form, registry)
        for name, check in (("targets", self.check_targets), ("duplicate_keys", self.check_keys)):
            for version, (ref, packaged) in sorted(self.references.get(name, {}).items()):
                try:
                    check(ref, registry)
                except DefinitionError as exc:
                    self.fail(str(exc), packaged)
                    del references[name][version]
        return registry

    def check_form(
        self, form: FormDefinition, references: dict[str, dict[int, ReferenceList]]
    ) -> None:
        for path, f in form.walk():
            if f.choice_list and f.choice_list not in references:
                raise DefinitionError(
                    f"{form.id} v{form.version}: {path} uses unknown list {f.choice_list!r}"
                )
            if f.ref_form and f.ref_form not in self.forms:
                raise DefinitionError(
                    f"{form.id} v{form.version}: {path} refers to unknown form {f.ref_form!r}"
                )
            if f.ref_form and f.fill:
                latest = self.forms[f.ref_form][max(self.forms[f.ref_form])][0]
                for source in f.fill.values():
                    if not latest.has_field(source):
                        raise DefinitionError(
                            f"{form.id} v{form.version}: {path} fills from unknown field {source!r} of {f.ref_form!r}"
                        )

    @staticmethod
    def check_targets(ref: ReferenceList, registry: Registry) -> None:
        targets = parse_targets(ref)
        for target in targets + [t.fallback for t in targets if t.fallback is not None]:
            try:
                form = registry.form(target.form_id)
            except UnknownForm:
                raise DefinitionError(
                    f"targets v{ref.version}: {target.code} uses unknown form {target.form_id!r}"
                ) from None
            for name in target.fields:
                if not form.has_field(name):
                    raise DefinitionError(
                        f"targets v{ref.version}: {target.code} reads unknown field {name!r}"
                    )

    @staticmethod
    def check_keys(ref: ReferenceList, registry: Registry) -> None:
        for item in ref.items:
            fields = key_fields(item.attrs)
            try:
                form = registry.form(item.code)
            except UnknownForm:
                raise DefinitionError(
                    f"duplicate_keys v{ref.version}: {item.code} is not a form"
                ) from None
            if not fields or not all(form.has_field(name) for name in fields):
                raise DefinitionError(
                    f"duplicate_keys v{ref.version}: {item.code} names 'fields' of the form"
                )


def _same_json(spec: Any) -> str:
    return json.dumps(spec, sort_keys=True, ensure_ascii=False, default=dict)


def _bind(form: FormDefinition, registry: Registry) -> FormDefinition:
    return replace(form, references=registry)


def _packaged_files() -> Iterable[tuple[str, str]]:
    root = resources.files("forms")
    for folder in ("reference", "definitions"):
        entries = sorted(root.joinpath(folder).iterdir(), key=lambda e: e.name)
        for entry in entries:
            if entry.name.endswith((".json", ".csv")):
                yield entry.name, entry.read_text(encoding="utf-8")


def _override_files(folder: Path) -> Iterable[tuple[str, str | None]]:
    """(name, text) of each published file; text None when it cannot be read."""
    paths = sorted(p for p in folder.rglob("*") if p.suffix in (".json", ".csv") and p.is_file())
    for path in paths[:MAX_OVERRIDE_FILES]:
        name = str(path.relative_to(folder)) if path.suffix == ".json" else path.name
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                yield name, None
                continue
            yield name, path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            yield name, None


def load_registry(overrides_dir: str | os.PathLike[str] | None = None) -> Registry:
    """Load the packaged forms and reference data, plus newer versions published in ``overrides_dir``.

    A packaged file that is malformed raises :class:`DefinitionError` (a release bug). A
    published file that is malformed, or that would change an already published version,
    is skipped and described in ``Registry.load_problems``, so one bad download cannot stop
    an office from working. A missing ``overrides_dir`` is the same as none.
    """
    builder = _Builder()
    for name, text in _packaged_files():
        builder.add(name, text, packaged=True)
    if overrides_dir is not None and Path(overrides_dir).is_dir():
        for name, content in _override_files(Path(overrides_dir)):
            if content is None:
                builder.problems.append(
                    f"{name}: cannot be read, or larger than {MAX_FILE_BYTES} bytes"
                )
            elif name.endswith(".csv") and not CSV_NAME_RE.match(name):
                builder.problems.append(f"{name}: a CSV list must be named <name>.v<version>.csv")
            else:
                builder.add(name, content, packaged=False)
    return builder.build()
