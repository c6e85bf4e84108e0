"""Chunking by structure: sections at headings, bounded chunks with overlap, running heads dropped."""

from desktop_app.indexer.chunking import MAX_CHARS, OVERLAP_CHARS, chunk_document, sections_of, split_long
from desktop_app.indexer.extract import Block


def block(page: int, text: str, size: float = 10.0, bold: bool = False, y: float = 100.0) -> Block:
    return Block(page=page, bbox=(72.0, y, 500.0, y + 20.0), text=text, size=size, bold=bold)


def paragraph(n: int) -> str:
    return " ".join(f"Sentence {n}.{i} talks about topic {n} in some detail." for i in range(6))


def test_headings_start_sections_and_keep_their_titles() -> None:
    blocks = [block(1, "Introduction", size=16), block(1, paragraph(1)), block(2, "Methods", size=16),
              block(2, paragraph(2)), block(2, "Results", bold=True), block(3, paragraph(3))]
    sections = sections_of(blocks, page_count=3)
    assert [s.title for s in sections] == ["Introduction", "Methods", "Results"]
    assert [len(s.blocks) for s in sections] == [1, 1, 1]


def test_chunks_stay_in_their_section_and_overlap_the_previous_chunk() -> None:
    blocks = [block(1, "Long Section", size=16)] + [block(1 + i // 3, paragraph(i), y=100 + i) for i in range(9)]
    blocks.append(block(4, "Next Section", size=16))
    blocks.append(block(4, paragraph(99)))
    sections, chunks = chunk_document(blocks, page_count=4)
    first = [c for c in chunks if c.section_ord == sections[0].ord]
    assert len(first) > 2
    for previous, current in zip(first, first[1:], strict=False):
        carried = current.text[: current.overlap - 1]
        assert 0 < len(carried) <= OVERLAP_CHARS
        assert previous.text.endswith(carried)
    last = chunks[-1]
    assert last.section_ord == sections[1].ord and last.overlap == 0 and "topic 99" in last.text
    assert all(len(c.text) <= MAX_CHARS + OVERLAP_CHARS + 1 for c in chunks)
    assert [c.ord for c in chunks] == list(range(len(chunks)))


def test_chunk_positions_name_the_pages_of_their_blocks() -> None:
    blocks = [block(1, paragraph(1)), block(2, paragraph(2))]
    _, chunks = chunk_document(blocks, page_count=2)
    assert chunks[0].pages == [1, 2]
    assert [p[0] for p in chunks[0].positions] == [1, 2]


def test_running_heads_repeated_on_many_pages_are_dropped() -> None:
    blocks = []
    for page in range(1, 9):
        blocks += [block(page, f"ACME Annual Report {page}", y=20), block(page, paragraph(page))]
    sections, chunks = chunk_document(blocks, page_count=8)
    assert not any("ACME Annual Report" in c.text for c in chunks)


def test_a_block_longer_than_a_chunk_is_cut_at_sentence_ends() -> None:
    long = block(1, " ".join(f"This is sentence number {i} of a very long paragraph." for i in range(80)))
    pieces = split_long(long)
    assert len(pieces) > 1
    assert all(len(p.text) <= MAX_CHARS for p in pieces)
    assert all(p.text.endswith(".") for p in pieces)
    assert " ".join(p.text for p in pieces) == long.text
