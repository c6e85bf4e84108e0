"""The embedder runs the model once for a question that several steps of an answer embed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.engine.models.embedding import REMEMBERED, Embedder
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
