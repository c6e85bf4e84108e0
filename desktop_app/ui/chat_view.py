"""The chat: the conversation's messages, the question box, Send and Stop, and the context meter.

An answer card (``answer_card.MessageWidget``) shows what its answer is
doing while it is made; the chat drives its status line about twice a
second and routes the engine's events to the card being written.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import ORIGIN_LABELS, Answer, Evidence, SourcesFound
from desktop_app.ui.answer_card import (
    MessageWidget,
    answer_note,
    chip_label,
    evidence_html,
    evidence_target,
    table_html,
    where,
    withheld_markdown,
)
from desktop_app.ui.widgets import ContextMeter, KeyButton

__all__ = ["ChatView", "MessageWidget", "PromptEdit", "answer_note", "chip_label", "evidence_html",
           "evidence_target", "table_html", "where", "withheld_markdown"]

TICK_MS = 500
PLACEHOLDER = ("Your library is empty. Add documents (PDF, Word, PowerPoint, Excel, HTML, Markdown, text): drop "
               "files or folders anywhere on this window, or use File > Add documents… (Ctrl+O) or File > Add "
               "folder…. Then ask a question below.")
ADDING = ("Your documents are being added: the library on the left shows how far each one is. Ask a question "
          "below as soon as the first is ready.")
"""The empty library's text while its first documents are being indexed."""


class PromptEdit(QPlainTextEdit):
    """Enter sends; Shift+Enter starts a new line; Tab moves to the next control (it types no tab)."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ChatView(QWidget):
    """The conversation pane. The window feeds an answer's events to ``start_answer``, ``show_sources``,
    ``append_tokens``, ``show_phase``, ``finish_answer`` and ``end_answer`` (in that order); ``stop_answer``
    marks the card the moment the user stops it."""

    send_requested = Signal(str)
    stop_requested = Signal()
    citation_clicked = Signal(dict)
    link_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages: list[MessageWidget] = []
        self.current: MessageWidget | None = None
        self.library_empty = False
        self.placeholder = QLabel(PLACEHOLDER)
        self.placeholder.setWordWrap(True)
        self.placeholder.setMinimumWidth(1)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setAccessibleName("Empty library")
        self.list_widget = QWidget()
        self.list_layout = QVBoxLayout(self.list_widget)
        self.list_layout.addWidget(self.placeholder)
        self.list_layout.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.list_widget)
        self.scroll_area.setAccessibleName("Conversation")
        self.input = PromptEdit()
        self.input.setPlaceholderText("Ask about your documents (Enter sends, Shift+Enter for a new line)")
        self.input.setAccessibleName("Question")
        self.input.setAccessibleDescription("Enter sends the question; Shift+Enter starts a new line; Tab moves "
                                            "to Send.")
        self.input.setMaximumHeight(90)
        self.input.submitted.connect(self._send)
        self.send_button = KeyButton("Send")
        self.send_button.setAccessibleName("Send question")
        self.send_button.clicked.connect(self._send)
        self.stop_button = KeyButton("Stop")
        self.stop_button.setAccessibleName("Stop answer")
        self.stop_button.setToolTip("Stop the answer (Esc)")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.setEnabled(False)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self._tick)
        self.meter = ContextMeter()
        self.meter_label = QLabel(self.meter.summary)
        self.meter_label.setWordWrap(True)
        self.meter_label.setMinimumWidth(1)
        self.meter.changed.connect(lambda: self.meter_label.setText(self.meter.summary))
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addLayout(buttons)
        self.scope_label = QLabel()
        self.scope_label.setWordWrap(True)
        self.scope_label.setMinimumWidth(1)
        self.scope_label.setAccessibleName("Search scope")
        self.scope_label.setToolTip("What this conversation's questions search. Click a collection (or "
                                    "\u201cWhole library\u201d) to start a conversation there.")
        self.set_scope("Whole library")
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.meter)
        layout.addWidget(self.meter_label)
        layout.addWidget(self.scope_label)
        layout.addLayout(row)
        QWidget.setTabOrder(self.input, self.send_button)
        QWidget.setTabOrder(self.send_button, self.stop_button)

    def set_scope(self, label: str) -> None:
        """Show what the conversation searches ("Whole library", "Collection: Case A", ...)."""
        self.scope_label.setText(f"Searching: <b>{html.escape(label)}</b>")

    def _send(self) -> None:
        text = self.input.toPlainText().strip()
        if text and self.send_button.isEnabled():
            self.input.clear()
            self.send_requested.emit(text)

    def _escape(self) -> None:
        if self.stop_button.isEnabled():
            self.stop_requested.emit()

    def set_busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)

    def clear(self) -> None:
        for widget in self.messages:
            widget.deleteLater()
        self.messages.clear()
        self.current = None
        self.ticker.stop()
        self.meter.set_parts(None)
        self.placeholder.setVisible(self.library_empty)

    def set_library_empty(self, empty: bool) -> None:
        """Show the empty-library text (how to add documents, or that they are being added: ``set_adding``)
        while the library and the chat are empty."""
        self.library_empty = empty
        self.placeholder.setVisible(empty and not self.messages)

    def set_adding(self, adding: bool) -> None:
        """Documents are being indexed (``adding``): the empty library's text says so instead of how to add."""
        self.placeholder.setText(ADDING if adding else PLACEHOLDER)

    def add_message(self, role: str, text: str) -> MessageWidget:
        widget = MessageWidget(role, text)
        widget.citation_clicked.connect(self.citation_clicked)
        widget.link_clicked.connect(self.link_clicked)
        self.list_layout.insertWidget(self.list_layout.count() - 1, widget)
        self.messages.append(widget)
        self.placeholder.hide()
        QTimer.singleShot(0, self._scroll_to_end)
        return widget

    # --- the answer being made ----------------------------------------------------------
    def start_answer(self, live: bool = True) -> MessageWidget:
        """A new answer card; ``live``: its status line counts the seconds from now ("Searching the library…")."""
        self.current = self.add_message("assistant", "")
        if live:
            self.current.set_phase("searching")
            self.ticker.start()
        return self.current

    def _tick(self) -> None:
        if self.current is not None and self.current.live:
            self.current.tick()
        else:
            self.ticker.stop()

    def show_sources(self, event: SourcesFound) -> None:
        """Retrieval has ended: the quotes and the passages the model reads, at once, before any text."""
        if self.current is None:
            return
        self.current.set_evidence(event.evidence)
        if event.sources:
            self.current.set_given(event.sources)
            self.current.expand_given(True)
            self.current.set_phase("reading", len(event.sources))

    def show_evidence(self, evidence: list[Evidence]) -> None:
        """The quotes of the answer being written, as soon as retrieval has found them."""
        if self.current is not None:
            self.current.set_evidence(evidence)

    def show_phase(self, phase: str) -> None:
        """The engine's ``AnswerPhase`` ("checking")."""
        if self.current is not None:
            self.current.set_phase(phase)

    def append_tokens(self, text: str) -> None:
        """Text of the answer; ignored once the user stopped it."""
        if self.current is not None and not self.current.stopping:
            if self.current.phase != "writing":
                self.current.set_phase("writing")
            self.current.append(text)
            self._follow(self.current)

    def stop_answer(self) -> None:
        """The user pressed Stop (or Esc): the card says so at once and takes no more text; Stop is spent."""
        if self.current is not None:
            self.current.stop()
        self.stop_button.setEnabled(False)

    def end_answer(self) -> None:
        """The engine job of the answer ended (finished, stopped or failed): close its card if still open."""
        card, self.current = self.current, None
        if card is not None:
            stopped = card.stopping
            card.end(stopped=stopped)
            if stopped and not card.note.text():
                card.note.setText("Stopped.")
                card.note.show()
        self.ticker.stop()

    def show_empty_library(self) -> None:
        """The question found an empty library: the card says how to add documents (the window's terms)."""
        card = self.current or self.start_answer(live=False)
        card.show_empty_library()
        self.current = None
        self.ticker.stop()

    def fail_answer(self) -> None:
        """The answer failed (the error banner says why): its card says it was not answered."""
        card, self.current = self.current, None
        if card is not None:
            card.phase = ""
            card.status.setText("Not answered: the message at the top of the window says why.")
            card.status.show()
        self.ticker.stop()

    def finish_answer(self, answer: Answer) -> None:
        """Show an answer whole (its text, note, chips, check and given passages), live at its end or reopened."""
        widget = self.current or self.start_answer(live=False)
        if answer.withheld:
            widget.body.set_markdown(withheld_markdown(answer.text, answer.withheld))
        elif answer.abstained or answer.refused or not (widget.text or widget.stopping) or \
                answer.origin_details.get("finish") == "repetition" or \
                (not widget.stopping and widget.text.strip() != answer.text.strip()):
            # the first words of a repeat were shown; or the prompt lines the model repeated, taken out of the
            # answer (``prompt.without_echo``), unless it was stopped: what was shown then stays
            widget.text = answer.text
            widget.body.set_markdown(answer.text)
        note = answer_note(answer)
        if answer.origin in ORIGIN_LABELS:
            label = ORIGIN_LABELS[answer.origin]
            note = f"{label[0].upper()}{label[1:]}: no model call. {note}"
        if answer.reading_note:
            note = f"{answer.reading_note} {note}"
        for decision in answer.safety if not answer.refused else []:
            note += f" Policy: {decision['action']}: {decision['reason']}."
        for number, reasons in answer.flagged_sources.items():
            note += f" Source [{number}] contains {' and '.join(reasons)}; it was quoted to the model as data only."
        widget.set_evidence(answer.evidence, quotes_only=answer.origin == "quotes")
        widget.set_citations([c.to_dict() for c in answer.shown_sources], note.strip())
        given = answer.given_sources if answer.origin == "model" and answer.model_asked else []
        widget.set_given(given, {c.number for c in answer.citations})
        widget.expand_given(False)
        if answer.verification is not None:
            widget.set_check(answer.verification.to_dict(), strict_again=answer.origin != "summary")
        widget.end(answer.stopped)
        self.current = None
        QTimer.singleShot(0, widget, lambda: self._follow(widget))  # once the card has its final height

    def show_history(self, messages: list[Any]) -> None:
        """A reopened conversation, each answer rendered from its record exactly as it was shown live."""
        self.clear()
        for message in messages:
            if message.answer is None:
                self.add_message(message.role, message.content)
            else:
                self.start_answer(live=False)
                self.finish_answer(message.answer)

    def _scroll_to_end(self) -> None:
        bar = self.scroll_area.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _follow(self, card: MessageWidget) -> None:
        """Scroll down towards the end of ``card`` but not past its top: the quotes at the top of an answer stay
        in view while the model's wording grows below them, and when the card ends (the passages given to the
        model fold away)."""
        self.list_layout.activate()  # the card's place after its last change
        bar = self.scroll_area.verticalScrollBar()
        target = min(bar.maximum(), card.y())
        if bar.value() < target:  # never up: a reader who scrolled further down stays where they read
            bar.setValue(target)
