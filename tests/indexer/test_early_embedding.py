"""A long document's first chunks are embedded while its later pages are read, with the same vectors."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from desktop_app.cancel import CancelToken
from desktop_app.engine.models.embedding import Embedder
from desktop_app.engine.models.files import locate
from desktop_app.indexer.early import FIRST_PLAN_PAGES
from desktop_app.indexer.events import FileProgress
from desktop_app.indexer.extract import PdfExtractor
from desktop_app.indexer.pipeline import Indexer, embedding_text
from support.pdfs import harbour_report


class CountingEmbedder(Embedder):
    """The real embedder, counting the texts it was given."""

    def __init__(self, model_dir: Path) -> None:
        super().__init__(model_dir)
        self.texts: list[str] = []

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.texts += texts
        return super().encode_passages(texts, batch_size)


def read_with_stages(path: Path, extractor: PdfExtractor, embedder: CountingEmbedder) -> dict[str, Any]:
    """Run ``Indexer._read`` and note how many texts were embedded while the pages were still being read."""
    indexer: Any = Indexer.__new__(Indexer)
    indexer.embedder, indexer.extractor, indexer.vectors = embedder, extractor, SimpleNamespace(dim=384)
    steps = indexer._read(path, None, CancelToken())
    while_reading = 0
    try:
        while True:
            event = next(steps)
            if isinstance(event, FileProgress) and event.stage == "reading":
                while_reading = len(embedder.texts)
    except StopIteration as done:
        extracted, sections, chunks, vectors = done.value
    titles = {s.ord: s.title for s in sections}
    texts = [embedding_text(c.text, titles[c.section_ord], extracted.title) for c in chunks]
    return {"while_reading": while_reading, "texts": texts, "vectors": vectors, "pages": extracted.page_count}


def test_a_long_document_is_embedded_while_read_and_stores_the_vectors_embedding_after_gives(
        guide_pdf: Path, extractor: PdfExtractor, tmp_path: Path) -> None:
    embedder = CountingEmbedder(locate("embedding", tmp_path / "models"))
    result = read_with_stages(guide_pdf, extractor, embedder)
    texts = result["texts"]
    assert result["pages"] > FIRST_PLAN_PAGES
    assert result["while_reading"] >= len(texts) // 2, "most of the guide is embedded before its last page is read"
    embedded = set(embedder.texts)
    assert embedded >= set(texts) and len(embedder.texts) == len(embedded), "every chunk embedded, none twice"
    wasted = len(embedded - set(texts))
    assert wasted <= 0.1 * len(texts), f"{wasted} provisional chunks did not survive the final chunking"
    sample = list(range(0, len(texts), max(1, len(texts) // 40)))
    direct = Embedder(embedder.model_dir).encode([texts[i] for i in sample])
    cosines = (result["vectors"][sample] * direct).sum(axis=1)
    assert cosines.min() > 0.9999, "the stored vectors are those embedding after reading gives"


def test_a_short_document_is_embedded_once_it_is_read(extractor: PdfExtractor, tmp_path: Path) -> None:
    embedder = CountingEmbedder(locate("embedding", tmp_path / "models"))
    result = read_with_stages(harbour_report(tmp_path / "report.pdf"), extractor, embedder)
    assert result["while_reading"] == 0 and sorted(embedder.texts) == sorted(result["texts"])
