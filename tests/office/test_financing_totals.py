"""Financing events added up by year and by round: three events in two years (and a draft that
does not count) in the audit export's totals, and verify-export naming a changed total."""

from __future__ import annotations

from typing import Any

from openpyxl import load_workbook

from desktop.services.checking import default_checker
from desktop.services.device import device_key
from desktop.services.records import RecordService
from forms.examples import example
from tests.conftest import run_cli
from tests.exchange.forger import Forger

EVENTS: list[dict[str, Any]] = [
    {**example("financing"), "round": "angel", "date": "2024-05-10", "amount": 3000},
    {**example("financing"), "round": "b", "date": "2025-06-18", "amount": 30000},
    {**example("financing"), "round": "a", "date": "2025-11-02", "amount": 12000.5},
]


def add_events(office: Any) -> None:
    """The three final events and a draft of a fourth."""
    service = RecordService(office, default_checker(office.paths.root))
    for event in EVENTS:
        service.add("financing", event, final=True)
    service.add("financing", {**EVENTS[0], "round": "c", "date": "2025-12-01", "amount": 99}, final=False)


def rows(sheet: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_financing_totals_by_year_and_round_are_in_the_export_and_verified(office, tmp_path):
    add_events(office)
    out = tmp_path / "export"
    result = run_cli(office.paths.root, "export", "--out", str(out))
    assert result.returncode == 0, result.stderr
    book = load_workbook(out / "records" / "financing_totals.xlsx")
    assert rows(book["分年度融资"]) == [["年度", "事件数", "融资金额（万元）"], [2024, 1, 3000], [2025, 2, 42000.5],
                                   ["合计", 3, 45000.5]]
    assert rows(book["分轮次融资"]) == [["融资轮次", "事件数", "融资金额（万元）"], ["天使轮", 1, 3000], ["A轮", 1, 12000.5],
                                   ["B轮", 1, 30000], ["合计", 3, 45000.5]]
    summary = dict(row for row in book["融资汇总"].iter_rows(min_row=2, values_only=True))
    assert (summary["融资事件数"], summary["融资金额合计（万元）"], summary["未定稿事件数（未计入）"]) == (3, 45000.5, 1)
    by_year = out / "records" / "financing_totals.by_year.csv"
    assert by_year.read_bytes() == "\ufeff年度,事件数,融资金额（万元）\r\n2024,1,3000.0\r\n2025,2,42000.5\r\n合计,3,45000.5\r\n".encode()
    # Consistent (status 3: this office never enrolled, so nothing anchors it).
    verified = run_cli(office.paths.root, "verify-export", str(out))
    assert verified.returncode == 3 and verified.stdout.startswith("核验通过"), verified.stdout + verified.stderr
    # A changed total, with the manifest rebuilt and signed again by the office's own key so
    # every hash fits: verify-export adds the exported events up again and names the table.
    by_year.write_bytes(by_year.read_bytes().replace(b"42000.5", b"52000.5"))
    Forger(out, device_key(office)).sign()
    forged = run_cli(office.paths.root, "verify-export", str(out))
    assert forged.returncode == 1 and forged.stdout.startswith("核验未通过：发现 1 处问题"), forged.stdout
    assert forged.stderr.strip() == "records/financing_totals.by_year.csv: 融资事件汇总表“分年度融资”与导出的融资事件记录合计不符"
