"""The window's tools: run a task template, check answers on a questions file, edit curated answers.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QFileDialog

from desktop_app.evaluation.run import evaluate
from desktop_app.ui.check_answers import CheckAnswersDialog
from desktop_app.ui.faq_dialog import FaqDialog
from desktop_app.ui.task_dialog import TaskDialog

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_app.engine import Scope
    from desktop_app.ui.tasks import TaskManager


class ToolsActions:
    if TYPE_CHECKING:  # what MainWindow provides
        tasks: TaskManager
        conversation_id: int | None
        scope: Scope

        def show_error(self, error: BaseException | str) -> None: ...
        def stream_answer(self, shown_question: str, op: Any) -> None: ...

    def choose_task(self) -> None:
        self.tasks.run(lambda engine: (engine.task_templates(), [d.title for d in engine.library.documents()]),
                       self._task_dialog, self.show_error)

    def _task_dialog(self, loaded: tuple[dict[str, Any], list[str]]) -> None:
        dialog = TaskDialog(loaded[0], loaded[1], cast("QWidget", self))
        if dialog.exec() != TaskDialog.DialogCode.Accepted:
            return
        name, values = dialog.selection()
        conversation, scope = self.conversation_id, self.scope
        self.stream_answer(f"{loaded[0][name].title}: {', '.join(v for v in values.values() if v)}",
                           lambda engine, token: engine.run_task(name, values, conversation, token, scope))

    def check_answers(self) -> None:
        """Measure retrieval and answers on a questions file (JSONL) over a folder of PDFs."""
        questions, _ = QFileDialog.getOpenFileName(cast("QWidget", self), "Questions file", "", "Questions (*.jsonl)")
        if not questions:
            return
        docs = QFileDialog.getExistingDirectory(cast("QWidget", self), "Folder of the PDFs the questions are about")
        if docs:
            self.run_check(Path(questions), Path(docs))

    def run_check(self, questions: Path, docs: Path) -> CheckAnswersDialog:
        dialog = CheckAnswersDialog(cast("QWidget", self))
        job = self.tasks.stream(
            lambda engine, token: evaluate(engine, questions, docs, cancel=token), dialog.on_event,
            None, self.show_error)
        dialog.rejected.connect(job.cancel)
        dialog.show()
        return dialog

    def edit_faq(self) -> None:
        FaqDialog(lambda op, done: self.tasks.run(op, done, self.show_error), cast("QWidget", self)).exec()
