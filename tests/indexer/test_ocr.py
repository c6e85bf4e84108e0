"""OCR of scanned pages: text comes back from page images, and a clear message when OCR is not installed.

``./dev test`` installs Tesseract with English and Korean data, so these tests
expect both. A scan is made like a scanner makes it: a page rendered at 200 DPI
and put into a new PDF as one image, with no text layer.
"""

from pathlib import Path

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.errors import DocumentError
from desktop_app.indexer import ocr
from desktop_app.indexer.extract import PdfExtractor
from support.fidelity_pdfs import ENGLISH, KOREAN, TYPED, fully_scanned_pdf, scan_pdf
from support.pdfs import scanned_pdf


def squeezed(text: str) -> str:
    """Text without spaces: Tesseract's Korean word spacing is unreliable and MuPDF drops it."""
    return "".join(text.split())


def test_tesseract_data_for_english_and_korean_is_found() -> None:
    folder = ocr.tessdata()
    assert folder is not None
    assert ocr.ocr_languages(folder) == ["eng", "kor"]
    assert ocr.ocr_languages(str(Path(folder) / "missing")) == []


def test_scanned_page_is_read_by_ocr(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = extractor.extract(scan_pdf(tmp_path / "scan.pdf"), None, CancelToken())
    assert doc.ocr_pages == [2]
    assert "page 2 was read by OCR; check quotes against the page image" in doc.warnings
    assert TYPED in " ".join(b.text for b in doc.blocks if b.page == 1)
    scanned = [b for b in doc.blocks if b.page == 2]
    text = " ".join(b.text for b in scanned)
    assert set(ENGLISH.split()) <= set(text.split()), text
    assert squeezed(KOREAN) in squeezed(text), text


def test_ocr_blocks_are_in_page_points_where_the_text_was_drawn(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = extractor.extract(fully_scanned_pdf(tmp_path / "scan.pdf"), None, CancelToken())
    assert doc.ocr_pages == [1]
    english = next(b for b in doc.blocks if "breakwater" in b.text)
    x0, y0, x1, y1 = english.bbox
    assert 68 < x0 < 76 and 105 < y0 < 120 < y1 < 126, english.bbox
    assert 9 <= english.size <= 15 and not english.bold


def test_scan_without_ocr_gets_the_install_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DESKTOP_APP_NO_OCR=1 turns OCR off in this process and in the worker it spawns."""
    monkeypatch.setenv(ocr.NO_OCR_ENV, "1")
    assert ocr.tessdata() is None
    without = PdfExtractor()
    try:
        with pytest.raises(DocumentError) as caught:
            without.extract(fully_scanned_pdf(tmp_path / "scan.pdf"), None, CancelToken())
        mixed = without.extract(scan_pdf(tmp_path / "mixed.pdf"), None, CancelToken())
    finally:
        without.close()
    assert caught.value.reason == "scanned"
    message = str(caught.value)
    assert "no text layer" in message and "OCR is not installed" in message
    assert "apt install tesseract-ocr tesseract-ocr-eng tesseract-ocr-kor" in message and "README" in message
    assert mixed.ocr_pages == [] and {b.page for b in mixed.blocks} == {1}
    assert "page 2 has no text layer (scanned?); OCR is not installed (see the README)" in mixed.warnings


def test_scan_with_no_text_in_its_image_says_ocr_found_nothing(tmp_path: Path, extractor: PdfExtractor) -> None:
    with pytest.raises(DocumentError) as caught:
        extractor.extract(scanned_pdf(tmp_path / "blank.pdf"), None, CancelToken())
    assert caught.value.reason == "scanned"
    assert "OCR found no text" in str(caught.value) and "not installed" not in str(caught.value)
