"""Indexing into the library: incremental, atomic per file, cancellable, with a rebuildable HNSW cache."""

import shutil
from pathlib import Path

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine import (
    Cancelled,
    Engine,
    FileFailed,
    FileIndexed,
    FileProgress,
    FileSkipped,
    InputError,
    NotFoundError,
)
from support.library import FAST, index_all
from support.pdfs import corrupt_pdf, encrypted_pdf, garden_notes, harbour_report, not_a_pdf, scanned_pdf


def row_counts(engine: Engine) -> dict[str, int]:
    tables = ("documents", "sections", "chunks", "vectors", "chunks_fts")
    return {t: engine._rt.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_bad_files_are_reported_and_good_ones_in_the_same_run_are_indexed(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    harbour_report(folder / "a-report.pdf")
    corrupt_pdf(folder / "b-corrupt.pdf")
    scanned_pdf(folder / "c-scan.pdf")
    encrypted_pdf(folder / "d-locked.pdf", "pw")
    garden_notes(folder / "e-garden.pdf")
    not_a_pdf(tmp_path / "notes.pdf")
    indexed, failed = index_all(engine, [folder, tmp_path / "notes.pdf"])
    assert sorted(e.path.name for e in indexed) == ["a-report.pdf", "e-garden.pdf"]
    reasons = {e.path.name: e.reason for e in failed}
    assert reasons == {"b-corrupt.pdf": "corrupt", "c-scan.pdf": "scanned", "d-locked.pdf": "encrypted",
                       "notes.pdf": "not_pdf"}
    assert all(e.message for e in failed)
    counts = row_counts(engine)
    assert counts["documents"] == 2 and counts["chunks"] == counts["vectors"] == counts["chunks_fts"] > 0


def test_readding_is_a_no_op_and_a_changed_file_replaces_its_chunks(engine: Engine, tmp_path: Path) -> None:
    path = harbour_report(tmp_path / "report.pdf")
    index_all(engine, [path])
    before, version = row_counts(engine), engine._rt.store.version()
    events = list(engine.library.index([path]))
    assert any(isinstance(e, FileSkipped) for e in events)
    assert row_counts(engine) == before and engine._rt.store.version() == version

    garden_notes(path)  # same path, new content
    indexed, _ = index_all(engine, [path])
    assert indexed[0].replaced
    docs = engine.library.documents()
    assert len(docs) == 1 and docs[0].title == "Greenhouse Notes"
    assert row_counts(engine)["chunks"] == row_counts(engine)["vectors"] == row_counts(engine)["chunks_fts"]
    texts = " ".join(text for _, text in engine._rt.store.iter_chunk_texts())
    assert "Tomato" in texts and "TG-7" not in texts
    assert engine._rt.store.keyword_search("breakwater gauge", 5) == []
    assert engine.search("breakwater tide gauge calibration").sources == [] or all(
        "TG-7" not in s.text for s in engine.search("breakwater tide gauge calibration").sources)


def test_removing_a_document_removes_its_chunks_vectors_and_keyword_rows(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "report.pdf"), garden_notes(tmp_path / "garden.pdf")])
    report = engine.library.find("report.pdf")
    engine.library.remove(report.id)
    assert [d.title for d in engine.library.documents()] == ["Greenhouse Notes"]
    counts = row_counts(engine)
    assert counts["chunks"] == counts["vectors"] == counts["chunks_fts"] == engine.library.documents()[0].chunks
    assert engine._rt.store.keyword_search("dredger Kestrel", 5) == []
    hits = engine._rt.vectors.search(engine._rt.embedder.encode(["dredger Kestrel silt"])[0], 10)
    remaining = {row.id for row in engine._rt.store.chunks([cid for cid, _ in hits])}
    assert remaining == {cid for cid, _ in hits}


def test_hnsw_index_is_rebuilt_from_sqlite_when_its_files_are_lost(data_home: Path, tmp_path: Path) -> None:
    first = Engine(data_home, FAST)
    index_all(first, [harbour_report(tmp_path / "report.pdf")])
    expected = [s.first.id for s in first.search("Which gauge model is on the northern breakwater?").sources]
    first.close()
    shutil.rmtree(data_home / "index")
    second = Engine(data_home, FAST)
    try:
        result = second.search("Which gauge model is on the northern breakwater?", mode="dense")
        assert second._rt.vectors.rebuilt
        assert second._rt.vectors.count() == row_counts(second)["vectors"]
        assert result.sources and result.sources[0].first.page_start == 2
        again = second.search("Which gauge model is on the northern breakwater?")
        assert [s.first.id for s in again.sources] == expected
    finally:
        second.close()


def test_hnsw_index_out_of_step_with_sqlite_is_rebuilt(data_home: Path, tmp_path: Path) -> None:
    first = Engine(data_home, FAST)
    index_all(first, [harbour_report(tmp_path / "report.pdf")])
    first.close()
    meta = next((data_home / "index").glob("*.json"))
    meta.write_text(meta.read_text().replace('"version": ', '"version": 99'))
    second = Engine(data_home, FAST)
    try:
        second.search("dredging")
        assert second._rt.vectors.rebuilt
    finally:
        second.close()


def test_cancelling_during_embedding_stores_nothing_of_that_file(engine: Engine, tmp_path: Path,
                                                                  guide_pdf: Path) -> None:
    big = tmp_path / "big.pdf"
    shutil.copy(guide_pdf, big)
    token = CancelToken()
    with pytest.raises(Cancelled):
        for event in engine.library.index([big], cancel=token):
            if isinstance(event, FileProgress) and event.stage == "embedding" and event.done > 0:
                token.cancel()
    assert row_counts(engine) == {"documents": 0, "sections": 0, "chunks": 0, "vectors": 0, "chunks_fts": 0}
    indexed, _ = index_all(engine, [harbour_report(tmp_path / "after.pdf")])
    assert len(indexed) == 1


def test_indexing_reports_progress_events(engine: Engine, tmp_path: Path) -> None:
    events = list(engine.library.index([harbour_report(tmp_path / "report.pdf")]))
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "FileStarted" and kinds[-1] == "FileIndexed"
    assert any(isinstance(e, FileProgress) and e.stage == "embedding" for e in events)
    assert not any(isinstance(e, FileFailed) for e in events)
    assert isinstance(events[-1], FileIndexed) and events[-1].chunks >= 3


def test_a_file_name_two_documents_share_is_not_guessed(engine: Engine, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Two "report.pdf" in different folders: acting on either by that name alone would be a guess (removing
    the wrong one); the whole path, a path relative to the working folder, or the id says which."""
    first, second = tmp_path / "harbour" / "report.pdf", tmp_path / "garden" / "report.pdf"
    first.parent.mkdir()
    second.parent.mkdir()
    index_all(engine, [harbour_report(first), garden_notes(second)])
    with pytest.raises(InputError, match=r"2 documents match 'report.pdf': \d+ \(.*harbour.*\); \d+ \(.*garden"):
        engine.library.find("report.pdf")
    assert engine.library.find(str(second)).title == "Greenhouse Notes"
    monkeypatch.chdir(tmp_path)
    assert engine.library.find("harbour/report.pdf").title == "Harbour Survey Report"
    doc = engine.library.find("Greenhouse Notes")
    assert engine.library.find(str(doc.id)) == doc
    assert len(engine.library.documents()) == 2, "nothing was removed or changed by the lookups"


def test_a_file_name_is_found_in_any_unicode_form_and_white_space_kind(engine: Engine, tmp_path: Path) -> None:
    decomposed = tmp_path / "cafe\u0301\u00a0report.pdf"  # "café report.pdf" as macOS writes it, with a no-break space
    index_all(engine, [harbour_report(decomposed)])
    doc = engine.library.find("café report.pdf")
    assert Path(doc.path).name == decomposed.name
    assert engine.library.find("  café   report.pdf ") == doc
    with pytest.raises(NotFoundError):
        engine.library.find("cafe report.pdf")
    assert engine.library.remove(doc.id) == doc and engine.library.documents() == []
