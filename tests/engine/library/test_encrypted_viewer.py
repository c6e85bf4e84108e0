"""Pages and quotes of a password-protected PDF: the password lives in the engine's memory, never on disk.

Indexed with its password, the document shows its pages and its quotes get
rectangles in the same session. After a restart the engine no longer knows
the password: a page comes back empty, flagged, with a message; a wrong
password says so; the right one shows the page and is kept for the session.
Quotes are placed only while the password is known, and skipped silently else.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from desktop_app.engine import Answer, Engine
from support.answers import final
from support.fake_model import use_fake_model
from support.library import FAST, index_all
from support.pdfs import encrypted_pdf, harbour_report

PASSWORD = "Quill-Zebra-4417"
GAUGE = "The northern breakwater gauge is model TG-7 and it was calibrated on 14 March 2031."
REPLY = "It is model TG-7 [1]."


def ask(engine: Engine, question: str) -> Answer:
    use_fake_model(engine, REPLY)
    return final(engine.ask(question))


def indexed_locked(home: Path, pdf: Path) -> int:
    """Index ``pdf`` with its password in an engine that is then closed (as before a restart)."""
    first = Engine(home, FAST)
    try:
        indexed, failed = index_all(first, [pdf], PASSWORD)
        assert len(indexed) == 1 and not failed
        return indexed[0].document_id
    finally:
        first.close()


def test_indexed_with_its_password_the_document_shows_its_pages_and_quotes(engine: Engine, tmp_path: Path) -> None:
    indexed, _ = index_all(engine, [encrypted_pdf(tmp_path / "locked.pdf", PASSWORD)], PASSWORD)
    answer = ask(engine, "Which model is the northern breakwater gauge?")
    quote = answer.evidence[0]
    assert quote.quote == GAUGE and quote.page == 2 and quote.rects
    page = engine.library.render_page(indexed[0].document_id, 2, positions=quote.rects)
    assert page.png and page.highlights and not page.needs_password and page.message == ""
    cited = answer.citations[0]
    passage = engine.library.render_page(cited.document_id, cited.page, positions=cited.positions)
    assert passage.png and passage.highlights


def test_after_a_restart_the_page_asks_for_the_password_and_keeps_the_right_one(data_home: Path,
                                                                               tmp_path: Path) -> None:
    document = indexed_locked(data_home, encrypted_pdf(tmp_path / "locked.pdf", PASSWORD))
    engine = Engine(data_home, FAST)
    try:
        locked = engine.library.render_page(document, 2, positions=[[2, 72, 100, 300, 120]])
        assert locked.needs_password and not locked.png and not locked.highlights
        assert "locked.pdf is password-protected" in locked.message and "Enter its password" in locked.message
        assert locked.page == 2 and locked.page_count == 3

        unplaced = ask(engine, "Which model is the northern breakwater gauge?")
        assert unplaced.evidence[0].quote == GAUGE and unplaced.evidence[0].rects == []

        wrong = engine.library.render_page(document, 2, password="not-it")
        assert wrong.needs_password and not wrong.png and "does not open locked.pdf" in wrong.message

        shown = engine.library.render_page(document, 2, positions=[[2, 72, 100, 300, 120]], password=PASSWORD)
        assert shown.png and shown.highlights and not shown.needs_password and shown.message == ""
        again = engine.library.render_page(document, 3)
        assert again.png and again.page == 3, "the password is kept for the session"
        placed = ask(engine, "What model is the gauge on the northern breakwater?")
        assert placed.evidence[0].quote == GAUGE and placed.evidence[0].rects
    finally:
        engine.close()
    reopened = Engine(data_home, FAST)
    try:
        assert reopened.library.render_page(document, 1).needs_password, "a restart forgets it"
    finally:
        reopened.close()


def test_a_wrong_password_does_not_replace_the_known_one(engine: Engine, tmp_path: Path) -> None:
    indexed, _ = index_all(engine, [encrypted_pdf(tmp_path / "locked.pdf", PASSWORD)], PASSWORD)
    document = indexed[0].document_id
    assert engine.library.render_page(document, 1, password="not-it").needs_password
    assert engine.library.render_page(document, 1).png


def test_an_unencrypted_document_ignores_a_password(engine: Engine, tmp_path: Path) -> None:
    indexed, _ = index_all(engine, [harbour_report(tmp_path / "open.pdf")], PASSWORD)
    page = engine.library.render_page(indexed[0].document_id, 1, password="anything")
    assert page.png and not page.needs_password


def test_the_password_is_never_written_to_disk_or_logs(data_home: Path, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pdf = encrypted_pdf(tmp_path / "locked.pdf", PASSWORD)
    document = indexed_locked(data_home, pdf)
    engine = Engine(data_home, FAST)
    try:
        engine.library.render_page(document, 2, password="wrong-" + PASSWORD)
        engine.library.render_page(document, 2, password=PASSWORD)
        ask(engine, "Which model is the northern breakwater gauge?")
    finally:
        engine.close()
    files = [f for f in data_home.rglob("*") if f.is_file()]
    assert any(f.suffix == ".pdf" for f in files), "the kept copy is there (encrypted, as the original)"
    for secret in (PASSWORD.encode(), PASSWORD.encode("utf-16-le")):
        assert not [f for f in files if secret in f.read_bytes()]
    assert PASSWORD not in caplog.text
