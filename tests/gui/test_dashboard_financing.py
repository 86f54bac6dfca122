"""The dashboard's financing tab, beside project investment: events and amounts by year and by
round of the final financing events."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTableWidget

from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.gui.helpers import child, click_nav
from tests.gui.test_dashboard_investment import _rows
from tests.office.test_financing_totals import add_events


def test_financing_totals_by_year_and_round(qtbot, office_dir, checker):
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        add_events(office)

    from desktop.gui.app import AppController

    controller = AppController(office_dir, checker=checker)
    controller.open_main(Office.unlock(office_dir, None, PASSPHRASE))
    try:
        window = controller.window
        click_nav(qtbot, window, "dashboard")
        dash = window.dashboard
        qtbot.waitUntil(lambda: not dash.pending and dash.data is not None, timeout=10000)
        dash.charts.setCurrentWidget(dash.financing)
        index = dash.charts.currentIndex()
        assert dash.charts.tabText(index) == "融资事件" and dash.charts.tabText(index - 1) == "项目投资"
        assert _rows(child(dash, QTableWidget, "financingByYear")) == [
            ["2024", "1", "3,000.00"], ["2025", "2", "42,000.50"], ["合计", "3", "45,000.50"]]
        assert _rows(child(dash, QTableWidget, "financingByRound")) == [
            ["天使轮", "1", "3,000.00"], ["A轮", "1", "12,000.50"], ["B轮", "1", "30,000.00"], ["合计", "3", "45,000.50"]]
        assert child(dash, QLabel, "financingSummary").text() == \
            "已定稿融资事件 3 个，融资金额合计 45,000.50 万元。另有 1 个未定稿或被退回的融资事件未计入。"
    finally:
        controller._close_session()
