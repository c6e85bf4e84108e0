"""Past conversations: open, New, Rename, Delete, Export."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


class ConversationsPanel(QWidget):
    open_requested = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    export_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Conversations")
        self.list.itemActivated.connect(self._open)
        self.list.itemClicked.connect(self._open)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, tip in (("New", "New conversation (Ctrl+N)"), ("Rename", "Rename the selected conversation"),
                          ("Delete", "Delete the selected conversation"),
                          ("Export", "Export the selected conversation to Markdown")):
            button = QPushButton(name)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            buttons.addWidget(button)
            self.buttons[name] = button
        self.buttons["New"].clicked.connect(self.new_requested)
        self.buttons["Rename"].clicked.connect(lambda: self._selected(self.rename_requested))
        self.buttons["Delete"].clicked.connect(lambda: self._selected(self.delete_requested))
        self.buttons["Export"].clicked.connect(lambda: self._selected(self.export_requested))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Conversations"))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def set_conversations(self, conversations: list[Any], current: int | None) -> None:
        self.list.clear()
        for conversation in conversations:
            item = QListWidgetItem(conversation.title)
            item.setData(Qt.ItemDataRole.UserRole, conversation.id)
            item.setToolTip(f"Last used {conversation.updated}")
            self.list.addItem(item)
            if conversation.id == current:
                self.list.setCurrentItem(item)

    def _open(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _selected(self, signal: Any) -> None:
        item = self.list.currentItem()
        if item is not None:
            signal.emit(int(item.data(Qt.ItemDataRole.UserRole)))
