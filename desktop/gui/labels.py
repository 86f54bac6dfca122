"""Words shown for codes: statuses and roles (``desktop.vocabulary``, shared with the
command line) and sectors (reference data)."""

from __future__ import annotations

from typing import Any

from desktop import vocabulary
from desktop.gui.i18n import language

STATUS_ORDER = tuple(vocabulary.STATUSES)


def status_label(status: str | None) -> str:
    """A record status as the user reads it."""
    return vocabulary.word(vocabulary.STATUSES, status, language())


def role_label(role: str | None) -> str:
    """A user role as the user reads it."""
    return vocabulary.word(vocabulary.ROLES, role, language())


class SectorLabels:
    """Labels of sectors and their directions from the registry's ``sectors`` list."""

    def __init__(self, registry: Any) -> None:
        try:
            self.sectors = registry.reference("sectors") if registry is not None else None
        except LookupError:
            self.sectors = None

    def items(self) -> list[Any]:
        return list(self.sectors.active()) if self.sectors is not None else []

    def sector(self, code: str | None) -> str:
        if not code:
            return ""
        return self.sectors.label_of(code, language()) if self.sectors is not None else code

    def direction(self, sector: str | None, code: str | None) -> str:
        if not code:
            return ""
        item = self.sectors.get(sector) if self.sectors is not None else None
        child = item.child(code) if item is not None else None
        return child.label(language()) if child is not None else code

    def directions(self, sector: str | None) -> list[Any]:
        item = self.sectors.get(sector) if self.sectors is not None and sector else None
        return [c for c in item.children if not c.retired] if item is not None else []
