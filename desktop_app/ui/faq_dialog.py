"""Edit the curated answers (FAQ): add, edit, remove, import and export; every change runs on the engine thread.

An entry is added and edited in one form (``FaqEntryDialog``): the question, the answer, and where the answer
comes from (kept as the answer's last line, "Source: ...", so it is shown with the answer). The form checks
what it can as it is typed; what only the engine can check (a question already curated, in any spelling)
comes back into the same form, with everything typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.widgets import user_message

RunOnEngine = Callable[..., object]
"""``run(op, done, failed=None)``: ``op(engine)`` on the engine thread, then ``done(result)`` or ``failed(error)``
(default: the window's error banner) on the GUI thread."""
SOURCE = "Source: "
QUESTION_LIMIT = 500


def split_source(answer: str) -> tuple[str, str]:
    """An answer as stored -> (its text, its source); the source is a last paragraph "Source: ..."."""
    text, _, last = answer.rpartition("\n\n")
    if text and last.startswith(SOURCE) and "\n" not in last:
        return text.rstrip(), last.removeprefix(SOURCE).strip()
    return answer, ""


def join_source(text: str, source: str) -> str:
    """The answer as stored: its text, then "Source: ..." as its last paragraph when a source is given."""
    text, source = text.strip(), " ".join(source.split())
    return f"{text}\n\n{SOURCE}{source}" if source else text


class FaqEntryDialog(QDialog):
    """One form for a curated answer: question, answer and source, checked as they are typed."""

    def __init__(self, title: str, question: str = "", answer: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(620, 420)
        text, source = split_source(answer)
        self.question = QLineEdit(question)
        self.question.setAccessibleName("Question")
        self.question.setPlaceholderText("The question as people ask it")
        self.answer = QPlainTextEdit(text)
        self.answer.setAccessibleName("Answer")
        self.answer.setPlaceholderText("The answer to give, word for word")
        self.source = QLineEdit(source)
        self.source.setAccessibleName("Source")
        self.source.setPlaceholderText("Optional: where the answer comes from, e.g. Travel policy 2024, p. 3")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b02a37;")
        self.problem.setAccessibleName("What to fix")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Question", self.question)
        form.addRow("Answer", self.answer)
        form.addRow("Source", self.source)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        self.rejected_by_engine = ""
        self._rejected_values = ("", "")
        for signal in (self.question.textChanged, self.answer.textChanged, self.source.textChanged):
            signal.connect(self.check)
        self.check()

    def problems(self) -> list[str]:
        question, answer = self.question.text().strip(), self.answer.toPlainText().strip()
        found = []
        if not question:
            found.append("Write the question this answer is for.")
        elif len(question) > QUESTION_LIMIT:
            found.append(f"Shorten the question to at most {QUESTION_LIMIT} characters.")
        if not answer:
            found.append("Write the answer to give.")
        if "\n" in self.source.text():
            found.append("Keep the source on one line.")
        return found

    def check(self) -> None:
        found = self.problems()
        if self.rejected_by_engine and self.values() != self._rejected_values:
            self.rejected_by_engine = ""
        self.problem.setText(" ".join(found) or self.rejected_by_engine)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not found)

    def refuse(self, message: str) -> None:
        """Show why the engine refused these values (they stay as typed)."""
        self.rejected_by_engine = message
        self._rejected_values = self.values()
        self.check()

    def accept(self) -> None:
        if not self.problems():
            super().accept()

    def values(self) -> tuple[str, str]:
        """(question, answer as stored, with its source)."""
        return self.question.text().strip(), join_source(self.answer.toPlainText(), self.source.text())


class FaqDialog(QDialog):
    def __init__(self, run: RunOnEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Curated answers")
        self.resize(760, 420)
        self.run = run
        self.entries: list[Any] = []
        self.form: FaqEntryDialog | None = None
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(("Question", "Answer", "Source"))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Curated answers")
        self.table.doubleClicked.connect(self.edit)
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
            text, source = split_source(entry.answer)
            self.table.setItem(row, 0, QTableWidgetItem(entry.question))
            self.table.setItem(row, 1, QTableWidgetItem(text))
            self.table.setItem(row, 2, QTableWidgetItem(source))

    def _form(self, title: str, question: str = "", answer: str = "") -> FaqEntryDialog:
        return FaqEntryDialog(title, question, answer, self)

    def add(self) -> None:
        self._edit_in(self._form("Add a curated answer"), None)

    def edit(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.entries):
            entry = self.entries[row]
            self._edit_in(self._form("Edit the curated answer", entry.question, entry.answer), entry.id)

    def _edit_in(self, form: FaqEntryDialog, entry_id: int | None) -> None:
        """Open ``form``; save what it holds (a new entry, or ``entry_id`` changed). A refusal from the engine
        opens the same form again, with its reason and everything typed."""
        self.form = form
        if form.exec() != QDialog.DialogCode.Accepted:
            return
        question, answer = form.values()

        def save(engine: Any) -> object:
            if entry_id is None:
                return engine.curated.add(question, answer)
            return engine.curated.update(entry_id, question, answer)

        def refused(error: BaseException) -> None:
            form.refuse(user_message(error))
            self._edit_in(form, entry_id)

        self.run(save, lambda _r: self.refresh(), refused)

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
