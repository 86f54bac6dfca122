"""The province-wide XLSX export, and the records behind one of the 总览's numbers.

The export streams the review list's matches (same filters) into one sheet per form with
Chinese (or English) headers, written by openpyxl in write-only mode so memory stays flat.
Every value an office typed goes through :func:`forms.spreadsheet.formula_safe`.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from forms.model import Field, FormDefinition
from forms.spreadsheet import column_header, formula_safe
from province import actions
from province.console import catalog
from province.console.catalog import Filters
from province.context import Province
from province.progress import counted_records

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CANDIDATES = 20000
META = (("record_id", "记录编号", "Record id"), ("org_unit", "单位代码", "Org unit code"),
        ("unit_name", "单位", "Org unit"), ("city", "市", "City"),
        ("state", "审核状态", "Review state"), ("received_at", "接收时间 (UTC)", "Received (UTC)"))
STATE_LABELS = {"received": ("已接收", "received"), "accepted": ("已通过", "accepted"),
                "returned": ("已退回", "returned"), "resubmitted": ("已重新提交", "resubmitted")}


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value if abs(value) < 1e15 else str(value)
    if isinstance(value, list):
        return formula_safe("、".join(str(v) for v in value))
    if isinstance(value, dict):
        return formula_safe(str(value))
    return formula_safe(value)


def _readable(form: FormDefinition | None, f: Field | None, value: Any, data: dict[str, Any], lang: str) -> Any:
    """A cell as a reviewer reads it: choices by their labels (not their codes), a repeat
    group one item after another; numbers stay numbers (the header names their unit)."""
    if form is None or f is None or value is None:
        return _cell(value)
    if f.type in ("choice", "multi_choice"):
        return _cell(form.display_value(f, value, data, lang))
    if f.type == "group" and isinstance(value, list):
        items = []
        for item in value[:1000]:
            if isinstance(item, dict):
                items.append(("，" if lang == "zh" else ", ").join(
                    f"{sub.label(lang)}{'：' if lang == 'zh' else ': '}{form.display_value(sub, item.get(sub.id), data, lang)}"
                    for sub in f.fields if item.get(sub.id) not in (None, "", [])))
        return _cell(("；" if lang == "zh" else "; ").join(items))
    return _cell(value)


def write_xlsx(province: Province, filters: Filters, lang: str, actor: str) -> Path:
    """Write the matching records to a temporary XLSX file; the caller sends and deletes it."""
    from openpyxl import Workbook  # only an export needs it; keep server start-up quick

    registry = province.validator.registry()
    workbook = Workbook(write_only=True)
    sheets: dict[str, Any] = {}
    columns: dict[str, list[str]] = {}
    forms: dict[str, FormDefinition | None] = {}
    units = {u.code: u.name for u in registry.org_units()}
    count = 0
    for row in catalog.iter_matches(province, filters):
        form_id = row["form_id"]
        if form_id not in sheets:
            found: FormDefinition | None
            try:
                found = registry.form(form_id)
                title, fields = found.label(lang), list(found.fields)
            except LookupError:
                found, title, fields = None, form_id, []
            sheet = workbook.create_sheet(title=_sheet_title(title, sheets))
            columns[form_id] = [f.id for f in fields]
            sheet.append([m[1] if lang == "zh" else m[2] for m in META]
                         + [column_header(f, lang) for f in fields])
            sheets[form_id] = sheet
            forms[form_id] = found
        data = row["data"]
        extra = sorted(k for k in data if k not in columns[form_id])
        if extra:
            columns[form_id] += extra
        city = registry.org_unit(row["city"])
        meta = [row["record_id"], row["org_unit"], units.get(row["org_unit"], ""),
                city.name if city else "",
                STATE_LABELS[row["state"]][0 if lang == "zh" else 1], row["received_at"]]
        shown = forms[form_id]
        fields_by_id = {f.id: f for f in shown.fields} if shown is not None else {}
        sheets[form_id].append([_cell(v) for v in meta]
                               + [_readable(shown, fields_by_id.get(name), data.get(name), data, lang)
                                  for name in columns[form_id]])
        count += 1
    if not sheets:
        workbook.create_sheet(title="记录" if lang == "zh" else "Records").append(
            ["没有符合条件的记录" if lang == "zh" else "No records match"])
    fd, name = tempfile.mkstemp(prefix="anhui-export-", suffix=".xlsx")
    os.close(fd)
    path = Path(name)
    workbook.save(path)
    province.db.run(lambda tx: actions.record(
        tx, actor, "export.xlsx", "records", "",
        {"filters": dict(filters.query_items()), "records": count}))
    return path


def _sheet_title(title: str, taken: dict[str, Any]) -> str:
    # Excel allows 31 characters and no []:*?/\ in a sheet's name.
    clean = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "sheet"
    name, n = clean, 2
    while any(s.title == name for s in taken.values()):
        name, n = f"{clean}{n}", n + 1
    return name


def counted_toward(province: Province, filters: Filters, target_code: str,
                   after: tuple[int, str] | None, reporting_year: int,
                   ) -> tuple[list[dict[str, Any]], int, bool]:
    """The records that count toward one target (a page of them), how many, and whether the
    search stopped at :data:`MAX_CANDIDATES` candidates.

    A record is listed when it is the one its key counts by in the 总览 number: province-wide,
    or within its city when the list is narrowed to a city (as the city's number counts).
    """
    registry = province.validator.registry()
    target = next((t for t in registry.targets() if t.code == target_code), None)
    if target is None:
        return [], 0, False
    filters.form_id = target.form_id
    if target.sector:
        filters.sector = target.sector
    as_of = dt.datetime.now(dt.UTC).date()
    kept: list[dict[str, Any]] = []
    capped = False
    cursor: tuple[int, str] | None = None
    seen = 0
    while True:
        rows, _ = catalog.list_page(province, filters, after=cursor, limit=500, count=False)
        if not rows:
            break
        counted = counted_records(province, target.code, [r["record_id"] for r in rows],
                                  as_of=as_of, reporting_year=reporting_year,
                                  per_city=bool(filters.city))
        kept += [r for r in rows if r["record_id"] in counted]
        cursor = (int(rows[-1]["log_index"]), str(rows[-1]["record_id"]))
        seen += len(rows)
        if seen >= MAX_CANDIDATES:
            capped = True
            break
    start = 0
    if after is not None:
        start = next((i + 1 for i, r in enumerate(kept)
                      if (r["log_index"], r["record_id"]) == after), len(kept))
    return kept[start:start + catalog.PAGE_SIZE], len(kept), capped
