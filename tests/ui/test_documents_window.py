"""Whole-document work in the window: the library's context menu summarises, finds and compares, and a hit
or a comparison's citation opens its page with the text highlighted."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from desktop_app.engine import Engine, SummaryProgress
from desktop_app.engine.settings import save_settings
from desktop_app.ui.compare_dialog import CompareDialog
from desktop_app.ui.find_dialog import FindDialog
from desktop_app.ui.main_window import MainWindow
from support.library import FAST, index_all
from support.pdfs import garden_notes, harbour_report
from support.window import open_window

READY_TIMEOUT = 120_000


def indexed_window(qtbot, data_home: Path, tmp_path: Path) -> MainWindow:
    engine = Engine(data_home, FAST)
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf"), garden_notes(tmp_path / "garden.pdf")])
    engine.close()
    save_settings(data_home, replace(FAST, quotes_only=True))  # an extractive summary: no model call
    window = open_window(qtbot, data_home)
    qtbot.waitUntil(lambda: len(window.library.documents) == 2, timeout=READY_TIMEOUT)
    return window


def select(window: MainWindow, *titles: str) -> None:
    table = window.library.table
    table.clearSelection()
    for row in range(table.rowCount()):
        doc = window.library.row_item(row).data(0x0101)  # Qt.ItemDataRole.UserRole + 1
        if doc.title in titles:
            table.selectionModel().select(table.model().index(row, 0),
                                          table.selectionModel().SelectionFlag.Select |
                                          table.selectionModel().SelectionFlag.Rows)


def test_the_context_menu_summarises_a_document_whole_with_progress(qtbot, data_home: Path, tmp_path: Path,
                                                                    monkeypatch) -> None:
    window = indexed_window(qtbot, data_home, tmp_path)
    try:
        shown: list[SummaryProgress] = []
        original = window.show_summary_progress
        monkeypatch.setattr(window, "show_summary_progress", lambda e: (shown.append(e), original(e)))
        select(window, "Harbour Survey Report")
        actions = {a.text(): a for a in window.library.document_actions()}
        assert set(actions) == {"Summarise it whole", "Find in it…", "Ask about it only"}
        actions["Summarise it whole"].trigger()
        qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY_TIMEOUT)
        answer = window.chat.messages[-1]
        assert answer.text.startswith('Summary of "Harbour Survey Report": read all 3 parts (3 pages)')
        assert {chip.text().split(", ")[-1] for chip in answer.chip_buttons()} >= {"p. 1", "p. 2", "p. 3"}
        assert [e.done for e in shown if e.stage == "reading"] == [1, 2, 3]
        select(window, "Harbour Survey Report", "Greenhouse Notes")
        assert "Compare these two…" in {a.text() for a in window.library.document_actions()}
    finally:
        window.close()


def test_find_and_compare_open_their_hits_on_the_page_highlighted(qtbot, data_home: Path, tmp_path: Path) -> None:
    window = indexed_window(qtbot, data_home, tmp_path)
    try:
        select(window, "Harbour Survey Report")
        finder = window.open_find()
        assert isinstance(finder, FindDialog)
        harbour = next(d for d in window.library.documents if d.title == "Harbour Survey Report")
        finder.open_hit.emit(harbour.id, 2, "TG-7")
        qtbot.waitUntil(lambda: window.viewer.page is not None and window.viewer.page.page == 2,
                        timeout=READY_TIMEOUT)
        assert len(window.viewer.page.highlights) == 1
        finder.close()
        select(window, "Harbour Survey Report", "Greenhouse Notes")
        comparing = window.open_compare()
        assert isinstance(comparing, CompareDialog)
        comparing.open_page.emit(harbour.id, 3, "Kestrel")
        qtbot.waitUntil(lambda: window.viewer.page.page == 3, timeout=READY_TIMEOUT)
        assert window.viewer.page.highlights
        comparing.close()
    finally:
        window.close()
