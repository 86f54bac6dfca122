"""Words shown for codes: record statuses (Qt translations) and sectors (reference data)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from desktop.gui.i18n import language

# QT_TRANSLATE_NOOP marks the words for lupdate; they are translated where shown.
STATUS_WORDS = {
    "draft": QT_TRANSLATE_NOOP("Status", "Draft"),
    "final": QT_TRANSLATE_NOOP("Status", "Final"),
    "queued": QT_TRANSLATE_NOOP("Status", "Queued"),
    "synced": QT_TRANSLATE_NOOP("Status", "Synced"),
    "returned": QT_TRANSLATE_NOOP("Status", "Returned"),
}
STATUS_ORDER = ("draft", "final", "queued", "synced", "returned")


def status_label(status: str | None) -> str:
    """A record status as the user reads it."""
    word = STATUS_WORDS.get(status or "")
    return QCoreApplication.translate("Status", word) if word else (status or "")


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
