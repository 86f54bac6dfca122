"""Exceptions raised by the forms engine.

Validation never raises (bad input becomes problems in a result); these are for programming
errors and for definition or reference files that cannot be used.
"""

from __future__ import annotations


class FormsError(Exception):
    """Base class of the forms engine's exceptions."""


class UnknownForm(FormsError, LookupError):
    """A form id, or a version of it, that the registry does not hold."""

    def __init__(self, form_id: str, version: int | None = None, known: list[str] | None = None):
        self.form_id = form_id
        self.version = version
        what = f"form {form_id!r}" if version is None else f"version {version} of form {form_id!r}"
        hint = f"; known forms: {', '.join(known)}" if known else ""
        super().__init__(f"Unknown {what}{hint}")


class UnknownReference(FormsError, LookupError):
    """A reference list name, or a version of it, that the registry does not hold."""

    def __init__(self, name: str, version: int | None = None, known: list[str] | None = None):
        self.name = name
        self.version = version
        what = (
            f"reference list {name!r}"
            if version is None
            else f"version {version} of reference list {name!r}"
        )
        hint = f"; known lists: {', '.join(known)}" if known else ""
        super().__init__(f"Unknown {what}{hint}")


class DefinitionError(FormsError, ValueError):
    """A form definition or reference data file is malformed; the message names the file and spot."""
