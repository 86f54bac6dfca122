"""Timing helpers and the one table ``make bench`` prints.

Each row is one thing the office does, measured at every store size, next to its floor
(what the same libraries do on the same machine, measured in the same run) and its goal.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn`` in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def interleaved(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds of each function, run in turn round after round (A B C, B C A, ...).

    Interleaving means a change in the machine's load (other work, the disk's cache) hits
    every function alike, so the ratios between them are fair.
    """
    names = list(fns)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            start = time.perf_counter()
            fns[name]()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def table(title: str, headers: list[str], rows: list[list[str]]) -> str:
    """A titled Markdown table (for the sections other parts of the product add)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([f"\n### {title}\n", line, sep, *body])


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


@dataclass
class Row:
    """One line of the table: a cost (or rate) per store size, its floor and its goal."""

    what: str
    unit: str
    includes: str
    goal: str = ""
    floor_name: str = ""
    values: dict[int, float] = field(default_factory=dict)
    floors: dict[int, float] = field(default_factory=dict)
    higher_is_better: bool = False
    limit: float | None = None
    """The goal as a number in ``unit`` (at most, or at least when higher is better)."""
    flat: bool = False
    """The goal also asks that the cost does not grow with the store."""

    def growth(self) -> float | None:
        """Cost at the largest size over cost at the smallest (rates are turned into costs)."""
        if len(self.values) < 2:
            return None
        small, large = self.values[min(self.values)], self.values[max(self.values)]
        if not small or not large:
            return None
        return small / large if self.higher_is_better else large / small

    def verdict(self) -> str:
        if self.limit is None or not self.values:
            return "—"
        worst = min(self.values.values()) if self.higher_is_better else max(self.values.values())
        misses = worst < self.limit if self.higher_is_better else worst > self.limit
        growth = self.growth()
        grows = self.flat and growth is not None and growth > FLAT
        if not misses and not grows:
            return "meets"
        parts = []
        if misses:
            factor = self.limit / worst if self.higher_is_better else worst / self.limit
            # A near miss reads as a share: "misses by 1.0x" would say nothing.
            parts.append(f"misses by {factor - 1:.1%}" if factor < 1.1 else f"misses by {factor:.1f}x")
        if grows:
            parts.append(f"grows {growth:.1f}x")
        return ", ".join(parts)


FLAT = 1.5
"""Growth from the smallest to the largest store still called flat (timing noise included)."""


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("records/s", "rows/s"):
        return f"{value:,.0f}"
    if unit == "× raw":
        return f"{value:.2f}"
    if unit == "MiB":
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render(rows: Sequence[Row], sizes: Sequence[int], title: str) -> str:
    """The Markdown table, then what each row includes."""
    headers = ["#", "what", "unit", *(f"{n:,}" for n in sizes), "growth", "floor (same run)", "goal", "verdict"]
    lines = []
    for i, row in enumerate(rows, start=1):
        growth = row.growth()
        floors = sorted(row.floors[n] for n in sizes if n in row.floors)
        shown = [number(f, row.unit) for f in (floors[:1] + floors[-1:] if len(floors) > 1 else floors)]
        floor = f"{row.floor_name} {'–'.join(dict.fromkeys(shown))}" if row.floor_name else "—"
        lines.append([str(i), row.what, row.unit, *(number(row.values.get(n), row.unit) for n in sizes),
                      f"{growth:.2f}x" if growth else "—", floor, row.goal or "—", row.verdict()])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    out = [f"\n### {title}\n",
           "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |" for line in lines]
    out.append("\nWhat each row measures:\n")
    out += [f"{i}. {row.what}: {row.includes}" for i, row in enumerate(rows, start=1)]
    return "\n".join(out)
