"""Split a document into sections (by headings) and chunks (by paragraphs).

Chunks stay inside one section and one document, hold a few hundred tokens,
overlap their predecessor by its last paragraph (or a tail of it), and keep
the page and rectangle of every block they came from so the passage can be
highlighted later.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from desktop_app.indexer.extract import Block
from desktop_app.store.library import Chunk

TARGET_CHARS = 900
MAX_CHARS = 1200
OVERLAP_CHARS = 200
HEADING_SIZE_RATIO = 1.15
HEADING_MAX_CHARS = 120
SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


@dataclass
class Section:
    ord: int
    title: str
    blocks: list[Block] = field(default_factory=list)


def body_size(blocks: list[Block]) -> float:
    """The font size that carries most of the text."""
    weights: Counter[float] = Counter()
    for block in blocks:
        weights[block.size] += len(block.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def is_heading(block: Block, body: float) -> bool:
    if block.table:
        return False
    text = block.text.strip()
    if len(text) > HEADING_MAX_CHARS or len(text) < 2 or text.endswith((".", ",", ";", ":")):
        return False
    if not any(c.isalpha() for c in text):
        return False
    return block.size >= body * HEADING_SIZE_RATIO or (block.bold and block.size >= body)


def furniture_key(block: Block) -> str:
    return re.sub(r"\d+", "#", block.text.strip().lower())


def repeated_furniture(blocks: list[Block], page_count: int) -> set[str]:
    """Running heads and footers: short lines repeated on many pages (never a table row: rows that differ
    only in their numbers, "Cells: A7:C7; Item: part 4", are data)."""
    if page_count < 4:
        return set()
    pages_with: dict[str, set[int]] = {}
    for block in blocks:
        if len(block.text) <= 80 and not block.table:
            key = furniture_key(block)
            pages_with.setdefault(key, set()).add(block.page)
    limit = max(3, page_count // 3)
    return {key for key, pages in pages_with.items() if len(pages) >= limit}


def page_texts(blocks: list[Block], page_count: int) -> tuple[str, ...]:
    """The text of each page, one block a line in reading order, running heads and footers left out ("" if none)."""
    furniture = repeated_furniture(blocks, page_count)
    lines: list[list[str]] = [[] for _ in range(page_count)]
    for block in blocks:
        if furniture_key(block) not in furniture and 1 <= block.page <= page_count:
            lines[block.page - 1].append(block.text)
    return tuple("\n".join(page) for page in lines)


def sections_of(blocks: list[Block], page_count: int) -> list[Section]:
    furniture = repeated_furniture(blocks, page_count)
    body = body_size(blocks)
    sections = [Section(ord=0, title="")]
    for block in blocks:
        if furniture_key(block) in furniture:
            continue
        if is_heading(block, body):
            if sections[-1].blocks or sections[-1].title:
                sections.append(Section(ord=len(sections), title=block.text.strip()))
            else:
                sections[-1].title = block.text.strip()
            continue
        sections[-1].blocks.append(block)
    return [s for s in sections if s.blocks]


def split_long(block: Block) -> list[Block]:
    """Cut a block longer than a chunk at sentence ends (or hard, if it has none)."""
    if len(block.text) <= MAX_CHARS:
        return [block]
    pieces: list[str] = []
    current = ""
    for sentence in SENTENCE_END.split(block.text):
        while len(sentence) > MAX_CHARS:
            pieces.append(sentence[:TARGET_CHARS])
            sentence = sentence[TARGET_CHARS:]
        if current and len(current) + len(sentence) + 1 > TARGET_CHARS:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return [Block(block.page, block.bbox, text, block.size, block.bold) for text in pieces]


def overlap_tail(text: str) -> str:
    if len(text) <= OVERLAP_CHARS:
        return text
    tail = text[-OVERLAP_CHARS:]
    cut = tail.find(" ")
    return tail[cut + 1:] if 0 <= cut < len(tail) - 1 else tail


def kind_of(block: Block) -> str:
    """The chunk kind a block goes into: "table" (a table row), "note" (a footnote) or "text"."""
    return "table" if block.table else "note" if block.note else "text"


def notes_last(blocks: list[Block]) -> list[Block]:
    """``blocks`` with the footnotes moved to the end: the text runs on over its pages' notes, so its chunks
    are those it would have without them, and the notes are chunks of their own after it."""
    return [b for b in blocks if not b.note] + [b for b in blocks if b.note]


def chunk_section(section: Section, first_ord: int) -> list[Chunk]:
    """Chunks of running text, and separate chunks of table rows (kind "table", one row a line, no overlap)
    and of footnotes (kind "note", no overlap).

    A table chunk holds whole rows of one table up to ``TARGET_CHARS``; every
    row names its cells by their header, so the header is in every chunk of a
    long table. A section's footnotes come after its text (``notes_last``).
    """
    chunks: list[Chunk] = []
    group: list[Block] = []
    size = 0
    carried = ""

    def flush() -> None:
        nonlocal group, size, carried
        if not group:
            return
        text = kind_of(group[0]) == "text"
        chunks.append(make_chunk(section, first_ord + len(chunks), group, carried if text else ""))
        carried = overlap_tail(group[-1].text) if text else ""
        group, size = [], len(carried)

    for block in (piece for b in notes_last(section.blocks) for piece in ([b] if b.table else split_long(b))):
        if group and (block.table != group[0].table or block.note != group[0].note
                      or size + len(block.text) > TARGET_CHARS):
            flush()
            if block.table or block.note:
                size = 0
        group.append(block)
        size += len(block.text) + 1
    flush()
    return chunks


def make_chunk(section: Section, ord: int, group: list[Block], carried: str) -> Chunk:
    body = "\n".join(b.text for b in group)
    text = f"{carried}\n{body}" if carried else body
    positions = tuple(dict.fromkeys((b.page, *b.bbox) for b in group))
    return Chunk(section.ord, ord, text, len(carried) + 1 if carried else 0, positions, kind_of(group[0]))


def chunk_document(blocks: list[Block], page_count: int) -> tuple[list[Section], list[Chunk]]:
    sections = sections_of(blocks, page_count)
    chunks: list[Chunk] = []
    for section in sections:
        chunks.extend(chunk_section(section, len(chunks)))
    return sections, chunks
