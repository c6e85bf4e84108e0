"""File > Check answers: run the evaluation on a questions file, with progress, and show its table.

The evaluation is a generator job on the engine's worker thread: it indexes
into a scratch library and answers with the model already loaded, and the
worker advances it between the user's own questions.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QPlainTextEdit, QProgressBar, QVBoxLayout, QWidget

from desktop_app.evaluation.run import EvalReport


class CheckAnswersDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check answers")
        self.resize(900, 560)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Evaluation progress")
        self.table = QPlainTextEdit()
        self.table.setReadOnly(True)
        self.table.setPlaceholderText("Indexing the documents into a temporary library, then asking every question…")
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.table, 1)

    def on_event(self, event: Any) -> None:
        if isinstance(event, EvalReport):
            self.bar.setValue(self.bar.maximum())
            self.table.setPlainText(event.to_markdown())
            return
        self.bar.setFormat(f"{event.stage}: %v/%m")
        self.bar.setRange(0, max(event.total, 1))
        self.bar.setValue(event.done)
