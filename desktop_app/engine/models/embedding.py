"""Sentence embeddings with a local sentence-transformers model folder."""

from __future__ import annotations

import ctypes
import hashlib
import json
import re
import sys
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.errors import ModelError
from desktop_app.indexer.early import TOKEN_BUDGET

BATCH_SIZE = 32
COUNT_SLICE = 256
REMEMBERED = 32
"""Single texts (questions) whose vectors ``Embedder.encode`` keeps."""
MMAP_THRESHOLD = 16 * 2**20
"""Bytes from which glibc maps an allocation on its own (``keep_heap_small``)."""
M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
"""Free bytes at the top of the heap that glibc keeps for the next allocation (``keep_heap_small``)."""
M_TRIM_THRESHOLD = -1  # mallopt's parameter number, from glibc's malloc.h
HEAP_SLACK = 64 * 2**20
"""Free heap bytes left to the next batch of passages rather than handed back (``trim_heap``)."""


class Embedder:
    """Loads the model on first use; vectors come back L2-normalised float32."""

    def __init__(self, model_dir: Path, languages: tuple[str, ...] | None = None) -> None:
        """``languages``: what the model was trained on, when known (None: assume any)."""
        self.model_dir = model_dir
        self.languages = languages
        self._model: Any = None
        self._lock = threading.Lock()
        self._remembered: OrderedDict[str, np.ndarray] = OrderedDict()
        self._remembered_lock = threading.Lock()

    def covers(self, language: str) -> bool:
        return self.languages is None or language in self.languages

    @property
    def key(self) -> str:
        """A file-name-safe name that changes when the model changes."""
        digest = hashlib.sha256(str(self.model_dir.resolve()).encode()).hexdigest()[:8]
        return re.sub(r"[^A-Za-z0-9_.-]", "_", self.model_dir.name) + "-" + digest

    @property
    def dim(self) -> int:
        model = self._load()
        size = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(size())

    @property
    def max_tokens(self) -> int:
        return int(self._load().max_seq_length)

    @property
    def batch_tokens(self) -> int:
        """Padded tokens in one batch of passages being indexed (``indexer.early.token_batches``)."""
        return TOKEN_BUDGET

    def token_counts(self, texts: list[str]) -> list[int]:
        """How many tokens the model reads of each text (special tokens included, at most ``max_tokens``)."""
        return token_counts(self._load().tokenizer, texts, self.max_tokens)

    def encode(self, texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """One L2-normalised float32 row per text, shape (len(texts), dim).

        A single text is remembered (the last ``REMEMBERED`` of them): a question is embedded once,
        though the answer cache, the curated answers, retrieval and evidence selection all ask for it.
        """
        if len(texts) != 1:
            return self._encode(texts, batch_size)
        with self._remembered_lock:
            known = self._remembered.get(texts[0])
            if known is not None:
                self._remembered.move_to_end(texts[0])
                return known.copy()
        vectors = self._encode(texts, batch_size)
        with self._remembered_lock:
            self._remembered[texts[0]] = vectors.copy()
            while len(self._remembered) > REMEMBERED:
                self._remembered.popitem(last=False)
        return vectors

    def encode_passages(self, texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Vectors of passages being indexed, shape (len(texts), dim), L2-normalised float32; none is remembered.

        The model as ``encode`` runs it (``BackendEmbedder`` may run a faster copy). After each batch the
        heap's free pages go back to the system (``trim_heap``): indexing the generated 2,000-page PDF
        with the int8 copy then peaked at 792-798 MB in the indexing process against 934 MB without,
        at about the same speed (52.8 and 48.3 against 53.3 chunks/s; benchmarks/ingest.py). Handed
        back only past ``HEAP_SLACK``, with ``TRIM_THRESHOLD`` set, on an AVX2 CPU the same day: 37.5
        against 35.1 chunks/s (index time over raw fp32 embedding 0.78 against 0.90), 694 against 692 MB.
        """
        vectors = self._encode_passages(texts, batch_size)
        trim_heap()
        return vectors

    def _encode_passages(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self._encode(texts, batch_size)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = load_sentence_transformer(self.model_dir)
            return self._model


@cache
def load_sentence_transformer(model_dir: Path) -> Any:
    """Loaded once per process and folder: engines opened again (tests, a reopened library) share it."""
    if not (model_dir / "modules.json").exists() and not (model_dir / "config.json").exists():
        raise ModelError(
            f"{model_dir} is not a sentence-transformers model folder (no modules.json or config.json). "
            "Choose the folder that holds the model's config files."
        )
    keep_heap_small()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()

    try:
        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as exc:  # the library raises many kinds for a broken folder
        raise ModelError(f"The embedding model in {model_dir} could not be loaded: {exc}") from exc


@cache
def keep_heap_small() -> bool:
    """Have glibc map allocations of ``MMAP_THRESHOLD`` bytes and more on their own; False where it cannot.

    glibc raises its threshold for mapping an allocation to the size of each mapped block freed, so
    after the first batch the model's activations (50 MB of attention scores per layer for 16 texts
    of 256 tokens) come from the heap, and batches of ever longer texts leave it fragmented: embedding
    a 2,000-page document's 3,000 first chunks peaked at 1,026-1,060 MB. A fixed 16 MB threshold
    maps the largest activations afresh and returns them on free: 767-780 MB at 0.96-0.98x the
    speed (4 MB: 615 MB at 0.75x). Only on Linux with glibc; elsewhere nothing is changed.

    Fixing the mapping threshold also fixes glibc's trim threshold at its 128 KB default, so every
    activation freed at the top of the heap went back to the system and the next layer's faulted its
    pages in again: the int8 copy made 316,000-341,000 page faults embedding 160 texts of 130-170
    tokens, against 13,000 with ``TRIM_THRESHOLD`` (twice the mapping threshold, as glibc's own sliding
    rule keeps), and embedded 41.8-44.6 against 54.2-55.7 texts/s on an AVX2 CPU (two runs each).
    ``trim_heap`` hands free pages back between batches once they pass ``HEAP_SLACK``.
    """
    libc = glibc()
    return libc is not None and bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) \
        and bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


class MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (malloc.h, glibc 2.33 and later): all fields are ``size_t``."""

    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def heap_free_bytes() -> int | None:
    """Bytes free in glibc's heaps (``mallinfo2().fordblks``, all arenas); None without glibc 2.33 or later."""
    libc = glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    return int(libc.mallinfo2().fordblks)


def trim_heap(slack: int = HEAP_SLACK) -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``) once more than ``slack`` bytes
    are free; nothing elsewhere. Where the free bytes cannot be read, always."""
    libc = glibc()
    if libc is not None:
        free = heap_free_bytes()
        if free is None or free > slack:
            libc.malloc_trim(0)


@cache
def glibc() -> Any:
    """The C library when it is glibc (it has ``mallopt`` and ``malloc_trim``), else None (not Linux, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    if hasattr(libc, "mallinfo2"):  # glibc 2.33 and later (``heap_free_bytes``)
        libc.mallinfo2.restype = MallInfo2
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def token_counts(tokenizer: Any, texts: list[str], most: int) -> list[int]:
    """Lengths of ``texts`` in the tokens of a Hugging Face ``tokenizer``, cut at ``most`` as encoding cuts them.

    Counted ``COUNT_SLICE`` texts at a time: a fast tokenizer keeps every token's string and offsets
    until its result is freed, which for 12,298 chunks at once took over 300 MB.
    """
    counts: list[int] = []
    for start in range(0, len(texts), COUNT_SLICE):
        encoded = tokenizer(texts[start:start + COUNT_SLICE], truncation=True, max_length=most,
                            return_attention_mask=False, return_token_type_ids=False)
        counts += [len(ids) for ids in encoded["input_ids"]]
    return counts


def normalised(vectors: Any) -> np.ndarray:
    """float32 rows of unit length (a bf16 or int8 model's own normalisation is off by ~1e-3)."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: np.ndarray = matrix / np.maximum(norms, 1e-12)
    return unit


def folder_fingerprint(model_dir: Path) -> str:
    """Changes when the weights change: names, sizes and modification times of the folder's files."""
    parts = [f"{p.relative_to(model_dir)}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
             for p in sorted(model_dir.rglob("*")) if p.is_file()]
    return hashlib.sha256(json.dumps([str(model_dir), *parts]).encode()).hexdigest()[:12]
