"""The library: documents with their state, per-file progress, and Add / Remove / Cancel.

A document whose content was indexed under several file names (``a.pdf`` and
``a (1).pdf``) is one row; Remove takes away its shown name after asking, and
its context menu removes any one name or all of them. The content stays while
a name remains (see ``LibraryManager.remove``).

Remove (the button, the Delete key or the context menu) asks first, naming
what goes. Files that were not added stay listed as notes until dismissed:
those left when indexing was cancelled ("not added") and those whose content
was already in the library ("already added"), summed up in a line under the list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QKeyEvent
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
from desktop_app.ui.library_texts import (
    ALREADY_ADDED,
    NOT_ADDED,
    Pending,
    cancelled_note,
    file_name,
    note_text,
    notes_summary,
    removal_question,
)

COLUMNS = ("Title", "Pages", "Chunks", "Status")
FAILED = QColor(220, 53, 69)
NOTED = QColor(128, 128, 128)
EMPTY = "The library is empty. Drop files or folders here, or choose Add to pick them."
NO_MATCH = "No document matches the filter."
LOADING = "Reading the library…"


class LibraryPanel(QWidget):
    add_requested = Signal()  # choose files to add
    add_folder_requested = Signal()  # choose a folder whose documents to add
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
        self.loaded = False  # whether the library's documents have come (till then it is not "empty")
        self.pending: dict[str, Pending] = {}  # path -> a file queued, being indexed, or failed
        self.notes: dict[str, Pending] = {}  # path -> a file not added (cancelled, or already in the library)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(3, 104)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list; the arrow keys move within it
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Library")
        self.table.setAccessibleDescription("Your documents. Delete removes the selected ones, after asking.")
        self.table.cellClicked.connect(self._show_reason)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.setDragEnabled(True)  # onto a collection (``CollectionsPanel``)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.installEventFilter(self)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.collection_choices: list[tuple[int, str]] = []  # (id, name) of each collection, for the context menu
        self.empty_hint = QLabel(LOADING)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setAccessibleName("Library status")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name or title")
        self.filter.setAccessibleName("Filter the library by name")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.hide()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Files not added")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss the notes about files not added")
        self.dismiss_button.setToolTip("Take the notes about files that were not added off the list")
        self.dismiss_button.clicked.connect(self.dismiss_notes)
        notice = QHBoxLayout()
        notice.addWidget(self.notice, 1)
        notice.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.add_button = QPushButton("Add…")
        self.add_button.setToolTip("Add documents: files (Ctrl+O) or a whole folder. You can also drop files and "
                                   "folders on the window.")
        self.add_button.setAccessibleName("Add documents")
        self.add_menu = QMenu(self.add_button)
        self.add_menu.setAccessibleName("Add documents")
        add_files = self.add_menu.addAction("Files…")
        add_files.setToolTip("Choose one or more documents to add")
        add_files.triggered.connect(self.add_requested)
        add_folder = self.add_menu.addAction("Folder…")
        add_folder.setToolTip("Add every document in a folder and its subfolders")
        add_folder.triggered.connect(self.add_folder_requested)
        self.add_button.setMenu(self.add_menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove selected documents")
        self.remove_button.setToolTip("Remove the selected documents from the library (Delete), after asking. "
                                      "The files on disk stay.")
        self.remove_button.clicked.connect(self._remove)
        self.remove_button.setEnabled(False)
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
        layout.addWidget(self.empty_hint, 1)
        layout.addWidget(self.reason)
        layout.addLayout(notice)
        layout.addLayout(buttons)
        order = (self.filter, self.table, self.dismiss_button, self.add_button, self.remove_button, self.cancel_button)
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)
        self._render()

    # --- state from the engine ------------------------------------------------------
    def set_documents(self, documents: list[Any]) -> None:
        self.documents = documents
        self.loaded = True
        self._render()

    def queue(self, paths: list[Path]) -> None:
        for path in paths:
            self.pending[str(path)] = Pending(str(path))
            self.notes.pop(str(path), None)
        self.cancel_button.setEnabled(True)
        self._render()

    def indexing_finished(self, cancelled: bool = False) -> None:
        """Indexing ended: failed files stay listed; with ``cancelled``, so do the files it did not reach, as
        "not added" notes (until dismissed or added again)."""
        known = {name for doc in self.documents for name in (doc.path, *doc.names)}  # a re-read cancelled: kept
        for key, pending in list(self.pending.items()):
            if pending.status == "failed":
                continue
            del self.pending[key]
            if cancelled and key not in known:
                self.notes[key] = cancelled_note(key)
        self.cancel_button.setEnabled(False)
        self._render()

    def on_event(self, event: Any) -> None:
        key = str(event.path)
        if key in self.notes and isinstance(event, (FileStarted, FileProgress)):
            return  # late news from an indexing run already cancelled
        if isinstance(event, (FileIndexed, FileSkipped, FileFailed)):
            self.notes.pop(key, None)
        pending = self.pending.setdefault(key, Pending(key))
        if isinstance(event, FileStarted):
            pending.status = "indexing"
        elif isinstance(event, FileProgress):
            pending.status, pending.done, pending.total = "indexing", event.done, event.total
            self._update_progress(key, pending)
            return
        elif isinstance(event, FileFailed):
            pending.status, pending.reason = "failed", event.message
        elif isinstance(event, FileIndexed):
            del self.pending[key]
        elif isinstance(event, FileSkipped):
            del self.pending[key]
            self.notes[key] = Pending(key, ALREADY_ADDED, skipped=event.reason)
        self._render()

    def status_of(self, name: str) -> str:
        """The status shown for a file name or title (for tests and accessibility)."""
        for row in range(self.table.rowCount()):
            title = self.table.item(row, 0)
            if title is not None and name in (title.text(), Path(str(title.data(Qt.ItemDataRole.UserRole))).name):
                status = self.table.item(row, 3)
                return status.text() if status is not None else "indexing"
        return ""

    # --- notes about files not added ---------------------------------------------------
    def dismiss_notes(self) -> None:
        """Take every note about files not added off the list."""
        self.notes.clear()
        self._render()

    # --- rendering -------------------------------------------------------------------
    def _render(self) -> None:
        rows: list[tuple[str, str, str, str, str, Any]] = []
        for doc in self.documents:
            tip = "; ".join(doc.warnings) or doc.path
            if doc.other_names:
                tip += "\nAlso indexed as: " + ", ".join(doc.other_names)
            rows.append((doc.title, str(doc.pages), str(doc.chunks), "ready", tip, doc))
        for p in (*self.pending.values(), *self.notes.values()):
            rows.append((Path(p.path).name, "", "", p.status, note_text(p, self.documents), p))
        self.table.setRowCount(len(rows))
        for index, (title, pages, chunks, status, tip, data) in enumerate(rows):
            for column, text in enumerate((title, pages, chunks, status)):
                item = QTableWidgetItem(text)
                item.setToolTip(tip or (data.path if hasattr(data, "path") else ""))
                item.setData(Qt.ItemDataRole.UserRole, data.path)
                if status == "failed":
                    item.setForeground(QBrush(FAILED))
                elif status in (NOT_ADDED, ALREADY_ADDED):
                    item.setForeground(QBrush(NOTED))
                self.table.setItem(index, column, item)
            self.table.removeCellWidget(index, 3)
            if status == "indexing":
                self.table.takeItem(index, 3)
                self.table.setCellWidget(index, 3, self._bar(data))
            self.row_item(index).setData(Qt.ItemDataRole.UserRole + 1, data)
        summary = notes_summary(list(self.notes.values()), self.documents)
        self.notice.setText(summary)
        self.notice.setVisible(bool(summary))
        self.dismiss_button.setVisible(bool(summary))
        self._apply_filter(self.filter.text())

    def _apply_filter(self, text: str) -> None:
        """Hide the rows whose title and file names do not contain ``text`` (any case)."""
        wanted = text.casefold().strip()
        for row in range(self.table.rowCount()):
            data = self.row_item(row).data(Qt.ItemDataRole.UserRole + 1)
            names = [self.row_item(row).text(), *getattr(data, "names", ()), getattr(data, "path", "")]
            self.table.setRowHidden(row, bool(wanted) and not any(wanted in n.casefold() for n in names))
        shown = any(not self.table.isRowHidden(row) for row in range(self.table.rowCount()))
        self.empty_hint.setText(NO_MATCH if self.table.rowCount() else EMPTY if self.loaded else LOADING)
        self.empty_hint.setVisible(not shown)
        self.table.setVisible(shown)

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
        warnings = "; ".join(getattr(data, "warnings", []))
        text = note_text(data, self.documents) if isinstance(data, Pending) else warnings
        self.reason.setText(text)
        self.reason.setVisible(bool(text))

    def _selection_changed(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def selected_documents(self) -> list[Any]:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        chosen = [self.row_item(r).data(Qt.ItemDataRole.UserRole + 1) for r in sorted(rows)]
        return [d for d in chosen if not isinstance(d, Pending)]

    # --- removing ----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """The Delete key (Backspace too, as on a Mac) on the list asks to remove the selected rows."""
        if (watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)):
            self._remove()
            return True
        return super().eventFilter(watched, event)

    def _remove(self) -> None:
        """Dismiss the selected rows of files not in the library (failed, not added) and, after asking, remove
        the selected documents."""
        dropped = [r for r in self.table.selectionModel().selectedRows()
                   if isinstance(self.row_item(r.row()).data(Qt.ItemDataRole.UserRole + 1), Pending)]
        for index in dropped:
            key = self.row_item(index.row()).data(Qt.ItemDataRole.UserRole)
            if self.pending.get(key, Pending(key)).status == "failed":
                self.pending.pop(key)
            self.notes.pop(key, None)
        documents = self.selected_documents()
        targets = self.confirm_removal(documents) if documents else []
        if targets:
            self.remove_requested.emit(targets)
        elif dropped:
            self._render()

    def confirm_removal(self, documents: list[Any]) -> list[int | str]:
        """Ask before removing ``documents``; what to remove (ids, or a shown name where a document has others),
        or [] when the answer is No."""
        if len(documents) == 1 and (doc := documents[0]).other_names:
            others = ", ".join(file_name(n) for n in doc.other_names)
            return [doc.path] if self._ask("Remove one name", (
                f"\u201c{doc.title}\u201d is also in the library as {others}. Remove only the name "
                f"{file_name(doc.path)}? Its content stays for the other names. To remove the document with all its "
                "names, right-click it and choose \u201cRemove with all names\u201d. The files on disk stay.")) else []
        if not self._ask("Remove from the library", removal_question(documents)):
            return []
        return [d.path if d.other_names else d.id for d in documents]

    def _ask(self, title: str, question: str) -> bool:
        """Yes or No, No the default (Enter or Escape keep everything)."""
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        answer = QMessageBox.question(self, title, question, buttons, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def removal_actions(self, row: int) -> list[QAction]:
        """What the context menu of ``row`` offers: remove the document, or one of its names, or all of them
        (a whole document after asking)."""
        doc = self.row_item(row).data(Qt.ItemDataRole.UserRole + 1)
        if isinstance(doc, Pending) or doc is None:
            return []
        if not doc.other_names:
            return [self._action("Remove", doc)]
        actions = [self._action(f"Remove only the name {file_name(name)}", doc, name) for name in doc.names]
        return [*actions, self._action(f"Remove with all names ({len(doc.names)})", doc)]

    def _action(self, text: str, doc: Any, name: str | None = None) -> QAction:
        """Remove one name of several (the content stays: nothing to ask), or the whole document after asking."""
        action = QAction(text, self)
        action.triggered.connect(lambda: self.remove_requested.emit([name]) if name else self._remove_whole(doc))
        return action

    def _remove_whole(self, doc: Any) -> None:
        if self._ask("Remove from the library", removal_question([doc], all_names=True)):
            self.remove_requested.emit([doc.id])

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

