"""Embed the whole library with another embedding model, in batches, resumable.

Vectors are stored per model, so searches keep using the current model's
vectors while the new ones are computed; the caller switches models only
when every chunk has a vector from the new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from desktop_app.cancel import CancelToken
from desktop_app.indexer.early import EMBED_BATCH, embedding_text
from desktop_app.indexer.embed import Embedder
from desktop_app.store.library import LibraryStore


@dataclass(frozen=True)
class ReembedProgress:
    model: str
    done: int
    total: int


def reembed(store: LibraryStore, embedder: Embedder, cancel: CancelToken) -> Iterator[ReembedProgress]:
    """Add the missing vectors for ``embedder``; repeats until none is missing (documents may arrive meanwhile)."""
    done = 0
    while True:
        missing = store.chunks_without_vectors(embedder.key)
        if not missing:
            yield ReembedProgress(embedder.key, done, done)
            return
        total = done + len(missing)
        for start in range(0, len(missing), EMBED_BATCH):
            cancel.raise_if_cancelled()
            yield ReembedProgress(embedder.key, done, total)
            batch = missing[start:start + EMBED_BATCH]
            texts = [embedding_text(row.text, row.section_title, row.document_title) for row in batch]
            store.add_vectors([row.id for row in batch], embedder.encode_passages(texts), embedder.key)
            done += len(batch)
