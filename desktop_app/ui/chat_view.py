"""The chat: messages with Markdown and citation chips, the question box, Stop, and the context meter."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import ORIGIN_LABELS, STOPPED_BY_LABELS, Answer, Evidence, page_reference
from desktop_app.ui.widgets import ContextMeter, FlowLayout, MarkdownLabel


def chip_label(citation: dict[str, Any]) -> str:
    return f"[{citation['number']}] {citation['document_title']}, {where(citation)}"


def where(citation: dict[str, Any]) -> str:
    """"p. 6", or "p. 2 (PDF page 6)" where the printed page label differs; for another format its natural
    place ("slide 3", "sheet Budget, A4:C7", "§ Heading")."""
    if citation.get("place"):
        return str(citation["place"])
    return page_reference(int(citation["page"]), str(citation.get("page_label", "")), bool(citation.get("ocr")))


def evidence_html(evidence: list[Evidence]) -> str:
    """The quotes as links (``quote:N`` opens quote N on its page), each with its document and page."""
    items = []
    for index, item in enumerate(evidence):
        runs_on = " (runs on to the next page)" if item.crosses_page else ""
        shown = table_html(item.table) if item.table else f"\u201c{html.escape(item.quote)}\u201d"
        items.append(f"<p><a href=\"quote:{index}\">{shown}</a><br>"
                     f"<small>[{item.source_number}] {html.escape(item.document_title)}, {item.where()}"
                     f"{runs_on}</small></p>")
    return "<b>From the documents</b>" + "".join(items)


def table_html(table: list[list[str]]) -> str:
    """A table row quoted with its header, as a small table (header row, then the row)."""
    header, values = table
    head = "".join(f"<th align=\"left\">{html.escape(name)}</th>" for name in header)
    row = "".join(f"<td>{html.escape(value)}</td>" for value in values)
    return f"<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr>{head}</tr><tr>{row}</tr></table>"


def evidence_target(item: Evidence) -> dict[str, Any]:
    """What the source viewer opens for a quote: its page, with the sentence's own rectangles highlighted."""
    return {"number": item.source_number, "document_id": item.document_id, "document_title": item.document_title,
            "page": item.page, "page_label": item.page_label, "ocr": item.ocr, "positions": item.rects}


class PromptEdit(QPlainTextEdit):
    """Enter sends; Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class MessageWidget(QFrame):
    citation_clicked = Signal(dict)
    link_clicked = Signal(str)

    def __init__(self, role: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.setFrameShape(QFrame.Shape.StyledPanel if role == "assistant" else QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        title = QLabel("You" if role == "user" else "Answer")
        title.setStyleSheet("font-weight: bold")
        self.body = MarkdownLabel(text)
        self.body.linkActivated.connect(self.link_clicked)
        self.body.setAccessibleName("Question" if role == "user" else "Answer text")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        self.check = QLabel()
        self.check.setWordWrap(True)
        self.check.setAccessibleName("Answer check")
        self.check.hide()
        self.chips = FlowLayout()
        self.evidence: list[Evidence] = []
        self.quotes = QLabel()
        self.quotes.setWordWrap(True)
        self.quotes.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.quotes.setAccessibleName("Quotes from the documents")
        self.quotes.linkActivated.connect(self._open_quote)
        self.quotes.hide()
        self.wording = QLabel("<i>The model's answer, in its own words:</i>")
        self.wording.hide()
        layout.addWidget(title)
        layout.addWidget(self.quotes)
        layout.addWidget(self.wording)
        layout.addWidget(self.body)
        layout.addWidget(self.note)
        layout.addWidget(self.check)
        layout.addLayout(self.chips)
        self.text = text

    def set_evidence(self, evidence: list[Evidence], quotes_only: bool = False) -> None:
        """Show the quotes first; the model's text below them is labelled as its wording (hidden when the
        answer is the quotes alone)."""
        self.evidence = list(evidence)
        self.quotes.setText(evidence_html(self.evidence))
        self.quotes.setVisible(bool(self.evidence))
        self.wording.setVisible(bool(self.evidence) and not quotes_only)
        self.body.setVisible(not (quotes_only and self.evidence))

    def _open_quote(self, link: str) -> None:
        index = int(link.split(":", 1)[1])
        if 0 <= index < len(self.evidence):
            self.citation_clicked.emit(evidence_target(self.evidence[index]))

    def append(self, text: str) -> None:
        self.text += text
        self.body.set_markdown(self.text)

    def set_citations(self, citations: list[dict[str, Any]], note: str = "") -> None:
        for citation in citations:
            chip = QPushButton(chip_label(citation))
            chip.setToolTip(" ".join(str(citation.get("passage", "")).split())[:400])
            chip.setAccessibleName(f"Open source {citation['number']}: {citation['document_title']} "
                                   f"{where(citation)}")
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.clicked.connect(lambda _checked=False, c=citation: self.citation_clicked.emit(c))
            self.chips.addWidget(chip)
        if note:
            self.note.setText(note)
            self.note.show()

    def set_check(self, verification: dict[str, Any]) -> None:
        """Name what the sources do not contain, sentence by sentence (the tooltip holds the sentences)."""
        unsupported = verification.get("unsupported", [])
        if not unsupported:
            return
        tokens = ", ".join(t for item in unsupported for t in item["tokens"])
        self.check.setText(f"⚠ Not found in the sources: {tokens} (grounding {verification['score']:.0%}). "
                           "File > Answer again strictly (Ctrl+R) asks again with a stricter prompt.")
        self.check.setToolTip("\n".join(f"{item['sentence']}  →  {', '.join(item['tokens'])}"
                                        for item in unsupported))
        self.check.show()

    def chip_buttons(self) -> list[QPushButton]:
        items = (self.chips.itemAt(i) for i in range(self.chips.count()))
        return [w for item in items if item is not None and isinstance(w := item.widget(), QPushButton)]


def withheld_markdown(text: str, draft: str) -> str:
    """The abstention message, then the withheld draft quoted, so the user can still judge it."""
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in draft.splitlines())
    return f"{text}\n\n*Withheld draft (not supported by the sources):*\n\n{quoted}"


def answer_note(answer: Answer) -> str:
    """The line above an answer's chips: why these passages are listed, and what stopped it."""
    has_sources = bool(answer.shown_sources)
    if answer.withheld:
        return "Closest passages (the draft above is not supported by them):" if has_sources else ""
    if answer.abstained:
        return "Closest passages (not relevant enough to answer from):" if has_sources else ""
    if answer.stopped:
        return STOPPED_BY_LABELS.get(answer.stopped_by, "Stopped.") + (" Sources it was given:" if has_sources
                                                                        else "")
    return "" if answer.citations or not has_sources else \
        "The answer cites no source; these are the passages it was given:"


class ChatView(QWidget):
    send_requested = Signal(str)
    stop_requested = Signal()
    citation_clicked = Signal(dict)
    link_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages: list[MessageWidget] = []
        self.current: MessageWidget | None = None
        self.placeholder = QLabel("Drop documents (PDF, Word, PowerPoint, Excel, HTML, Markdown, text) or folders "
                                  "anywhere on this window (or press Ctrl+O) to add them to the "
                                  "library, then ask a question below.")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
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
        self.input.setMaximumHeight(90)
        self.input.submitted.connect(self._send)
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send question")
        self.send_button.clicked.connect(self._send)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop answer")
        self.stop_button.setToolTip("Stop the answer (Esc)")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.setEnabled(False)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)
        self.meter = ContextMeter()
        self.meter_label = QLabel(self.meter.summary)
        self.meter_label.setWordWrap(True)
        self.meter.changed.connect(lambda: self.meter_label.setText(self.meter.summary))
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addLayout(buttons)
        self.scope_label = QLabel()
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
        self.meter.set_parts(None)

    def set_library_empty(self, empty: bool) -> None:
        self.placeholder.setVisible(empty and not self.messages)

    def add_message(self, role: str, text: str) -> MessageWidget:
        widget = MessageWidget(role, text)
        widget.citation_clicked.connect(self.citation_clicked)
        widget.link_clicked.connect(self.link_clicked)
        self.list_layout.insertWidget(self.list_layout.count() - 1, widget)
        self.messages.append(widget)
        self.placeholder.hide()
        QTimer.singleShot(0, self._scroll_to_end)
        return widget

    def start_answer(self) -> MessageWidget:
        self.current = self.add_message("assistant", "")
        return self.current

    def show_evidence(self, evidence: list[Evidence]) -> None:
        """The quotes of the answer being written, as soon as retrieval has found them."""
        if self.current is not None:
            self.current.set_evidence(evidence)

    def append_tokens(self, text: str) -> None:
        if self.current is not None:
            self.current.append(text)
            self._scroll_to_end()

    def finish_answer(self, answer: Answer) -> None:
        """Show an answer whole (its text, note, chips and check), live at its end or reopened."""
        widget = self.current or self.start_answer()
        if answer.withheld:
            widget.body.set_markdown(withheld_markdown(answer.text, answer.withheld))
        elif answer.abstained or answer.refused or not widget.text:
            widget.text = answer.text
            widget.body.set_markdown(answer.text)
        note = answer_note(answer)
        if answer.origin in ORIGIN_LABELS:
            note = f"This is a {ORIGIN_LABELS[answer.origin]} (no model call). {note}"
        if answer.reading_note:
            note = f"{answer.reading_note} {note}"
        for decision in answer.safety if not answer.refused else []:
            note += f" Policy: {decision['action']}: {decision['reason']}."
        for number, reasons in answer.flagged_sources.items():
            note += f" Source [{number}] contains {' and '.join(reasons)}; it was quoted to the model as data only."
        widget.set_citations([c.to_dict() for c in answer.shown_sources], note.strip())
        widget.set_evidence(answer.evidence, quotes_only=answer.origin == "quotes")
        if answer.verification is not None:
            widget.set_check(answer.verification.to_dict())
        self.current = None

    def show_history(self, messages: list[Any]) -> None:
        """A reopened conversation, each answer rendered from its record exactly as it was shown live."""
        self.clear()
        for message in messages:
            if message.answer is None:
                self.add_message(message.role, message.content)
            else:
                self.start_answer()
                self.finish_answer(message.answer)

    def _scroll_to_end(self) -> None:
        bar = self.scroll_area.verticalScrollBar()
        bar.setValue(bar.maximum())
