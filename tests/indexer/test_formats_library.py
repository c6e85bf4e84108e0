"""Office and text documents through the real engine: indexed beside PDFs, found by search, cited by their
natural place (slide, sheet and cells, heading), shown from their rendered pages (issue: formats)."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from desktop_app.engine import Engine
from desktop_app.engine.answering.citations import citation_for
from desktop_app.engine.answering.evidence import EvidenceSelector
from support import office_files as office
from support.library import index_all
from support.pdfs import harbour_report

QUESTIONS = {
    "docx": "How often is the inlet pump of the Kestrel plant greased?",
    "pptx": "When are filter cartridges at the Marlow depot swapped?",
    "xlsx": "What does Oakridge Valves cost?",
    "html": "When are the harbour crane brakes tested?",
    "md": "How often do backup generators at the Linden site run a load test?",
    "txt": "What do visitors to the Holloway archive sign?",
}


def folder_of_every_kind(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for kind, write in office.WRITERS.items():
        write(folder / f"plant.{kind}")
    harbour_report(folder / "harbour.pdf")
    return folder


def test_every_kind_is_indexed_searched_and_cited_by_its_place(engine: Engine, tmp_path: Path) -> None:
    folder = folder_of_every_kind(tmp_path)
    indexed, failed = index_all(engine, [folder])
    assert not failed and len(indexed) == 7
    formats = {Path(d.path).suffix[1:]: d.format for d in engine.library.documents()}
    assert formats == {"docx": "docx", "pptx": "pptx", "xlsx": "xlsx", "html": "html", "md": "md", "txt": "txt",
                       "pdf": "pdf"}
    places = {}
    for kind, question in QUESTIONS.items():
        sources = engine.search(question).sources
        best = next(s for s in sources if s.first.document_path.endswith(f"plant.{kind}"))
        assert office.SENTENCES[kind] in best.text, (kind, best.text)
        places[kind] = citation_for(best).where()
    assert places["pptx"] == "slide 2"
    assert places["xlsx"] == "sheet Budget, A4:C7"
    assert places["docx"] == places["html"] == places["md"] == f"\u00a7 {office.HEADING}"
    assert places["txt"] == "rendered p. 1"  # plain text has no headings
    pdf = citation_for(next(s for s in engine.search("dredger Kestrel silt").sources
                            if s.first.document_path.endswith("harbour.pdf")))
    assert pdf.where() == "p. 3" and pdf.place == ""
    assert citation_for(engine.search(QUESTIONS["pptx"]).sources[0]).to_dict()["place"] == "slide 2"


def test_a_quoted_spreadsheet_row_names_its_cells(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [office.xlsx_file(tmp_path / "budget.xlsx")])
    sources = engine.search("Oakridge Valves part cost").sources
    quotes = EvidenceSelector(engine._rt.embedder.encode, floor=0.0).select("What does Oakridge Valves cost?",
                                                                           sources)
    row = next(q for q in quotes if "Oakridge Valves" in q.quote)
    assert row.table[0] == ["Cells", "Supplier", "Item", "Cost"]
    assert row.where() == "sheet Budget, A4:C4" and row.rects


def test_the_viewer_shows_the_rendered_page_with_the_passage_highlighted(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [office.pptx_file(tmp_path / "deck.pptx")])
    doc = engine.library.documents()[0]
    kept = engine._rt.copies.path_for(doc.sha256)
    assert kept.read_bytes().startswith(b"%PDF-") and doc.page_labels == ("slide 1", "slide 2", "slide 3")
    citation = citation_for(engine.search(QUESTIONS["pptx"]).sources[0])
    image = engine.library.render_page(doc.id, citation.page, 1.0, citation.positions)
    assert image.page == 2 and image.png.startswith(b"\x89PNG") and image.highlights
    assert image.source_path == str(kept) and not image.message
    with pymupdf.open(kept) as pdf:
        assert office.SENTENCES["pptx"] in pdf[1].get_text()


def test_damaged_files_are_reported_and_the_library_is_left_intact(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    before = engine.library.documents()
    bad = tmp_path / "bad"
    bad.mkdir()
    data = office.docx_file(tmp_path / "whole.docx").read_bytes()
    (bad / "cut.docx").write_bytes(data[:300])
    (bad / "cut.pptx").write_bytes(b"PK\x03\x04")
    (bad / "cut.xlsx").write_bytes(b"\x00" * 64)
    (bad / "empty.md").write_text("   \n")
    other = tmp_path / "minutes.odt"
    other.write_bytes(b"PK\x03\x04")
    _, failed = index_all(engine, [bad, other])
    reasons = {e.path.name: (e.reason, e.message) for e in failed}
    assert {name: r for name, (r, _) in reasons.items()} == {
        "cut.docx": "corrupt", "cut.pptx": "corrupt", "cut.xlsx": "corrupt", "empty.md": "no_text",
        "minutes.odt": "unsupported"}
    assert reasons["cut.xlsx"][1].startswith("cut.xlsx is damaged and could not be read (not an Excel workbook")
    assert "it reads PDF, Word (.docx), PowerPoint (.pptx)" in reasons["minutes.odt"][1]
    assert [d.id for d in engine.library.documents()] == [d.id for d in before]
    assert engine.search("dredger Kestrel silt").sources
