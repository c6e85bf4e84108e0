"""Office and text documents (DOCX, PPTX, XLSX, HTML, Markdown, text) read as PDFs are: rendered in the
worker, with headings, lists and table rows kept, pages labelled by slide or sheet (issue: formats).

The files are made by ``support.office_files``: DOCX and PPTX written as Office Open XML with zipfile,
XLSX with openpyxl.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.errors import DocumentError
from desktop_app.indexer.chunking import chunk_document
from desktop_app.indexer.extract import ExtractedDocument, PdfExtractor
from desktop_app.indexer.formats import format_of
from desktop_app.indexer.pipeline import expand_paths
from desktop_app.indexer.sheets import cell_range, shown
from support import office_files as office

ROWS = ("Supplier: Acme Pumps; Risk: Late delivery; Mitigation: Second source",
        "Supplier: Borel Plastics; Risk: Price linked to oil; Mitigation: Fixed-price contract")


def read(extractor: PdfExtractor, path: Path) -> ExtractedDocument:
    return extractor.extract(path, None, CancelToken())


@pytest.mark.parametrize("kind", ["docx", "pptx", "html", "md"])
def test_headings_lists_and_table_rows_are_kept(tmp_path: Path, extractor: PdfExtractor, kind: str) -> None:
    doc = read(extractor, office.WRITERS[kind](tmp_path / f"plant.{kind}"))
    assert doc.format == kind and doc.rendered.startswith(b"%PDF-")
    sections, chunks = chunk_document(doc.blocks, doc.page_count)
    titles = [s.title for s in sections]
    assert office.HEADING in titles and office.SECOND_HEADING in titles
    text = "\n".join(c.text for c in chunks)
    assert office.SENTENCES[kind] in text
    for bullet in office.BULLETS:
        assert f"\u2022 {bullet}" in text or f"\u2022  {bullet}" in text, (bullet, text)
    tables = [c for c in chunks if c.kind == "table"]
    assert [line for c in tables for line in c.text.split("\n")] == list(ROWS)
    risks = next(s for s in sections if s.title == office.SECOND_HEADING)
    assert all(c.section_ord == risks.ord for c in tables)


def test_slides_are_pages_in_the_presentation_order_labelled_by_number(tmp_path: Path,
                                                                       extractor: PdfExtractor) -> None:
    doc = read(extractor, office.pptx_file(tmp_path / "deck.pptx"))
    assert doc.page_count == 3 and doc.page_labels == ["slide 1", "slide 2", "slide 3"]
    pages = {b.page for b in doc.blocks if office.SENTENCES["pptx"] in b.text}
    assert pages == {2}  # slide2 in the order of presentation.xml, though its part is slide3.xml
    assert {b.page for b in doc.blocks if b.table} == {3}


def test_sheets_start_pages_named_after_them_and_rows_name_their_cells(tmp_path: Path,
                                                                       extractor: PdfExtractor) -> None:
    doc = read(extractor, office.xlsx_file(tmp_path / "budget.xlsx"))
    assert doc.page_labels == ["Notes", "Budget"]
    sections, chunks = chunk_document(doc.blocks, doc.page_count)
    assert [s.title for s in sections] == ["Notes", "Budget"]
    rows = [line for c in chunks if c.kind == "table" for line in c.text.split("\n")]
    assert rows[0] == "Cells: A4:C4; Supplier: Oakridge Valves; Item: part 1; Cost: 1001"
    assert rows[-1] == "Cells: A7:C7; Supplier: Total; Cost: =SUM(C4:C6)"  # no saved value: the formula
    notes = next(c for c in chunks if c.kind == "text" and "Figures are in euros" in c.text)
    assert notes.pages == [1]
    assert "Supplier budget" in "\n".join(c.text for c in chunks if 2 in c.pages)


def test_a_long_sheet_repeats_its_header_on_every_page(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = read(extractor, office.xlsx_file(tmp_path / "long.xlsx", rows=95))
    assert doc.page_labels == ["Notes", "Budget", "Budget", "Budget"]
    _, chunks = chunk_document(doc.blocks, doc.page_count)
    rows = [line for c in chunks if c.kind == "table" for line in c.text.split("\n")]
    assert len(rows) == 96 and all(r.startswith("Cells: A") and "; Supplier: " in r for r in rows[:-1])
    last_page = [c for c in chunks if c.kind == "table" and c.pages == [4]]
    assert cell_range(last_page[0].text.split("\n")).startswith("A84:C")


def test_plain_text_keeps_its_paragraphs(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = read(extractor, office.text_file(tmp_path / "rules.txt"))
    assert [b.text for b in doc.blocks] == ["Archive rules", office.SENTENCES["txt"] + " Pens are provided.",
                                            "Bags stay in the lockers."]


def test_the_rendered_pdf_carries_its_labels_and_title(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = read(extractor, office.html_file(tmp_path / "crane.html"))
    assert doc.title == "Crane manual"
    again = tmp_path / "again.pdf"
    again.write_bytes(read(extractor, office.pptx_file(tmp_path / "deck.pptx")).rendered)
    copy = read(extractor, again)  # the kept copy, read again later, gives the same places
    assert copy.format == "pdf" and copy.page_labels == ["slide 1", "slide 2", "slide 3"]


def corrupt(kind: str, path: Path) -> Path:
    """A damaged file of each kind: a cut zip, a package missing its main part, or no text at all."""
    if kind == "docx":
        data = office.docx_file(path).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "pptx":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
    elif kind == "xlsx":
        path.write_bytes(b"PK\x03\x04 not really a workbook")
    else:
        path.write_bytes(b"\n\n  \n")
    return path


@pytest.mark.parametrize(("kind", "reason", "words"), [
    ("docx", "corrupt", "is damaged and could not be read (not a Word document"),
    ("pptx", "corrupt", "is damaged and could not be read (KeyError"),
    ("xlsx", "corrupt", "is damaged and could not be read (not an Excel workbook"),
    ("html", "no_text", "holds no text to index"),
    ("md", "no_text", "holds no text to index"),
    ("txt", "no_text", "holds no text to index"),
])
def test_a_damaged_file_gets_a_clear_reason(tmp_path: Path, extractor: PdfExtractor, kind: str, reason: str,
                                            words: str) -> None:
    path = corrupt(kind, tmp_path / f"bad.{kind}")
    with pytest.raises(DocumentError) as caught:
        read(extractor, path)
    assert caught.value.reason == reason
    assert str(caught.value).startswith(f"bad.{kind} {words}"), str(caught.value)
    assert read(extractor, office.text_file(tmp_path / "next.txt")).page_count == 1  # the worker goes on


def test_a_password_protected_office_file_says_so(tmp_path: Path, extractor: PdfExtractor) -> None:
    path = tmp_path / "locked.xlsx"  # Office saves an encrypted workbook as an OLE compound file, not a zip
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    with pytest.raises(DocumentError) as caught:
        read(extractor, path)
    assert caught.value.reason == "office_protected"
    assert str(caught.value).startswith("locked.xlsx is password-protected (or in the old binary Office format)")


def test_an_unknown_kind_is_refused_with_the_kinds_that_are_read(tmp_path: Path, extractor: PdfExtractor) -> None:
    path = tmp_path / "minutes.odt"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(DocumentError) as caught:
        read(extractor, path)
    assert caught.value.reason == "unsupported"
    assert "minutes.odt is not a kind of file this app reads" in str(caught.value)
    assert "Word (.docx)" in str(caught.value) and "Excel (.xlsx)" in str(caught.value)


def test_folders_yield_every_kind_read_and_no_office_lock_files(tmp_path: Path) -> None:
    for kind, write in office.WRITERS.items():
        write(tmp_path / f"a.{kind}")
    (tmp_path / "~$a.docx").write_bytes(b"lock")
    (tmp_path / "b.odt").write_bytes(b"PK")
    (tmp_path / "report").write_bytes(b"%PDF-1.7\n")
    names = [p.name for p in expand_paths([tmp_path])]
    assert sorted(names) == sorted(f"a.{k}" for k in office.WRITERS)
    assert format_of(tmp_path / "report") == "pdf" and format_of(tmp_path / "b.odt") is None


def test_cell_values_are_shown_as_a_spreadsheet_shows_them() -> None:
    import datetime as dt

    assert [shown(3.0), shown(2.5), shown(0.125, "0.0%"), shown(True), shown(None)] == ["3", "2.5", "12.5%",
                                                                                       "TRUE", ""]
    assert shown(dt.datetime(2031, 3, 14)) == "2031-03-14"
    assert cell_range(["Cells: A4:C4; Supplier: x", "Cells: A9:C9; Supplier: y"]) == "A4:C9"
    assert cell_range(["B2:D2 | 5 | 6"]) == "B2:D2" and cell_range(["Supplier: x"]) == ""


def test_korean_text_in_utf8_and_in_cp949_is_read(tmp_path: Path, extractor: PdfExtractor) -> None:
    sentence = "흡입 펌프는 450시간마다 그리스를 바른다."
    markdown = tmp_path / "pump.md"
    markdown.write_text(f"# 펌프 정비\n\n{sentence}\n\n| 공급자 | 위험 |\n|---|---|\n| 에이크미 | 납기 지연 |\n",
                        encoding="utf-8")
    doc = read(extractor, markdown)
    sections, chunks = chunk_document(doc.blocks, doc.page_count)
    assert [s.title for s in sections] == ["펌프 정비"]
    assert sentence in chunks[0].text
    assert [c.text for c in chunks if c.kind == "table"] == ["공급자: 에이크미; 위험: 납기 지연"]
    legacy = tmp_path / "pump.txt"
    legacy.write_bytes(f"{sentence}\n\n정비 기록은 매주 검토한다.".encode("cp949"))
    assert sentence in [b.text for b in read(extractor, legacy).blocks]


def test_a_word_text_box_is_read_once_though_stored_twice() -> None:
    """Word stores a text box as DrawingML and again as a VML fallback (``mc:AlternateContent``)."""
    from xml.etree import ElementTree

    from desktop_app.indexer.office import paragraph_html

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = '<w:txbxContent><w:p><w:r><w:t>Box text</w:t></w:r></w:p></w:txbxContent>'
    paragraph = ElementTree.fromstring(
        f'<w:p xmlns:w="{w}" xmlns:mc="{mc}"><w:r><w:t>Before.</w:t></w:r><w:r><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing>{box}</w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>')
    assert paragraph_html(paragraph).count("Box text") == 1
