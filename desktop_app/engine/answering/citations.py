"""Map the [n] markers in an answer to documents, pages and passages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from desktop_app.engine.retrieval.search import Source
from desktop_app.indexer.sheets import cell_range

MARKER = re.compile(r"\[(?:sources?\s*)?(\d+(?:\s*[,;]\s*(?:sources?\s*)?\d+)*)\]", re.IGNORECASE)


@dataclass(frozen=True)
class Citation:
    number: int
    document_id: int
    document_title: str
    document_path: str
    page: int
    pages: list[int]
    passage: str
    chunk_ids: list[int]
    positions: list[list[float]]
    page_label: str = ""  # the label printed on ``page`` where it differs from the number ("" otherwise)
    ocr: bool = False  # the page's text was read by OCR
    place: str = ""  # where the passage is in a file that is not a PDF (see ``natural_place``); "" for a PDF

    def where(self) -> str:
        """"p. 6", or "p. 2 (PDF page 6)" where the printed page label differs from the PDF page number;
        ", text read by OCR" after it for a scanned page. A document of another format names its own
        place: "slide 3", "sheet Budget, A2:C9", "§ Pump maintenance"."""
        return self.place or page_reference(self.page, self.page_label, self.ocr)

    def label(self) -> str:
        return f"[{self.number}] {self.document_title}, {self.where()}"

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def cited_numbers(text: str) -> list[int]:
    """Source numbers in order of first mention."""
    numbers: list[int] = []
    for match in MARKER.finditer(text):
        for part in re.findall(r"\d+", match.group(1)):
            if int(part) not in numbers:
                numbers.append(int(part))
    return numbers


def page_reference(page: int, label: str, ocr: bool = False) -> str:
    """How a page is cited: "p. 6", or "p. 2 (PDF page 6)" when its printed label is not its number;
    ", text read by OCR" is added for a page whose text came from OCR."""
    where = f"p. {label} (PDF page {page})" if label and label != str(page) else f"p. {page}"
    return f"{where}, text read by OCR" if ocr else where


def natural_place(kind: str, page: int, label: str, section: str = "", lines: Iterable[str] = ()) -> str:
    """How a passage of a document of format ``kind`` is cited, "" for a PDF (cited by page).

    ``page``: the 1-based page of the rendered PDF, ``label`` its label (a slide's "slide 3", a
    sheet's name), ``section``: the heading the passage is under, ``lines``: its table rows, whose
    "Cells" column gives a spreadsheet's cell range. PPTX: "slide 3"; XLSX: "sheet Budget, A4:C9"
    (the sheet alone for text above a table); DOCX, HTML, Markdown, text: "§ heading", else
    "rendered p. 2" for text before the first heading.
    """
    if kind == "pdf":
        return ""
    if kind == "pptx":
        return label or f"slide {page}"
    if kind == "xlsx":
        cells = cell_range(lines)
        return f"sheet {label}, {cells}" if cells else f"sheet {label}"
    return f"§ {section}" if section else f"rendered p. {page}"


def source_place(source: Source, page: int) -> str:
    """``natural_place`` of a retrieved passage on ``page`` (its table rows read from its table chunks)."""
    first = source.first
    rows = [line for chunk in source.chunks if chunk.kind == "table" for line in chunk.text.split("\n")]
    return natural_place(first.format, page, first.page_label(page), first.section_title, rows)


def citation_for(source: Source) -> Citation:
    first = source.first
    page = source.main_page
    label = first.page_label(page)
    return Citation(
        number=source.number, document_id=first.document_id, document_title=first.document_title,
        document_path=first.document_path, page=page, pages=source.pages, passage=source.text,
        chunk_ids=[c.id for c in source.chunks], positions=source.positions,
        page_label=label if label != str(page) else "", ocr=page in first.ocr_pages,
        place=source_place(source, page),
    )


def resolve(text: str, sources: list[Source]) -> tuple[list[Citation], list[int]]:
    """Citations for the numbers the answer uses, and the numbers that match no source."""
    by_number = {s.number: s for s in sources}
    numbers = cited_numbers(text)
    citations = [citation_for(by_number[n]) for n in numbers if n in by_number]
    return citations, [n for n in numbers if n not in by_number]
