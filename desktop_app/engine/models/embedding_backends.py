"""Faster ways to run the same sentence-transformers weights.

The setting's default, "auto", is ``torch-bf16`` where the CPU computes
bfloat16 natively and ``torch`` elsewhere: measured on the corpus chunks
(benchmarks/embedders.py), bf16 embeds 2.7x faster with the same dev-set
hit@5 and vectors within cosine 0.9999 of fp32, which meets the rule for a
default (at least 2x faster, hit@5 down by one point at most).

Every backend runs the model folder given, offline, and returns what the
default does: one L2-normalised float32 row per text. Measured against the
default in ``benchmarks/embedders.py`` (speed on the corpus chunks and dev-set
retrieval), which decides whether one may become the default.

- ``torch``: the SentenceTransformer as loaded by ``Embedder`` (fp32).
- ``torch-bf16``: the same model cast to bfloat16. Fast only on CPUs with
  native bf16 (AVX512-BF16 or AMX); elsewhere it is emulated and slower, so it
  refuses to load there.
- ``torch-int8``: PyTorch dynamic int8 quantization of the Linear layers.
- ``onnx`` / ``onnx-int8``: the transformer exported locally to ONNX (mean or
  CLS pooling inside the graph) and run by onnxruntime, optionally with
  dynamic int8 weights. Needs the ``onnxruntime`` and ``onnx`` packages; the
  exported file is cached in ``cache_dir``.
"""

from __future__ import annotations

import copy
import os
import threading
import warnings
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from desktop_app.engine.models.embedding import (
    BATCH_SIZE,
    Embedder,
    load_sentence_transformer,
    normalised,
    token_counts,
)
from desktop_app.engine.settings import EMBEDDING_BACKENDS
from desktop_app.errors import ModelError

DEFAULT_BACKEND = "torch"
SAME_VECTORS = ("torch", "torch-bf16")
"""Backends whose vectors match fp32 closely enough (cosine >= 0.9998 measured) to share its stored vectors."""


def resolve_backend(name: str) -> str:
    """The backend the setting names; "auto" picks bf16 on CPUs that compute it natively."""
    if name == "auto":
        return "torch-bf16" if bf16_supported() else "torch"
    return name


def passage_backend(backend: str, int8_passages: bool) -> str | None:
    """The backend that embeds passages while indexing: the int8 copy where ``backend`` is fp32 torch and
    the setting allows it (1.33-1.42x the fp32 ingest of a 2,000-page PDF on 2 cores, benchmarks/ingest.py), else None
    (``backend`` itself)."""
    return "torch-int8" if int8_passages and backend == "torch" else None


INT8_BATCH_TOKENS = 1024
"""Padded tokens in one batch of the int8 copy, against 4,096 for the others (``TOKEN_BUDGET``). On a CPU with
AVX2 and no AVX-512 (AMD EPYC, 2 cores), indexing the generated 2,000-page PDF ran at 48.0 chunks/s against
40.0 with 4,096 (raw fp32 sentence-transformers 36.9 and 35.0 in those runs) and peaked at 773 MB for all
processes against 862 (benchmarks/ingest.py). Side by side in one later run (``--pages 1000
--int8-batch-tokens 4096,1024``, two rounds) the speed gain was only 1.00-1.05x, the memory saving the same
(720-723 MB against 802-809). Not measured on CPUs with AVX-512 VNNI, which also run the int8 copy."""


class EncoderBackend(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    @property
    def max_seq_length(self) -> int: ...

    def token_counts(self, texts: list[str]) -> list[int]: ...

    def encode(self, texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray: ...


class SentenceTransformerBackend:
    """A (possibly cast or quantized) SentenceTransformer."""

    def __init__(self, model: Any, name: str) -> None:
        self.model = model
        self.name = name

    @property
    def dim(self) -> int:
        size = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(size())

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def token_counts(self, texts: list[str]) -> list[int]:
        return token_counts(self.model.tokenizer, texts, self.max_seq_length)

    def encode(self, texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)
        return normalised(vectors)


def bf16_supported() -> bool:
    """Whether this CPU computes bfloat16 natively: AVX-512 BF16 or AMX (otherwise torch emulates it, slowly).

    oneDNN's own test (``torch.ops.mkldnn._is_mkldnn_bf16_supported``) also says yes for plain AVX-512,
    where it emulates bf16: on such a CPU (AVX-512 VNNI, no BF16) the bf16 embedder ran at 9.3 texts/s
    against 35 for fp32, so torch's CPU feature checks are asked instead (False where they are missing).
    """
    import torch

    checks = (getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"))
    return any(bool(check()) for check in checks if check is not None)


ONEDNN_CACHE = "32"
"""oneDNN primitives kept (``ONEDNN_PRIMITIVE_CACHE_CAPACITY``; its default is 1,024). Each batch shape of
the bf16 embedder makes its own, so indexing kept ever more. On a CPU with AMX, embedding 1,500 generated
texts in token batches held 748-753 MB after and peaked at 846-849 MB with 1,024, against 671-672 and
780-781 MB with 32, at the same speed (two rounds alternating; the fp32 twin was still loaded then).
Indexing the generated 2,000-page PDF (``benchmarks/ingest.py``) then peaked at 837 MB with 32 and 887 MB
with 128 in the indexing process (134 chunks/s with either). The price is paid by short batches of new
shapes, as evidence selection embeds: 12 sentences in two batches took 28-29 ms with 32, 23 with 128 and
21-22 with 1,024 (two rounds); the 1 GB bound on indexing wins."""


def torch_bf16(model_dir: Path) -> Any:
    """The model in ``model_dir`` loaded on its own and cast to bfloat16: not a copy of the shared fp32 one,
    which would stay loaded beside it (90 MB for MiniLM-L6) though nothing runs it."""
    import torch

    if not bf16_supported():
        raise ModelError("This processor has no native bfloat16 support, so the torch-bf16 embedding backend "
                         "would be slower than the default; use torch.")
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", ONEDNN_CACHE)  # read when the first one is made
    return load_sentence_transformer.__wrapped__(model_dir).to(torch.bfloat16)


def torch_int8(model: Any) -> Any:
    """A copy of ``model`` whose Linear layers are int8 (PyTorch dynamic quantization, per-channel weights).

    The copy shares every fp32 parameter with ``model`` (the quantized layers keep packed int8 weights of
    their own), so its word embeddings are not held twice: making it for MiniLM-L6 added 7 MB of RSS. Per-channel weight
    scales keep vectors closer to fp32 than one scale per tensor: cosine mean 0.976, min 0.94 on the corpus
    chunks, against 0.924 and 0.81 (benchmarks/embedders.py).
    """
    import torch

    quantization = torch.ao.quantization
    shared = copy.deepcopy(model, memo={id(p): p for p in model.parameters()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        quantized: Any = quantization.quantize_dynamic(
            shared, {torch.nn.Linear: quantization.per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True)
    return quantized


def load_backend(model_dir: Path, backend: str = DEFAULT_BACKEND, cache_dir: Path | None = None) -> EncoderBackend:
    """The model in ``model_dir`` run by ``backend`` (one of ``EMBEDDING_BACKENDS``); loaded once per process."""
    if backend not in EMBEDDING_BACKENDS:
        raise ModelError(f"Unknown embedding backend {backend!r}; use one of {', '.join(EMBEDDING_BACKENDS)}.")
    return _load(Path(model_dir).resolve(), backend, Path(cache_dir).resolve() if cache_dir else None)


@cache
def _load(model_dir: Path, backend: str, cache_dir: Path | None) -> EncoderBackend:
    if backend.startswith("onnx"):
        from desktop_app.engine.models.onnx_backend import OnnxBackend

        return OnnxBackend.load(model_dir, quantized=backend == "onnx-int8", cache_dir=cache_dir)
    if backend == "torch-bf16":
        return SentenceTransformerBackend(torch_bf16(model_dir), backend)
    model = load_sentence_transformer(model_dir)
    return SentenceTransformerBackend(torch_int8(model) if backend == "torch-int8" else model, backend)


class BackendEmbedder(Embedder):
    """An ``Embedder`` whose model runs on ``backend``; a drop-in for the engine.

    A quantized backend gets its own vector key, because its vectors differ
    from fp32 ones (cosine 0.92-0.98 mean for int8): switching to it goes through a
    re-embedding like a change of model. bf16 shares fp32's vectors.

    ``passage_backend`` (None: ``backend``) embeds the passages being indexed
    (``encode_passages``) while questions, quotes and summaries keep ``backend``.
    Its vectors are stored under ``backend``'s key, beside any made before: a
    question embedded in fp32 finds passages embedded by the int8 copy as well
    as those embedded in fp32 (dev set: the same hybrid hit@5, README, Embedding models),
    and the evidence floor, calibrated on fp32 sentence cosines, still applies.
    """

    def __init__(self, model_dir: Path, languages: tuple[str, ...] | None = None, backend: str = DEFAULT_BACKEND,
                 cache_dir: Path | None = None, passage_backend: str | None = None) -> None:
        super().__init__(model_dir, languages)
        self.backend = backend
        self.cache_dir = cache_dir
        self.passage_backend = passage_backend if passage_backend != backend else None
        self._backend: EncoderBackend | None = None
        self._passages: EncoderBackend | None = None
        self._backend_lock = threading.Lock()

    @property
    def key(self) -> str:
        base = super().key
        return base if self.backend in SAME_VECTORS else f"{base}-{self.backend}"

    @property
    def dim(self) -> int:
        return self._encoder().dim

    @property
    def max_tokens(self) -> int:
        return self._encoder().max_seq_length

    @property
    def batch_tokens(self) -> int:
        """``INT8_BATCH_TOKENS`` where passages are embedded by the int8 copy (or the backend is int8)."""
        return INT8_BATCH_TOKENS if (self.passage_backend or self.backend) == "torch-int8" else super().batch_tokens

    def token_counts(self, texts: list[str]) -> list[int]:
        return self._encoder().token_counts(texts)

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self._encoder().encode(texts, batch_size)

    def _encode_passages(self, texts: list[str], batch_size: int) -> np.ndarray:
        if self.passage_backend is None:
            return self._encode(texts, batch_size)
        with self._backend_lock:
            if self._passages is None:
                self._passages = load_backend(self.model_dir, self.passage_backend, self.cache_dir)
        return self._passages.encode(texts, batch_size)

    def _encoder(self) -> EncoderBackend:
        with self._backend_lock:
            if self._backend is None:
                self._backend = load_backend(self.model_dir, self.backend, self.cache_dir)
            return self._backend
