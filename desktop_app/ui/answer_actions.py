"""The window's answering: ask, stream the answer into the chat, stop it, answer again strictly.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desktop_app.engine import AnswerDone, Scope, SourcesFound, SummaryProgress, TokenText

if TYPE_CHECKING:
    from desktop_app.ui.chat_view import ChatView
    from desktop_app.ui.tasks import Job, TaskManager


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
        self.answer_job = self.tasks.stream(op, self._answer_event, self._answer_done, self._answer_failed)

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
            self.chat.show_evidence(event.evidence)
        elif isinstance(event, TokenText):
            self.chat.append_tokens(event.text)
        elif isinstance(event, AnswerDone):
            self.chat.finish_answer(event.answer)
        elif isinstance(event, SummaryProgress):
            self.show_summary_progress(event)

    def _answer_done(self, _result: object = None) -> None:
        self.answer_job = None
        self.chat.set_busy(False)
        self.refresh_conversations()

    def _answer_failed(self, error: BaseException) -> None:
        self._answer_done()
        self.show_error(error)

    def stop_answer(self) -> None:
        if self.answer_job is not None:
            self.answer_job.cancel()
