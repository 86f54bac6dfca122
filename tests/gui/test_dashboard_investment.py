"""The dashboard's project investment tab: the sums by year and by source of final projects."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTableWidget

from desktop.services.records import RecordService
from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.gui.helpers import child, click_nav
from tests.office.test_projects import PROJECT


def _rows(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_project_totals_by_year_and_source(qtbot, office_dir, checker):
    office = Office.unlock(office_dir, None, PASSPHRASE)
    service = RecordService(office, checker)
    service.add("project", PROJECT, final=True)
    service.add("project", {**PROJECT, "name": "储备项目", "funding": [{"source": "special_bonds", "amount": 99}]})  # a draft
    office.close()

    from desktop.gui.app import AppController

    controller = AppController(office_dir, checker=checker)
    controller.open_main(Office.unlock(office_dir, None, PASSPHRASE))
    try:
        window = controller.window
        click_nav(qtbot, window, "dashboard")
        dash = window.dashboard
        qtbot.waitUntil(lambda: not dash.pending and dash.data is not None, timeout=10000)
        dash.charts.setCurrentWidget(dash.investment)
        assert dash.charts.tabText(dash.charts.currentIndex()) == "项目投资"
        assert _rows(child(dash, QTableWidget, "investmentByYear")) == [
            ["2024", "30,000.00", "28,000.00"], ["2025", "60,000.00", "52,000.25"], ["合计", "90,000.00", "80,000.25"]]
        assert _rows(child(dash, QTableWidget, "investmentBySource")) == [
            ["中央预算内投资", "8,000.00"], ["产业基金", "50,000.00"], ["银行贷款", "80,000.50"], ["合计", "138,000.50"]]
        summary = child(dash, QLabel, "investmentSummary").text()
        # After the reporting year's own figures (see test_dashboard_year), the whole.
        assert summary.endswith("万元。已定稿项目 1 个，总投资 250,000.00 万元。另有 1 个未定稿或被退回的项目未计入。")
    finally:
        controller._close_session()
