"""Collections beside the library: "Whole library" and each collection; drop documents from the library on one.

Clicking (or Enter on) an entry asks the window to search there: a new conversation in that scope. The
buttons make, rename and delete collections; deleting asks whether the documents only this collection
holds leave the library too. The panel only shows and asks: the window does the engine work.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

WHOLE_LIBRARY = -1  # the list entry that stands for the whole library


class CollectionList(QListWidget):
    """The list; it takes drops of documents dragged from the library table (``source``)."""

    documents_dropped = Signal(int, list)  # collection id, document ids

    def __init__(self, source: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source  # the library panel: what a drag may come from, and which documents it carries
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def _target(self, event: QDragMoveEvent | QDropEvent) -> int | None:
        item = self.itemAt(event.position().toPoint())
        if self.source is None or event.source() is not self.source.table or item is None:
            return None
        collection = int(item.data(Qt.ItemDataRole.UserRole))
        return None if collection == WHOLE_LIBRARY else collection

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if self.source is not None and event.source() is self.source.table:
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt's name)
        if self._target(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        collection = self._target(event)
        documents = [d.id for d in self.source.selected_documents()] if self.source is not None else []
        if collection is None or not documents:
            event.ignore()
            return
        event.acceptProposedAction()
        self.documents_dropped.emit(collection, documents)


class CollectionsPanel(QWidget):
    scope_requested = Signal(int)  # a collection id, or WHOLE_LIBRARY
    create_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, library: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = CollectionList(library)
        self.list.setAccessibleName("Collections")
        self.list.setAccessibleDescription("Enter or a click on a collection starts a conversation that searches "
                                           "only its documents")
        self.list.setToolTip("Click a collection to ask within it; drag documents from the library onto one to "
                             "add them")
        self.list.itemClicked.connect(self._chosen)
        self.list.itemActivated.connect(self._chosen)
        self.collections: list[Any] = []
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, tip in (("New…", "New collection"), ("Rename…", "Rename the selected collection"),
                          ("Delete…", "Delete the selected collection")):
            button = QPushButton(name)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            buttons.addWidget(button)
            self.buttons[name] = button
        self.buttons["New…"].clicked.connect(self.create_requested)
        self.buttons["Rename…"].clicked.connect(lambda: self._selected(self.rename_requested))
        self.buttons["Delete…"].clicked.connect(lambda: self._selected(self.delete_requested))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Collections"))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.set_collections([], None)

    def set_collections(self, collections: list[Any], current: int | None) -> None:
        """Show ``collections`` (``Collection`` rows) after "Whole library"; select ``current`` (None: the
        whole library)."""
        self.collections = collections
        self.list.clear()
        whole = QListWidgetItem("Whole library")
        whole.setData(Qt.ItemDataRole.UserRole, WHOLE_LIBRARY)
        self.list.addItem(whole)
        self.list.setCurrentItem(whole)
        for collection in collections:
            count = collection.documents
            item = QListWidgetItem(f"{collection.name} ({count})")
            item.setData(Qt.ItemDataRole.UserRole, collection.id)
            item.setToolTip(f"{count} document{'s' if count != 1 else ''}; click to ask within it")
            self.list.addItem(item)
            if collection.id == current:
                self.list.setCurrentItem(item)

    def name_of(self, collection_id: int) -> str:
        return next((c.name for c in self.collections if c.id == collection_id), "")

    def _chosen(self, item: QListWidgetItem) -> None:
        self.scope_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _selected(self, signal: Any) -> None:
        item = self.list.currentItem()
        if item is not None and int(item.data(Qt.ItemDataRole.UserRole)) != WHOLE_LIBRARY:
            signal.emit(int(item.data(Qt.ItemDataRole.UserRole)))
