"""The embedding step of the pipeline: what it needs of an embedding model.

The models themselves (sentence-transformers, ONNX) live in
``desktop_app.engine.models``; the indexer only calls this protocol, so it
does not depend on the engine above it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Embedder(Protocol):
    @property
    def key(self) -> str:
        """A file-name-safe name that changes when the model changes; vectors are stored under it."""
        ...

    @property
    def dim(self) -> int:
        """Length of each vector."""
        ...

    @property
    def batch_tokens(self) -> int:
        """Padded tokens (texts x the longest's tokens) in one batch of ``encode_passages``."""
        ...

    def token_counts(self, texts: list[str]) -> list[int]:
        """How many tokens the model reads of each text (at most its input length)."""
        ...

    def encode_passages(self, texts: list[str], batch_size: int = ...) -> np.ndarray:
        """(len(texts), dim) float32 vectors of passages being indexed, L2-normalised."""
        ...
