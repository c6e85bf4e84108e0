"""Extraction in a worker process: text with positions, and a clear message for every bad file."""

import os
import signal
import sys
import time
from pathlib import Path

import pymupdf
import pytest

from desktop_app.cancel import Cancelled, CancelToken
from desktop_app.errors import DocumentError
from desktop_app.indexer.chunking import chunk_document
from desktop_app.indexer.extract import PdfExtractor
from support.pdfs import corrupt_pdf, empty_pdf, encrypted_pdf, garbled_pdf, harbour_report, not_a_pdf, scanned_pdf


def words(text: str) -> set[str]:
    return {w.strip(".,;:()[]'\"").lower() for w in text.split() if len(w) > 3}


def test_chunk_positions_map_back_to_the_text_on_their_page(extractor: PdfExtractor, guide_pdf: Path) -> None:
    doc = extractor.extract(guide_pdf, None, CancelToken())
    _, chunks = chunk_document(doc.blocks, doc.page_count)
    pdf = pymupdf.open(guide_pdf)
    checked = 0
    for chunk in chunks[::25]:
        body = chunk.text[chunk.overlap:]
        on_page = " ".join(pdf[int(p[0]) - 1].get_textbox(pymupdf.Rect(p[1:])) for p in chunk.positions)
        found = words(body) & words(on_page)
        assert len(found) >= 0.8 * len(words(body)), (chunk.pages, body[:80])
        checked += 1
    assert checked >= 10


def test_generated_report_keeps_headings_and_pages(tmp_path: Path, extractor: PdfExtractor) -> None:
    doc = extractor.extract(harbour_report(tmp_path / "report.pdf"), None, CancelToken())
    assert doc.title == "Harbour Survey Report" and doc.page_count == 3
    sections, chunks = chunk_document(doc.blocks, doc.page_count)
    assert [s.title for s in sections] == ["Harbour Survey 2031", "Tide Gauges", "Dredging"]
    gauge = next(c for c in chunks if "TG-7" in c.text)
    assert gauge.pages == [2]


@pytest.mark.parametrize(
    ("make", "reason", "words_in_message"),
    [
        (not_a_pdf, "not_pdf", "not a PDF"),
        (corrupt_pdf, "corrupt", "damaged"),
        (empty_pdf, "empty", "no pages"),
        (scanned_pdf, "scanned", "no text layer"),
        (garbled_pdf, "garbled", "unreadable text"),
        (lambda p: encrypted_pdf(p, "s3cret"), "encrypted", "--password"),
    ],
)
def test_bad_files_get_a_clear_reason(tmp_path: Path, extractor: PdfExtractor, make, reason, words_in_message) -> None:
    path = make(tmp_path / "bad.pdf")
    with pytest.raises(DocumentError) as caught:
        extractor.extract(path, None, CancelToken())
    assert caught.value.reason == reason
    assert words_in_message in str(caught.value) and "bad.pdf" in str(caught.value)


def test_encrypted_pdf_opens_with_its_password_only(tmp_path: Path, extractor: PdfExtractor) -> None:
    path = encrypted_pdf(tmp_path / "locked.pdf", "s3cret")
    assert extractor.extract(path, "s3cret", CancelToken()).page_count == 3
    with pytest.raises(DocumentError) as caught:
        extractor.extract(path, "wrong", CancelToken())
    assert caught.value.reason == "bad_password"


def test_truncated_pdf_is_read_as_far_as_possible_or_refused(tmp_path: Path, extractor: PdfExtractor,
                                                             guide_pdf: Path) -> None:
    data = guide_pdf.read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 3])
    try:
        doc = extractor.extract(path, None, CancelToken())
    except DocumentError as exc:
        assert exc.reason in {"corrupt", "scanned", "empty"}
    else:
        assert doc.blocks and any("damaged" in w for w in doc.warnings)


def test_a_worker_past_its_time_limit_is_killed_and_the_next_file_works(tmp_path: Path, guide_pdf: Path) -> None:
    slow = PdfExtractor(timeout_s=0.05)
    try:
        with pytest.raises(DocumentError) as caught:
            slow.extract(guide_pdf, None, CancelToken())
        assert caught.value.reason == "timeout"
        slow.timeout_s = 60
        assert slow.extract(harbour_report(tmp_path / "ok.pdf"), None, CancelToken()).page_count == 3
    finally:
        slow.close()


def test_a_cancel_while_pages_keep_arriving_stops_at_the_next_page(extractor: PdfExtractor, guide_pdf: Path,
                                                                    tmp_path: Path) -> None:
    """The reader goes on reading while the caller embeds the first pages; a cancel then must not wait for every
    page it has sent already (reading the 234-page beamer guide went on for 33 s after a cancel)."""
    cancel = CancelToken()
    steps = extractor.reading(guide_pdf, None, cancel)
    first = next(steps)
    assert first.done >= 1
    assert extractor._reader is not None
    waiting = extractor._reader._args[1]  # type: ignore[attr-defined]  # the pages received, not yet taken
    deadline = time.monotonic() + 60
    while waiting.qsize() < 3 and time.monotonic() < deadline:  # the worker sends pages meanwhile, as it does
        time.sleep(0.05)                                         # while the caller embeds
    assert waiting.qsize() >= 3
    cancel.cancel()
    with pytest.raises(Cancelled):
        next(steps)
    assert extractor.extract(harbour_report(tmp_path / "next.pdf"), None, CancelToken()).page_count == 3


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal to the worker")
def test_ctrl_c_in_the_terminal_does_not_kill_the_reader(tmp_path: Path, extractor: PdfExtractor) -> None:
    """Ctrl-C signals the whole process group; the app cancels its job, and the reader must not die and make a
    good file look like one that crashes it."""
    assert extractor.extract(harbour_report(tmp_path / "one.pdf"), None, CancelToken()).page_count == 3
    worker = extractor._process
    assert worker is not None and worker.pid is not None
    os.kill(worker.pid, signal.SIGINT)
    time.sleep(0.5)
    assert worker.is_alive()
    assert extractor.extract(harbour_report(tmp_path / "two.pdf"), None, CancelToken()).page_count == 3
    assert extractor._process is worker, "the same reader served the next file"
