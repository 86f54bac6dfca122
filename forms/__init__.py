"""The plan's domain as data plus one engine: form definitions, reference data, validators.

Pure Python, shared by the office app and the provincial endpoint. Nothing is loaded at
import time; call :func:`load_registry` once per process::

    registry = forms.load_registry(overrides_dir)
    result = registry.validate("enterprise", data, lookup=lookup)
    if not result.ok: ...

See ``docs/forms.md`` for the definition format and the update mechanism.
"""

from forms import progress, validators
from forms.duplicates import DuplicateLookup, InMemoryLookup
from forms.errors import DefinitionError, FormsError, UnknownForm, UnknownReference
from forms.model import Field, FormDefinition, Rule
from forms.problems import Problem, ValidationResult
from forms.refdata import OrgUnit, ReferenceItem, ReferenceList
from forms.registry import Registry, load_registry
from forms.targets import Milestone, Target

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
