"""Render a document page with the cited passage highlighted, for the source viewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.files import sha256_file
from desktop_app.store.copies import DocumentCopies
from desktop_app.store.library import DocumentRow

MAX_ZOOM = 4.0
MIN_ZOOM = 0.25


@dataclass(frozen=True)
class PageImage:
    document_id: int
    title: str
    page: int
    page_count: int
    zoom: float
    png: bytes = b""
    width: int = 0
    height: int = 0
    highlights: list[tuple[float, float, float, float]] = field(default_factory=list)
    source_path: str = ""
    message: str = ""


def available_file(doc: DocumentRow, copies: DocumentCopies, verified: dict[str, bool]) -> tuple[Path | None, str]:
    """The original if it is still the indexed file, else the private copy; with a note for the user."""
    original = Path(doc.path)
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


def render_page_image(
    doc: DocumentRow, path: Path | None, note: str, page: int, zoom: float, positions: list[list[float]]
) -> PageImage:
    zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
    if path is None:
        return PageImage(doc.id, doc.title, page, doc.pages, zoom, message=note)
    import pymupdf

    with pymupdf.open(path) as pdf:
        page = min(max(page, 1), pdf.page_count)
        pixmap = pdf[page - 1].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
        rects = [(p[1] * zoom, p[2] * zoom, p[3] * zoom, p[4] * zoom) for p in positions if int(p[0]) == page]
        return PageImage(doc.id, doc.title, page, pdf.page_count, zoom, pixmap.tobytes("png"), pixmap.width,
                         pixmap.height, rects, str(path), note)
