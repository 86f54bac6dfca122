"""The office's overview: counts by status, drafts waiting, what is not yet synced, and
progress toward the plan's 2027 and 2030 targets by sector (QtCharts)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.i18n import language, pick
from desktop.gui.labels import STATUS_ORDER, status_label
from desktop.gui.readers import DashboardData, dashboard_data
from desktop.gui.session import Session
from desktop.gui.tasks import Task

STATUS_COLOURS = {"draft": "#9aa5b1", "final": "#2f6fb3", "queued": "#7b61c4", "synced": "#2e8b57", "returned": "#d9822b"}


class StatCard(QFrame):
    """A number with a caption."""

    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(f"#{name} {{ background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; }}")
        self.number = QLabel("–", objectName=f"{name}Number")
        self.number.setStyleSheet("font-size: 26px; font-weight: 600; color: #1f2d3d")
        self.caption = QLabel(caption, wordWrap=True)
        self.caption.setStyleSheet("color: #4a5560")
        self.note = QLabel(objectName=f"{name}Note")
        self.note.setStyleSheet("color: #8a5a00; font-size: 12px")
        box = QVBoxLayout(self)
        box.addWidget(self.number)
        box.addWidget(self.caption)
        box.addWidget(self.note)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set(self, value: int, note: str = "") -> None:
        self.number.setText(f"{value:,}")
        self.note.setText(note)
        self.note.setVisible(bool(note))


def _milestone(tp: Any, year: int) -> str:
    m = next((m for m in tp.target.milestones if m.year == year), None)
    return m.describe(language()) if m is not None else "—"


def _amount(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


class Dashboard(QWidget):
    """The overview page; ``refresh()`` recomputes it in the background."""

    refreshed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.session = session
        self.data: DashboardData | None = None
        self.pending = False
        title = QLabel(self.tr("Overview of {office}").format(office=session.office.office_name), objectName="dashTitle")
        title.setStyleSheet("font-size: 18px; font-weight: 600")
        self.cards = {
            "total": StatCard("cardTotal", self.tr("Records")),
            "drafts": StatCard("cardDrafts", self.tr("Drafts waiting")),
            "final": StatCard("cardFinal", self.tr("Final, not yet synced")),
            "returned": StatCard("cardReturned", self.tr("Returned for correction")),
            "synced": StatCard("cardSynced", self.tr("Synced to the province")),
        }
        cards = QHBoxLayout()
        for card in self.cards.values():
            cards.addWidget(card)

        self.table = QTableWidget(0, 5, objectName="progressTable")
        self.table.setHorizontalHeaderLabels([self.tr("Measure of the plan"), self.tr("This office"),
                                              self.tr("2027 target"), self.tr("2030 target"), self.tr("By sector")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(26)

        self.chart = QChart()
        self.chart.setTitle(self.tr("Records by sector and status"))
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart_view = QChartView(self.chart, objectName="sectorChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumWidth(380)
        self.empty = QLabel(self.tr("No records yet. Choose a form on the left and add the first one."),
                            objectName="dashEmpty", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.empty.setStyleSheet("color: #666")
        self.note = QLabel(objectName="progressNote", wordWrap=True)
        self.note.setStyleSheet("color: #555; font-size: 12px")

        progress_title = QLabel(self.tr("Progress toward the plan's targets (final, queued and synced records count)"))
        progress_title.setStyleSheet("font-weight: 600")
        grid = QGridLayout()
        grid.addWidget(progress_title, 0, 0)
        grid.addWidget(self.table, 1, 0)
        grid.addWidget(self.note, 2, 0)
        grid.addWidget(self.chart_view, 0, 1, 3, 1)
        grid.addWidget(self.empty, 0, 1, 3, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(cards)
        layout.addLayout(grid, 1)

    def refresh(self) -> None:
        """Recount in the background; the page keeps showing the last numbers meanwhile."""
        if self.pending:
            return
        self.pending = True
        office, registry = self.session.office, self.session.registry
        Task(lambda: dashboard_data(office, registry), self).success(self._show).failure(self._failed).start()

    def _failed(self, exc: BaseException) -> None:
        from desktop.gui.errors import show_error

        self.pending = False
        show_error(self, exc)

    def _show(self, data: DashboardData) -> None:
        self.pending = False
        self.data = data
        self.cards["total"].set(data.total)
        self.cards["drafts"].set(data.count("draft"), self.tr("%n unsaved edit(s) kept", "", data.unsaved_edits) if data.unsaved_edits else "")
        self.cards["final"].set(data.count("final", "queued"))
        self.cards["returned"].set(data.count("returned"))
        self.cards["synced"].set(data.count("synced"))
        self._fill_table(data)
        self._fill_chart(data)
        self.refreshed.emit()

    def _fill_table(self, data: DashboardData) -> None:
        progress = data.progress
        labels = self.session.labels
        self.table.setRowCount(len(progress.targets))
        for row, tp in enumerate(progress.targets):
            t = tp.target
            unit = pick(t.unit_zh, t.unit_en)
            sectors = sorted(tp.by_sector.items(), key=lambda kv: -kv[1])
            sep = "、" if language() == "zh" else ", "
            by_sector = sep.join(f"{labels.sector(code) if code != 'unknown' else '?'} {_amount(v, t.decimals)}" for code, v in sectors)
            cells = [pick(t.label_zh, t.label_en), f"{_amount(tp.value, t.decimals)} {unit}",
                     _milestone(tp, 2027), _milestone(tp, 2030), by_sector]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (1, 2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 1 and tp.value:
                    item.setForeground(QColor("#1a7f37"))
                self.table.setItem(row, column, item)
        self.note.setText(self.tr("Targets are for the whole province; this office's records add to them. Counted: {n} records.").format(n=progress.records_counted))

    def _fill_chart(self, data: DashboardData) -> None:
        chart = self.chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        sectors = [code for code in (s.code for s in self.session.labels.items())
                   if any(data.by_sector_status.get((code, st), 0) for st in STATUS_ORDER)]
        if any(data.by_sector_status.get(("", st), 0) for st in STATUS_ORDER):
            sectors.append("")
        self.empty.setVisible(not sectors)
        self.chart_view.setVisible(bool(sectors))
        if not sectors:
            return
        series = QHorizontalStackedBarSeries()
        # Bars read top to bottom in the list's order, so categories go in reversed.
        ordered = list(reversed(sectors))
        for status in STATUS_ORDER:
            values = [data.by_sector_status.get((code, status), 0) for code in ordered]
            if not any(values):
                continue
            bar = QBarSet(status_label(status))
            bar.setColor(QColor(STATUS_COLOURS[status]))
            bar.append(values)
            series.append(bar)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([self.session.labels.sector(c) if c else self.tr("No sector") for c in ordered])
        values = QValueAxis()
        values.setLabelFormat("%d")
        top = max(sum(data.by_sector_status.get((c, s), 0) for s in STATUS_ORDER) for c in sectors)
        values.setRange(0, max(top, 1))
        values.setTickCount(min(max(top, 1), 5) + 1)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        series.attachAxis(values)
