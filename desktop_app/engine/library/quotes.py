"""Place a quoted sentence on its page: the page, its printed label, and one rectangle per line.

The sentence is matched against the words PyMuPDF reads from the page
(``Page.get_text("words")``), both folded the same way (Unicode NFKC, case,
and everything but letters and digits dropped), so ligatures, hyphens at line
ends, spacing and Korean text without spaces do not stop a match. On a page
where a broken font encoding shifted Latin text into Hangul, the words are
its characters, read back as indexing reads them (``quality.unshift_spans``),
so a quote of the repaired text is found there too. The pages of
the passage are tried in order; a sentence that starts at the foot of one page
and ends on the next is placed on both. Where the words of a page match the
sentence more than once, the occurrence inside the passage's own blocks wins.
A sentence that MuPDF's order of the words does not hold (indexing reads a
row left to right: a key, then the default value set flush right beside it)
is looked for again in the order indexing read the lines in.

Opening a PDF costs more than placing its quotes (MuPDF reads the whole
outline: about 12 ms an opening for the English benchmark set's manuals), so the
engine keeps the PDFs of recent answers open between them (``OpenDocuments``).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from desktop_app.engine.answering.evidence import Placement
from desktop_app.engine.library.pages import available_file, open_unlocked
from desktop_app.engine.retrieval.search import Source
from desktop_app.indexer import layout
from desktop_app.indexer.quality import SHIFTED_RUN, unshift_spans
from desktop_app.store.copies import DocumentCopies
from desktop_app.store.library import LibraryStore

log = logging.getLogger(__name__)

Word = tuple[float, float, float, float, str, int, int, int]
KEPT_BYTES = 64 * 1024 * 1024
"""Bytes of PDF files ``OpenDocuments`` keeps in memory at most; a bigger file is opened for each answer."""
KEPT_DOCUMENTS = 8
"""PDFs ``OpenDocuments`` keeps open at most (each holds MuPDF's own memory besides its bytes)."""
MIN_PART = 8
"""Folded characters a sentence must have on each page to be placed across a page break (its longest part
on the first page wins, so running heads and footers between the two parts do not matter)."""


def fold(text: str) -> str:
    """Letters and digits only, NFKC-normalised and case-folded."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


class PageWords:
    """The words of one page and their folded text, with the word each folded character came from."""

    def __init__(self, page_number: int, words: list[Word]) -> None:
        self.page = page_number
        self.words = words
        self.text = ""
        self.owner: list[int] = []
        for index, word in enumerate(words):
            folded = fold(word[4])
            self.text += folded
            self.owner += [index] * len(folded)

    def rects(self, start: int, end: int) -> list[list[float]]:
        """One rectangle per line for the words under folded characters ``start`` to ``end`` (exclusive)."""
        lines: dict[tuple[int, int], list[float]] = {}
        for index in dict.fromkeys(self.owner[start:end]):
            x0, y0, x1, y1, _, block, line, _ = self.words[index]
            box = lines.setdefault((block, line), [x0, y0, x1, y1])
            box[:] = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
        return [[float(self.page), *box] for box in lines.values()]


def page_words(page: Any, number: int) -> PageWords:
    """The words of a PyMuPDF ``page`` (1-based ``number``); where a font's text is read back (Latin text shifted
    into Hangul, ``unshift_spans``), the page's characters instead, each a word, with that text read back."""
    words = page.get_text("words", sort=False)
    if not any(SHIFTED_RUN.search(word[4]) for word in words):
        return PageWords(number, words)
    blocks = [block for block in page.get_text("rawdict")["blocks"] if block.get("type") == 0]
    if not unshift_spans([span for block in blocks for line in block["lines"] for span in line["spans"]]):
        return PageWords(number, words)  # runs that no font can be blamed for: indexing kept them as they are
    characters: list[Word] = []
    for block_number, block in enumerate(blocks):
        for line_number, line in enumerate(block["lines"]):
            for char in (c for span in line["spans"] for c in span["chars"] if c["c"].strip()):
                x0, y0, x1, y1 = char["bbox"]
                characters.append((x0, y0, x1, y1, char["c"], block_number, line_number, len(characters)))
    return PageWords(number, characters)


def in_reading_order(words: list[Word]) -> list[Word]:
    """``words`` with their lines in the order indexing reads them (``layout.reading_order``: columns one
    after the other, a row left to right), each line's words in their own order."""
    lines: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        lines.setdefault((word[5], word[6]), []).append(word)
    keys = list(lines)  # each box's ``block`` holds the index of its line's key, to find its words again
    boxes = [layout.Line((min(w[0] for w in lines[key]), min(w[1] for w in lines[key]),
                          max(w[2] for w in lines[key]), max(w[3] for w in lines[key])), [], index)
             for index, key in enumerate(keys)]
    return [word for line in layout.reading_order(boxes) for word in lines[keys[line.block]]]


def occurrences(haystack: str, needle: str) -> Iterator[int]:
    start = haystack.find(needle)
    while start >= 0:
        yield start
        start = haystack.find(needle, start + 1)


def inside(rect: list[float], blocks: list[list[float]]) -> bool:
    """Whether the centre of ``rect`` ([page, x0, y0, x1, y1]) lies in one of ``blocks`` (same format)."""
    page, x0, y0, x1, y1 = rect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return any(int(b[0]) == int(page) and b[1] - 1 <= cx <= b[3] + 1 and b[2] - 1 <= cy <= b[4] + 1 for b in blocks)


def place_on(page: PageWords, following: PageWords | None, quote: str, blocks: list[list[float]]
             ) -> list[list[float]] | None:
    """Rectangles of ``quote`` on ``page`` (or on it and ``following``, when it runs on), None if absent."""
    needle = fold(quote)
    if not needle:
        return None
    hits = [page.rects(s, s + len(needle)) for s in occurrences(page.text, needle)]
    if hits:
        return next((h for h in hits if inside(h[0], blocks)), hits[0])
    if following is None:
        return None
    for cut in range(len(needle) - MIN_PART, MIN_PART - 1, -1):
        head, tail = needle[:cut], needle[cut:]
        start, end = page.text.rfind(head), following.text.find(tail)
        if start >= 0 and end >= 0:
            return page.rects(start, start + cut) + following.rects(end, end + len(tail))
    return None


class QuoteLocator:
    """Places quotes in the library's files (the original if unchanged, else the kept copy).

    An encrypted file opens with the password the engine holds for it (by sha256); without one, or with
    a wrong one, its quotes get no rectangles.
    """

    def __init__(self, store: LibraryStore, copies: DocumentCopies, verified: dict[str, bool],
                 passwords: Mapping[str, str] | None = None, kept: OpenDocuments | None = None) -> None:
        self.store = store
        self.copies = copies
        self.verified = verified
        self.passwords = passwords if passwords is not None else {}
        self.kept = kept
        self._open: dict[int, Any] = {}
        self._borrowed: set[int] = set()
        self._words: dict[tuple[int, int, bool], PageWords] = {}

    def __call__(self, source: Source, quote: str) -> Placement | None:
        """Where ``quote`` (a sentence of ``source``) is; None when its file is gone or it is not found."""
        try:
            return self._place(source, quote)
        except Exception as exc:  # MuPDF raises many kinds; a quote without rectangles is still shown
            log.warning("could not place a quote in %s: %s", source.first.document_title, exc)
            return None

    def _place(self, source: Source, quote: str) -> Placement | None:
        pdf = self._document(source.first.document_id)
        if pdf is None:
            return None
        pages = sorted(source.pages, key=lambda p: (p != source.main_page, p))
        document_id = source.first.document_id
        for reordered in (False, True):  # MuPDF's order of the words, then the order indexing read them in
            for number in pages:
                if not 1 <= number <= pdf.page_count:
                    continue
                words = self._page_words(pdf, document_id, number, reordered)
                rects = place_on(words, None, quote, source.positions)
                if not rects and number + 1 in source.pages and number < pdf.page_count:  # the next page only now
                    rects = place_on(words, self._page_words(pdf, document_id, number + 1, reordered), quote,
                                     source.positions)
                if rects:
                    spanned = sorted({int(r[0]) for r in rects})
                    return Placement(spanned[0], pdf[spanned[0] - 1].get_label() or str(spanned[0]), spanned, rects)
        return None

    def on_page(self, document_id: int, page: int, text: str) -> list[list[float]]:
        """Rectangles ([page, x0, y0, x1, y1], PDF points) of every occurrence of ``text`` on ``page`` (1-based);
        [] when the file is gone or the text is not there."""
        try:
            pdf = self._document(document_id)
            if pdf is None or not 1 <= page <= pdf.page_count:
                return []
            words = self._page_words(pdf, document_id, page)
            needle = fold(text)
            return [rect for start in (occurrences(words.text, needle) if needle else ())
                    for rect in words.rects(start, start + len(needle))]
        except Exception as exc:  # MuPDF raises many kinds; the page is still shown, without highlights
            log.warning("could not place a text on its page: %s", exc)
            return []

    def _document(self, document_id: int) -> Any:
        if document_id not in self._open:
            doc = self.store.document(document_id)
            path, _ = available_file(doc, self.copies, self.verified) if doc else (None, "")
            password = self.passwords.get(doc.sha256) if doc else None
            pdf, kept = None, False
            if path is not None and self.kept is not None:
                pdf, kept = self.kept.open(path, password)
            elif path is not None:
                pdf = open_unlocked(path, password)
            if kept:
                self._borrowed.add(document_id)
            self._open[document_id] = pdf
        return self._open[document_id]

    def _page_words(self, pdf: Any, document_id: int, number: int, reordered: bool = False) -> PageWords:
        """The words of page ``number``, in MuPDF's order or, ``reordered``, in the order indexing read them."""
        key = (document_id, number, reordered)
        if key not in self._words:
            words = self._page_words(pdf, document_id, number) if reordered else None
            self._words[key] = PageWords(number, in_reading_order(words.words)) if words is not None else \
                page_words(pdf[number - 1], number)
        return self._words[key]

    def close(self) -> None:
        for document_id, pdf in self._open.items():
            if pdf is not None and document_id not in self._borrowed:
                pdf.close()
        self._open.clear()
        self._borrowed.clear()
        self._words.clear()


class OpenDocuments:
    """PDFs kept open between answers, opened from their bytes in memory (so the file itself is not held
    open: Windows would not let the user move or delete it), at most ``KEPT_DOCUMENTS`` and ``KEPT_BYTES`` of
    them, the least recently used closed first. A file whose path, size or modification time changed is opened again.

    MuPDF documents are not shared between threads: a ``QuoteLocator`` holds ``lease()`` while it uses them.
    """

    def __init__(self, budget: int = KEPT_BYTES, most: int = KEPT_DOCUMENTS) -> None:
        self.budget = budget
        self.most = most
        self._kept: OrderedDict[tuple[str, int, int, str | None], tuple[Any, int]] = OrderedDict()
        self._lock = threading.RLock()

    @contextmanager
    def lease(self) -> Iterator[OpenDocuments]:
        with self._lock:
            yield self

    def open(self, path: Path, password: str | None) -> tuple[Any, bool]:
        """The PDF at ``path`` unlocked with ``password`` (None when the password does not open it), and whether
        it is kept open here: a file bigger than the budget is opened from its path for the caller alone, who
        closes it. Raises what PyMuPDF raises for a file it cannot read."""
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, password)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key][0], True
            if stat.st_size > self.budget:
                return open_unlocked(path, password), False
            pdf = open_unlocked(path.read_bytes(), password)
            if pdf is None:
                return None, False
            for stale in [k for k in self._kept if k[0] == key[0]]:
                self._close(stale)
            self._kept[key] = (pdf, stat.st_size)
            while len(self._kept) > self.most or sum(size for _, size in self._kept.values()) > self.budget:
                self._close(next(iter(self._kept)))
            return pdf, True

    def close(self) -> None:
        with self._lock:
            for key in list(self._kept):
                self._close(key)

    def _close(self, key: tuple[str, int, int, str | None]) -> None:
        pdf, _ = self._kept.pop(key)
        pdf.close()


@contextmanager
def quote_locator(store: LibraryStore, copies: DocumentCopies, verified: dict[str, bool],
                  passwords: Mapping[str, str] | None = None, kept: OpenDocuments | None = None
                  ) -> Iterator[QuoteLocator]:
    """A ``QuoteLocator`` for one answer; with ``kept``, it borrows the PDFs kept open between answers (and holds
    their lease until it is done)."""
    with kept.lease() if kept is not None else nullcontext():
        locator = QuoteLocator(store, copies, verified, passwords, kept)
        try:
            yield locator
        finally:
            locator.close()
