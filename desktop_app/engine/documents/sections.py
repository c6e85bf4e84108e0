"""A document as its sections, each a list of passages (paragraphs, list items, table rows) with their page.

Whole-document work (summaries, comparisons) reads documents this way: the
stored chunks of each section in order, without the overlap each chunk
carries from its predecessor, one passage per block. A passage's page is its
chunk's page, or, for a chunk that spans pages, the page whose stored text
(``page_texts``) holds the passage.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.engine.answering.sentences import sentences_of
from desktop_app.store.library import ChunkRow, LibraryStore


@dataclass(frozen=True)
class Passage:
    """One block of text on one page: ``page`` is the 1-based PDF page, ``page_label`` what is printed on it."""

    text: str
    page: int
    page_label: str
    table: bool = False  # a table row ("Header: value; ...")


@dataclass(frozen=True)
class SectionText:
    """A section of a document: its heading ("" for text before the first heading) and its passages in order."""

    document_id: int
    ord: int
    title: str
    passages: tuple[Passage, ...]

    @property
    def pages(self) -> tuple[int, ...]:
        """The PDF pages the section's text is on, ascending."""
        return tuple(sorted({p.page for p in self.passages}))

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.passages)

    def sentences(self) -> list[Passage]:
        """The section's sentences (and list items and table rows), each with the page it is on.

        Sentence boundaries are those of evidence selection (``sentences_of``);
        a sentence never spans passages, so it never crosses a page.
        """
        units: list[Passage] = []
        for passage in self.passages:
            if passage.table:
                units.append(passage)
                continue
            units.extend(Passage(s, passage.page, passage.page_label) for s in sentences_of(passage.text))
        return units


def document_sections(store: LibraryStore, document_id: int) -> list[SectionText]:
    """The document's sections in reading order; [] for an unknown document."""
    chunks = store.document_chunks(document_id)
    spanning = {page for c in chunks if c.page_end > c.page_start for page in range(c.page_start, c.page_end + 1)}
    page_text = {p.page: p.text for p in store.page_texts([document_id])} if spanning else {}
    sections: dict[int, list[Passage]] = {}
    titles: dict[int, tuple[int, str]] = {}
    for chunk in chunks:
        titles.setdefault(chunk.section_id, (len(titles), chunk.section_title))
        sections.setdefault(chunk.section_id, []).extend(passages_of(chunk, page_text))
    return [SectionText(document_id, ord, title, tuple(sections[section_id]))
            for section_id, (ord, title) in titles.items() if sections[section_id]]


def passages_of(chunk: ChunkRow, page_text: dict[int, str]) -> list[Passage]:
    """The chunk's own blocks (its overlap with the chunk before left out), each with its page."""
    passages = []
    page = chunk.page_start
    for line in chunk.text[chunk.overlap:].split("\n"):
        line = line.strip()
        if not line:
            continue
        if chunk.page_end > chunk.page_start:  # reading order: from the page of the passage before, onwards
            page = next((n for n in range(page, chunk.page_end + 1) if line in page_text.get(n, "")), page)
        passages.append(Passage(line, page, chunk.page_label(page), chunk.kind == "table"))
    return passages
