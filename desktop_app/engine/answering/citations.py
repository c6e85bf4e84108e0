"""Map the [n] markers in an answer to documents, pages and passages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop_app.engine.retrieval.search import Source

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

    def label(self) -> str:
        return f"[{self.number}] {self.document_title}, p. {self.page}"

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


def citation_for(source: Source) -> Citation:
    first = source.first
    return Citation(
        number=source.number, document_id=first.document_id, document_title=first.document_title,
        document_path=first.document_path, page=source.main_page, pages=source.pages, passage=source.text,
        chunk_ids=[c.id for c in source.chunks], positions=source.positions,
    )


def resolve(text: str, sources: list[Source]) -> tuple[list[Citation], list[int]]:
    """Citations for the numbers the answer uses, and the numbers that match no source."""
    by_number = {s.number: s for s in sources}
    numbers = cited_numbers(text)
    citations = [citation_for(by_number[n]) for n in numbers if n in by_number]
    return citations, [n for n in numbers if n not in by_number]
