"""Tools > Check answers: ask a questions file's questions over the library as it is, and show the report.

The dialog first says which of the questions' documents are in the library
(``CheckPlan``); only when some are missing does it offer to add them from a
folder. The check is a generator job on the engine's worker thread, advanced
between the user's own questions; its answers stay out of the user's
conversations and answer cache. Progress shows as it runs, Cancel stops it,
and the finished report is shown rendered (its tables as tables) and can be
saved as Markdown or JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import FileStarted
from desktop_app.evaluation.library_check import CheckPlan
from desktop_app.evaluation.run import EvalProgress, EvalReport

STAGES = {"retrieval": "Searching", "answering": "Answering", "judging": "Judging", "indexing": "Adding documents"}


class CheckAnswersDialog(QDialog):
    start_requested = Signal()
    """Check pressed: the window starts the job and hands it back with ``running``."""
    index_requested = Signal(str)
    """A folder to add the missing documents from was chosen."""

    def __init__(self, questions: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Check answers: {questions.name}")
        self.resize(960, 620)
        self.questions = questions
        self.plan: CheckPlan | None = None
        self.report: EvalReport | None = None
        self.job: Any = None
        self.plan_label = QLabel("Looking for the questions' documents in the library…")
        self.plan_label.setWordWrap(True)
        self.plan_label.setAccessibleName("What the check needs")
        self.index_button = QPushButton("Add the missing documents from a folder…")
        self.index_button.clicked.connect(self._choose_folder)
        self.index_button.hide()
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Check progress")
        self.bar.setFormat("Not started")
        self.bar.setValue(0)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Check status")
        self.report_view = QTextBrowser()
        self.report_view.setOpenLinks(False)
        self.report_view.setAccessibleName("Check report")
        self.report_view.setPlaceholderText("The report shows here when the check is done.")
        self.run_button = QPushButton("Check")
        self.run_button.setEnabled(False)
        self.run_button.clicked.connect(self.start_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button = QPushButton("Save report…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._choose_save)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.run_button, self.cancel_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        top = QHBoxLayout()
        top.addWidget(self.plan_label, 1)
        top.addWidget(self.index_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.report_view, 1)
        layout.addLayout(buttons)
        self.rejected.connect(self.cancel)  # closing the dialog stops the check

    # --- before the run ---------------------------------------------------------------
    def show_plan(self, plan: CheckPlan) -> None:
        """Say which documents are found and which are missing; offer to add missing ones, and allow Check
        when at least one question can run."""
        self.plan = plan
        self.plan_label.setText(plan.describe())
        self.index_button.setVisible(bool(plan.missing))
        self.run_button.setEnabled(plan.runnable > 0 and self.job is None)
        if plan.runnable == 0:
            self.status.setText("No question can run yet: add their documents to the library first.")

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the missing documents")
        if folder:
            self.index_requested.emit(folder)

    def indexing(self, job: Any) -> None:
        """The missing documents are being added (``job``: the indexing job, which Cancel stops)."""
        self._started(job, "Adding the missing documents to the library…")

    # --- the run ----------------------------------------------------------------------
    def running(self, job: Any) -> None:
        """The check runs as ``job`` (Cancel stops it)."""
        self.report = None
        self.save_button.setEnabled(False)
        self.report_view.clear()
        self._started(job, "Checking…")

    def _started(self, job: Any, message: str) -> None:
        self.job = job
        self.run_button.setEnabled(False)
        self.index_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(message)
        self.bar.setRange(0, 0)  # busy until the first step says how many

    def on_event(self, event: Any) -> None:
        if isinstance(event, EvalReport):
            self.show_report(event)
        elif isinstance(event, EvalProgress):
            stage = STAGES.get(event.stage, event.stage.capitalize())
            self.bar.setRange(0, max(event.total, 1))
            self.bar.setValue(event.done)
            self.bar.setFormat(f"{stage}: %v of %m" + (f" ({event.detail})" if event.detail else ""))
        elif isinstance(event, FileStarted):
            self.bar.setRange(0, max(event.total, 1))
            self.bar.setValue(event.position - 1)
            self.bar.setFormat("Adding documents: %v of %m")

    def show_report(self, report: EvalReport) -> None:
        self.report = report
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.bar.setFormat("Done")
        self.report_view.setMarkdown(report.to_markdown())
        self.status.setText(f"Checked {len(report.rows)} questions." + (
            f" Left out: {len(self.plan.skipped)} (their documents are not in the library)."
            if self.plan and self.plan.skipped else ""))
        self.save_button.setEnabled(True)

    def job_ended(self, _result: object = None) -> None:
        """The job ended (the check, or adding documents)."""
        self.job = None
        self.cancel_button.setEnabled(False)
        self.index_button.setEnabled(True)
        self.run_button.setEnabled(bool(self.plan and self.plan.runnable))

    def failed(self, message: str) -> None:
        self.job_ended()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("Stopped")
        self.status.setText(message)

    def cancel(self) -> None:
        """Stop the running job, if any; what was done so far is dropped."""
        if self.job is None:
            return
        self.job.cancel()
        self.failed("Cancelled. Press Check to run it again.")

    # --- saving -----------------------------------------------------------------------
    def _choose_save(self) -> None:
        suggested = str(Path.home() / f"{self.questions.stem}-check.md")
        path, _ = QFileDialog.getSaveFileName(self, "Save the report", suggested, "Markdown (*.md);;JSON (*.json)")
        if path:
            self.save(Path(path))

    def save(self, path: Path) -> None:
        """Write the report: JSON for a .json name (it can be scored again later), else Markdown."""
        if self.report is None:
            return
        try:
            if path.suffix.lower() == ".json":
                self.report.to_json(path)
            else:
                path.write_text(self.report.to_markdown(), encoding="utf-8")
        except OSError as exc:
            self.status.setText(f"The report could not be saved to {path} ({exc.strerror}). Choose a folder you "
                                "can write to.")
            return
        self.status.setText(f"Saved to {path}.")
