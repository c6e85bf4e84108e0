"""The window shows page labels, table rows as tables, and reads old documents again at start."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from desktop_app.engine import Engine
from desktop_app.engine.settings import save_settings
from desktop_app.home import library_db
from support import fidelity_pdfs as pdfs
from support.library import FAST, index_all
from support.window import open_window

READY_TIMEOUT = 120_000


def ask_and_wait(qtbot, window, question: str):
    window.ask(question)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY_TIMEOUT)
    return window.chat.messages[-1]


def test_quotes_show_table_rows_as_tables_and_chips_give_page_labels(qtbot, data_home: Path, tmp_path: Path) -> None:
    engine = Engine(data_home, FAST)
    index_all(engine, [pdfs.table_pdf(tmp_path / "risks.pdf"), pdfs.page_labels_pdf(tmp_path / "handbook.pdf")])
    engine.close()
    save_settings(data_home, replace(FAST, quotes_only=True))
    window = open_window(qtbot, data_home)
    try:
        answer = ask_and_wait(qtbot, window, "How is the risk from Borel Plastics mitigated?")
        card = answer.quotes.text()
        assert "<table" in card and "<th align=\"left\">Mitigation</th>" in card
        assert "<td>Fixed-price contract signed for two years</td>" in card

        answer = ask_and_wait(qtbot, window, "Where is the emergency assembly point?")
        assert "p. 2 (PDF page 6)" in answer.quotes.text()
        assert any("p. 2 (PDF page 6)" in chip.text() for chip in answer.chip_buttons())
    finally:
        window.close()


def test_documents_of_an_older_extractor_are_read_again_when_the_window_opens(qtbot, data_home: Path,
                                                                               tmp_path: Path) -> None:
    engine = Engine(data_home, FAST)
    index_all(engine, [pdfs.ligatures_pdf(tmp_path / "pump.pdf")])
    engine.close()
    with sqlite3.connect(library_db(data_home)) as db:
        db.execute("UPDATE documents SET extractor = 1")
    save_settings(data_home, FAST)
    window = open_window(qtbot, data_home)
    try:
        def read_again() -> bool:
            with sqlite3.connect(library_db(data_home)) as db:
                return db.execute("SELECT extractor FROM documents").fetchone()[0] > 1

        qtbot.waitUntil(read_again, timeout=READY_TIMEOUT)
        qtbot.waitUntil(lambda: not window.index_jobs or not window.library.pending, timeout=READY_TIMEOUT)
    finally:
        window.close()
