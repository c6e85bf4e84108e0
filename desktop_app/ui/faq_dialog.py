"""Edit the curated answers (FAQ): add, edit, remove, import and export; every change runs on the engine thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

RunOnEngine = Callable[[Callable[[Any], Any], Callable[[Any], None]], object]


class FaqDialog(QDialog):
    def __init__(self, run: RunOnEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Curated answers")
        self.resize(760, 420)
        self.run = run
        self.entries: list[Any] = []
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(("Question", "Answer"))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Curated answers")
        buttons = QHBoxLayout()
        for label, slot in (("Add…", self.add), ("Edit…", self.edit), ("Remove", self.remove),
                            ("Import…", self.import_file), ("Export…", self.export_file), ("Close", self.accept)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.run(lambda engine: engine.curated.all(), self._show)

    def _show(self, entries: list[Any]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            self.table.setItem(row, 0, QTableWidgetItem(entry.question))
            self.table.setItem(row, 1, QTableWidgetItem(entry.answer))

    def _ask(self, title: str, question: str = "", answer: str = "") -> tuple[str, str] | None:
        question, ok = QInputDialog.getText(self, title, "Question:", text=question)
        if not ok or not question.strip():
            return None
        answer, ok = QInputDialog.getMultiLineText(self, title, "Curated answer:", answer)
        return (question.strip(), answer.strip()) if ok and answer.strip() else None

    def add(self) -> None:
        if (pair := self._ask("Add a curated answer")) is not None:
            self.run(lambda engine: engine.curated.add(*pair), lambda _r: self.refresh())

    def edit(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.entries):
            entry = self.entries[row]
            if (pair := self._ask("Edit the curated answer", entry.question, entry.answer)) is not None:
                self.run(lambda engine: engine.curated.update(entry.id, *pair), lambda _r: self.refresh())

    def remove(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.entries):
            entry_id = self.entries[row].id
            self.run(lambda engine: engine.curated.remove(entry_id), lambda _r: self.refresh())

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import curated answers", "", "CSV or JSON (*.csv *.json)")
        if path:
            self.run(lambda engine: engine.curated.import_file(Path(path)), lambda _r: self.refresh())

    def export_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export curated answers", "curated-answers.csv",
                                              "CSV (*.csv);;JSON (*.json)")
        if path:
            self.run(lambda engine: engine.curated.export_file(Path(path)), lambda _r: None)
