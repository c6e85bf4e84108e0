"""Run PDF extraction in a worker process and turn its output into checked pages.

Office and text documents (``formats.KINDS``) are rendered to PDF in the same
worker and read as that PDF; the rendered bytes come back with the pages, to be
kept as the document's private copy.

A worker that hangs past the time limit, dies in native code, or exceeds its
memory limit becomes a per-file ``DocumentError``; a fresh worker serves the
next file.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from desktop_app.cancel import CancelToken
from desktop_app.errors import DocumentError
from desktop_app.indexer import formats, ocr, pdf_worker
from desktop_app.indexer.quality import font_offset_garbling, garbled_share

EXTRACTOR_VERSION = 8  # 2: hidden text left out, reading order by columns, compatibility characters folded,
# every line-end hyphen kind joined, page labels kept, table rows with their header, scanned pages OCR'd.
# 3: the text of every page stored (``page_texts``), for exhaustive find.
# 4: Latin text a broken font encoding shifted into Hangul read back (``quality.unshift_spans``).
# 5: lines read in rows (a bullet before its item's text), each list item a block of its own.
# 6: footnotes chunked apart from the body text (chunk kind "note").
# 7: a Korean word broken by a line end joined where the document writes that syllable pair inside words.
# 8: word spaces from the gaps between glyphs where MuPDF finds none; lines given as blocks put into paragraphs;
# a line-end hyphen kept where the block writes that word with it ("kotex-logo").
# Documents stored by an older version are read again (``Indexer.refresh``).
PDF_MAGIC = b"%PDF-"
GARBLED_PAGE_SHARE = 0.3
SHIFTED_PAGE_SHARE = 0.05

MESSAGES = {
    "not_pdf": "is not a PDF file",
    "corrupt": "is damaged and could not be read",
    "encrypted": "is password-protected: index it again with its password (--password)",
    "bad_password": "is password-protected and the password given is wrong",
    "empty": "has no pages",
    "scanned": "has no text layer (a scanned document?) and OCR is not installed, so it cannot be searched: install "
               "Tesseract with English and Korean data (Linux: apt install tesseract-ocr tesseract-ocr-eng "
               "tesseract-ocr-kor; Windows: see the README) and index it again",
    "scanned_ocr": "has no text layer (a scanned document?) and OCR found no text in it, so it cannot be searched",
    "garbled": "gives unreadable text (broken font encoding); it was not indexed",
    "timeout": "has a page that took too long to read, so the file was skipped",
    "crashed": "made the PDF reader crash and was skipped",
    "too_large": "needs more memory to read than allowed and was skipped",
    "unreadable": "cannot be opened",
    "no_text": "holds no text to index",
    "office_protected": "is password-protected (or in the old binary Office format) and cannot be read: save it "
                        "without a password as .docx, .pptx or .xlsx and add it again",
}


def document_error(path: Path, reason: str, detail: str = "") -> DocumentError:
    message = f"{path.name} {MESSAGES[reason]}"
    if detail and reason in ("corrupt", "too_large"):
        message += f" ({detail[:200]})"
    return DocumentError(message, reason)


@dataclass(frozen=True)
class Block:
    page: int
    bbox: tuple[float, float, float, float]
    text: str
    size: float
    bold: bool
    table: str = ""  # "page.n" for a row of the n-th data table on that page (see ``tables``), else ""
    note: bool = False  # a footnote (``layout.mark_notes``)


@dataclass
class ExtractedDocument:
    title: str
    page_count: int
    blocks: list[Block]
    warnings: list[str] = field(default_factory=list)
    page_labels: list[str] = field(default_factory=list)  # one per page, or empty where all are the numbers
    ocr_pages: list[int] = field(default_factory=list)  # 1-based numbers of the pages whose text came from OCR
    format: str = "pdf"  # the file's kind, a value of ``formats.KINDS``
    rendered: bytes = b""  # the PDF a document of another format was rendered to (b"" for a PDF)


@dataclass
class PagesRead:
    """Where a worker's reading of one file stands: ``pages`` holds the raw records of pages 1..``done``.

    The records are ``pdf_worker.page_record``'s; ``checked_document`` turns them into blocks. The
    same object grows while the file is read, so a caller may chunk the pages read so far.
    """

    done: int
    total: int
    kind: str  # the file's format, a value of ``formats.KINDS``
    title: str = ""
    pages: list[dict[str, Any]] = field(default_factory=list)


class PdfExtractor:
    """Owns one worker process, restarted after any failure."""

    def __init__(self, timeout_s: float = 120.0, memory_limit_mb: int = 3072) -> None:
        self.timeout_s = timeout_s
        self.memory_limit_bytes = memory_limit_mb * 1024 * 1024
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None

    def extract(self, path: Path, password: str | None, cancel: CancelToken) -> ExtractedDocument:
        """The document's checked text; raises ``DocumentError`` (or ``Cancelled``)."""
        steps = self.reading(path, password, cancel)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                document: ExtractedDocument = done.value
                return document

    def reading(
        self, path: Path, password: str | None, cancel: CancelToken,
    ) -> Generator[PagesRead, None, ExtractedDocument]:
        """Yield ``PagesRead`` after each page the worker sends; return the checked document.

        ``timeout_s`` is the time one page may take (OCR makes a page slow; a
        hang makes it endless); a document that is not a PDF is rendered first, within the first
        page's time. The worker is read by a thread of its own, so it goes on reading while the
        caller works between two steps. Raises ``DocumentError`` (or ``Cancelled``); reason
        "unsupported" for a file of a kind not in ``formats.KINDS``.
        """
        kind = formats.format_of(path)
        if kind is None:
            raise DocumentError(formats.unsupported_message(path), "unsupported")
        if kind == "pdf":
            check_is_pdf(path)
        progress = PagesRead(0, 0, kind)
        raw = yield from self._request(path, password, kind, cancel, progress)
        if "error" in raw:
            raise document_error(path, raw["error"], raw.get("detail", ""))
        raw["pages"] = raw["pages"] or progress.pages
        return checked_document(path, raw, kind)

    def close(self) -> None:
        if self._reader is not None and self._reader.is_alive():  # a file is being read: its result is not wanted
            self._kill()
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.join(timeout=2)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._process, self._conn = None, None

    def _request(
        self, path: Path, password: str | None, kind: str, cancel: CancelToken, progress: PagesRead,
    ) -> Generator[PagesRead, None, dict[str, Any]]:
        """The worker's result for one file; its page records are appended to ``progress`` as they come."""
        conn = self._ensure_worker()
        conn.send((str(path), password, kind))
        inbox: queue.Queue[tuple[float, Any]] = queue.Queue()
        self._reader = threading.Thread(target=_receive, args=(conn, inbox), daemon=True, name="pdf-worker-reader")
        self._reader.start()
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                arrived, message = inbox.get(timeout=0.1)
            except queue.Empty:
                arrived, message = 0.0, None
            if isinstance(message, dict):
                return message
            if message is _GONE:
                self._kill()
                raise document_error(path, "crashed")
            if cancel.cancelled:  # checked before each page too: the pages already sent are not wanted
                self._kill()
                cancel.raise_if_cancelled()
            if message is not None and arrived <= deadline:  # a page in time: the next page's clock starts
                _, progress.done, progress.total, record, progress.title = message
                progress.pages.append(record)
                deadline = arrived + self.timeout_s
                yield progress
                continue
            if time.monotonic() > deadline or not self._alive():
                reason = "timeout" if self._alive() else "crashed"
                self._kill()
                raise document_error(path, reason)

    def _ensure_worker(self) -> Connection:
        if self._conn is None or not self._alive():
            self._kill()
            ctx = multiprocessing.get_context("spawn")
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=pdf_worker.serve, args=(child, self.memory_limit_bytes), daemon=True,
                name="pdf-worker",
            )
            process.start()
            child.close()
            self._process, self._conn = process, parent
        return self._conn

    def _alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _kill(self) -> None:
        """Kill the worker; its reader thread sees the pipe end before the pipe is closed (never a reused one)."""
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        if self._process is not None:
            self._process.join()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None


_GONE = object()


def _receive(conn: Connection, inbox: queue.Queue[tuple[float, Any]]) -> None:
    """Move one request's messages from the worker into ``inbox`` with their arrival times, up to its result.

    Puts ``_GONE`` when the pipe breaks (the worker died or was killed).
    """
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, TypeError):  # TypeError: the pipe was closed between two reads of a message
            inbox.put((time.monotonic(), _GONE))
            return
        inbox.put((time.monotonic(), message))
        if not isinstance(message, tuple):
            return


def check_is_pdf(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise DocumentError(f"{path.name} cannot be opened: {exc.strerror}", "unreadable") from exc
    if PDF_MAGIC not in head:
        raise document_error(path, "not_pdf")


def checked_document(path: Path, raw: dict[str, Any], kind: str = "pdf") -> ExtractedDocument:
    """Refuse documents with no usable text; note pages that are scanned, garbled or read by OCR.

    ``kind``: the file's format; a rendered document's pages without text (a slide of pictures) are
    not noted as scanned, and one without any text is refused as "no_text".
    """
    pages = raw["pages"]
    warnings: list[str] = []
    blocks: list[Block] = []
    garbled_pages = 0
    ocr_pages: list[int] = []
    for page in pages:
        page_blocks = [to_block(page["number"], b) for b in page["blocks"]]
        text = " ".join(b.text for b in page_blocks)
        if page["error"]:
            warnings.append(f"page {page['number']} could not be read")
        elif not text.strip():
            if page["images"] and kind == "pdf":
                no_ocr = "; OCR is not installed (see the README)" if ocr.tessdata() is None else ""
                warnings.append(f"page {page['number']} has no text layer (scanned?){no_ocr}")
            continue
        elif garbled_share(text) > GARBLED_PAGE_SHARE:
            garbled_pages += 1
            warnings.append(f"page {page['number']} gives unreadable text and was left out")
            continue
        elif (shifted := font_offset_garbling(text)) >= SHIFTED_PAGE_SHARE:
            warnings.append(f"page {page['number']}: {shifted:.0%} of the Korean text is Latin text garbled by a "
                            "broken font encoding; it is indexed as extracted, so search may miss those words")
        if page.get("ocr"):
            ocr_pages.append(page["number"])
        blocks.extend(page_blocks)
    if not blocks and kind != "pdf":
        raise document_error(path, "garbled" if garbled_pages else "no_text")
    if not blocks:
        if garbled_pages or ocr.tessdata() is None:
            raise document_error(path, "garbled" if garbled_pages else "scanned")
        raise DocumentError(f"{path.name} {MESSAGES['scanned_ocr']}", "scanned")
    if raw.get("repaired"):
        warnings.insert(0, "the file was damaged and has been read as far as possible")
    warnings.extend(raw.get("notes", ()))
    if note := hidden_text_note(pages):
        warnings.append(note)
    if note := unshifted_note(pages):
        warnings.append(note)
    if ocr_pages:
        numbers = ", ".join(str(n) for n in ocr_pages)
        warnings.append(f"page{'s' if len(ocr_pages) > 1 else ''} {numbers} {'were' if len(ocr_pages) > 1 else 'was'} "
                        "read by OCR; check quotes against the page image")
    title = raw.get("title") or path.stem
    return ExtractedDocument(title=title, page_count=len(pages), blocks=blocks, warnings=warnings,
                             page_labels=printed_labels(pages), ocr_pages=ocr_pages, format=kind,
                             rendered=raw.get("rendered", b""))


def printed_labels(pages: list[dict[str, Any]]) -> list[str]:
    """The label printed on each page, or [] when every label is just the page number."""
    labels = [str(page.get("label") or page["number"]) for page in pages]
    return [] if all(label == str(page["number"]) for label, page in zip(labels, pages, strict=True)) else labels


def hidden_text_note(pages: list[dict[str, Any]]) -> str:
    """A document note naming the pages that hold text no reader can see, which was left out."""
    hidden = {page["number"]: page.get("hidden") or {} for page in pages if page.get("hidden")}
    if not hidden:
        return ""
    reasons = sorted({reason for counts in hidden.values() for reason in counts})
    numbers = ", ".join(str(n) for n in sorted(hidden))
    return (f"page{'s' if len(hidden) > 1 else ''} {numbers} hold{'' if len(hidden) > 1 else 's'} text no reader "
            f"can see ({', '.join(reasons)}); it was left out of search and answers")


def unshifted_note(pages: list[dict[str, Any]]) -> str:
    """A document note naming the pages whose Latin text was read back from a broken font encoding."""
    numbers = [str(page["number"]) for page in pages if page.get("unshifted")]
    if not numbers:
        return ""
    return (f"page{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}: Latin text that a broken font encoding "
            "turned into Hangul was read back as Latin")


def to_block(page: int, raw: dict[str, Any]) -> Block:
    x0, y0, x1, y1 = raw["bbox"]
    return Block(page=page, bbox=(x0, y0, x1, y1), text=raw["text"], size=raw["size"], bold=raw["bold"],
                 table=raw.get("table", ""), note=bool(raw.get("note")))
