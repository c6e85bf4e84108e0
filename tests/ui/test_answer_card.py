"""The answer card in the window: its live status, Stop in every phase, wrapping at every size, the empty
library, the keyboard, the passages the model was given, and chips that open their quote.

Most cases script the model (``GatedModel`` holds its first piece the way a model reading a long prompt
does, so the phases before the first token can be seen); one case runs the real model through the whole flow.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.engine import Answer, Evidence
from desktop_app.engine.answering.verification import SentenceCheck, Verification
from desktop_app.engine.models.chat import Generation
from desktop_app.ui.answer_card import MessageWidget
from desktop_app.ui.main_window import MainWindow
from support.fake_model import FakeChatModel
from support.pdfs import harbour_report

READY_TIMEOUT = 120_000
QUESTION = "Which model is the northern breakwater tide gauge?"
GROUNDED = "The northern breakwater gauge is model TG-7 [1][2][3]."


class GatedModel(FakeChatModel):
    """Says ``pieces`` once ``release`` is set; a stop while it waits ends it with nothing said. With
    ``late``, it waits after its first piece until stopped, then still says ``late`` (as a model that takes a
    moment to notice the stop)."""

    def __init__(self, pieces: list[str], released: bool = False, late: list[str] | None = None) -> None:
        super().__init__([pieces])
        self.release = threading.Event()
        if released:
            self.release.set()
        self.late = late or []

    def stream(self, tokens: list[int], stop: list[str], max_tokens: int, temperature: float,
               cancel: Any) -> Iterator[str | Generation]:
        pieces = self.script.pop(0)
        while not self.release.wait(0.01):
            if cancel.cancelled:
                yield Generation("", len(tokens), 0, 0.0, 0.0, True)
                return
        said = []
        for index, piece in enumerate(pieces):
            if cancel.cancelled:
                break
            said.append(piece)
            yield piece
            if index == 0 and self.late:
                for _ in range(1000):
                    if cancel.cancelled:
                        break
                    threading.Event().wait(0.01)
                said.extend(self.late)
                yield from self.late
                break
        yield Generation("".join(said), len(tokens), len(said), 0.01, 0.02, cancel.cancelled)


@pytest.fixture
def harbour(qtbot, window: MainWindow, tmp_path: Path) -> MainWindow:
    """The window with the harbour report indexed."""
    window.add_paths([harbour_report(tmp_path / "harbour.pdf")])
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    return window


def use_model(qtbot, window: MainWindow, model: Any) -> None:
    """Swap the engine's chat model on its own thread."""
    done: list[bool] = []
    window.tasks.run(lambda engine: done.append(setattr(engine._rt, "_model", model) is None))
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)


def ask(qtbot, window: MainWindow, question: str) -> MessageWidget:
    qtbot.keyClicks(window.chat.input, question)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)
    return window.chat.messages[-1]


def record_phases(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool, bool, str]]:
    """Each phase a card enters, with whether its quotes and given passages were shown then, and its text."""
    seen: list[tuple[str, bool, bool, str]] = []
    original = MessageWidget.set_phase

    def set_phase(card: MessageWidget, phase: str, count: int = 0) -> None:
        seen.append((phase, card.quotes.isVisible(), card.given_toggle.isVisible(), card.text))
        original(card, phase, count)

    monkeypatch.setattr(MessageWidget, "set_phase", set_phase)
    return seen


def test_the_status_line_names_each_phase_with_its_seconds(qtbot, harbour: MainWindow, monkeypatch) -> None:
    window, seen = harbour, record_phases(monkeypatch)
    model = GatedModel(["The northern breakwater gauge ", "is model TG-7 [1][2][3]."])
    use_model(qtbot, window, model)
    card = ask(qtbot, window, QUESTION)
    assert card.status.text() == "Searching the library… 0 s", "the card speaks the moment Enter is pressed"
    qtbot.waitUntil(lambda: card.status.text().startswith("Reading "), timeout=30_000)
    assert re.fullmatch(r"Reading \d sources… \d+ s", card.status.text())
    assert card.quotes.isVisible() and "TG-7" in card.quotes.text(), "the quotes come before any text"
    assert card.given_toggle.isVisible() and card.given_list.isVisible() and card.text == ""
    shown = card.status.text()
    qtbot.waitUntil(lambda: card.status.text() != shown, timeout=2_000)  # the seconds count on
    model.release.set()
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=30_000)
    assert [phase for phase, *_ in seen] == ["searching", "reading", "writing", "checking"]
    assert seen[2][3] == "", "writing starts with the first text"
    assert re.fullmatch(r"Answered in \d+\.\d s", card.status.text())
    assert card.text == GROUNDED and card.chip_buttons()
    assert not card.given_list.isVisible(), "the given passages fold away once the answer is there"


def test_stop_before_the_first_token_takes_effect_at_once(qtbot, harbour: MainWindow) -> None:
    window = harbour
    use_model(qtbot, window, GatedModel(["never said"]))
    card = ask(qtbot, window, QUESTION)
    qtbot.waitUntil(lambda: card.status.text().startswith("Reading "), timeout=30_000)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Escape)
    assert card.status.text().startswith("Stopping…") and not window.chat.stop_button.isEnabled()
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=10_000)
    assert window.chat.send_button.isEnabled()
    assert re.fullmatch(r"Stopped after \d+\.\d s", card.status.text())
    assert card.note.text().startswith("Stopped.") and card.text == ""


def test_text_that_arrives_after_stop_is_not_shown(qtbot, harbour: MainWindow) -> None:
    window = harbour
    use_model(qtbot, window, GatedModel(["The gauge ", "is TG-7."], released=True, late=["LATE WORDS"]))
    card = ask(qtbot, window, QUESTION)
    qtbot.waitUntil(lambda: card.text == "The gauge ", timeout=30_000)
    window.chat.stop_button.click()
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=10_000)
    assert card.text == "The gauge " and "LATE" not in card.body.text()
    assert card.status.text().startswith("Stopped after") and window.chat.send_button.isEnabled()


def test_stop_while_the_question_waits_for_the_engine(qtbot, harbour: MainWindow) -> None:
    """A job stopped before the engine started it ends without any event: the window still finishes it."""
    window = harbour
    busy = threading.Event()
    window.tasks.run(lambda engine: busy.wait(10))
    card = ask(qtbot, window, QUESTION)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Escape)
    assert card.status.text().startswith("Stopping…")
    busy.set()
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=10_000)
    assert window.chat.send_button.isEnabled() and card.status.text().startswith("Stopped after")


def cards_fit(window: MainWindow) -> None:
    viewport = window.chat.scroll_area.viewport()
    assert window.chat.list_widget.width() <= viewport.width()
    for card in window.chat.messages:
        right = card.mapTo(viewport, QPoint(card.width(), 0)).x()
        assert right <= viewport.width(), f"a card ends at {right}, past the pane's {viewport.width()}"
        for chip in card.chip_buttons():
            assert chip.mapTo(viewport, QPoint(chip.width(), 0)).x() <= viewport.width()
        for text in (card.body, card.quotes, card.note):
            if text.isVisible():
                document = text.document()
                readable = document.idealWidth() <= text.viewport().width() + 1 or \
                    text.horizontalScrollBar().maximum() > 0
                assert readable and text.height() >= document.size().height(), "all of the text can be read"


def test_long_code_lines_and_urls_wrap_inside_the_pane_at_every_size(qtbot, harbour: MainWindow) -> None:
    window = harbour
    code = "x = '" + "0123456789" * 40 + "'"
    url = "https://example.org/" + "very-long-path-segment" * 18
    use_model(qtbot, window, FakeChatModel([GROUNDED, f"TG-7 [1].\n\n```\n{code}\n```\n\nSee {url} [2]."]))
    ask(qtbot, window, QUESTION)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=30_000)
    card = ask(qtbot, window, "When was the northern breakwater gauge calibrated?")
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=30_000)
    assert code in card.text and url in card.text
    for width, height in ((1024, 640), (1600, 900)):
        window.resize(width, height)
        qtbot.waitUntil(lambda w=width: window.width() == w, timeout=5_000)  # the height: the panes' minimum
        qtbot.wait(200)
        cards_fit(window)
    assert card.body.height() > 3 * card.body.fontMetrics().height(), "the long line wraps onto more lines"


def test_an_empty_library_says_how_to_add_documents_in_window_terms(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.chat.library_empty, timeout=30_000)
    placeholder = window.chat.placeholder
    assert placeholder.isVisible() and "File > Add documents… (Ctrl+O)" in placeholder.text()
    card = ask(qtbot, window, "What does the report say about dredging?")
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=30_000)
    assert card is window.chat.messages[-1] and card.role == "assistant"
    assert "File > Add documents… (Ctrl+O)" in card.text and "File > Add folder…" in card.text
    assert "desktop-app" not in card.text and "desktop-app" not in window.banner.label.text()
    assert not window.banner.isVisible() and window.chat.send_button.isEnabled()


def test_an_empty_library_being_filled_says_so_until_its_first_document_is_ready(qtbot, window: MainWindow,
                                                                                  tmp_path: Path) -> None:
    qtbot.waitUntil(lambda: window.chat.library_empty, timeout=30_000)
    placeholder = window.chat.placeholder
    window.add_paths([harbour_report(tmp_path / "harbour.pdf")])
    assert placeholder.isVisible() and "being added" in placeholder.text() and "is empty" not in placeholder.text()
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    qtbot.waitUntil(lambda: not placeholder.isVisible(), timeout=30_000)
    qtbot.waitUntil(lambda: not window.index_jobs, timeout=30_000)
    assert not window.chat.library_empty and "is empty" in placeholder.text()


def focus_chain(window: MainWindow, start: QWidget, presses: int = 80) -> list[QWidget]:
    """The widgets Tab visits from ``start``."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    visited = []
    for _ in range(presses):
        widget = QApplication.focusWidget()
        assert widget is not None
        visited.append(widget)
        QTest.keyClick(widget, Qt.Key.Key_Tab)
    return visited


def test_the_chat_works_from_the_keyboard(qtbot, harbour: MainWindow) -> None:
    window = harbour
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    chat = window.chat
    chat.input.setFocus()
    qtbot.keyClicks(chat.input, "first line")
    qtbot.keyClick(chat.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert chat.input.toPlainText() == "first line\n" and not chat.messages, "Shift+Enter makes a new line"
    qtbot.keyClick(chat.input, Qt.Key.Key_Tab)
    assert "\t" not in chat.input.toPlainText() and QApplication.focusWidget() is chat.send_button
    chat.input.clear()
    use_model(qtbot, window, FakeChatModel([GROUNDED]))
    qtbot.keyClicks(chat.input, QUESTION)
    qtbot.keyClick(chat.input, Qt.Key.Key_Tab)
    qtbot.keyClick(chat.send_button, Qt.Key.Key_Return)  # Send by Enter
    qtbot.waitUntil(lambda: window.answer_job is None and len(chat.messages) == 2, timeout=30_000)
    card = chat.messages[-1]
    chips = card.chip_buttons()
    assert chips and card.quotes.isVisible()
    visited = focus_chain(window, chat.input)
    assert chat.send_button in visited
    for widget in (*chips, card.quotes, card.given_toggle):
        assert widget in visited, f"{widget.accessibleName()} is reachable by Tab"

    with qtbot.waitSignal(chat.citation_clicked, timeout=5_000) as opened:
        chips[0].setFocus()
        qtbot.keyClick(chips[0], Qt.Key.Key_Return)
    assert opened.args[0]["number"] == 1
    with qtbot.waitSignal(chat.citation_clicked, timeout=5_000) as opened:
        chips[-1].setFocus()
        qtbot.keyClick(chips[-1], Qt.Key.Key_Space)
    card.quotes.setFocus(Qt.FocusReason.TabFocusReason)
    assert card.quotes.focusNextPrevChild(True), "Tab stops at the first quote's link"
    with qtbot.waitSignal(chat.citation_clicked, timeout=5_000) as opened:
        qtbot.keyClick(card.quotes, Qt.Key.Key_Return)
    assert opened.args[0]["positions"] == card.evidence[0].rects
    assert card.quotes.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByKeyboard

    assert not card.given_list.isVisible()
    card.given_toggle.setFocus()
    qtbot.keyClick(card.given_toggle, Qt.Key.Key_Space)
    assert card.given_list.isVisible() and "▾" in card.given_toggle.text()
    qtbot.keyClick(card.given_toggle, Qt.Key.Key_Return)
    assert not card.given_list.isVisible()
    assert card.accessibleName() == "Answer" and card.status.accessibleName() == "Answer status"
    assert card.accessibleDescription().startswith("Answered in")
    assert all(chip.accessibleName().startswith(f"Open source {chip.text()[1]}") for chip in chips)


def test_every_passage_given_to_the_model_is_listed_and_reopens_the_same(qtbot, harbour: MainWindow) -> None:
    window = harbour
    use_model(qtbot, window, FakeChatModel(["The northern breakwater gauge is model TG-7 [1]."]))
    card = ask(qtbot, window, QUESTION)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=30_000)
    count = len(card.given)
    assert count >= 2 and card.given_toggle.text() == f"▸ Sources given to the model ({count})"
    assert not card.given_list.isVisible()
    qtbot.mouseClick(card.given_toggle, Qt.MouseButton.LeftButton)
    assert card.given_list.isVisible()
    listed = card.given_list.text()
    assert listed.count("<li>") == count and listed.count("(cited)") == 1
    assert "[1] Harbour Survey Report" in listed.split("(cited)")[0].rsplit("<li>", 1)[1]
    qtbot.mouseClick(card.given_toggle, Qt.MouseButton.LeftButton)
    assert not card.given_list.isVisible()

    toggle = card.given_toggle.text()
    conversation = window.conversation_id
    window.new_conversation()
    window.open_conversation(conversation)
    qtbot.waitUntil(lambda: len(window.chat.messages) == 2, timeout=30_000)
    reopened = window.chat.messages[-1]
    assert reopened.given_list.text() == listed and reopened.given_toggle.text() == toggle
    assert not reopened.status.isVisible()


def test_the_prompt_lines_the_model_repeated_leave_the_card_when_it_ends(qtbot, harbour: MainWindow) -> None:
    """They stream in as the model writes them, then the card shows the answer as kept (and reopened)."""
    window = harbour
    use_model(qtbot, window, FakeChatModel([f"Question: {QUESTION}\n{GROUNDED}"]))
    card = ask(qtbot, window, QUESTION)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=30_000)
    shown = card.body.toPlainText()
    assert card.text == GROUNDED and "Question:" not in shown
    conversation = window.conversation_id
    window.new_conversation()
    window.open_conversation(conversation)
    qtbot.waitUntil(lambda: len(window.chat.messages) == 2, timeout=30_000)
    assert window.chat.messages[-1].body.toPlainText() == shown


def test_a_chip_with_a_quote_opens_that_sentence(qtbot, harbour: MainWindow) -> None:
    window = harbour
    use_model(qtbot, window, FakeChatModel([GROUNDED]))
    card = ask(qtbot, window, QUESTION)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=30_000)
    quote = card.evidence[0]
    chip = next(c for c in card.chip_buttons() if c.text().startswith(f"[{quote.source_number}]"))
    window.viewer.page = None
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.viewer.page is not None, timeout=30_000)
    page = window.viewer.page
    assert page.page == quote.page and len(page.highlights) == len(quote.rects) >= 1
    assert page.highlights[0][3] - page.highlights[0][1] < 30, "a line of the sentence, not the whole passage"


def test_a_chip_without_a_quote_opens_its_passage(qtbot) -> None:
    card = MessageWidget("assistant")
    qtbot.addWidget(card)
    rects = [[2.0, 10.0, 10.0, 90.0, 22.0]]
    card.set_evidence([Evidence("The gauge is TG-7.", 1, 7, "Report", "r.pdf", 2, "", 1.0, [2], rects)])
    passage = {"number": 2, "document_id": 7, "document_title": "Report", "page": 3, "positions": [[3, 1, 1, 9, 9]],
               "passage": "Dredging."}
    quoted = dict(passage, number=1, page=3)  # most of the passage is on p. 3, its quoted sentence on p. 2
    card.set_citations([quoted, passage])
    opened: list[dict[str, Any]] = []
    card.citation_clicked.connect(opened.append)
    for chip in card.chip_buttons():
        chip.click()
    assert opened[0]["positions"] == rects and opened[0]["page"] == 2
    assert opened[1] == passage
    assert [chip.text() for chip in card.chip_buttons()] == ["[1] Report, p. 2", "[2] Report, p. 3"], \
        "each chip names the page it opens"


def test_the_real_model_answers_through_every_phase(qtbot, harbour: MainWindow, monkeypatch) -> None:
    window, seen = harbour, record_phases(monkeypatch)
    card = ask(qtbot, window, QUESTION)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=300_000)  # two cores shared with other work
    phases = [phase for phase, *_ in seen]
    assert phases[:3] == ["searching", "reading", "writing"] and phases[-1] == "checking"
    reading, writing = seen[1], seen[2]
    assert reading[1] and reading[2] and writing[3] == "", "quotes and passages shown before the first token"
    assert re.fullmatch(r"Answered in \d+\.\d s", card.status.text()) and card.text.strip()
    assert card.given and card.given_toggle.isVisible()


class LoopCutModel(FakeChatModel):
    """Says a grounded answer and reports that generation ended where the text began to repeat itself."""

    def stream(self, tokens: list[int], stop: list[str], max_tokens: int, temperature: float,
               cancel: Any) -> Iterator[str | Generation]:
        yield GROUNDED
        yield Generation(GROUNDED, len(tokens), 9, 0.01, 0.02, False, finish="repetition")


def test_an_answer_cut_at_a_loop_says_so_live_and_reopened(qtbot, harbour: MainWindow) -> None:
    window = harbour
    use_model(qtbot, window, LoopCutModel())
    card = ask(qtbot, window, QUESTION)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=60_000)
    assert "began to repeat itself" in card.note.text()
    conversation = window.conversation_id
    window.new_conversation()
    window.open_conversation(conversation)
    qtbot.waitUntil(lambda: len(window.chat.messages) == 2, timeout=30_000)
    assert "began to repeat itself" in window.chat.messages[-1].note.text()


def test_a_summary_check_names_what_is_missing_without_pointing_to_answer_again_strictly(
        qtbot, window: MainWindow) -> None:
    """Answer again strictly re-asks a question; for a summary it would not redo the summary."""
    text = "Pumps were renewed in 2031."
    checked = Verification([SentenceCheck(text, 0, len(text), [], ["2031"], ["2031"])])
    for origin, advice in (("summary", False), ("model", True)):
        window.chat.finish_answer(Answer(1, 0, "q", "q", "en", text, [], [], False, False, origin=origin,
                                         verification=checked))
        label = window.chat.messages[-1].check.text()
        assert "Not found in the sources: 2031" in label
        assert ("Answer again strictly" in label) == advice, origin


def test_the_quotes_stay_in_view_while_a_long_answer_is_written_and_after(qtbot, window: MainWindow) -> None:
    """The chat follows the model's text down only until the card's top reaches the top of the view, so the
    quotes above the text are not scrolled away while they are read; nor when the card ends."""
    window.resize(1024, 640)
    chat = window.chat
    quote = Evidence("The northern breakwater gauge is model TG-7.", 1, 7, "Report", "r.pdf", 2, "", 1.0, [2],
                     [[2.0, 10.0, 10.0, 90.0, 22.0]])
    for _ in range(3):
        chat.add_message("user", "An earlier question about the harbour survey and its gauges?")
    card = chat.start_answer()
    card.set_evidence([quote])
    text = "".join(f"Paragraph {i} of a long answer about the gauge.\n\n" for i in range(60))
    for piece in text.split(" "):
        chat.append_tokens(piece + " ")
        QApplication.processEvents()
    qtbot.wait(50)
    bar = chat.scroll_area.verticalScrollBar()
    assert card.height() > chat.scroll_area.viewport().height(), "the card is taller than the view"
    assert 0 < bar.value() <= card.y() + card.quotes.y(), "followed the text, but not past the quotes"
    chat.finish_answer(Answer(1, 0, "q", "q", "en", text, [], [], False, False, evidence=[quote]))
    chat.end_answer()
    qtbot.wait(50)
    assert bar.value() <= card.y() + card.quotes.y(), "the quotes are in view once the answer ends"
