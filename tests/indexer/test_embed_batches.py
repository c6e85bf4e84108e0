"""Chunks are embedded in batches of similar length and their vectors come back in chunk order."""

from __future__ import annotations

from collections.abc import Generator
from types import SimpleNamespace
from typing import Any

import numpy as np

from desktop_app.cancel import CancelToken
from desktop_app.indexer.chunking import Section
from desktop_app.indexer.early import EMBED_BATCH, TOKEN_BUDGET
from desktop_app.indexer.pipeline import Indexer, embedding_text
from desktop_app.store.library import Chunk


class RecordingEncoder:
    """Stands in for the embedder to see the batches: a text's vector is its length and its first letter."""

    def __init__(self, batch_tokens: int = TOKEN_BUDGET) -> None:
        self.batches: list[list[str]] = []
        self.batch_tokens = batch_tokens

    def token_counts(self, texts: list[str]) -> list[int]:
        return [min(256, 2 + len(t) // 4) for t in texts]

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        assert batch_size == len(texts), "one call is one batch"
        self.batches.append(list(texts))
        return np.array([[len(t), ord(t[0]), 0.0] for t in texts], dtype=np.float32)


def test_vectors_come_back_in_chunk_order_from_length_sorted_batches() -> None:
    sizes = [400, 5, 90, 1200, 30, 7, 650, 15] * 9  # mixed lengths, more than two batches
    chunks = [Chunk(0, i, chr(97 + i % 26) * size, 0, ((1, 0.0, 0.0, 1.0, 1.0),)) for i, size in enumerate(sizes)]
    encoder = RecordingEncoder()
    indexer: Any = Indexer.__new__(Indexer)
    indexer.embedder, indexer.vectors = encoder, SimpleNamespace(dim=3)
    vectors = run(indexer._embed("doc.pdf", [Section(0, "")], chunks, "", CancelToken(), {}))
    texts = [embedding_text(c.text, "", "") for c in chunks]
    assert vectors.tolist() == [[len(t), ord(t[0]), 0.0] for t in texts], "each vector belongs to its chunk"
    assert sorted(t for b in encoder.batches for t in b) == sorted(texts), "each text embedded once"
    longest = [max(encoder.token_counts(batch)) for batch in encoder.batches]
    assert longest == sorted(longest) and all(len(b) <= EMBED_BATCH for b in encoder.batches)
    assert all(len(b) * most <= TOKEN_BUDGET for b, most in zip(encoder.batches, longest, strict=True))
    assert max(len(t) for t in encoder.batches[0]) < 100, "the short texts are batched together"
    assert len(encoder.batches) < len(chunks) // 8, "short texts share a batch"


def test_batches_hold_at_most_the_padded_tokens_the_embedder_asks_for() -> None:
    chunks = [Chunk(0, i, chr(97 + i % 26) * size, 0, ((1, 0.0, 0.0, 1.0, 1.0),))
              for i, size in enumerate([60, 200, 400, 700, 1000] * 12)]
    runs = {}
    for budget in (TOKEN_BUDGET, 1024):
        encoder = RecordingEncoder(budget)
        indexer: Any = Indexer.__new__(Indexer)
        indexer.embedder, indexer.vectors = encoder, SimpleNamespace(dim=3)
        run(indexer._embed("doc.pdf", [Section(0, "")], chunks, "", CancelToken(), {}))
        padded = [len(b) * max(encoder.token_counts(b)) for b in encoder.batches]
        assert max(padded) <= budget and sum(len(b) for b in encoder.batches) == len(chunks)
        runs[budget] = len(encoder.batches)
    assert runs[1024] > runs[TOKEN_BUDGET], "a smaller budget makes more, smaller batches"


def test_chunks_embedded_while_reading_are_not_embedded_again() -> None:
    chunks = [Chunk(0, i, chr(97 + i) * (10 + i), 0, ((1, 0.0, 0.0, 1.0, 1.0),)) for i in range(6)]
    known = {chunks[i].text: np.array([-1.0, -1.0, float(i)], dtype=np.float32) for i in (1, 4)}
    encoder = RecordingEncoder()
    indexer: Any = Indexer.__new__(Indexer)
    indexer.embedder, indexer.vectors = encoder, SimpleNamespace(dim=3)
    vectors = run(indexer._embed("doc.pdf", [Section(0, "")], chunks, "", CancelToken(), known))
    assert [t for batch in encoder.batches for t in batch] == [chunks[i].text for i in (0, 2, 3, 5)]
    assert vectors[1].tolist() == [-1.0, -1.0, 1.0] and vectors[4].tolist() == [-1.0, -1.0, 4.0]
    assert vectors[2].tolist() == [12.0, 99.0, 0.0]


def run(steps: Generator[Any, None, np.ndarray]) -> np.ndarray:
    try:
        while True:
            next(steps)
    except StopIteration as done:
        vectors: np.ndarray = done.value
        return vectors


def test_the_bf16_embedder_is_chosen_only_on_cpus_that_compute_bf16_natively() -> None:
    from pathlib import Path

    from desktop_app.engine.models.embedding_backends import bf16_supported

    flags = set(Path("/proc/cpuinfo").read_text().split())
    assert bf16_supported() == bool({"avx512_bf16", "amx_bf16"} & flags), "plain AVX-512 only emulates bf16"
