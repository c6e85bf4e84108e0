"""The rows the library store reads and writes: documents, chunks, sections, and what a change of names removed.

Plain values, shared by the store, the indexer and the engine; the SQL lives in ``store.library``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


def label_of(labels: Sequence[str], page: int) -> str:
    """The printed label of PDF page ``page`` (1-based) from a document's labels, else the page number."""
    return labels[page - 1] if 1 <= page <= len(labels) and labels[page - 1] else str(page)


@dataclass(frozen=True)
class DocumentRow:
    id: int
    sha256: str
    path: str
    title: str
    pages: int
    size: int
    added: str
    warnings: list[str]
    chunks: int
    extractor: int = 1
    page_labels: tuple[str, ...] = ()
    ocr_pages: tuple[int, ...] = ()
    names: tuple[str, ...] = ()  # every file path these bytes were indexed under, ``path`` first
    format: str = "pdf"  # the file's kind: "pdf", "docx", "pptx", "xlsx", "html", "md" or "txt"

    def page_label(self, page: int) -> str:
        """The label printed on PDF page ``page`` (1-based), or the page number where it has none."""
        return label_of(self.page_labels, page)

    @property
    def other_names(self) -> tuple[str, ...]:
        """The names of the same bytes besides ``path``, the one the library shows."""
        return tuple(n for n in self.names if n != self.path)


@dataclass(frozen=True)
class NameChange:
    """What a change of names removed: the documents left with no name, and their chunk ids."""

    removed: tuple[DocumentRow, ...] = ()
    chunks: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChunkRow:
    id: int
    document_id: int
    section_id: int
    ord: int
    page_start: int
    page_end: int
    text: str
    overlap: int
    positions: list[list[float]]
    document_title: str
    document_path: str
    section_title: str
    kind: str = "text"
    page_labels: tuple[str, ...] = ()  # the document's printed page labels (see ``DocumentRow.page_labels``)
    ocr_pages: tuple[int, ...] = ()  # the document's pages whose text came from OCR
    format: str = "pdf"  # the document's file kind (see ``DocumentRow.format``)

    def page_label(self, page: int) -> str:
        """The label printed on PDF page ``page`` (1-based), or the page number where it has none."""
        return label_of(self.page_labels, page)


class SectionHeading(Protocol):
    """What the store keeps of a section: its order in the document and its title."""

    @property
    def ord(self) -> int: ...

    @property
    def title(self) -> str: ...


@dataclass(frozen=True)
class Chunk:
    """A chunk to store: ``positions`` are (page, x0, y0, x1, y1) of each block it came from, in PDF points."""

    section_ord: int
    ord: int
    text: str
    overlap: int
    positions: tuple[tuple[int, float, float, float, float], ...]
    kind: str = "text"

    @property
    def pages(self) -> list[int]:
        return sorted({p[0] for p in self.positions})


@dataclass(frozen=True)
class NewDocument:
    sha256: str
    path: str
    title: str
    pages: int
    size: int
    warnings: list[str]
    extractor: int = 1
    page_labels: tuple[str, ...] = ()
    ocr_pages: tuple[int, ...] = ()
    page_texts: tuple[str, ...] = ()  # the indexed text of each PDF page, in order ("" for a page with none)
    format: str = "pdf"  # the file's kind (see ``DocumentRow.format``)


@dataclass(frozen=True)
class PageText:
    """The indexed text of one page: its blocks in reading order, one a line, running heads and footers left out."""

    document_id: int
    page: int  # 1-based PDF page number
    text: str


def document_row(row: tuple[Any, ...], names: tuple[str, ...] = ()) -> DocumentRow:
    return DocumentRow(
        id=row[0], sha256=row[1], path=row[2], title=row[3], pages=row[4], size=row[5], added=row[6],
        warnings=json.loads(row[7]), extractor=row[8], page_labels=tuple(json.loads(row[9])),
        ocr_pages=tuple(json.loads(row[10])), format=row[11], chunks=row[12], names=names,
    )


def chunk_row(row: tuple[Any, ...]) -> ChunkRow:
    return ChunkRow(
        id=row[0], document_id=row[1], section_id=row[2], ord=row[3], page_start=row[4], page_end=row[5],
        text=row[6], overlap=row[7], positions=json.loads(row[8]), document_title=row[9],
        document_path=row[10], section_title=row[11], kind=row[12], page_labels=tuple(json.loads(row[13])),
        ocr_pages=tuple(json.loads(row[14])), format=row[15],
    )

