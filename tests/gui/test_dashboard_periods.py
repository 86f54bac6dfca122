"""The dashboard names the reporting period the province opened and who still owes a report
(the period comes from a real province on loopback, through a sync)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop.services.records import RecordService
from desktop.services.sync_office import enroll_office, sync_office
from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.gui.helpers import child, click_nav
from tests.office.conftest import enterprise
from tests.office.test_annual_reports import report
from tests.office.test_office_sync import new_code
from tests.sync.servers import ProvinceServer


def test_the_open_period_and_the_enterprises_still_owing_show_on_the_dashboard(qtbot, office_dir, checker, tmp_path):
    province = ProvinceServer(tmp_path / "province")
    province.start()
    try:
        office = Office.unlock(office_dir, None, PASSPHRASE)
        enroll_office(office, province.url, new_code(province))
        service = RecordService(office, checker)
        firms = [enterprise(i) for i in range(1, 9)]
        for firm in firms:
            service.add("enterprise", firm, final=True)
        service.add("annual_report", report(firms[0], 2025, 8000), final=True)
        service.add("annual_report", report(firms[1], 2025, 6000))
        province.cli("period", "open", "annual_report", "2025", "--due", "2027-03-31")
        sync_office(office)
        office.close()
    finally:
        province.stop()

    from desktop.gui.app import AppController

    controller = AppController(office_dir, checker=checker)
    controller.open_main(Office.unlock(office_dir, None, PASSPHRASE))
    try:
        click_nav(qtbot, controller.window, "dashboard")
        dash = controller.window.dashboard
        qtbot.waitUntil(lambda: not dash.pending and dash.data is not None, timeout=10000)
        banner = child(dash, QLabel, "periodBanner")
        assert banner.isVisible() and banner.textFormat() == Qt.TextFormat.PlainText  # names as written
        names = "、".join(f["name"] for f in firms[2:7])
        assert banner.text() == (f"填报期开放中：2025年度企业年度数据，截止 2027-03-31。8 家企业中已定稿 1 家。"
                                 f"未填报（6 家）：{names}，另有 1 家。未定稿（1 家）：{firms[1]['name']}。")
    finally:
        controller._close_session()
