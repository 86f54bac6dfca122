"""The plan's domain as data plus one engine: form definitions, reference data, validators.

Pure Python, shared by the office app and the provincial endpoint. Nothing is loaded at
import time; call :func:`load_registry` once per process::

    registry = forms.load_registry(overrides_dir)
    result = registry.validate("enterprise", data, lookup=lookup)
    if not result.ok: ...

See ``docs/forms.md`` for the definition format and the update mechanism.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forms import progress, validators
    from forms.duplicates import DuplicateLookup, InMemoryLookup
    from forms.errors import DefinitionError, FormsError, UnknownForm, UnknownReference
    from forms.model import Field, FormDefinition, Rule
    from forms.problems import Problem, ValidationResult
    from forms.refdata import OrgUnit, ReferenceItem, ReferenceList
    from forms.registry import Registry, load_registry
    from forms.targets import Milestone, Target

# Names are imported on first use: a command that only needs, say, canonical JSON or the
# duplicate keys should not pay for the validators (and python-stdnum) at start-up.
_HOMES = {
    "progress": "forms.progress", "validators": "forms.validators",
    "DuplicateLookup": "forms.duplicates", "InMemoryLookup": "forms.duplicates",
    "DefinitionError": "forms.errors", "FormsError": "forms.errors", "UnknownForm": "forms.errors",
    "UnknownReference": "forms.errors", "Field": "forms.model", "FormDefinition": "forms.model",
    "Rule": "forms.model", "Problem": "forms.problems", "ValidationResult": "forms.problems",
    "OrgUnit": "forms.refdata", "ReferenceItem": "forms.refdata", "ReferenceList": "forms.refdata",
    "Registry": "forms.registry", "load_registry": "forms.registry", "Milestone": "forms.targets",
    "Target": "forms.targets",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'forms' has no attribute {name!r}")
    module = importlib.import_module(home)
    value = module if home == f"forms.{name}" else getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "DefinitionError",
    "DuplicateLookup",
    "Field",
    "FormDefinition",
    "FormsError",
    "InMemoryLookup",
    "Milestone",
    "OrgUnit",
    "Problem",
    "ReferenceItem",
    "ReferenceList",
    "Registry",
    "Rule",
    "Target",
    "UnknownForm",
    "UnknownReference",
    "ValidationResult",
    "load_registry",
    "progress",
    "validators",
]
