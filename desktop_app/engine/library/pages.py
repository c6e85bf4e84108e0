"""Render a document page with the cited passage highlighted, for the source viewer.

Highlights arrive in the space PyMuPDF's text extraction uses (chunk block
boxes from ``get_text("dict")`` and quote word boxes from ``get_text("words")``):
PDF points from the top left of the *unrotated* crop box. ``get_pixmap`` draws
the page as a reader sees it, turned by its ``/Rotate``, so each rectangle goes
through ``page.rotation_matrix`` before it is scaled to pixels. A crop box offset
from the media box needs nothing more: both spaces start at the crop box's corner.

An encrypted document opens with the password given, else with the one the
engine holds for it in memory; without one the page comes back with
``needs_password`` set and a message, so the window can ask for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from desktop_app.files import sha256_file
from desktop_app.store.copies import DocumentCopies
from desktop_app.store.library import DocumentRow
from desktop_app.store.rows import label_of

MAX_ZOOM = 4.0
MIN_ZOOM = 0.25

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PageImage:
    """One rendered page for the viewer.

    ``png``: the page drawn at ``zoom`` (pixels per PDF point), ``width`` x ``height`` pixels; empty when the
    file is missing or locked (``message`` says why, ``needs_password`` when a password would open it).
    ``highlights``: the cited rectangles on this page, in pixels of that image. ``page`` is 1-based, of
    ``page_count``. ``labels``: the printed label of every page in order, () where each is its number;
    ``ocr_pages``: the pages whose text came from OCR; ``kind``: the file's kind ("pdf", "docx", "pptx"...),
    whose pages are those of the PDF it was rendered to.
    """

    document_id: int
    title: str
    page: int
    page_count: int
    zoom: float
    png: bytes = b""
    width: int = 0
    height: int = 0
    highlights: list[Box] = field(default_factory=list)
    source_path: str = ""
    message: str = ""
    needs_password: bool = False
    labels: tuple[str, ...] = ()
    ocr_pages: tuple[int, ...] = ()
    kind: str = "pdf"

    @property
    def label(self) -> str:
        """The label printed on this page ("iv", "12"), or its number where it has none."""
        return label_of(self.labels, self.page)

    @property
    def ocr(self) -> bool:
        """Whether this page's text was read by OCR."""
        return self.page in self.ocr_pages

    def page_for(self, text: str) -> int | None:
        """The page (1-based) a reader means by ``text``: a printed label first (ignoring case and spaces),
        else a page number from 1 to ``page_count``; None when it is neither."""
        wanted = text.strip().casefold()
        for number, label in enumerate(self.labels, start=1):
            if label.strip().casefold() == wanted and wanted:
                return number
        if wanted.isdigit() and 1 <= int(wanted) <= self.page_count:
            return int(wanted)
        return None


def available_file(doc: DocumentRow, copies: DocumentCopies, verified: dict[str, bool]) -> tuple[Path | None, str]:
    """The original if it is still the indexed file, else the private copy; with a note for the user.

    A document that is not a PDF (DOCX, XLSX, ...) is shown as the PDF it was rendered to, its private
    copy, whose pages the chunks' positions point into.
    """
    original = Path(doc.path)
    if doc.format != "pdf":
        rendered = copies.path_for(doc.sha256)
        return (rendered, "") if rendered.exists() else (None, (
            f"the pages {original.name} was rendered to when it was indexed were not kept; index it again to see "
            "them."))
    if original.exists():
        if doc.path not in verified:
            verified[doc.path] = sha256_file(original) == doc.sha256
        if verified[doc.path]:
            return original, ""
    copy = copies.path_for(doc.sha256)
    if copy.exists():
        changed = "the file has changed since it was indexed; showing the indexed copy"
        return copy, changed if original.exists() else ""
    if original.exists():
        return original, "the file has changed since it was indexed; highlights may be off"
    return None, (f"{original.name} was moved or deleted since it was indexed and no copy was kept; "
                  "index it again from its new place to see its pages.")


def open_unlocked(source: Path | bytes, password: str | None) -> Any:
    """The PDF at ``source`` (a path, or a file's bytes in memory), authenticated with ``password`` when it is
    encrypted; None when that does not open it."""
    import pymupdf

    pdf = pymupdf.open(source) if isinstance(source, Path) else pymupdf.open(stream=source, filetype="pdf")
    if pdf.needs_pass and not (password and pdf.authenticate(password)):
        pdf.close()
        return None
    return pdf


def locked_message(doc: DocumentRow, password: str | None) -> str:
    name = Path(doc.path).name
    if password:
        return f"That password does not open {name}. Check it and enter it again."
    return (f"{name} is password-protected. Enter its password to see its pages "
            "(it is kept in memory until the app closes, never saved).")


def highlight_boxes(page: Any, zoom: float, positions: list[list[float]], number: int) -> list[Box]:
    """The ``positions`` on page ``number`` ([page, x0, y0, x1, y1] in text space) as pixel boxes of its pixmap."""
    import pymupdf

    to_pixels = page.rotation_matrix * pymupdf.Matrix(zoom, zoom)
    boxes = []
    for p in positions:
        if int(p[0]) == number:
            r = pymupdf.Rect(p[1:5]) * to_pixels
            boxes.append((r.x0, r.y0, r.x1, r.y1))
    return boxes


def render_page_image(
    doc: DocumentRow, path: Path | None, note: str, page: int, zoom: float, positions: list[list[float]],
    password: str | None = None,
) -> PageImage:
    """Page ``page`` of ``doc`` (clamped to its pages) from the file at ``path``, at ``zoom`` (clamped to
    ``MIN_ZOOM``..``MAX_ZOOM``), with ``positions`` on that page as highlights; see ``PageImage``."""
    zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
    base = PageImage(doc.id, doc.title, page, doc.pages, zoom, message=note, labels=tuple(doc.page_labels),
                     ocr_pages=tuple(doc.ocr_pages), kind=doc.format)
    if path is None:
        return base
    import pymupdf

    pdf = open_unlocked(path, password)
    if pdf is None:
        return replace(base, source_path=str(path), message=locked_message(doc, password), needs_password=True)
    with pdf:
        page = min(max(page, 1), pdf.page_count)
        shown = pdf[page - 1]
        pixmap = shown.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        rects = highlight_boxes(shown, zoom, positions, page)
        return replace(base, page=page, page_count=pdf.page_count, png=pixmap.tobytes("png"), width=pixmap.width,
                       height=pixmap.height, highlights=rects, source_path=str(path))
