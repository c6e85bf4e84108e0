"""Find in documents: every mention of a phrase, word forms or a pattern, streamed into a table as pages are read.

Non-modal. The find runs on the engine's worker thread (``TaskManager.stream``);
the dialog only receives its events, so the store is never read on the GUI
thread. Double-clicking a hit emits ``open_hit(document_id, page, match)`` for
the window's source viewer.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QFontMetrics, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import AppError, FindDone, FindHit, FindProgress, FindQuery, hits_csv, hits_markdown
from desktop_app.ui.tasks import Job, TaskManager
from desktop_app.ui.widgets import user_message

MODES = (("Exact phrase", "phrase"), ("All word forms", "words"), ("Regular expression", "regex"))
HTML_ROLE = Qt.ItemDataRole.UserRole + 1
MATCH_ROLE = Qt.ItemDataRole.UserRole + 2


def snippet_html(hit: FindHit) -> str:
    """The hit's snippet as HTML, its match in bold."""
    s = hit.snippet
    return (html.escape(s[:hit.snippet_start]) + "<b>" + html.escape(s[hit.snippet_start:hit.snippet_end]) + "</b>"
            + html.escape(s[hit.snippet_end:]))


class SnippetDelegate(QStyledItemDelegate):
    """Paints a cell's ``HTML_ROLE`` text (a snippet with its match in bold) on one line, scrolled so that the
    match shows in a narrow column (``MATCH_ROLE``: the match's offset in the snippet)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        text = index.data(HTML_ROLE)
        if not text:
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        before = item.text[:int(index.data(MATCH_ROLE) or 0)]
        item.text = ""
        style = item.widget.style() if item.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, item.widget)
        document = QTextDocument()
        document.setDefaultFont(item.font)
        document.setDocumentMargin(2)
        document.setHtml(text)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        context.palette.setColor(QPalette.ColorRole.Text, item.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        rect = item.rect
        shift = max(0, QFontMetrics(item.font).horizontalAdvance(before) - rect.width() // 3)
        painter.save()
        painter.setClipRect(rect)
        painter.translate(rect.left() - shift, rect.top() + (rect.height() - document.size().height()) / 2)
        document.documentLayout().draw(painter, context)
        painter.restore()


class HitsModel(QAbstractTableModel):
    """The hits as table rows (Document, Page, Snippet); ``hits`` grows as they stream in, and ``show_new``
    adds the rows of those not shown yet in one insertion."""

    HEADERS = ("Document", "Page", "Snippet")

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[FindHit] = []
        self.shown = 0

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self.shown

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self.shown:
            return None
        hit, column = self.hits[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            page = hit.page_label if hit.page_label == str(hit.page) else f"{hit.page_label} ({hit.page})"
            return (hit.document, page, hit.snippet)[column]
        if column == 2 and role == Qt.ItemDataRole.ToolTipRole:
            return hit.snippet
        if column == 2 and role == HTML_ROLE:
            return snippet_html(hit)
        if column == 2 and role == MATCH_ROLE:
            return hit.snippet_start
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt's name)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def show_new(self) -> None:
        if len(self.hits) > self.shown:
            self.beginInsertRows(QModelIndex(), self.shown, len(self.hits) - 1)
            self.shown = len(self.hits)
            self.endInsertRows()

    def reset(self) -> None:
        self.beginResetModel()
        self.hits, self.shown = [], 0
        self.endResetModel()


class FindDialog(QDialog):
    open_hit = Signal(int, int, str)  # document id, 1-based page, the text found

    def __init__(self, tasks: TaskManager, selected: list[tuple[int, str]] | None = None,
                 parent: QWidget | None = None) -> None:
        """``tasks`` runs the find on the engine's thread; ``selected``: the (id, title) of the documents
        selected in the library, the scope "Selected documents" offers."""
        super().__init__(parent)
        self.setWindowTitle("Find in documents")
        self.setModal(False)
        self.resize(900, 560)
        self.tasks = tasks
        self.selected = list(selected or [])
        self.job: Job | None = None
        self.query: FindQuery | None = None
        self.model = HitsModel()
        self.find_done: FindDone | None = None
        self.generation = 0  # of the find whose events the dialog shows
        self.counted: dict[tuple[int, str], int] = {}  # hits so far per (document id, title)
        self.rows_pending = False
        self._build()

    # --- building -------------------------------------------------------------------
    def _build(self) -> None:
        self.query_field = QLineEdit()
        self.query_field.setPlaceholderText("Words, a phrase or a pattern to find in every page")
        self.query_field.setAccessibleName("Find")
        self.query_field.returnPressed.connect(self.start)
        self.mode = QComboBox()
        self.mode.setAccessibleName("Find mode")
        for label, mode in MODES:
            self.mode.addItem(label, mode)
        self.case = QCheckBox("Match case")
        self.scope = QComboBox()
        self.scope.setAccessibleName("Find in")
        self.scope.addItem("All documents", None)
        if self.selected:
            self.scope.addItem(f"Selected documents ({len(self.selected)})", [doc_id for doc_id, _ in self.selected])
        self.find_button = self._button("Find", self.start)
        self.stop_button = self._button("Stop", self.stop)
        self.stop_button.setEnabled(False)
        self.progress = QLabel("Finds every mention in the documents' text, page by page.")
        self.progress.setAccessibleName("Find progress")
        self.progress.setWordWrap(True)
        self.counts = QLabel()
        self.counts.setAccessibleName("Occurrences per document")
        self.counts.setWordWrap(True)
        self.table = self._table()
        self.export_csv_button = self._button("Export CSV…", self.export_csv)
        self.export_markdown_button = self._button("Export Markdown…", self.export_markdown)
        self._set_exportable(False)
        search = QHBoxLayout()
        for widget in (self.query_field, self.mode, self.case, self.scope, self.find_button, self.stop_button):
            search.addWidget(widget, 1 if widget is self.query_field else 0)
        exports = QHBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.export_csv_button)
        exports.addWidget(self.export_markdown_button)
        layout = QVBoxLayout(self)
        layout.addLayout(search)
        layout.addWidget(self.progress)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addLayout(exports)

    def _button(self, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName("Hits")
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.setColumnWidth(0, 200)
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setItemDelegateForColumn(2, SnippetDelegate(table))
        table.doubleClicked.connect(lambda index: self._open(index.row()))
        return table

    @property
    def hits(self) -> list[FindHit]:
        """Every hit of the find shown, in the order found."""
        return self.model.hits

    # --- finding ----------------------------------------------------------------------
    def start(self) -> None:
        """Find what the field holds, in the chosen mode and scope (a find still running is stopped first)."""
        try:
            query = FindQuery(self.query_field.text(), str(self.mode.currentData()), self.case.isChecked())
        except AppError as exc:
            self.progress.setText(str(exc))
            return
        self.stop()
        documents: list[int] | None = self.scope.currentData()
        self.query, self.find_done, self.counted = query, None, {}
        self.model.reset()
        self.counts.clear()
        self.progress.setText("Reading the pages…")
        self._set_running(True)
        self.generation += 1
        generation = self.generation

        def current(handler: Any) -> Any:  # a stopped find's last events still count; an older find's do not
            return lambda value: handler(value) if generation == self.generation else None

        self.job = self.tasks.stream(lambda engine, token: engine.find(query, documents, token),
                                     current(self._on_event), current(self._finished), current(self._failed))

    def stop(self) -> None:
        """Stop the running find; the counts of the pages read so far follow (if any were read)."""
        if self.job is not None:
            self.job.cancel()
            self.job = None
            self._set_running(False)
            self.progress.setText("Stopped.")

    def _on_event(self, event: Any) -> None:
        if isinstance(event, FindHit):
            self._add(event)
        elif isinstance(event, FindProgress):
            self.progress.setText(f"Read {event.pages_done:,} of {event.pages_total:,} pages · {event.hits:,} found")
            self._show_counts()
        elif isinstance(event, FindDone):
            self.find_done = event
            self._show_done(event)

    def _add(self, hit: FindHit) -> None:
        """Keep the hit; its row is added with the others of the same batch of events (``_show_rows``)."""
        self.hits.append(hit)
        key = (hit.document_id, hit.document)
        self.counted[key] = self.counted.get(key, 0) + 1
        if not self.rows_pending:
            self.rows_pending = True
            QTimer.singleShot(0, self._show_rows)

    def _show_rows(self) -> None:
        self.rows_pending = False
        self.model.show_new()

    def _show_counts(self, done: FindDone | None = None) -> None:
        counts = [(c.title, c.count) for c in done.per_document] if done is not None else \
            [(title, count) for (_, title), count in self.counted.items()]
        total = done.total if done is not None else len(self.hits)
        parts = [f"{html.escape(title)}: <b>{count:,}</b>" for title, count in counts]
        self.counts.setText(" · ".join(parts) + f" — <b>{total:,}</b> in total" if parts else "")

    def _show_done(self, done: FindDone) -> None:
        self._show_rows()
        self._show_counts(done)
        if done.cancelled:
            self.progress.setText(f"Stopped after {done.pages_read:,} of {done.pages_total:,} pages · "
                                  f"{done.total:,} found")
        else:
            self.progress.setText(f"Read all {done.pages_read:,} pages of {done.documents_read:,} document(s) · "
                                  f"{done.total:,} found in {done.elapsed_s:.1f} s")
        self._set_exportable(bool(self.hits))

    def _finished(self, _result: object = None) -> None:
        self.job = None
        self._set_running(False)

    def _failed(self, error: BaseException) -> None:
        self._finished()
        self.progress.setText(user_message(error))

    def _set_running(self, running: bool) -> None:
        self.find_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if running:
            self._set_exportable(False)

    def _set_exportable(self, on: bool) -> None:
        self.export_csv_button.setEnabled(on)
        self.export_markdown_button.setEnabled(on)

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.hits):
            hit = self.hits[row]
            self.open_hit.emit(hit.document_id, hit.page, hit.match)

    # --- exports ----------------------------------------------------------------------
    def export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the hits", "find.csv", "CSV (*.csv)")
        if path:
            self.write_csv(Path(path))

    def export_markdown(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the hits", "find.md", "Markdown (*.md)")
        if path:
            self.write_markdown(Path(path))

    def write_csv(self, path: Path) -> Job:
        """Write every hit to ``path`` on the engine's thread; returns the job."""
        hits = list(self.hits)
        return self.tasks.run(lambda _engine: hits_csv(hits, path), lambda _rows: self._exported(path), self._failed)

    def write_markdown(self, path: Path) -> Job | None:
        """Write the Markdown report (counts, then the hits by document) to ``path``; None before a find ends."""
        if self.find_done is None or self.query is None:
            return None
        hits, done, query = list(self.hits), self.find_done, self.query
        return self.tasks.run(lambda _engine: path.write_text(hits_markdown(hits, done, query), encoding="utf-8"),
                              lambda _size: self._exported(path), self._failed)

    def _exported(self, path: Path) -> None:
        self.progress.setText(f"{self.progress.text()} · exported to {path.name}")

    # --- closing ----------------------------------------------------------------------
    def done(self, result: int) -> None:
        self.stop()
        super().done(result)
