"""Progress as a table for the terminal: aligned for wide characters, in Chinese or English."""

from __future__ import annotations

from typing import TYPE_CHECKING

from forms.text import display_width, pad

if TYPE_CHECKING:
    from forms.progress import Progress


def _amount(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def render(progress: Progress, lang: str = "zh", detail: bool = False) -> str:
    """The table ``progress`` prints: value, milestones with shares, and what was not counted;
    ``detail`` adds each target's sectors and its excluded counts by reason."""
    zh = lang != "en"
    years = sorted({m.year for tp in progress.targets for m in tp.target.milestones})
    head = ["指标" if zh else "Measure", "当前" if zh else "Now"]
    for year in years:
        head += [f"{year}年目标" if zh else f"{year} target", "完成率" if zh else "Done"]
    head.append("未计入" if zh else "Not counted")
    rows = [head]
    for tp in progress.targets:
        t = tp.target
        unit = t.unit(lang)
        row = [
            t.label(lang),
            _amount(tp.value, t.decimals)
            + (f" {unit}" if unit and unit not in ("个", "项", "家") else ""),
        ]
        for year in years:
            m = next((m for m in t.milestones if m.year == year), None)
            share = tp.share(m) if m else None
            row += [m.describe(lang) if m else "—", f"{share:.1%}" if share is not None else "—"]
        row.append(str(tp.excluded_total))
        rows.append(row)
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(head))]
    statuses = ("、" if zh else ", ").join(sorted(progress.statuses))
    day = progress.as_of.isoformat()
    if zh:
        lines = [
            f"未来产业发展目标进展（截至 {day}；计入状态：{statuses}；营业收入统计年度 "
            f"{progress.reporting_year} 年；参与统计记录 {progress.records_counted} 条）"
        ]
    else:
        lines = [
            f"Progress toward the plan's targets (as of {day}; statuses counted: {statuses}; "
            f"revenue of {progress.reporting_year}; {progress.records_counted} records)"
        ]
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(pad(cell, widths[i], right=i > 0) for i, cell in enumerate(row)).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if detail:
        sep = "：" if zh else ": "
        for tp in progress.targets:
            parts = []
            for code, value in sorted(tp.by_sector.items(), key=lambda kv: -kv[1]):
                label = progress.sector_labels.get(code, (code, code))[0 if zh else 1]
                parts.append(f"{label} {_amount(value, tp.target.decimals)}")
            if parts:
                lines.append(tp.target.label(lang) + sep + ("，" if zh else ", ").join(parts))
            if tp.excluded_total:
                lines.append(tp.target.label(lang) + sep + tp.excluded_text(lang))
    return "\n".join(lines) + "\n"
