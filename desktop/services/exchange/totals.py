"""The export's totals: major projects' investment by year and funds by source, and financing
events by year and by round.

Each is written beside the records as a workbook (``records/project_totals.xlsx``,
``records/financing_totals.xlsx``, three sheets each) and one CSV per table, so an auditor
reads the sums the dashboard shows; ``verify-export`` adds up the exported records again and
names any table that differs. They cover every current record of the form that counts (final,
queued, synced), so an export narrowed by ``--since`` (which holds only some) carries no totals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from desktop.services.progress import current_records
from desktop.services.records import STATUSES
from desktop.store.office import Office
from forms.investment import (
    FINANCING_FORM,
    PROJECT_FORM,
    FinancingTotals,
    InvestmentTotals,
    financing_totals,
    investment_totals,
)
from forms.registry import Registry

TOTAL_ROW = "合计"


@dataclass(frozen=True)
class TotalsKind:
    """One form's totals in the export: how they are added up, laid out and named."""

    name: str                  # "project_totals": the files' stem
    form_id: str
    what: tuple[str, str]      # what the records are, in verify-export's messages (zh, en)
    csv_names: tuple[str, ...]  # one per table, in the tables' order
    add_up: Callable[[Registry, Iterable[Any]], Any]
    tables: Callable[[Any], dict[str, list[list[Any]]]]
    counts: Callable[[Any], dict[str, Any]]

    @property
    def workbook(self) -> str:
        return f"records/{self.name}.xlsx"

    def csv_name(self, name: str) -> str:
        """The relative path of one totals table as CSV."""
        return f"records/{self.name}.{name}.csv"

    def files(self) -> list[str]:
        return [self.workbook] + [self.csv_name(n) for n in self.csv_names]


def csv_bytes(table: list[list[Any]]) -> bytes:
    """A table as the export writes it: UTF-8 with a BOM, CRLF lines."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(table)
    return b"\xef\xbb\xbf" + text.getvalue().encode("utf-8")


def project_tables(totals: InvestmentTotals) -> dict[str, list[list[Any]]]:
    """The three project tables by sheet name, each with its header row."""
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


def financing_tables(totals: FinancingTotals) -> dict[str, list[list[Any]]]:
    """The three financing tables by sheet name, each with its header row; the year table's
    total is of the events with a year."""
    years = [[y, n, amount] for y, (n, amount) in totals.by_year.items()]
    rounds = [[totals.round_label(code), n, amount] for code, (n, amount) in totals.by_round.items()]
    return {
        "融资汇总": [["项目", "数值"], ["融资事件数", totals.events], ["融资金额合计（万元）", totals.amount],
                 ["未定稿事件数（未计入）", totals.not_final]],
        "分年度融资": [["年度", "事件数", "融资金额（万元）"], *years,
                  [TOTAL_ROW, sum(r[1] for r in years), sum(r[2] for r in years)]],
        "分轮次融资": [["融资轮次", "事件数", "融资金额（万元）"], *rounds, [TOTAL_ROW, totals.events, totals.amount]],
    }


PROJECTS = TotalsKind(
    "project_totals", PROJECT_FORM, ("项目", "projects"), ("summary", "by_year", "by_source"),
    investment_totals, project_tables,
    lambda t: {"projects": t.projects, "total_investment": round(t.total_investment, 4),
               "completed": round(t.completed, 4), "funded": round(t.funded, 4)})
FINANCING = TotalsKind(
    "financing_totals", FINANCING_FORM, ("融资事件", "financing events"), ("summary", "by_year", "by_round"),
    financing_totals, financing_tables,
    lambda t: {"events": t.events, "amount": round(t.amount, 4)})
KINDS = (PROJECTS, FINANCING)


def write_totals(office: Office, registry: Registry, kind: TotalsKind, write: Callable[[str, bytes], None]) -> dict[str, Any]:
    """Write ``kind``'s totals through ``write(relative_path, bytes)``; returns the manifest's counts."""
    totals = kind.add_up(registry, current_records(office.db, STATUSES, kind.form_id))
    book = Workbook()
    book.remove(book.active)
    for (title, table), name in zip(kind.tables(totals).items(), kind.csv_names, strict=True):
        ws = book.create_sheet(title)
        for row in table:
            ws.append(row)
        for c in ws[1]:
            c.font = Font(bold=True)
        ws.column_dimensions["A"].width = 24
        for letter in "BC":
            ws.column_dimensions[letter].width = 18
        write(kind.csv_name(name), csv_bytes(table))
    buffer = io.BytesIO()
    book.save(buffer)
    write(kind.workbook, buffer.getvalue())
    return kind.counts(totals)
