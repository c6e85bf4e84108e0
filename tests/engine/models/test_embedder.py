"""The embedder runs the model once for a question that several steps of an answer embed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.engine.models.embedding import (
    REMEMBERED,
    Embedder,
    glibc,
    heap_free_bytes,
    keep_heap_small,
    trim_heap,
)
from desktop_app.engine.models.files import locate


def test_a_single_text_is_embedded_once_and_its_remembered_vector_cannot_be_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = Embedder(locate("embedding", tmp_path / "models"))
    runs: list[list[str]] = []
    model_encode = embedder._encode
    monkeypatch.setattr(embedder, "_encode", lambda texts, size: runs.append(list(texts)) or model_encode(texts, size))
    question = "Where is the spare key for the archive room kept?"
    first = embedder.encode([question])
    first[0, :] = 0.0  # a caller scribbling on its copy
    again = embedder.encode([question])
    batch = embedder.encode([question, "The spare key is in the blue cabinet."])
    assert runs == [[question], [question, "The spare key is in the blue cabinet."]]
    assert np.allclose(again[0], batch[0], atol=1e-5) and abs(float(np.linalg.norm(again[0])) - 1.0) < 1e-4
    for number in range(REMEMBERED):
        embedder.encode([f"question {number}"])
    embedder.encode([question])
    assert runs[-1] == [question]  # the oldest is forgotten


def test_the_bf16_backend_is_a_model_of_its_own_close_to_fp32_or_refused_without_native_bf16(tmp_path: Path) -> None:
    import torch

    from desktop_app.engine.models.embedding import load_sentence_transformer
    from desktop_app.engine.models.embedding_backends import bf16_supported, torch_bf16
    from desktop_app.errors import ModelError

    folder = locate("embedding", tmp_path / "models")
    if not bf16_supported():
        with pytest.raises(ModelError, match="no native bfloat16"):
            torch_bf16(folder)
        return
    model = torch_bf16(folder)
    fp32 = load_sentence_transformer(folder)
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    assert {p.dtype for p in fp32.parameters()} == {torch.float32}  # the shared model is not cast
    texts = ["Where is the spare key kept?", "The spare key is in the blue cabinet behind the desk."]
    cosines = np.sum(model.encode(texts, normalize_embeddings=True) * fp32.encode(texts, normalize_embeddings=True),
                     axis=1)
    assert cosines.min() > 0.999


@pytest.mark.skipif(glibc() is None, reason="glibc's allocator settings exist only on Linux with glibc")
def test_activations_freed_between_layers_are_reused_not_faulted_in_again(tmp_path: Path) -> None:
    """With the mapping threshold fixed, glibc's trim threshold stays at 128 KB unless it is raised too: every
    activation freed at the top of the heap then goes back to the system, and the next layer's faults its
    pages in again: 45,000 faults for these 40 texts, against 12,000."""
    import resource

    embedder = Embedder(locate("embedding", tmp_path / "models"))
    words = "the analyst reads the page labels and the citations of the manual before the meeting".split()
    texts = [" ".join(words[(i + j) % len(words)] for j in range(120)) for i in range(40)]
    embedder.encode_passages(texts, 8)  # loads the model and grows the heap to a batch's activations
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    embedder.encode_passages(texts, 8)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert keep_heap_small()
    assert faults < 20_000, f"{faults} page faults embedding 40 texts"


@pytest.mark.skipif(heap_free_bytes() is None, reason="needs glibc 2.33 or later (mallinfo2)")
def test_free_heap_pages_go_back_to_the_system_only_past_the_slack() -> None:
    """Memory freed between kept blocks (what batches of ever longer passages leave) stays mapped while it is
    under the slack, so the next batch reuses it without faulting; past the slack it is handed back."""

    def resident_mb() -> float:
        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20

    assert keep_heap_small()
    blocks = [bytearray(2**20) for _ in range(120)]  # under the mapping threshold: on the heap
    kept = blocks[1::2]
    del blocks  # 60 MB free, each 1 MB between two kept blocks
    free = heap_free_bytes()
    assert free is not None and free >= 55 * 2**20
    before = resident_mb()
    trim_heap(slack=free + 2**20)
    assert resident_mb() > before - 5
    trim_heap(slack=10 * 2**20)
    assert resident_mb() < before - 50
    assert len(kept) == 60
