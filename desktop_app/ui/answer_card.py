"""One message of the chat: a question, or an answer card with its live status, quotes, text, chips, check
and the passages the model was given."""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop_app.engine import STOPPED_BY_LABELS, Answer, Citation, Evidence, page_reference
from desktop_app.ui.widgets import Chip, FlowLayout, MarkdownLabel, RichText

PHASES = {
    "searching": "Searching the library…",
    "reading": "Reading {count} sources…",
    "writing": "Writing the answer…",
    "checking": "Checking the answer against the sources…",
    "stopping": "Stopping…",
}
"""What the status line of an answer being made says in each phase ("reading": the model reads its prompt)."""
EMPTY_LIBRARY = ("Your library is empty, so there is nothing to answer from yet. Add documents first: drop files "
                 "or folders anywhere on this window, or use File > Add documents… (Ctrl+O) or File > Add "
                 "folder…. Then ask again.")


def chip_label(citation: dict[str, Any], quote: Evidence | None = None) -> str:
    """"[2] Title, p. 6": the page the chip opens, its ``quote``'s when one of the quotes comes from it (a
    passage that runs over two pages is cited by the page holding most of it, its quote may be on the other)."""
    return f"[{citation['number']}] {citation['document_title']}, {quote.where() if quote else where(citation)}"


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


def given_html(given: list[Citation], cited: set[int]) -> str:
    """The passages the model was given as a list of links (``given:N`` opens passage N), cited ones marked."""
    rows = []
    for index, source in enumerate(given):
        mark = " <b>(cited)</b>" if source.number in cited else ""
        rows.append(f"<li><a href=\"given:{index}\">[{source.number}] {html.escape(source.document_title)}, "
                    f"{html.escape(source.where())}</a>{mark}</li>")
    return "<ul style=\"margin-left: 0px; -qt-list-indent: 1\">" + "".join(rows) + "</ul>"


def withheld_markdown(text: str, draft: str) -> str:
    """The abstention message, then the withheld draft quoted, so the user can still judge it."""
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in draft.splitlines())
    return f"{text}\n\n*Withheld draft (not supported by the sources):*\n\n{quoted}"


REPEATED = "The model began to repeat itself; its answer ends before the repeated text."


def answer_note(answer: Answer) -> str:
    """The line above an answer's chips: why these passages are listed, and what stopped it (a loop cut
    included)."""
    note = sources_note(answer)
    return f"{REPEATED} {note}".strip() if answer.origin_details.get("finish") == "repetition" else note


def sources_note(answer: Answer) -> str:
    has_sources = bool(answer.shown_sources)
    if answer.withheld:
        return "Closest passages (the draft above is not supported by them):" if has_sources else ""
    if answer.abstained:
        return answer.closest_label if has_sources else ""
    if answer.stopped:
        return STOPPED_BY_LABELS.get(answer.stopped_by, "Stopped.") + (" Sources it was given:" if has_sources
                                                                        else "")
    return "" if answer.citations or not has_sources else \
        "The answer cites no source; these are the passages it was given:"


def wrapping_label(text: str = "", name: str = "") -> QLabel:
    """A plain label that wraps and never sets its card's minimum width."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setMinimumWidth(1)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    if name:
        label.setAccessibleName(name)
    return label


class MessageWidget(QFrame):
    """A question ("user") or an answer card ("assistant").

    An answer card, top to bottom: its status line (the phase and seconds
    while it is made, then "Answered in 12.3 s"), the quotes, the model's
    text, a note, the check, the chips of the sources it lists, and the
    collapsed "Sources given to the model (N)". ``citation_clicked`` carries
    what the viewer opens (a citation's or a quote's page and rectangles).
    """

    citation_clicked = Signal(dict)
    link_clicked = Signal(str)

    def __init__(self, role: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.setFrameShape(QFrame.Shape.StyledPanel if role == "assistant" else QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.setAccessibleName("Answer" if role == "assistant" else "Your question")
        layout = QVBoxLayout(self)
        title = QLabel("You" if role == "user" else "Answer")
        title.setStyleSheet("font-weight: bold")
        self.status = wrapping_label(name="Answer status")
        self.status.setStyleSheet("color: palette(mid)")
        self.status.hide()
        self.body = MarkdownLabel(text)
        self.body.linkActivated.connect(self.link_clicked)
        self.body.setAccessibleName("Question" if role == "user" else "Answer text")
        self.note = RichText(rich=False)
        self.note.setAccessibleName("Answer note")
        self.note.hide()
        self.check = RichText(rich=False)
        self.check.setAccessibleName("Answer check")
        self.check.hide()
        for plain in (self.note, self.check):  # read by screen readers with the card; not Tab stops
            plain.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.chips = FlowLayout()
        self.evidence: list[Evidence] = []
        self.quotes = RichText()
        self.quotes.setAccessibleName("Quotes from the documents")
        self.quotes.setAccessibleDescription("Tab moves to each quote; Enter opens its page with the sentence "
                                             "highlighted.")
        self.quotes.linkActivated.connect(self._open_quote)
        self.quotes.hide()
        self.wording = wrapping_label("<i>The model's answer, in its own words:</i>")
        self.wording.setWordWrap(False)  # one short line: a wrapping label is as tall as its text at a narrow width
        self.wording.hide()
        self.given: list[Citation] = []
        self.given_toggle = Chip()
        self.given_toggle.setCheckable(True)
        self.given_toggle.setFlat(True)
        self.given_toggle.setStyleSheet("text-align: left")
        self.given_toggle.toggled.connect(self._show_given)
        self.given_toggle.hide()
        self.given_list = RichText()
        self.given_list.setAccessibleName("Sources given to the model")
        self.given_list.linkActivated.connect(self._open_given)
        self.given_list.hide()
        self._given_touched = False
        self.given_toggle.clicked.connect(self._given_clicked)
        for widget in (title, self.status, self.quotes, self.wording, self.body, self.note, self.check):
            layout.addWidget(widget)
        layout.addLayout(self.chips)
        layout.addWidget(self.given_toggle)
        layout.addWidget(self.given_list)
        self.text = text
        self.started = time.monotonic()
        self.phase = ""
        self.source_count = 0
        self.stopped_after: float | None = None

    # --- live status --------------------------------------------------------------
    @property
    def live(self) -> bool:
        """The answer is being made (its status line counts the seconds)."""
        return self.phase in PHASES

    @property
    def stopping(self) -> bool:
        return self.phase == "stopping"

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def set_phase(self, phase: str, count: int = 0) -> None:
        """Enter ``phase`` (a key of ``PHASES``); a stopping answer stays stopping."""
        if self.stopping:
            return
        self.phase = phase
        self.source_count = count or self.source_count
        self.status.show()
        self.tick()

    def tick(self) -> None:
        """Update the status line's seconds (the chat calls it about twice a second)."""
        if self.live:
            words = PHASES[self.phase].format(count=self.source_count)
            self.status.setText(f"{words} {self.elapsed():.0f} s")
            self.setAccessibleDescription(words)

    def stop(self) -> None:
        """The user stopped the answer: say so at once; later text is not shown."""
        if self.live and not self.stopping:
            self.stopped_after = self.elapsed()
            self.phase = "stopping"
            self.tick()

    def end(self, stopped: bool) -> None:
        """The answer is complete: the status line sums it up."""
        if not self.live:
            return
        stopped = stopped or self.stopping
        seconds = self.stopped_after if stopped and self.stopped_after is not None else self.elapsed()
        self.phase = "stopped" if stopped else "answered"
        self.status.setText(f"Stopped after {seconds:.1f} s" if stopped else f"Answered in {seconds:.1f} s")
        self.setAccessibleDescription(self.status.text())
        self.status.show()

    def show_empty_library(self) -> None:
        """The library has no documents: say how to add some, in the window's terms."""
        self.phase = ""
        self.status.hide()
        self.text = EMPTY_LIBRARY
        self.body.set_markdown(EMPTY_LIBRARY)
        self.setAccessibleDescription("The library is empty")

    # --- content ------------------------------------------------------------------
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
        if self.stopping:
            return
        self.text += text
        self.body.set_markdown(self.text)

    def set_citations(self, citations: list[dict[str, Any]], note: str = "") -> None:
        for button in self.chip_buttons():
            self.chips.removeWidget(button)
            button.deleteLater()
        for citation in citations:
            quote = self._quote_of(citation)
            chip = Chip(chip_label(citation, quote), self)
            chip.setToolTip(" ".join(str(citation.get("passage", "")).split())[:400])
            chip.setAccessibleName(f"Open source {citation['number']}: {citation['document_title']} "
                                   f"{quote.where() if quote else where(citation)}")
            chip.setAccessibleDescription("Opens its page in the source viewer.")
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.clicked.connect(lambda _checked=False, c=citation: self._open_source(c))
            self.chips.addWidget(chip)
            chip.show()
        order = [self.body, *self.chip_buttons(), self.given_toggle]
        for before, after in zip(order, order[1:], strict=False):  # Tab goes through the chips in order
            QWidget.setTabOrder(before, after)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def _quote_of(self, citation: dict[str, Any]) -> Evidence | None:
        """The first placed quote taken from ``citation``'s passage, if any."""
        return next((e for e in self.evidence if e.source_number == citation.get("number")
                     and e.document_id == citation.get("document_id") and e.rects), None)

    def _open_source(self, citation: dict[str, Any]) -> None:
        """Open a chip's source: at its quote's sentence when one of the quotes comes from it."""
        quote = self._quote_of(citation)
        self.citation_clicked.emit(evidence_target(quote) if quote is not None else citation)

    def set_given(self, given: list[Citation], cited: set[int] | None = None) -> None:
        """List the passages the model was given under a toggle, ``cited`` numbers marked as cited."""
        self.given = list(given)
        self.given_list.setText(given_html(self.given, cited or set()))
        label = f"Sources given to the model ({len(self.given)})"
        self.given_toggle.setAccessibleName(label)
        self.given_toggle.setVisible(bool(self.given))
        self._show_given(self.given_toggle.isChecked())

    def expand_given(self, expanded: bool) -> None:
        """Open or close the list, unless the user already chose."""
        if not self._given_touched:
            self.given_toggle.setChecked(expanded)

    def _given_clicked(self) -> None:
        self._given_touched = True

    def _show_given(self, expanded: bool) -> None:
        arrow = "▾" if expanded else "▸"
        self.given_toggle.setText(f"{arrow} Sources given to the model ({len(self.given)})")
        self.given_toggle.setAccessibleDescription("Expanded" if expanded else "Collapsed; Space or Enter shows "
                                                   "the list")
        self.given_list.setVisible(expanded and bool(self.given))

    def _open_given(self, link: str) -> None:
        index = int(link.split(":", 1)[1])
        if 0 <= index < len(self.given):
            self._open_source(self.given[index].to_dict())

    def set_check(self, verification: dict[str, Any], strict_again: bool = True) -> None:
        """Name what the sources do not contain, sentence by sentence (the tooltip holds the sentences);
        ``strict_again``: point to Answer again strictly (not for a summary, which that would not redo)."""
        unsupported = verification.get("unsupported", [])
        if not unsupported:
            return
        tokens = ", ".join(t for item in unsupported for t in item["tokens"])
        advice = " Tools > Answer again strictly (Ctrl+R) asks again with a stricter prompt." if strict_again else ""
        self.check.setText(f"⚠ Not found in the sources: {tokens} (grounding {verification['score']:.0%}).{advice}")
        self.check.setToolTip("\n".join(f"{item['sentence']}  →  {', '.join(item['tokens'])}"
                                        for item in unsupported))
        self.check.show()

    def chip_buttons(self) -> list[Chip]:
        items = (self.chips.itemAt(i) for i in range(self.chips.count()))
        return [w for item in items if item is not None and isinstance(w := item.widget(), Chip)]
