"""Past conversations: open, New, Rename, Delete, Export; a plain note in place of an empty list.

Rename, Delete and Export act on the selected conversation and are greyed out while none is selected.
Enter (or a click) on a conversation opens it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

EMPTY_TEXT = ("No conversations yet. Ask a question in the box under the chat: the conversation is kept "
              "here, and a click opens it again.")
ACTING_ON_SELECTION = ("Rename", "Delete", "Export")


class ConversationsPanel(QWidget):
    open_requested = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    export_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Conversations panel")
        self.list = QListWidget()
        self.list.setAccessibleName("Conversations")
        self.list.setAccessibleDescription("Past conversations, most recent first; Enter opens the selected one")
        self.list.itemActivated.connect(self._open)
        self.list.itemClicked.connect(self._open)
        self.list.currentItemChanged.connect(lambda *_: self._enable_buttons())
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("No conversations yet")
        buttons = QGridLayout()  # two rows of two: the column stays narrow enough for the chat to keep its room
        self.buttons: dict[str, QPushButton] = {}
        for index, (name, tip) in enumerate((
                ("New", "New conversation (Ctrl+N)"), ("Rename", "Rename the selected conversation"),
                ("Delete", "Delete the selected conversation"),
                ("Export", "Export the selected conversation to Markdown"))):
            button = QPushButton(name)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            buttons.addWidget(button, index // 2, index % 2)
            self.buttons[name] = button
        self.buttons["New"].clicked.connect(self.new_requested)
        self.buttons["Rename"].clicked.connect(lambda: self._selected(self.rename_requested))
        self.buttons["Delete"].clicked.connect(lambda: self._selected(self.delete_requested))
        self.buttons["Export"].clicked.connect(lambda: self._selected(self.export_requested))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.set_conversations([], None)

    def set_conversations(self, conversations: list[Any], current: int | None) -> None:
        """Show ``conversations`` (``Conversation`` rows: id, title, updated); select ``current`` if listed.

        With none, a note says how a conversation comes to be, in place of the empty list.
        """
        self.list.clear()
        for conversation in conversations:
            item = QListWidgetItem(conversation.title)
            item.setData(Qt.ItemDataRole.UserRole, conversation.id)
            item.setToolTip(f"Last used {conversation.updated}")
            self.list.addItem(item)
            if conversation.id == current:
                self.list.setCurrentItem(item)
        self.empty.setVisible(not conversations)
        self.list.setVisible(bool(conversations))
        self._enable_buttons()

    def _enable_buttons(self) -> None:
        chosen = self.list.currentItem() is not None
        for name in ACTING_ON_SELECTION:
            self.buttons[name].setEnabled(chosen)

    def _open(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _selected(self, signal: Any) -> None:
        item = self.list.currentItem()
        if item is not None:
            signal.emit(int(item.data(Qt.ItemDataRole.UserRole)))
