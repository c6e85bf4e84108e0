"""Embed a long document's first chunks while the PDF worker is still reading its later pages.

Chunking needs the whole document (the body font size, the running heads and
footers repeated across pages), so chunks made from the pages read so far are
only provisional. They are embedded while the worker reads on, and their
vectors are kept by their exact embedding text. When the document is read, the
final chunking runs as before and takes the kept vector of every chunk whose
text is unchanged; the others are embedded then. The vectors stored are thus
the ones embedding after reading would give, and the time spent on chunks the
final chunking made differently is the only waste.

The chunks of the last section of the pages read so far are never embedded
early: that section may go on in the next pages.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.errors import DocumentError
from desktop_app.indexer.chunking import chunk_document
from desktop_app.indexer.embed import Embedder
from desktop_app.indexer.extract import PagesRead, checked_document

TOKEN_BUDGET = 4096
"""Tokens in one padded batch (texts x the longest's tokens) by default: 16 texts of 256 tokens, or 64 short
ones. An embedder may ask for another (``Embedder.batch_tokens``)."""
EMBED_BATCH = 64
"""Texts in one batch at most."""
FIRST_PLAN_PAGES = 32
"""No early embedding before this many pages are read: a short document is read in a moment."""
PLAN_GROWTH = 0.25
"""A new provisional chunking waits for this share of the pages already read (each one chunks them all)."""


def embedding_text(text: str, section_title: str, doc_title: str) -> str:
    """What the embedder sees: the chunk with its document and section named."""
    heading = " / ".join(t for t in (doc_title, section_title) if t)
    return f"{heading}\n{text}" if heading else text


def token_batches(counts: list[int], budget: int = TOKEN_BUDGET) -> list[list[int]]:
    """Positions of texts grouped into batches of similar length, shortest first.

    ``counts``: each text's tokens (``Embedder.token_counts``). A batch is padded to its longest text,
    so texts are sorted by tokens, and a batch takes texts while its padded size stays within
    ``budget`` tokens and it has at most ``EMBED_BATCH`` texts (a text longer than ``budget`` is a
    batch of its own). A fixed 32 texts of up to 256 tokens
    held twice the activations (attention scores are batch x heads x tokens^2) and was no faster
    on 2 cores (``benchmarks/ingest.py``).
    """
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(counts)), key=counts.__getitem__):
        if current and ((len(current) + 1) * counts[i] > budget or len(current) >= EMBED_BATCH):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


class EarlyEmbedding:
    """Vectors of provisional chunks, keyed by embedding text, made one batch at a time between pages.

    ``step`` is called after each page the worker sends; ``vectors`` is read after the final chunking.
    """

    def __init__(self, embedder: Embedder, path: Path) -> None:
        self.embedder = embedder
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self.pending: list[list[str]] = []
        self.planned_at = 0

    def step(self, read: PagesRead) -> None:
        """Embed one batch of pending provisional chunks, chunking the pages read so far again when none is left.

        Raises what ``Embedder.encode_passages`` raises.
        """
        if not self.pending and read.done >= max(FIRST_PLAN_PAGES, self.planned_at * (1 + PLAN_GROWTH)) \
                and read.done < read.total:
            self._plan(read)
        if self.pending:
            batch = self.pending.pop(0)
            self.vectors.update(zip(batch, self.embedder.encode_passages(batch, len(batch)), strict=True))

    def _plan(self, read: PagesRead) -> None:
        self.planned_at = read.done
        try:
            document = checked_document(self.path, {"title": read.title, "pages": read.pages}, read.kind)
        except DocumentError:  # no text yet (a scanned front page?): the final chunking decides
            return
        sections, chunks = chunk_document(document.blocks, document.page_count)
        if len(sections) < 2:
            return
        open_section = sections[-1].ord
        titles = {s.ord: s.title for s in sections}
        texts = list({embedding_text(c.text, titles[c.section_ord], document.title): None for c in chunks
                      if c.section_ord != open_section})
        texts = [t for t in texts if t not in self.vectors]
        batches = token_batches(self.embedder.token_counts(texts), self.embedder.batch_tokens)
        self.pending = [[texts[i] for i in batch] for batch in batches]
