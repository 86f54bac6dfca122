"""The dashboard's reporting year: progress and project investment follow the year chosen."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox, QLabel, QTableWidget

from desktop.services.records import RecordService
from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.gui.helpers import child, click_nav
from tests.office.conftest import enterprise
from tests.office.test_annual_reports import report
from tests.office.test_projects import PROJECT


def test_choosing_another_reporting_year_shows_that_years_reports_and_investment(qtbot, office_dir, checker):
    office = Office.unlock(office_dir, None, PASSPHRASE)
    service = RecordService(office, checker)
    firm = enterprise(1)
    service.add("enterprise", firm, final=True)
    service.add("annual_report", report(firm, 2024, 8000), final=True)
    service.add("annual_report", report(firm, 2025, 12000), final=True)
    service.add("project", PROJECT, final=True)
    office.close()

    from desktop.gui.app import AppController

    controller = AppController(office_dir, checker=checker)
    controller.open_main(Office.unlock(office_dir, None, PASSPHRASE))
    try:
        window = controller.window
        click_nav(qtbot, window, "dashboard")
        dash = window.dashboard
        qtbot.waitUntil(lambda: not dash.pending and dash.data is not None, timeout=10000)
        years = child(dash, QComboBox, "reportingYear")
        last = dt.date.today().year - 1
        offered = [years.itemData(i) for i in range(years.count())]
        assert offered == list(range(last, 2023, -1)) and years.currentText() == f"{last}年度"
        table, summary = child(dash, QTableWidget, "progressTable"), child(dash, QLabel, "investmentSummary")

        def shown(year: int) -> tuple[str, str]:
            years.setCurrentIndex(offered.index(year))
            qtbot.waitUntil(lambda: not dash.pending and dash.data.progress.reporting_year == year, timeout=10000)
            row = [tp.code for tp in dash.data.progress.targets].index("output_total")
            return table.item(row, 1).text(), summary.text()

        value, text = shown(2025)
        assert value == "1.20" and text.startswith("2025年：计划投资 60,000.00 万元，完成投资 52,000.25 万元。")
        assert "金额和年度数据取2025年度" in child(dash, QLabel, "progressNote").text()
        value, text = shown(2024)
        assert value == "0.80" and text.startswith("2024年：计划投资 30,000.00 万元，完成投资 28,000.00 万元。")
        assert child(dash, QTableWidget, "investmentByYear").selectedItems()[0].text() == "2024"
        dash.refresh()  # a recount keeps the year chosen
        qtbot.waitUntil(lambda: not dash.pending, timeout=10000)
        assert years.currentData() == 2024 and dash.data.progress.reporting_year == 2024
    finally:
        controller._close_session()
