"""The library: documents with their state, per-file progress, and Add / Remove / Cancel.

A document whose content was indexed under several file names (``a.pdf`` and
``a (1).pdf``) is one row; Remove takes away its shown name after asking, and
its context menu removes any one name or all of them. The content stays while
a name remains (see ``LibraryManager.remove``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import FileFailed, FileIndexed, FileProgress, FileSkipped, FileStarted

COLUMNS = ("Title", "Pages", "Chunks", "Status")
FAILED = QColor(220, 53, 69)


@dataclass
class Pending:
    path: str
    status: str = "queued"
    done: int = 0
    total: int = 0
    reason: str = ""


def file_name(path: str) -> str:
    return Path(path).name


class LibraryPanel(QWidget):
    add_requested = Signal()
    remove_requested = Signal(list)  # document ids (each with all its names) and names (paths: that name only)
    cancel_requested = Signal()
    summarise_requested = Signal(list)  # documents (DocumentRow) to summarise whole
    find_requested = Signal(list)  # documents to find in ([]: the whole library)
    compare_requested = Signal(list)  # two documents to compare
    ask_within_requested = Signal(list)  # documents a new conversation should search alone
    add_to_collection_requested = Signal(int, list)  # collection id, document ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.documents: list[Any] = []
        self.pending: dict[str, Pending] = {}
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(3, 96)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Library")
        self.table.cellClicked.connect(self._show_reason)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.setDragEnabled(True)  # onto a collection (``CollectionsPanel``)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.collection_choices: list[tuple[int, str]] = []  # (id, name) of each collection, for the context menu
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name or title")
        self.filter.setAccessibleName("Filter the library by name")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.hide()
        self.add_button = QPushButton("Add…")
        self.add_button.setToolTip("Add PDFs (Ctrl+O), or drop files and folders on the window")
        self.add_button.setAccessibleName("Add documents")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove selected documents")
        self.remove_button.clicked.connect(self._remove)
        self.cancel_button = QPushButton("Cancel indexing")
        self.cancel_button.setAccessibleName("Cancel indexing")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Library"))
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)

    # --- state from the engine ------------------------------------------------------
    def set_documents(self, documents: list[Any]) -> None:
        self.documents = documents
        self._render()

    def queue(self, paths: list[Path]) -> None:
        for path in paths:
            self.pending[str(path)] = Pending(str(path))
        self.cancel_button.setEnabled(True)
        self._render()

    def indexing_finished(self) -> None:
        self.pending = {k: p for k, p in self.pending.items() if p.status == "failed"}
        self.cancel_button.setEnabled(False)
        self._render()

    def on_event(self, event: Any) -> None:
        key = str(event.path)
        pending = self.pending.setdefault(key, Pending(key))
        if isinstance(event, FileStarted):
            pending.status = "indexing"
        elif isinstance(event, FileProgress):
            pending.status, pending.done, pending.total = "indexing", event.done, event.total
            self._update_progress(key, pending)
            return
        elif isinstance(event, FileFailed):
            pending.status, pending.reason = "failed", event.message
        elif isinstance(event, (FileIndexed, FileSkipped)):
            del self.pending[key]
        self._render()

    def status_of(self, name: str) -> str:
        """The status shown for a file name or title (for tests and accessibility)."""
        for row in range(self.table.rowCount()):
            title = self.table.item(row, 0)
            if title is not None and name in (title.text(), Path(str(title.data(Qt.ItemDataRole.UserRole))).name):
                status = self.table.item(row, 3)
                return status.text() if status is not None else "indexing"
        return ""

    # --- rendering -------------------------------------------------------------------
    def _render(self) -> None:
        rows: list[tuple[str, str, str, str, str, Any]] = []
        for doc in self.documents:
            tip = "; ".join(doc.warnings) or doc.path
            if doc.other_names:
                tip += "\nAlso indexed as: " + ", ".join(doc.other_names)
            rows.append((doc.title, str(doc.pages), str(doc.chunks), "ready", tip, doc))
        for p in self.pending.values():
            rows.append((Path(p.path).name, "", "", p.status, p.reason, p))
        self.table.setRowCount(len(rows))
        for index, (title, pages, chunks, status, tip, data) in enumerate(rows):
            for column, text in enumerate((title, pages, chunks, status)):
                item = QTableWidgetItem(text)
                item.setToolTip(tip or (data.path if hasattr(data, "path") else ""))
                item.setData(Qt.ItemDataRole.UserRole, data.path)
                if status == "failed":
                    item.setForeground(QBrush(FAILED))
                self.table.setItem(index, column, item)
            self.table.removeCellWidget(index, 3)
            if status == "indexing":
                self.table.takeItem(index, 3)
                self.table.setCellWidget(index, 3, self._bar(data))
            self.row_item(index).setData(Qt.ItemDataRole.UserRole + 1, data)
        self._apply_filter(self.filter.text())

    def _apply_filter(self, text: str) -> None:
        """Hide the rows whose title and file names do not contain ``text`` (any case)."""
        wanted = text.casefold().strip()
        for row in range(self.table.rowCount()):
            data = self.row_item(row).data(Qt.ItemDataRole.UserRole + 1)
            names = [self.row_item(row).text(), *getattr(data, "names", ()), getattr(data, "path", "")]
            self.table.setRowHidden(row, bool(wanted) and not any(wanted in n.casefold() for n in names))

    def row_item(self, row: int) -> QTableWidgetItem:
        """The first cell of ``row``, which carries the row's document or pending file."""
        item = self.table.item(row, 0)
        assert item is not None, "every row is filled in _render"
        return item

    def _bar(self, pending: Pending) -> QProgressBar:
        bar = QProgressBar()
        bar.setRange(0, max(pending.total, 1))
        bar.setValue(pending.done)
        bar.setFormat("%p%")
        bar.setAccessibleName(f"Indexing {Path(pending.path).name}")
        return bar

    def _update_progress(self, key: str, pending: Pending) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
                bar = self.table.cellWidget(row, 3)
                if isinstance(bar, QProgressBar):
                    bar.setRange(0, max(pending.total, 1))
                    bar.setValue(pending.done)
                else:
                    self._render()
                return
        self._render()

    def _show_reason(self, row: int, _column: int) -> None:
        data = self.row_item(row).data(Qt.ItemDataRole.UserRole + 1)
        text = data.reason if isinstance(data, Pending) else "; ".join(getattr(data, "warnings", []))
        self.reason.setText(text)
        self.reason.setVisible(bool(text))

    def selected_documents(self) -> list[Any]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        chosen = [self.row_item(r).data(Qt.ItemDataRole.UserRole + 1) for r in rows]
        return [d for d in chosen if not isinstance(d, Pending)]

    def _remove(self) -> None:
        failed = [r for r in self.table.selectionModel().selectedRows()
                  if isinstance(self.row_item(r.row()).data(Qt.ItemDataRole.UserRole + 1), Pending)]
        for index in failed:
            self.pending.pop(self.row_item(index.row()).data(Qt.ItemDataRole.UserRole), None)
        documents = self.selected_documents()
        targets = [d.id if not d.other_names else d.path for d in documents if self._confirm_one_name(d)]
        if targets:
            self.remove_requested.emit(targets)
        elif failed:
            self._render()

    def _confirm_one_name(self, doc: Any) -> bool:
        """Remove only the shown name of a document that has others? (No question for one with one name.)"""
        if not doc.other_names:
            return True
        others = ", ".join(file_name(n) for n in doc.other_names)
        answer = QMessageBox.question(
            self, "Remove one name", f"\u201c{doc.title}\u201d is also in the library as {others}. Remove only the "
            f"name {file_name(doc.path)}? Its content stays for the other names. To remove the document with all "
            "its names, right-click it and choose \u201cRemove with all names\u201d.")
        return answer == QMessageBox.StandardButton.Yes

    def removal_actions(self, row: int) -> list[QAction]:
        """What the context menu of ``row`` offers: remove the document, or one of its names, or all of them."""
        doc = self.row_item(row).data(Qt.ItemDataRole.UserRole + 1)
        if isinstance(doc, Pending) or doc is None:
            return []
        if not doc.other_names:
            return [self._action("Remove", [doc.id])]
        actions = [self._action(f"Remove only the name {file_name(name)}", [name]) for name in doc.names]
        return [*actions, self._action(f"Remove with all names ({len(doc.names)})", [doc.id])]

    def _action(self, text: str, targets: list[Any]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda: self.remove_requested.emit(targets))
        return action

    def document_actions(self) -> list[QAction]:
        """What the context menu offers for the selected documents: whole-document work on them."""
        chosen = self.selected_documents()
        if not chosen:
            return []
        one = len(chosen) == 1
        actions = []
        for text, signal in ((f"Summarise {'it' if one else f'these {len(chosen)}'} whole", self.summarise_requested),
                             (f"Find in {'it' if one else f'these {len(chosen)}'}…", self.find_requested)):
            action = QAction(text, self)
            action.triggered.connect(lambda _=False, s=signal: s.emit(chosen))
            actions.append(action)
        if len(chosen) == 2:
            compare = QAction("Compare these two…", self)
            compare.triggered.connect(lambda: self.compare_requested.emit(chosen))
            actions.append(compare)
        ask = QAction(f"Ask about {'it' if one else f'these {len(chosen)}'} only", self)
        ask.triggered.connect(lambda: self.ask_within_requested.emit(chosen))
        actions.append(ask)
        ids = [d.id for d in chosen]
        for collection_id, name in self.collection_choices:
            add = QAction(f"Add to collection \u201c{name}\u201d", self)
            add.triggered.connect(lambda _=False, c=collection_id: self.add_to_collection_requested.emit(c, ids))
            actions.append(add)
        return actions

    def _context_menu(self, position: QPoint) -> None:
        row = self.table.rowAt(position.y())
        actions = self.removal_actions(row) if row >= 0 else []
        if row >= 0 and (work := self.document_actions()):
            actions = [*work, *actions]
        if actions:
            menu = QMenu(self)
            menu.addActions(actions)
            menu.exec(self.table.viewport().mapToGlobal(position))
