"""The window's tools: run a task template, check answers on a questions file, edit curated answers.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QFileDialog

from desktop_app.engine import AppError, CancelToken, Engine, FileFailed, IndexEvent, Scope, TaskTemplate
from desktop_app.evaluation.library_check import check_library, plan_check
from desktop_app.ui.check_answers import CheckAnswersDialog
from desktop_app.ui.faq_dialog import FaqDialog
from desktop_app.ui.task_dialog import TaskDialog
from desktop_app.ui.widgets import user_message

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_app.ui.tasks import Job, TaskManager


class ToolsActions:
    if TYPE_CHECKING:  # what MainWindow provides
        tasks: TaskManager
        conversation_id: int | None
        answer_job: Job | None
        scope: Scope

        def show_error(self, error: BaseException | str) -> None: ...
        def stream_answer(self, shown_question: str, op: Any) -> None: ...
        def new_conversation(self) -> None: ...
        def refresh_conversations(self) -> None: ...
        def refresh_library(self) -> None: ...

    # --- tasks ------------------------------------------------------------------------
    def choose_task(self) -> None:
        self.tasks.run(lambda engine: (engine.task_templates(), [d.title for d in engine.library.documents()]),
                       self._task_dialog, self.show_error)

    def _task_dialog(self, loaded: tuple[dict[str, Any], list[str]]) -> None:
        dialog = TaskDialog(loaded[0], loaded[1], cast("QWidget", self))
        if dialog.exec() != TaskDialog.DialogCode.Accepted:
            return
        name, values = dialog.selection()
        self.start_task(loaded[0][name], values)

    def start_task(self, template: TaskTemplate, values: dict[str, str]) -> None:
        """Run a task in a new conversation of its own, named after the task and its values and listed with
        the others (``TaskTemplate.conversation_title``). Its values and documents are checked before the
        conversation is made, so a task that cannot run leaves none behind."""
        if self.answer_job is not None:
            self.show_error("An answer is still being written. Wait for it, or stop it, then run the task.")
            return
        title, scope = template.conversation_title(values), self.scope

        def open_conversation(engine: Engine) -> int:
            check_task(engine, template, values, scope)
            return engine.conversations.new(title, scope)

        self.tasks.run(open_conversation, lambda conversation: self._run_task_in(conversation, template.name,
                                                                                 values, title), self.show_error)

    def _run_task_in(self, conversation: int, name: str, values: dict[str, str], title: str) -> None:
        if self.answer_job is not None:  # an answer started while the conversation was being made
            self.refresh_conversations()
            self.show_error("The task did not start: an answer was being written. Its conversation is in the "
                            "list; run the task again when the answer has finished.")
            return
        self.new_conversation()
        self.conversation_id = conversation
        self.refresh_conversations()
        self.stream_answer(title, lambda engine, token: engine.run_task(name, values, conversation, token))

    # --- check answers ----------------------------------------------------------------
    def check_answers(self) -> None:
        """Ask a questions file's questions (JSONL) over the library as it is, and show the report."""
        questions, _ = QFileDialog.getOpenFileName(cast("QWidget", self), "Questions file", "", "Questions (*.jsonl)")
        if questions:
            self.run_check(Path(questions))

    def run_check(self, questions: Path, docs: Path | None = None) -> CheckAnswersDialog:
        """Open the check of ``questions``; with ``docs``, the questions' documents missing from the library
        are added from that folder first, then the check starts. The dialog comes back (it is not modal)."""
        dialog = CheckAnswersDialog(questions, cast("QWidget", self))
        dialog.start_requested.connect(lambda: self._start_check(dialog))
        dialog.index_requested.connect(lambda folder: self._add_missing(dialog, Path(folder), start=False))
        dialog.show()
        self._plan_check(dialog, then=(lambda: self._add_missing(dialog, docs, start=True)) if docs else None)
        return dialog

    def _plan_check(self, dialog: CheckAnswersDialog, then: Any = None) -> None:
        def planned(plan: Any) -> None:
            dialog.show_plan(plan)
            if then is not None:
                then()

        self.tasks.run(lambda engine: plan_check(engine, dialog.questions), planned,
                       lambda error: dialog.failed(user_message(error)))

    def _start_check(self, dialog: CheckAnswersDialog) -> None:
        questions = dialog.questions
        job = self.tasks.stream(lambda engine, token: check_library(engine, questions, cancel=token),
                                dialog.on_event, dialog.job_ended, lambda error: dialog.failed(user_message(error)))
        dialog.running(job)

    def _add_missing(self, dialog: CheckAnswersDialog, folder: Path, start: bool) -> None:
        """Index the files of ``folder`` whose names the questions give and the library lacks; then plan again
        (and start the check when ``start``)."""
        missing = set(dialog.plan.missing) if dialog.plan else set()
        if not missing:
            if start:
                self._start_check(dialog)
            return
        failures: list[str] = []

        def event(item: Any) -> None:
            if isinstance(item, FileFailed):
                failures.append(f"{item.path.name}: {item.message}")
            dialog.on_event(item)

        def done(_result: object) -> None:
            dialog.job_ended()
            self.refresh_library()
            self._plan_check(dialog, then=(lambda: self._start_check(dialog)) if start else None)
            if failures:
                dialog.status.setText("Some documents could not be added: " + "; ".join(failures))

        job = self.tasks.stream(lambda engine, token: index_missing(engine, folder, missing, token), event, done,
                                lambda error: dialog.failed(user_message(error)))
        dialog.indexing(job)

    # --- curated answers --------------------------------------------------------------
    def edit_faq(self) -> None:
        def run(op: Any, done: Any, failed: Any = None) -> object:
            return self.tasks.run(op, done, failed or self.show_error)

        FaqDialog(run, cast("QWidget", self)).exec()


def check_task(engine: Engine, template: TaskTemplate, values: dict[str, str], scope: Scope) -> None:
    """``AppError`` (or ``NotFoundError``) when the task cannot run: a value missing, a document that is not
    in the library or not in ``scope``."""
    template.check(values)
    within = engine.collections.resolve(scope)
    for variable in template.documents:
        document = engine.library.find(values[variable])
        if within is not None and document.id not in within:
            raise AppError(f"{document.title} is not in the documents new conversations search "
                           f"({engine.collections.describe(scope)}). Choose the whole library to work on it.")


def index_missing(engine: Engine, folder: Path, names: set[str], cancel: CancelToken) -> Iterator[IndexEvent]:
    """Index the files under ``folder`` named in ``names``; ``AppError`` when there is none."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name in names)
    if not files:
        raise AppError(f"None of the missing documents ({', '.join(sorted(names))}) is in {folder}. Choose the "
                       "folder that holds them.")
    yield from engine.library.index(files, cancel=cancel)
