"""The dashboard says, per target, how many records were not counted and why."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from desktop.gui.i18n import install
from desktop.services.records import RecordService
from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.gui.helpers import child, click_nav


def _platform(name: str, approved: str) -> dict:
    return {"name": name, "platform_type": "key_lab", "level": "provincial", "sector": "quantum",
            "direction": "quantum_computing", "status": "operating", "approving_body": "安徽省科学技术厅",
            "approval_document": "皖科基〔2025〕1号", "approval_date": approved,
            "host_orgs": [{"name": "中国科学技术大学", "role": "lead"}]}


def test_excluded_counts_and_reasons_per_target(qtbot, office_dir, checker):
    office = Office.unlock(office_dir, None, PASSPHRASE)
    service = RecordService(office, checker)
    service.add("platform", _platform("安徽省量子计算重点实验室", "2025-03-01"), final=True)  # counts
    service.add("platform", _platform("安徽省量子计算重点实验室", "2025-03-01"), final=True)  # duplicate
    service.add("platform", _platform("安徽省量子通信重点实验室", "2010-05-01"), final=True)  # before the plan
    service.add("platform", _platform("安徽省量子测量重点实验室", "2025-06-01"))  # a draft
    office.close()

    from desktop.gui.app import AppController

    controller = AppController(office_dir, checker=checker)
    controller.open_main(Office.unlock(office_dir, None, PASSPHRASE))
    try:
        window = controller.window
        click_nav(qtbot, window, "dashboard")
        dash = window.dashboard
        qtbot.waitUntil(lambda: not dash.pending and dash.data is not None, timeout=10000)
        table = dash.table
        assert table.horizontalHeaderItem(4).text() == "未计入"
        row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "新增省级及以上科技创新和公共服务平台")
        assert table.item(row, 1).text() == "1"
        assert table.item(row, 4).text() == "3"
        assert table.item(row, 4).toolTip() == "未计入 3：未定稿 1、不在统计时段内 1、重复 1"
        table.setCurrentCell(row, 0)
        note = child(dash, QLabel, "exclusionNote")
        assert "批复（认定）日期在方案印发（2024年9月30日）之后" in note.text()
        assert note.text().endswith("未计入 3：未定稿 1、不在统计时段内 1、重复 1")

        install("en")
        dash.refresh()
        qtbot.waitUntil(lambda: not dash.pending, timeout=10000)
        table.setCurrentCell(row, 0)
        assert "3 not counted: not yet final 1, outside the window 1, duplicate 1" in note.text()
    finally:
        controller._close_session()
