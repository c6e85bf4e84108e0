"""The window with the real engine and models, driven offscreen with pytest-qt."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QInputDialog, QMessageBox

from desktop_app.engine import SETTING_SPECS
from desktop_app.engine.settings import load_settings, save_settings
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.widgets import safe_markdown
from support import guide
from support.library import FAST
from support.pdfs import corrupt_pdf, encrypted_pdf, harbour_report
from support.window import open_window

READY_TIMEOUT = 120_000


def drop(window: MainWindow, *paths: Path) -> None:
    """Deliver a drag-enter and a drop of ``paths`` to the window's handlers.

    The offscreen platform has no drag-and-drop session, so Qt would not route a
    synthetic drop; the events go to the same handlers a real drop reaches.
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def ask(qtbot, window: MainWindow, question: str) -> None:
    qtbot.keyClicks(window.chat.input, question)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)


class GapMeter:
    """A 20 ms timer on the GUI thread; records the longest wait between its ticks."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now


def test_window_appears_before_the_model_is_loaded(qtbot, data_home: Path) -> None:
    started = time.perf_counter()
    window = MainWindow(data_home)
    qtbot.addWidget(window)
    window.show()
    visible_after = time.perf_counter() - started
    assert window.isVisible() and visible_after < 1.5
    assert window.model_status.text() == "Model: loading…"
    assert window.chat.placeholder.isVisibleTo(window)
    qtbot.waitUntil(lambda: window.model_status.text().startswith("Model: SmolLM2"), timeout=60_000)
    assert "(Q8_0 copy, context " in window.model_status.text()  # the bundled Q4_1 file runs from its copy
    window.close()


def test_drop_index_ask_stream_cite_and_view_the_page(qtbot, window: MainWindow, tmp_path: Path) -> None:
    meter = GapMeter()
    drop(window, harbour_report(tmp_path / "harbour.pdf"))
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)

    lengths: list[int] = []
    sampler = QTimer()
    sampler.timeout.connect(lambda: window.chat.current and lengths.append(len(window.chat.current.text)))
    sampler.start(10)
    ask(qtbot, window, "Which model is the northern breakwater tide gauge?")
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY_TIMEOUT)
    sampler.stop()
    assert len({n for n in lengths if n > 0}) >= 2, "the answer appeared in several steps"
    answer = window.chat.messages[-1]
    assert answer.text.strip()
    chips = answer.chip_buttons()
    assert chips and "Harbour Survey Report, p. 2" in chips[0].text()

    qtbot.mouseClick(chips[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.viewer.page is not None, timeout=30_000)
    page = window.viewer.page
    assert page.page == 2 and page.png and page.highlights
    assert "page 2 of 3" in window.viewer.title.text()
    assert meter.longest < 0.3, f"the event loop stalled for {meter.longest:.3f} s"
    assert "Sources" in window.chat.meter_label.text()

    gauge = "The northern breakwater gauge is model TG-7 and it was calibrated on 14 March 2031."
    assert answer.quotes.isVisible() and answer.wording.isVisible()
    assert "From the documents" in answer.quotes.text() and gauge in answer.quotes.text()
    assert answer.evidence[0].quote == gauge
    window.viewer.page = None
    answer.quotes.linkActivated.emit("quote:0")
    qtbot.waitUntil(lambda: window.viewer.page is not None, timeout=30_000)
    quoted = window.viewer.page
    assert quoted.page == 2 and len(quoted.highlights) == len(answer.evidence[0].rects) >= 1
    assert quoted.highlights[0][3] - quoted.highlights[0][1] < 30, "a line of the sentence, not the whole block"


def test_stop_ends_the_answer_at_once(qtbot, window: MainWindow, tmp_path: Path) -> None:
    drop(window, harbour_report(tmp_path / "harbour.pdf"))
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    window.tasks.run(lambda engine: engine.update_settings(max_answer_tokens=200))
    ask(qtbot, window, "Describe everything about the harbour survey, the gauges and the dredging.")
    qtbot.waitUntil(lambda: bool(window.chat.current and window.chat.current.text), timeout=READY_TIMEOUT)
    started = time.perf_counter()
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=10_000)
    assert time.perf_counter() - started < 2.0
    assert window.chat.messages[-1].note.text().startswith("Stopped.")
    assert window.chat.send_button.isEnabled()


def test_event_loop_keeps_running_while_indexing_a_large_pdf(qtbot, window: MainWindow, tmp_path: Path,
                                                             guide_pdf: Path) -> None:
    big = tmp_path / "guide.pdf"
    shutil.copy(guide_pdf, big)
    meter = GapMeter()
    drop(window, big)
    qtbot.waitUntil(lambda: window.library.status_of("guide.pdf") == "indexing", timeout=30_000)
    qtbot.waitUntil(lambda: window.library.status_of(guide.TITLE) == "ready", timeout=300_000)
    print(f"longest event-loop stall while indexing {guide.PAGES} pages: {meter.longest * 1000:.0f} ms")
    assert meter.longest < 0.3


def test_a_corrupt_pdf_shows_its_error_and_the_others_index(qtbot, window: MainWindow, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    corrupt_pdf(folder / "broken.pdf")
    harbour_report(folder / "harbour.pdf")
    drop(window, folder)
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    assert window.library.status_of("broken.pdf") == "failed"
    row = next(r for r in range(window.library.table.rowCount())
               if window.library.table.item(r, 0).text() == "broken.pdf")
    assert "damaged" in window.library.table.item(row, 0).toolTip()


def test_an_encrypted_pdf_asks_for_its_password(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    asked = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kw: (asked.append(args[2]) or ("s3cret", True)))
    drop(window, encrypted_pdf(tmp_path / "locked.pdf", "s3cret"))
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    assert asked and "locked.pdf" in asked[0]


def test_settings_and_conversations_survive_a_restart(qtbot, data_home: Path, tmp_path: Path) -> None:
    save_settings(data_home, FAST)
    first = open_window(qtbot, data_home)
    drop(first, harbour_report(tmp_path / "harbour.pdf"))
    qtbot.waitUntil(lambda: first.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    first.apply_settings({"top_k": 2, "temperature": 0.0}, reload_model=False)
    ask(qtbot, first, "How much silt did the dredging remove?")
    qtbot.waitUntil(lambda: first.answer_job is None, timeout=READY_TIMEOUT)
    first.close()
    assert load_settings(data_home).top_k == 2

    second = open_window(qtbot, data_home)
    seen = []
    second.tasks.run(lambda engine: engine.settings, seen.append)
    qtbot.waitUntil(lambda: bool(seen) and second.conversations.list.count() == 1, timeout=30_000)
    assert seen[0].top_k == 2
    item = second.conversations.list.item(0)
    assert item.text().startswith("How much silt")
    second.conversations.list.itemClicked.emit(item)
    qtbot.waitUntil(lambda: len(second.chat.messages) == 2, timeout=30_000)
    assert second.chat.messages[0].text == "How much silt did the dredging remove?"
    assert second.chat.messages[1].chip_buttons()
    assert "41,500 cubic metres" in second.chat.messages[1].quotes.text(), "the quotes are shown when reopened"
    second.close()


def test_links_open_only_after_confirmation_and_images_are_never_loaded(window: MainWindow, monkeypatch) -> None:
    opened = []
    monkeypatch.setattr("desktop_app.ui.main_window.QDesktopServices.openUrl", lambda url: opened.append(url))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.open_link("https://example.org/")
    assert opened == []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.open_link("https://example.org/")
    window.open_link("file:///etc/passwd")
    assert [u.toString() for u in opened] == ["https://example.org/"]
    assert "file:///etc/passwd" in window.banner.label.text()
    cleaned = safe_markdown("See ![chart](https://tracker.example/pixel.png) and <img src='http://x/y.png'>")
    assert "http" not in cleaned and "[image: chart]" in cleaned


def test_closing_while_indexing_and_answering_leaves_a_consistent_library(qtbot, window: MainWindow,
                                                                          data_home: Path, tmp_path: Path,
                                                                          guide_pdf: Path) -> None:
    drop(window, harbour_report(tmp_path / "harbour.pdf"))
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    big = tmp_path / "guide.pdf"
    shutil.copy(guide_pdf, big)
    drop(window, big)
    ask(qtbot, window, "How much silt did the dredging remove?")
    qtbot.waitUntil(lambda: any(p.done > 0 for p in window.library.pending.values()), timeout=60_000)
    started = time.perf_counter()
    window.close()
    assert time.perf_counter() - started < 10
    assert not window.tasks._thread.is_alive()

    reopened = open_window(qtbot, data_home)
    documents = []
    reopened.tasks.run(lambda engine: engine.library.documents(), documents.extend)
    qtbot.waitUntil(lambda: bool(documents), timeout=30_000)
    assert [d.title for d in documents] == ["Harbour Survey Report"], "the interrupted file left nothing behind"
    reopened.close()


def test_settings_dialog_reports_the_changes(qtbot) -> None:
    from desktop_app.ui.settings_dialog import SettingsDialog

    settings = FAST.changed(blocked_topics=("merger plans",), blocked_terms=("salary",))
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert set(dialog.fields) == {n for n, s in SETTING_SPECS.items() if s.in_dialog}, "each has its field"
    assert dialog.changes() == {}, "opening and saving changes nothing (topics stay topics)"
    dialog.fields["top_k"].setValue(6)
    dialog.fields["retrieval_mode"].setCurrentText("bm25")
    dialog.fields["n_ctx"].setValue(8192)
    assert dialog.fields["n_ctx"].maximum() == SETTING_SPECS["n_ctx"].high
    changes = dialog.changes()
    assert changes == {"top_k": 6, "retrieval_mode": "bm25", "n_ctx": 8192}
    assert settings.changed(**changes).top_k == 6
    assert dialog.values()["blocked_topics"] == ("merger plans",) and dialog.values()["blocked_terms"] == ("salary",)


def test_a_task_runs_from_the_window_and_the_strict_retry_follows(qtbot, window: MainWindow, tmp_path: Path) -> None:
    from desktop_app.ui.task_dialog import TaskDialog

    drop(window, harbour_report(tmp_path / "harbour.pdf"))
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    templates: list = []
    window.tasks.run(lambda engine: engine.task_templates(), templates.append)
    qtbot.waitUntil(lambda: bool(templates), timeout=10_000)
    dialog = TaskDialog(templates[0], ["Harbour Survey Report"])
    qtbot.addWidget(dialog)
    dialog.choice.setCurrentIndex(dialog.choice.findData("summarise"))
    name, values = dialog.selection()
    assert (name, values) == ("summarise", {"document": "Harbour Survey Report"})
    window.stream_answer("Summarise", lambda engine, token: engine.run_task(name, values, None, token))
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY_TIMEOUT)
    assert window.chat.messages[-1].chip_buttons()
    window.regenerate_strictly()
    qtbot.waitUntil(lambda: window.answer_job is None and len(window.chat.messages) == 4, timeout=READY_TIMEOUT)


def test_check_answers_runs_the_evaluation_with_progress_and_shows_the_table(qtbot, window: MainWindow,
                                                                            tmp_path: Path) -> None:
    import json

    docs = tmp_path / "docs"
    docs.mkdir()
    harbour_report(docs / "harbour.pdf")
    questions = tmp_path / "questions.jsonl"
    rows = [{"id": "H1", "lang": "en", "doc": "harbour.pdf", "page": 3, "pages": [3],
             "question": "How much silt did the dredging remove?", "must_contain": ["41,500"], "answerable": True,
             "follows": None, "kind": "factual"},
            {"id": "H2", "lang": "en", "doc": None, "page": None, "pages": [],
             "question": "Who won the football world cup in 2014?", "must_contain": [], "answerable": False,
             "follows": None, "kind": "unanswerable"}]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    dialog = window.run_check(questions, docs)
    qtbot.waitUntil(lambda: "hit@5" in dialog.report_view.toPlainText(), timeout=300_000)
    assert dialog.bar.value() == dialog.bar.maximum()
    dialog.close()
