"""The window's answering: ask, stream the answer into the chat, stop it, answer again strictly.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
The answer card shows each phase as the engine reports it (``SourcesFound``, the first ``TokenText``,
``AnswerPhase``, ``AnswerDone``); Stop marks the card at once, and Send comes back when the engine job ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

from desktop_app.engine import (
    AnswerDone,
    AnswerPhase,
    Cancelled,
    EmptyLibraryError,
    Scope,
    SourcesFound,
    SummaryProgress,
    TokenText,
)

if TYPE_CHECKING:
    from desktop_app.ui.chat_view import ChatView
    from desktop_app.ui.tasks import Job, TaskManager

STOP_POLL_MS = 100


def ends_on_cancel(events: Iterator[Any]) -> Iterator[Any]:
    """``events``, ended quietly where the engine raises ``Cancelled`` (a stopped job then ends normally)."""
    try:
        yield from events
    except Cancelled:
        return


class AnswerActions:
    if TYPE_CHECKING:  # what MainWindow provides
        tasks: TaskManager
        chat: ChatView
        conversation_id: int | None
        answer_job: Job | None
        scope: Scope

        def show_error(self, error: BaseException | str) -> None: ...
        def refresh_conversations(self) -> None: ...
        def show_summary_progress(self, event: SummaryProgress) -> None: ...

    def ask(self, question: str) -> None:
        conversation, scope = self.conversation_id, self.scope
        self.stream_answer(question, lambda engine, token: engine.ask(question, conversation, token, None, scope))

    def stream_answer(self, shown_question: str, op: Any) -> None:
        """Show the question, then stream the answer of ``op(engine, token)`` (ask, a task, a strict retry)."""
        if self.answer_job is not None:
            return
        self.chat.add_message("user", shown_question)
        self.chat.start_answer()
        self.chat.set_busy(True)
        self.answer_job = self.tasks.stream(lambda engine, token: ends_on_cancel(op(engine, token)),
                                            self._answer_event, self._answer_done, self._answer_failed)

    def regenerate_strictly(self) -> None:
        conversation = self.conversation_id
        if conversation is None:
            self.show_error("Ask a question first; then it can be answered again more strictly.")
            return
        self.stream_answer("(answer the last question again, strictly from the sources)",
                           lambda engine, token: engine.regenerate_strictly(conversation, token))

    def _answer_event(self, event: Any) -> None:
        if isinstance(event, SourcesFound):
            self.conversation_id = event.conversation_id
            self.chat.meter.set_parts(event.parts)
            self.chat.show_sources(event)
        elif isinstance(event, TokenText):
            self.chat.append_tokens(event.text)
        elif isinstance(event, AnswerPhase):
            self.chat.show_phase(event.phase)
        elif isinstance(event, AnswerDone):
            if not event.answer.model_asked:
                self.chat.meter.set_parts(None, asked=True)
            self.chat.finish_answer(event.answer)
        elif isinstance(event, SummaryProgress):
            self.show_summary_progress(event)

    def _answer_done(self, _result: object = None) -> None:
        self.answer_job = None
        self.chat.end_answer()
        self.chat.set_busy(False)
        self.refresh_conversations()

    def _answer_failed(self, error: BaseException) -> None:
        self.answer_job = None
        self.chat.set_busy(False)
        if isinstance(error, EmptyLibraryError):  # the engine's message names a command; the card says it here
            self.chat.show_empty_library()
            return
        self.chat.fail_answer()
        self.refresh_conversations()
        self.show_error(error)

    def stop_answer(self) -> None:
        """Stop the answer: the card says so at once; Send comes back when the engine job ends."""
        job = self.answer_job
        if job is None:
            return
        job.cancel()
        self.chat.stop_answer()
        QTimer.singleShot(STOP_POLL_MS, lambda: self._ended_silently(job))

    def _ended_silently(self, job: Job) -> None:
        """A job stopped before the engine started it ends without a result: finish its answer here."""
        if self.answer_job is not job:
            return
        if job in self.tasks._running:  # the job's end is still to come
            QTimer.singleShot(STOP_POLL_MS, lambda: self._ended_silently(job))
        else:
            self._answer_done()
