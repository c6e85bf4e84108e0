"""File > Check answers: run the evaluation on a questions file, with progress, and show its table.

The evaluation indexes into its own temporary library, so it runs on a
thread of its own; the worker thread relays its progress as events, so the
user's questions keep being answered meanwhile.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QPlainTextEdit, QProgressBar, QVBoxLayout, QWidget

from desktop_app.engine import CancelToken, Settings


def evaluation_events(questions: Path, docs: Path, settings: Settings, cancel: CancelToken) -> Iterator[Any]:
    """Progress events of an evaluation, then the report (or the error it raised) as the last event."""
    from desktop_app.engine.eval_run import run_eval

    events: queue.Queue[Any] = queue.Queue()

    def work() -> None:
        try:
            events.put(run_eval(questions, docs, progress=events.put, cancel=cancel, settings=settings))
        except BaseException as exc:  # handed to the caller, which shows it
            events.put(exc)

    threading.Thread(target=work, name="evaluation", daemon=True).start()
    while True:
        try:
            event = events.get(timeout=0.2)
        except queue.Empty:
            yield None
            continue
        if isinstance(event, BaseException):
            raise event
        yield event
        if type(event).__name__ == "EvalReport":
            return


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
        if event is None:
            return
        if type(event).__name__ == "EvalReport":
            self.bar.setValue(self.bar.maximum())
            self.table.setPlainText(event.to_markdown())
            return
        self.bar.setFormat(f"{event.stage}: %v/%m")
        self.bar.setRange(0, max(event.total, 1))
        self.bar.setValue(event.done)
