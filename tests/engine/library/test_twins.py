"""The same file under two names: one document whose content stays while any of its names does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop_app.engine import Engine, FileSkipped, NotFoundError
from support.library import index_all
from support.pdfs import garden_notes, harbour_report

QUESTION = "Which gauge model is on the northern breakwater?"


def twins(engine: Engine, folder: Path) -> tuple[Path, Path, list[FileSkipped]]:
    first = harbour_report(folder / "a.pdf")
    second = folder / "a (1).pdf"
    shutil.copy(first, second)
    indexed, _ = index_all(engine, [first])
    assert len(indexed) == 1
    skipped = [e for e in engine.library.index([second]) if isinstance(e, FileSkipped)]
    return first, second, skipped


def chunk_rows(engine: Engine) -> tuple[int, int, int]:
    db = engine._rt.db
    return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("chunks", "vectors", "chunks_fts"))


def test_the_skip_names_the_twin_and_records_the_new_name(engine: Engine, tmp_path: Path) -> None:
    first, second, skipped = twins(engine, tmp_path)
    assert [e.reason for e in skipped] == ["same content as a.pdf, already indexed"]
    [doc] = engine.library.documents()
    assert doc.path == str(first) and doc.names == (str(first), str(second)) and doc.other_names == (str(second),)
    again = [e.reason for e in engine.library.index([second]) if isinstance(e, FileSkipped)]
    assert again == ["already indexed"]
    assert engine.library.find("a (1).pdf") == doc


def test_removing_one_name_keeps_the_content_for_the_other(engine: Engine, tmp_path: Path) -> None:
    first, second, _ = twins(engine, tmp_path)
    doc = engine.library.find("a.pdf")
    rows = chunk_rows(engine)
    copy = engine._rt.copies.path_for(doc.sha256)
    assert copy.exists()

    assert engine.library.remove(str(first)) == doc
    [kept] = engine.library.documents()
    assert kept.id == doc.id and kept.path == str(second) and kept.names == (str(second),)
    assert chunk_rows(engine) == rows and copy.exists()
    sources = engine.search(QUESTION).sources
    assert sources and sources[0].first.document_path == str(second)
    with pytest.raises(NotFoundError):
        engine.library.find("a.pdf")

    engine.library.remove(str(second))
    assert engine.library.documents() == [] and chunk_rows(engine) == (0, 0, 0) and not copy.exists()


def test_removing_by_id_removes_the_document_with_all_its_names(engine: Engine, tmp_path: Path) -> None:
    twins(engine, tmp_path)
    doc = engine.library.find("a (1).pdf")
    engine.library.remove(doc.id)
    assert engine.library.documents() == [] and chunk_rows(engine) == (0, 0, 0)
    assert not engine._rt.copies.path_for(doc.sha256).exists()
    assert engine._rt.db.execute("SELECT count(*) FROM document_names").fetchone()[0] == 0


def test_a_name_is_found_in_any_unicode_form_and_which_name_is_meant(engine: Engine, tmp_path: Path) -> None:
    original = harbour_report(tmp_path / "report.pdf")
    copy = tmp_path / "cafe\u0301\u00a0report.pdf"  # decomposed accent and a no-break space
    shutil.copy(original, copy)
    index_all(engine, [original, copy])
    doc, name = engine.library.find_name("café report.pdf")
    assert name == str(copy) and doc.names == (str(original), str(copy))
    assert engine.library.find_name(str(doc.id)) == (doc, str(original))
    assert engine.library.find_name("Harbour Survey Report") == (doc, str(original))


def test_a_changed_file_under_one_name_keeps_the_old_content_for_the_other(engine: Engine, tmp_path: Path) -> None:
    first, second, _ = twins(engine, tmp_path)
    old = engine.library.find("a.pdf")
    garden_notes(first)  # a.pdf changes; a (1).pdf still holds the harbour report
    indexed, _ = index_all(engine, [first])
    assert len(indexed) == 1
    by_title = {d.title: d for d in engine.library.documents()}
    assert by_title["Harbour Survey Report"].id == old.id and by_title["Harbour Survey Report"].names == (str(second),)
    assert by_title["Greenhouse Notes"].names == (str(first),)
    assert engine._rt.copies.path_for(old.sha256).exists()
    assert any("TG-7" in s.text for s in engine.search(QUESTION).sources)

    shutil.copy(first, second)  # now the copy holds the new bytes too: its name moves, the old content goes
    skipped = [e.reason for e in engine.library.index([second]) if isinstance(e, FileSkipped)]
    assert skipped == ["same content as a.pdf, already indexed"]
    [doc] = engine.library.documents()
    assert doc.title == "Greenhouse Notes" and doc.names == (str(first), str(second))
    assert not engine._rt.copies.path_for(old.sha256).exists()
    chunks, vectors, keywords = chunk_rows(engine)
    assert chunks == vectors == keywords == doc.chunks
    assert engine._rt.store.keyword_search("breakwater gauge", 5) == []
