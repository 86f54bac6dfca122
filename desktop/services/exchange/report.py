"""What ``verify-export`` found: every problem (where, Chinese, English) and what it checked."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PROBLEMS = 5000  # a wholly forged export still yields a bounded report


@dataclass
class VerifyReport:
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (where, zh, en)
    checked: dict[str, int] = field(default_factory=dict)
    more_problems: int = 0
    anchored: bool = False
    """True when every signature chains to a province key the auditor gave."""
    trusted_key_id: str | None = None
    """The province key everything was checked against (pinned, or found in the folder)."""
    head: dict[str, object] | None = None
    """The province's chain-head statement: device, last sequence, province time."""
    filters: dict[str, object] = field(default_factory=dict)
    """The export's filters (forms, since): records outside them are not in it, by design."""
    unsynced: int = 0
    unsynced_sample: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def amend(self, where: str, zh: str, en: str) -> None:
        """Say more about the first problem found at ``where`` (or add it, if none was)."""
        for i, (found, _zh, _en) in enumerate(self.problems):
            if found == where:
                self.problems[i] = (where, zh, en)
                return
        self.add(where, zh, en)

    def add(self, where: str, zh: str, en: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.more_problems += 1
            return
        self.problems.append((where, zh, en))
