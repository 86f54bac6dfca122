"""The office's overview: counts by status, drafts waiting, what is not yet synced, and
progress toward the plan's 2027 and 2030 targets by sector (QtCharts)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.gui import exclusions
from desktop.gui.i18n import language, pick
from desktop.gui.labels import STATUS_ORDER, status_label
from desktop.gui.parts import PlainLabel
from desktop.gui.readers import DashboardData, ProgressRead, dashboard_counts, dashboard_progress
from desktop.gui.session import Session
from desktop.gui.tasks import Task
from forms.errors import UnknownForm

PERIOD_NAMES = 5  # enterprises named in the banner before "and N more"
STATUS_COLOURS = {"draft": "#9aa5b1", "final": "#2f6fb3", "queued": "#7b61c4", "synced": "#2e8b57", "returned": "#d9822b"}


class StatCard(QFrame):
    """A number with a caption."""

    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(f"#{name} {{ background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; }}")
        self.number = PlainLabel("–", objectName=f"{name}Number")
        self.number.setStyleSheet("font-size: 24px; font-weight: 600; color: #1f2d3d")
        self.caption = PlainLabel(caption, wordWrap=True)
        self.caption.setStyleSheet("color: #4a5560")
        self.note = PlainLabel(objectName=f"{name}Note")
        self.note.setStyleSheet("color: #8a5a00; font-size: 12px")
        # Every card keeps a line for its note, so the row of cards stays one height.
        self.note.setMinimumHeight(self.note.fontMetrics().height())
        box = QVBoxLayout(self)
        box.addWidget(self.number)
        box.addWidget(self.caption)
        box.addWidget(self.note)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set(self, value: int, note: str = "") -> None:
        self.number.setText(f"{value:,}")
        self.note.setText(note)


def _milestone(tp: Any, year: int) -> str:
    m = next((m for m in tp.target.milestones if m.year == year), None)
    return m.describe(language()) if m is not None else "—"


def whole_ticks(axis: QValueAxis, top: float, most: int = 5) -> None:
    """Put a count axis from 0 past ``top`` with ticks on whole numbers only (1, 2, 5 × 10ⁿ apart).

    Qt spreads a tick count evenly over the range, which for a range of 7 gives ticks at
    1.4, 2.8, …: shown as whole numbers they would lie.
    """
    top = max(int(math.ceil(top)), 1)
    step = 1
    while math.ceil(top / step) > most:
        step = next(s * 10 ** p for p in range(12) for s in (1, 2, 5) if s * 10 ** p > step)
    ticks = math.ceil(top / step)
    axis.setRange(0, ticks * step)
    axis.setTickCount(ticks + 1)
    axis.setLabelFormat("%d")


def _two_lines(label: str, longest: int = 22) -> str:
    """A long axis label broken at the space nearest its middle (chart labels take HTML)."""
    if len(label) <= longest or " " not in label:
        return label
    middle = len(label) // 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return f"{label[:cut]}<br>{label[cut + 1:]}"


def _amount(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


class TotalsPanel(QWidget):
    """A summary line over two tables of sums, each ending in a bold total row (the subclasses
    name and fill them)."""

    def __init__(self, name: str, second: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = PlainLabel(objectName=f"{name}Summary", wordWrap=True)
        self.years = self._table(f"{name}ByYear")
        self.second = self._table(f"{name}By{second}")
        self.years_title, self.second_title = PlainLabel(), PlainLabel()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 6, 0, 0)
        box.addWidget(self.summary)
        box.addWidget(self.years_title)
        box.addWidget(self.years, 1)
        box.addWidget(self.second_title)
        box.addWidget(self.second, 1)

    @staticmethod
    def _table(name: str) -> QTableWidget:
        table = QTableWidget(0, 0, objectName=name)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.verticalHeader().setDefaultSectionSize(24)
        return table

    @staticmethod
    def _headers(table: QTableWidget, headers: list[str]) -> None:
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
        table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r == len(rows) - 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(r, c, item)


class InvestmentPanel(TotalsPanel):
    """Major projects' investment by year (planned, completed) and funds by source, in 万元."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("investment", "Source", parent)
        self.sources = self.second
        self._headers(self.years, [self.tr("Year"), self.tr("Planned"), self.tr("Completed")])
        self._headers(self.sources, [self.tr("Funding source"), self.tr("Amount")])
        self.years_title.setText(self.tr("Investment by year (10k yuan)"))
        self.second_title.setText(self.tr("Funds secured by source (10k yuan)"))

    def show_totals(self, totals: Any, year: int | None = None) -> None:
        """Show an ``InvestmentTotals`` (None shows nothing yet), with the planned and completed
        investment of the reporting ``year`` first."""
        if totals is None:
            return
        note = self.tr(" %n draft or returned project(s) not counted.", "", totals.not_final) if totals.not_final else ""
        in_year = "" if year is None else self.tr("In {year}: planned {planned}, completed {completed} (10k yuan). ").format(
            year=year, planned=_amount(totals.planned_by_year.get(year, 0.0), 2),
            completed=_amount(totals.completed_by_year.get(year, 0.0), 2))
        self.summary.setText(in_year + self.tr("%n final project(s), total investment {total} (10k yuan).", "", totals.projects).format(
            total=_amount(totals.total_investment, 2)) + note)
        total = self.tr("Total")
        self._fill(self.years, [[str(y), _amount(totals.planned_by_year.get(y, 0.0), 2), _amount(totals.completed_by_year.get(y, 0.0), 2)]
                                for y in totals.years] + [[total, _amount(sum(totals.planned_by_year.values()), 2), _amount(totals.completed, 2)]])
        if year in totals.years:
            self.years.selectRow(totals.years.index(year))
        else:
            self.years.clearSelection()
        self._fill(self.sources, [[totals.source_label(code, language()), _amount(amount, 2)] for code, amount in totals.by_source.items()]
                   + [[total, _amount(totals.funded, 2)]])


class FinancingPanel(TotalsPanel):
    """Financing events counted and their amounts by year and by round, in 万元."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("financing", "Round", parent)
        self._headers(self.years, [self.tr("Year"), self.tr("Events"), self.tr("Amount")])
        self._headers(self.second, [self.tr("Round"), self.tr("Events"), self.tr("Amount")])
        self.years_title.setText(self.tr("Financing by year (10k yuan)"))
        self.second_title.setText(self.tr("Financing by round (10k yuan)"))

    def show_totals(self, totals: Any) -> None:
        """Show a ``FinancingTotals`` (None shows nothing yet)."""
        if totals is None:
            return
        note = self.tr(" %n draft or returned event(s) not counted.", "", totals.not_final) if totals.not_final else ""
        self.summary.setText(self.tr("%n final financing event(s), {amount} (10k yuan) raised in all.", "", totals.events).format(
            amount=_amount(totals.amount, 2)) + note)
        total = self.tr("Total")
        years = [[str(y), str(n), _amount(a, 2)] for y, (n, a) in totals.by_year.items()]
        self._fill(self.years, years + [[total, str(sum(n for n, _ in totals.by_year.values())),
                                         _amount(sum(a for _, a in totals.by_year.values()), 2)]])
        self._fill(self.second, [[totals.round_label(code, language()), str(n), _amount(a, 2)] for code, (n, a) in totals.by_round.items()]
                   + [[total, str(totals.events), _amount(totals.amount, 2)]])


class Dashboard(QWidget):
    """The overview page; ``refresh()`` recomputes it in the background."""

    refreshed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.session = session
        self.data: DashboardData | None = None
        self.pending = False
        self.stale = False
        title = PlainLabel(self.tr("Overview of {office}").format(office=session.office.office_name), objectName="dashTitle")
        title.setStyleSheet("font-size: 18px; font-weight: 600")
        # The year whose annual reports and money the progress and investment figures take.
        self.year_box = QComboBox(objectName="reportingYear")
        self.year_box.setToolTip(self.tr("Progress and investment take this year's annual reports and figures"))
        self._fill_years([])
        self.year_box.currentIndexChanged.connect(lambda _index: self.refresh())
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addStretch(1)
        heading.addWidget(PlainLabel(self.tr("Reporting year")))
        heading.addWidget(self.year_box)
        # The reporting periods the province has open, and who still owes a report.
        self.period_banner = PlainLabel(objectName="periodBanner", wordWrap=True)
        self.period_banner.setStyleSheet("background: #eef6ee; border: 1px solid #9cc79c; color: #1d4d1d; padding: 6px")
        self.period_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.period_banner.hide()
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
                                              self.tr("2027"), self.tr("2030"), exclusions.header()])
        for column, tip in ((2, self.tr("The plan's target for 2027")), (3, self.tr("The plan's target for 2030"))):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_measure(row))
        # Clicking a measure is asking to see it by sector.
        self.table.cellClicked.connect(lambda *_: self.charts.setCurrentIndex(1))

        self.chart = self._chart("")
        self.chart_view = self._chart_view(self.chart, "sectorChart")
        self.measure_chart = self._chart("")
        self.measure_view = self._chart_view(self.measure_chart, "measureChart")
        # The measure's name can be long, so it is a wrapping label rather than the chart's title.
        self.measure_title = PlainLabel(objectName="measureTitle", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty = PlainLabel(self.tr("No records yet. Choose a form on the left and add the first one."),
                            objectName="dashEmpty", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.empty.setStyleSheet("color: #666")
        self.note = PlainLabel(objectName="progressNote", wordWrap=True)
        self.note.setStyleSheet("color: #555; font-size: 12px")

        progress_title = PlainLabel(self.tr("Progress toward the plan's targets (final, queued and synced records count)"), wordWrap=True)
        progress_title.setStyleSheet("font-weight: 600")
        left = QVBoxLayout()
        left.addWidget(progress_title)
        left.addWidget(self.table, 1)
        self.exclusions = exclusions.ExclusionNote()
        left.addWidget(self.exclusions)
        left.addWidget(self.note)
        # One chart at a time, each with the whole height: sector names need room to be read.
        measure_page = QWidget()
        measure_box = QVBoxLayout(measure_page)
        measure_box.setContentsMargins(0, 6, 0, 0)
        measure_box.addWidget(self.measure_title)
        measure_box.addWidget(self.measure_view, 1)
        self.charts = QTabWidget(objectName="dashCharts")
        self.investment = InvestmentPanel()
        self.financing = FinancingPanel()
        # Short names, so four tabs fit the panel at 1366×768 in either language; the whole
        # name is the tab's tooltip.
        for page, name, whole in (
            (self.chart_view, self.tr("Sectors"), self.tr("Records by sector and status")),
            (measure_page, self.tr("Measures"), self.tr("A measure of the plan, by sector")),
            (self.investment, self.tr("Investment"), self.tr("Project investment")),
            (self.financing, self.tr("Financing"), self.tr("Financing events")),
        ):
            self.charts.setTabToolTip(self.charts.addTab(page, name), whole)
        # Every tab stays in sight: a tab scrolled out of the bar is a tab nobody finds.
        self.charts.setUsesScrollButtons(False)
        self.charts.tabBar().setElideMode(Qt.TextElideMode.ElideRight)
        # Room for every tab's whole name (at 150% too); only a narrower window elides one.
        self.charts.setMinimumWidth(self.charts.tabBar().sizeHint().width() + 4)
        right = QVBoxLayout()
        right.addWidget(self.charts, 1)
        right.addWidget(self.empty, 1)
        grid = QGridLayout()
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.period_banner)
        layout.addLayout(cards)
        layout.addLayout(grid, 1)

    @staticmethod
    def _chart(title: str) -> QChart:
        chart = QChart()
        chart.setTitle(title)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        small = QFont(chart.legend().font())
        small.setPointSizeF(8.5)
        chart.legend().setFont(small)
        chart.setMargins(QMargins(2, 2, 2, 2))
        return chart

    @staticmethod
    def _categories(labels: list[str]) -> QBarCategoryAxis:
        axis = QBarCategoryAxis()
        axis.append([_two_lines(label) for label in labels])
        font = QFont(axis.labelsFont())
        font.setPointSizeF(8.5)
        axis.setLabelsFont(font)
        axis.setTruncateLabels(False)  # a sector's name is worth more than a wider bar
        return axis

    @staticmethod
    def _chart_view(chart: QChart, name: str) -> QChartView:
        view = QChartView(chart, objectName=name)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumWidth(320)
        return view

    def refresh(self) -> None:
        """Recount in the background; the page keeps showing the last numbers meanwhile."""
        if self.pending:
            self.stale = True  # recount once the running count is in
            return
        self.pending = True
        self.stale = False
        office = self.session.office
        # The counts come first (quick at any size); progress reads every counted record,
        # so the table of targets fills in after them.
        Task(lambda: dashboard_counts(office), self).success(self._show).failure(self._failed).start()

    def reporting_year(self) -> int:
        """The reporting year chosen (the year before this one unless changed)."""
        year = self.year_box.currentData()
        return int(year) if year is not None else dt.date.today().year - 1

    def _fill_years(self, report_years: list[int]) -> None:
        """Offer every year that has ended, back to the plan's first (2024) or the earliest
        annual report, latest first; the chosen year stays chosen."""
        last = dt.date.today().year - 1
        years = list(range(last, min([2024, *report_years]) - 1, -1))
        chosen = self.year_box.currentData()
        if [self.year_box.itemData(i) for i in range(self.year_box.count())] == years:
            return
        self.year_box.blockSignals(True)
        self.year_box.clear()
        for year in years:
            self.year_box.addItem(self.tr("{year}").format(year=year), year)
        self.year_box.setCurrentIndex(years.index(chosen) if chosen in years else 0)
        self.year_box.blockSignals(False)

    def _failed(self, exc: BaseException) -> None:
        from desktop.gui.errors import show_error

        self.pending = False
        show_error(self, exc)

    def _show(self, data: DashboardData) -> None:
        if self.data is not None and data.progress is None:
            # The last progress and totals stay up until the new ones are in.
            data.progress, data.investment, data.financing = self.data.progress, self.data.investment, self.data.financing
            data.report_years, data.periods = self.data.report_years, self.data.periods
        self.data = data
        self.cards["total"].set(data.total)
        self.cards["drafts"].set(data.count("draft"), self.tr("%n unsaved edit(s) kept", "", data.unsaved_edits) if data.unsaved_edits else "")
        unsynced = data.count("draft", "final", "queued", "returned")
        self.cards["final"].set(data.count("final", "queued"), self.tr("%n record(s) not yet synced in all", "", unsynced))
        self.cards["returned"].set(data.count("returned"))
        self.cards["synced"].set(data.count("synced"))
        self._fill_chart(data)
        office, registry, year = self.session.office, self.session.registry, self.reporting_year()
        Task(lambda: dashboard_progress(office, registry, year), self).success(self._show_progress).failure(self._failed).start()

    def _show_progress(self, read: ProgressRead) -> None:
        self.pending = False
        if self.data is not None:
            self.data.progress, self.data.investment, self.data.report_years = read.progress, read.investment, read.report_years
            self.data.financing = read.financing
            self._fill_years(read.report_years)
            self._fill_table(self.data)
            self.data.periods = read.periods
            self._show_periods(read.periods)
            self.investment.show_totals(self.data.investment, self.data.progress.reporting_year)
            self.financing.show_totals(self.data.financing)
        self.refreshed.emit()
        if self.stale:
            self.refresh()

    def _show_periods(self, periods: list[Any]) -> None:
        """One line per open period: its year, due day and the enterprises still owing a report
        (the first few by name; the command ``periods`` lists them all)."""
        lines = []
        for s in periods:
            try:
                definition = self.session.form(s.period.form_id)
                form = pick(definition.label_zh, definition.label_en)
            except UnknownForm:  # a form this office has not pulled yet
                form = s.period.form_id
            due = self.tr(", due {day}").format(day=s.period.due) if s.period.due else ""
            line = self.tr("Reporting period open: {form} {year}{due}. {reported} of {total} enterprise(s) reported.").format(
                form=form, year=s.period.year, due=due, reported=s.reported, total=s.subjects)
            for owing, words in ((s.missing, self.tr("No report yet ({n}): {names}.")),
                                 (s.unfinished, self.tr("Report not final ({n}): {names}."))):
                if owing:
                    names = self.tr(", ").join(o.name or o.credit_code for o in owing[:PERIOD_NAMES])
                    more = self.tr(" and {n} more").format(n=len(owing) - PERIOD_NAMES) if len(owing) > PERIOD_NAMES else ""
                    line = self.tr("{sentence} {next}").format(sentence=line, next=words.format(n=len(owing), names=names + more))
            lines.append(line)
        self.period_banner.setText("\n".join(lines))
        self.period_banner.setVisible(bool(lines))

    def _fill_table(self, data: DashboardData) -> None:
        progress = data.progress
        self.table.setRowCount(len(progress.targets))
        for row, tp in enumerate(progress.targets):
            t = tp.target
            # Counts need no unit; money does, and says it once in the measure's name.
            unit = t.unit_en if language() == "en" else t.unit_zh
            bracket = f" ({unit})" if language() == "en" else f"（{unit}）"
            label = pick(t.label_zh, t.label_en) + (bracket if t.decimals and unit else "")
            cells = [label, _amount(tp.value, t.decimals), _milestone(tp, 2027), _milestone(tp, 2030)]
            tip = self._sector_text(tp)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 1 and tp.value:
                    item.setForeground(QColor("#1a7f37"))
                if tip:
                    item.setToolTip(tip)
                self.table.setItem(row, column, item)
            self.table.setItem(row, 4, exclusions.cell(tp))
        self.note.setText(self.tr("Targets are for the whole province; this office's records add to them. Counted: {n} records; money and annual figures of {year}. Select a measure to see it by sector.").format(n=progress.records_counted, year=progress.reporting_year))
        counted = [row for row, tp in enumerate(progress.targets) if tp.value]
        current = self.table.currentRow()
        self.table.setCurrentCell(current if current >= 0 else (counted[0] if counted else 0), 0)
        self._show_measure(self.table.currentRow())

    def _sector_text(self, tp: Any) -> str:
        sectors = sorted(tp.by_sector.items(), key=lambda kv: -kv[1])
        sep = "、" if language() == "zh" else ", "
        return sep.join(f"{self._sector_name(code)} {_amount(v, tp.target.decimals)}" for code, v in sectors)

    def _sector_name(self, code: str) -> str:
        return self.session.labels.sector(code) if code and code != "unknown" else self.tr("No sector")

    def _show_measure(self, row: int) -> None:
        """Chart the selected measure's value by sector, against its 2030 target."""
        chart = self.measure_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        if self.data is None or self.data.progress is None or not 0 <= row < len(self.data.progress.targets):
            return
        tp = self.data.progress.targets[row]
        self.exclusions.show_target(tp)
        self.measure_title.setText(self.tr("{measure} by sector (2030 target: {target})").format(
            measure=pick(tp.target.label_zh, tp.target.label_en), target=_milestone(tp, 2030)))
        sectors = [code for code, value in sorted(tp.by_sector.items(), key=lambda kv: kv[1]) if value]
        if not sectors:
            return
        bar = QBarSet(self.tr("This office"))
        bar.setColor(QColor("#1a7f37"))
        bar.append([tp.by_sector[code] for code in sectors])
        series = QHorizontalBarSeries()
        series.append(bar)
        chart.addSeries(series)
        chart.legend().setVisible(False)
        categories = self._categories([self._sector_name(code) for code in sectors])
        values = QValueAxis()
        values.setLabelFormat("%d" if tp.target.decimals == 0 else "%.1f")
        top = max(tp.by_sector[code] for code in sectors)
        if tp.target.decimals:
            values.setRange(0, top)
            values.applyNiceNumbers()  # 0, 5, 10, 15, 20 rather than 5.3, 10.5, ...
        else:
            whole_ticks(values, top)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        series.attachAxis(values)

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
        self.charts.setVisible(bool(sectors))
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
        categories = self._categories([self._sector_name(c) for c in ordered])
        values = QValueAxis()
        values.setLabelFormat("%d")
        whole_ticks(values, max(sum(data.by_sector_status.get((c, s), 0) for s in STATUS_ORDER) for c in sectors))
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        series.attachAxis(values)
