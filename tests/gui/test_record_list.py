"""The lazy record list: paging with fetchMore, sorting, filters and Chinese search."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from desktop.gui.labels import SectorLabels
from desktop.gui.record_list import RecordListPage
from desktop.gui.record_model import RECORD_ID_ROLE, RETURNED_BRUSH, Filters, RecordListModel
from desktop.services.records import RecordService
from tests.gui.helpers import child, choose, type_text

SECTORS = ["quantum", "general_ai", "low_carbon_energy"]


def fill(office, checker, n: int) -> RecordService:
    service = RecordService(office, checker)
    service.add_many("enterprise", [
        {"name": f"安徽{'量子通信' if i % 10 == 0 else '储能材料'}科技有限公司{i:04d}", "sector": SECTORS[i % 3]}
        for i in range(n)
    ])
    return service


def test_model_fetches_pages_as_the_view_scrolls(office, checker, qtbot):
    service = fill(office, checker, 650)
    registry = checker.registry
    model = RecordListModel(service, SectorLabels(registry), page_size=200)
    model.set_filters(Filters(form="enterprise"))
    assert model.rowCount() == 200 and model.total == 650 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 400
    page = RecordListPage(service, registry.form("enterprise"), SectorLabels(registry), page_size=200)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    page.apply_filters()
    assert page.model.rowCount() == 200
    # Scrolling to the end makes Qt ask for the next pages, one at a time.
    for _ in range(5):
        page.table.scrollToBottom()
        qtbot.wait(10)
    assert page.model.rowCount() == 650 and not page.model.canFetchMore()
    assert "650" in page.count_label.text()


def test_sort_filter_and_search(office, checker, qtbot):
    service = fill(office, checker, 90)
    registry = checker.registry
    page = RecordListPage(service, registry.form("enterprise"), SectorLabels(registry), page_size=50)
    qtbot.addWidget(page)
    page.show()
    page.apply_filters()
    page.model.sort(0, Qt.SortOrder.AscendingOrder)
    titles = [r["title"] for r in page.model.state.rows]
    assert titles == sorted(titles)

    choose(qtbot, child(page, QComboBox, "sectorFilter"), "quantum")
    assert page.model.total == 30
    assert {r["sector"] for r in page.model.state.rows} == {"quantum"}
    assert child(page, QComboBox, "directionFilter").isEnabled()

    # (sector labels are searchable too, so the terms are words only the names hold)
    type_text(qtbot, child(page, QLineEdit, "searchBox"), "通信")  # two characters: LIKE
    qtbot.waitUntil(lambda: page.model.total == 3, timeout=3000)
    child(page, QLineEdit, "searchBox").clear()
    type_text(qtbot, child(page, QLineEdit, "searchBox"), "子通信")  # three or more: trigram index
    qtbot.waitUntil(lambda: page.model.total == 3, timeout=3000)
    choose(qtbot, child(page, QComboBox, "statusFilter"), "final")
    assert page.model.total == 0


def test_returned_records_stand_out_with_the_reason(office, checker, qtbot):
    service = fill(office, checker, 3)
    record_id = service.query(limit=1)[0]["record_id"]
    service.set_status(record_id, "final")
    service.set_status(record_id, "queued")
    service.set_status(record_id, "returned", reason="信用代码与企业名称不符")
    model = RecordListModel(service, SectorLabels(checker.registry))
    model.set_filters(Filters(form="enterprise"))
    row = model.row_of(record_id)
    index = model.index(row, 0)
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) == RETURNED_BRUSH
    assert "信用代码与企业名称不符" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert model.data(index, RECORD_ID_ROLE) == record_id
    assert model.data(model.index(row, 3)) == "已退回"
