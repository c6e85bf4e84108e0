"""Whole documents as sources: when the documents a question is limited to fit the model's window, the model
reads them whole instead of the top-k passages (as LM Studio does with a document that fits), and the answer
says so."""

from __future__ import annotations

from collections.abc import Callable

from desktop_app.engine.retrieval.search import Source, join_chunks
from desktop_app.store.library import ChunkRow, LibraryStore

PROMPT_RESERVE_TOKENS = 400  # the system prompt, the question, the source labels and the chat template


def whole_document_sources(store: LibraryStore, document_ids: list[int], budget: int, count: Callable[[str], int]
                           ) -> list[Source] | None:
    """Every section of the documents as a numbered source, in reading order, if all of them take at most
    ``budget`` tokens (less ``PROMPT_RESERVE_TOKENS``) by ``count``; else None (search them instead)."""
    sections: list[list[ChunkRow]] = []
    for document_id in document_ids:
        for chunk in store.document_chunks(document_id):
            if sections and sections[-1][0].section_id == chunk.section_id:
                sections[-1].append(chunk)
            else:
                sections.append([chunk])
    if not sections:
        return None
    total = 0
    for chunks in sections:
        total += count(join_chunks(chunks)) + 8
        if total > budget - PROMPT_RESERVE_TOKENS:
            return None
    return [Source(chunks, 1.0, 1.0, number) for number, chunks in enumerate(sections, start=1)]
