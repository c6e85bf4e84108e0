"""Fidelity kinds through the whole engine: search, citations with page labels, hidden text, re-extraction."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from desktop_app.engine import Engine, FileFailed, FileIndexed
from desktop_app.home import library_db
from desktop_app.indexer.extract import EXTRACTOR_VERSION
from support import fidelity_pdfs as pdfs
from support.answers import final
from support.cli import run_cli
from support.fake_model import use_fake_model
from support.library import index_all


def index_one(engine: Engine, path: Path) -> int:
    indexed, failed = index_all(engine, [path])
    assert not failed and len(indexed) == 1, failed
    return indexed[0].document_id


def test_a_word_written_with_a_ligature_is_found_by_keywords(engine: Engine, tmp_path: Path) -> None:
    index_one(engine, pdfs.ligatures_pdf(tmp_path / "pump.pdf"))
    found = engine.search("How often is the filter flushed?", mode="bm25")
    assert found.sources and "filter is flushed every Friday" in found.sources[0].text


def test_citations_and_quotes_give_the_printed_page_label(engine: Engine, tmp_path: Path) -> None:
    index_one(engine, pdfs.page_labels_pdf(tmp_path / "handbook.pdf"))
    use_fake_model(engine, "At the car park by gate C [1].")
    answer = final(engine.ask("Where is the emergency assembly point?"))
    citation = answer.citations[0]
    assert (citation.page, citation.page_label, citation.where()) == (6, "2", "p. 2 (PDF page 6)")
    quote = answer.evidence[0]
    assert "assembly point" in quote.quote and quote.where() == "p. 2 (PDF page 6)"
    exported = engine.conversations.export_markdown(answer.conversation_id)
    assert "handbook" in exported.lower() and "p. 2 (PDF page 6)" in exported


def test_ask_json_gives_page_label_beside_page(tmp_path: Path) -> None:
    home = tmp_path / "home"
    pdf = pdfs.page_labels_pdf(tmp_path / "handbook.pdf")
    assert run_cli(home, "index", str(pdf)).returncode == 0
    done = run_cli(home, "ask", "--json", "--quotes-only", "Where is the emergency assembly point?")
    data = json.loads(done.stdout[done.stdout.index("{"):])
    assert (data["evidence"][0]["page"], data["evidence"][0]["page_label"]) == (6, "2")
    assert all(c["page_label"] == "2" for c in data["related"] + data["citations"] if c["page"] == 6)


def test_hidden_sentences_never_reach_the_model(engine: Engine, tmp_path: Path) -> None:
    doc_id = index_one(engine, pdfs.invisible_text_pdf(tmp_path / "security.pdf"))
    for sentence in pdfs.HIDDEN.values():
        found = engine.search(sentence, mode="bm25")
        assert all(sentence not in s.text for s in found.sources + found.closest)
    notes = engine.library.find(str(doc_id)).warnings
    assert any(note.startswith("page 2 holds text no reader can see") for note in notes)


def age(engine: Engine, doc_id: int, text: str) -> None:
    """Make a stored document look as the first extractor left it: version 1, its chunk text as given."""
    with sqlite3.connect(library_db(engine.home)) as db:
        db.execute("UPDATE documents SET extractor = 1, page_labels = '[]' WHERE id = ?", (doc_id,))
        db.execute("UPDATE chunks SET text = ? WHERE document_id = ?", (text, doc_id))


def test_documents_of_an_older_extractor_are_read_again_in_place(engine: Engine, tmp_path: Path) -> None:
    labels = index_one(engine, pdfs.page_labels_pdf(tmp_path / "handbook.pdf"))
    pump = index_one(engine, pdfs.ligatures_pdf(tmp_path / "pump.pdf"))
    gone_pdf = pdfs.two_columns_pdf(tmp_path / "facilities.pdf")
    gone = index_one(engine, gone_pdf)
    age(engine, labels, "General notes")
    age(engine, pump, "The inlet \ufb01lter is \ufb02ushed every Friday")
    age(engine, gone, "kept in the Parking")
    gone_pdf.unlink()
    shutil.rmtree(engine.home / "files")  # the private copies
    assert {d.id for d in engine.library.stale_documents()} == {labels, pump, gone}

    events = list(engine.library.refresh())
    refreshed = [e for e in events if isinstance(e, FileIndexed)]
    assert {e.document_id for e in refreshed} == {labels, pump} and all(e.refreshed for e in refreshed)
    failed = [e for e in events if isinstance(e, FileFailed)]
    assert [e.path.name for e in failed] == ["facilities.pdf"] and "stored text is kept" in failed[0].message

    assert [d.id for d in engine.library.stale_documents()] == [gone]
    docs = {d.id: d for d in engine.library.documents()}
    assert docs[labels].extractor == EXTRACTOR_VERSION and docs[labels].page_labels[5] == "2"
    assert docs[gone].chunks == 1, "a document that cannot be read again keeps its text"
    found = engine.search("How often is the filter flushed?", mode="bm25")
    assert found.sources[0].first.document_id == pump and "filter is flushed" in found.sources[0].text
    again = list(engine.library.refresh())
    assert [type(e).__name__ for e in again] == ["FileStarted", "FileFailed"]


def test_a_table_row_answers_with_its_own_cells_highlighted_and_shown_as_a_table(engine: Engine,
                                                                                  tmp_path: Path) -> None:
    index_one(engine, pdfs.table_pdf(tmp_path / "risks.pdf"))
    use_fake_model(engine, "With a fixed-price contract [1].")
    answer = final(engine.ask("How is the risk from Borel Plastics mitigated?"))
    quote = answer.evidence[0]
    borel = pdfs.TABLE_ROWS[1]
    assert quote.quote == "; ".join(f"{h}: {v}" for h, v in zip(pdfs.TABLE_HEADER, borel, strict=True))
    assert quote.table == [pdfs.TABLE_HEADER, borel]
    assert "end of March" not in quote.quote
    (x0, y0, x1, y1), = [r[1:] for r in quote.rects]
    assert (x0, x1) == (72, 523) and 180 <= y0 < y1 <= 220, "the Borel row's own box"
    chunk = answer.citations[0] if answer.citations else answer.related[0]
    assert all(line.count("Supplier: ") == 1 for line in chunk.passage.splitlines() if "Risk: " in line)


def test_the_command_line_reads_old_documents_again_before_answering(tmp_path: Path) -> None:
    home = tmp_path / "home"
    pdf = pdfs.ligatures_pdf(tmp_path / "pump.pdf")
    assert run_cli(home, "index", str(pdf)).returncode == 0
    with sqlite3.connect(library_db(home)) as db:
        db.execute("UPDATE documents SET extractor = 1")
        db.execute("UPDATE chunks SET text = 'The inlet \ufb01lter is \ufb02ushed every Friday'")
    done = run_cli(home, "ask", "--quotes-only", "--mode", "bm25", "How often is the filter flushed?")
    assert done.returncode == 0, done.stderr
    assert "1 document(s) were indexed by an older version" in done.stderr
    assert "read again: pump.pdf" in done.stderr and "1 read again, 0 could not be read again" in done.stderr
    assert "filter is flushed every Friday" in done.stdout
    again = run_cli(home, "ask", "--quotes-only", "--mode", "bm25", "How often is the filter flushed?")
    assert "older version" not in again.stderr


def test_quotes_and_citations_of_a_scanned_page_say_its_text_was_read_by_ocr(engine: Engine, tmp_path: Path) -> None:
    index_one(engine, pdfs.scan_pdf(tmp_path / "scan.pdf"))
    engine.update_settings(quotes_only=True)
    answer = final(engine.ask("When did the harbour master inspect the northern breakwater?"))
    quote = answer.evidence[0]
    assert "Tuesday" in quote.quote and quote.where() == "p. 2, text read by OCR"
    shown = answer.citations + answer.related
    assert shown and all(c.where() == "p. 2, text read by OCR" for c in shown if c.page == 2)
