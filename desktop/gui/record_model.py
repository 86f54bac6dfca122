"""A lazy table model over the office's records: one page at a time, as the view scrolls.

Qt asks ``canFetchMore``/``fetchMore`` when the user scrolls near the end, so a list of
100k records costs one page of rows until someone scrolls through it. Filters and sorting
are done by the store (``RecordService.query``), never by loading everything into Qt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from desktop.gui.labels import SectorLabels, status_label
from desktop.gui.parts import plain_tip

RECORD_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
RETURNED_BRUSH = QBrush(QColor("#fde7d9"))

# (column key, sort key understood by RecordService.query, or None when it cannot sort by it)
COLUMNS = (
    ("title", "title"),
    ("sector", "sector"),
    ("direction", None),
    ("status", "status"),
    ("version_count", None),
    ("updated_at", "updated_at"),
)
UPDATED_COLUMN = 5
Index = QModelIndex | QPersistentModelIndex


def _headers() -> list[str]:
    # Translated when asked, not at import, so a language chosen later is honoured.
    return [
        QCoreApplication.translate("RecordModel", "Name"),
        QCoreApplication.translate("RecordModel", "Sector"),
        QCoreApplication.translate("RecordModel", "Direction"),
        QCoreApplication.translate("RecordModel", "Status"),
        QCoreApplication.translate("RecordModel", "Versions"),
        QCoreApplication.translate("RecordModel", "Last changed"),
    ]


@dataclass(frozen=True)
class Filters:
    """What the list shows: one form, optionally narrowed by status, sector, direction, text."""

    form: str | None = None
    status: str | None = None
    sector: str | None = None
    direction: str | None = None
    search: str | None = None

    def query_args(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class _State:
    rows: list[dict[str, Any]] = field(default_factory=list)
    exhausted: bool = False


def local_time(stamp: str | None) -> str:
    """A stored UTC timestamp in the computer's local time, to the minute."""
    if not stamp:
        return ""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class RecordListModel(QAbstractTableModel):
    """Records matching :class:`Filters`, fetched ``page_size`` rows at a time."""

    def __init__(self, service: Any, labels: SectorLabels, page_size: int = 200, parent: Any = None) -> None:
        super().__init__(parent)
        self.service = service
        self.labels = labels
        self.page_size = page_size
        self.filters = Filters()
        self.order = "updated_at DESC"
        self.state = _State()
        self.total = 0

    # -- what to show -----------------------------------------------------------------
    def set_filters(self, filters: Filters) -> None:
        """Show the records matching ``filters`` (first page loaded now, the rest on demand)."""
        self.filters = filters
        self.reload()

    def update_filters(self, **changes: Any) -> None:
        self.set_filters(replace(self.filters, **changes))

    def reload(self) -> None:
        """Drop what is loaded and fetch the first page again (after a save, a filter change)."""
        self.beginResetModel()
        self.state = _State()
        self.total = self.service.count(**self.filters.query_args())
        self._fetch_page()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][1] if 0 <= column < len(COLUMNS) else None
        if key is None:
            return  # the store cannot sort by this column; keep the current order
        self.order = f"{key} {'DESC' if order == Qt.SortOrder.DescendingOrder else 'ASC'}"
        self.reload()

    # -- paging -----------------------------------------------------------------------
    def _fetch_page(self) -> list[dict[str, Any]]:
        page = self.service.query(limit=self.page_size, after=self._last(), order=self.order,
                                  **self.filters.query_args())
        self.state.exhausted = len(page) < self.page_size
        self.state.rows.extend(page)
        return page

    def _last(self) -> dict[str, Any] | None:
        # The next page starts after the last row loaded (keyset paging).
        return self.state.rows[-1] if self.state.rows else None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008 (Qt's API)
        return not parent.isValid() and not self.state.exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008
        if parent.isValid() or self.state.exhausted:
            return
        start = len(self.state.rows)
        page = self.service.query(limit=self.page_size, after=self._last(), order=self.order, **self.filters.query_args())
        self.state.exhausted = len(page) < self.page_size
        if page:
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self.state.rows.extend(page)
            self.endInsertRows()

    # -- Qt model API -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.state.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _headers()[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.state.rows):
            return None
        row = self.state.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, COLUMNS[index.column()][0])
        if role == RECORD_ID_ROLE:
            return row["record_id"]
        if role == STATUS_ROLE:
            return row["status"]
        if row["status"] == "returned":
            if role == Qt.ItemDataRole.BackgroundRole:
                return RETURNED_BRUSH
            if role == Qt.ItemDataRole.ToolTipRole:
                reason = row.get("status_reason") or ""
                return plain_tip(QCoreApplication.translate("RecordModel", "Returned by the province: {reason}").format(reason=reason))
        return None

    def _display(self, row: dict[str, Any], key: str) -> str:
        if key == "sector":
            return self.labels.sector(row.get("sector"))
        if key == "direction":
            return self.labels.direction(row.get("sector"), row.get("direction"))
        if key == "status":
            return status_label(row.get("status"))
        if key == "updated_at":
            return local_time(row.get("updated_at"))
        value = row.get(key)
        return "" if value is None else str(value)

    def record_id(self, row: int) -> str | None:
        return self.state.rows[row]["record_id"] if 0 <= row < len(self.state.rows) else None

    def row_of(self, record_id: str) -> int:
        """The loaded row showing ``record_id``, or -1."""
        return next((i for i, r in enumerate(self.state.rows) if r["record_id"] == record_id), -1)
