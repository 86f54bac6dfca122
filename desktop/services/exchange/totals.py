"""The export's totals of major projects: investment by year and funds by source.

Written beside the records as ``records/project_totals.xlsx`` (three sheets) and one CSV per
table, so an auditor reads the sums the dashboard shows; ``verify-export`` adds up the
exported project records again and names any table that differs. They cover every current
project record that counts (final, queued, synced), so an export narrowed by ``--since``
(which holds only some projects) carries no totals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from desktop.services.progress import office_investment
from desktop.store.office import Office
from forms.investment import InvestmentTotals
from forms.registry import Registry

WORKBOOK = "records/project_totals.xlsx"
CSV_NAMES = ("summary", "by_year", "by_source")
TOTAL_ROW = "合计"


def csv_name(name: str) -> str:
    """The relative path of one totals table as CSV."""
    return f"records/project_totals.{name}.csv"


def csv_bytes(table: list[list[Any]]) -> bytes:
    """A table as the export writes it: UTF-8 with a BOM, CRLF lines."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(table)
    return b"\xef\xbb\xbf" + text.getvalue().encode("utf-8")


def tables(totals: InvestmentTotals) -> dict[str, list[list[Any]]]:
    """The three tables by sheet name, each with its header row; CSV names follow the order
    (summary, by_year, by_source)."""
    years = [[y, totals.planned_by_year.get(y, 0.0), totals.completed_by_year.get(y, 0.0)] for y in totals.years]
    sources = [[totals.source_label(code), amount] for code, amount in totals.by_source.items()]
    return {
        "重大项目汇总": [["项目", "数值"], ["项目数", totals.projects], ["总投资（万元）", totals.total_investment],
                   ["已落实资金（万元）", totals.funded], ["累计完成投资（万元）", totals.completed],
                   ["未定稿项目数（未计入）", totals.not_final]],
        "分年度投资": [["年度", "计划投资（万元）", "完成投资（万元）"], *years,
                  [TOTAL_ROW, sum(totals.planned_by_year.values()), totals.completed]],
        "资金来源": [["资金来源", "金额（万元）"], *sources, [TOTAL_ROW, totals.funded]],
    }


def write_project_totals(office: Office, registry: Registry, write: Callable[[str, bytes], None]) -> dict[str, Any]:
    """Write the totals through ``write(relative_path, bytes)``; returns the manifest's counts."""
    totals = office_investment(office, registry)
    book = Workbook()
    book.remove(book.active)
    for (title, table), name in zip(tables(totals).items(), CSV_NAMES, strict=True):
        ws = book.create_sheet(title)
        for row in table:
            ws.append(row)
        for c in ws[1]:
            c.font = Font(bold=True)
        ws.column_dimensions["A"].width = 24
        for letter in "BC":
            ws.column_dimensions[letter].width = 18
        write(csv_name(name), csv_bytes(table))
    buffer = io.BytesIO()
    book.save(buffer)
    write(WORKBOOK, buffer.getvalue())
    return {"projects": totals.projects, "total_investment": round(totals.total_investment, 4),
            "completed": round(totals.completed, 4), "funded": round(totals.funded, 4)}
