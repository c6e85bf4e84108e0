"""Passages are indexed by an int8 copy of the fp32 embedder; questions stay fp32 and stored vectors are kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from desktop_app.engine import Engine
from desktop_app.engine.models.embedding_backends import (
    INT8_BATCH_TOKENS,
    BackendEmbedder,
    load_backend,
    passage_backend,
)
from desktop_app.engine.models.files import locate
from desktop_app.indexer.early import TOKEN_BUDGET
from desktop_app.indexer.pipeline import embedding_text
from support.library import FAST, index_all
from support.pdfs import garden_notes, harbour_report

FP32 = replace(FAST, embedding_backend="torch")


def stored(engine: Engine) -> tuple[list[str], np.ndarray]:
    """The embedding text and stored vector of every chunk, in chunk order."""
    rt = engine._rt
    ids, matrix = rt.store.vectors(rt.embedder.key)
    rows = {row.id: row for row in rt.store.chunks(ids)}
    return [embedding_text(rows[i].text, rows[i].section_title, rows[i].document_title) for i in ids], matrix


def test_passages_are_embedded_by_the_int8_copy_and_found_by_fp32_questions(tmp_path: Path) -> None:
    engine = Engine(tmp_path / "home", FP32)
    try:
        embedder = engine._rt.embedder
        assert isinstance(embedder, BackendEmbedder) and embedder.passage_backend == "torch-int8"
        indexed, failed = index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        assert indexed and not failed
        texts, vectors = stored(engine)
        fp32 = embedder.encode(texts)
        int8 = load_backend(embedder.model_dir, "torch-int8").encode(texts)
        assert np.allclose(vectors, int8, atol=1e-5), "the stored vectors are the int8 copy's"
        cosines = (vectors * fp32).sum(axis=1)
        assert cosines.max() < 0.9999 and cosines.min() > 0.9, cosines  # close to fp32, not fp32 itself

        question = "Which model is the northern breakwater gauge?"
        reference = load_backend(embedder.model_dir, "torch").encode([question])
        assert np.allclose(embedder.encode([question]), reference, atol=1e-6), "questions stay fp32"
        dense = engine.search(question, k=1, mode="dense").sources
        assert dense and "TG-7" in dense[0].text and dense[0].main_page == 2
    finally:
        engine.close()


def test_switching_the_setting_keeps_the_stored_vectors_and_indexes_the_next_file_with_fp32(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = Engine(home, FP32)
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        key = engine._rt.embedder.key
        before_texts, before = stored(engine)
    finally:
        engine.close()
    engine = Engine(home, replace(FP32, int8_passages=False))
    try:
        embedder = engine._rt.embedder
        assert isinstance(embedder, BackendEmbedder) and embedder.passage_backend is None
        assert embedder.key == key, "one key: no re-embedding when the setting changes"
        index_all(engine, [garden_notes(tmp_path / "garden.pdf")])
        assert not engine._rt.store.chunks_without_vectors(key)
        texts, vectors = stored(engine)
        kept = {t: v for t, v in zip(texts, vectors, strict=True)}
        assert all(np.allclose(kept[t], v) for t, v in zip(before_texts, before, strict=True))
        new = [t for t in texts if t not in before_texts]
        assert new and np.allclose(np.stack([kept[t] for t in new]), embedder.encode(new), atol=1e-5)
        top = engine.search("When does the greenhouse heater switch on?", k=1).sources
        assert top and "9 degrees" in top[0].text
    finally:
        engine.close()


def test_the_int8_copy_shares_the_fp32_weights_and_leaves_the_model_unchanged(tmp_path: Path) -> None:
    model_dir = locate("embedding", tmp_path / "models")
    fp32 = BackendEmbedder(model_dir, backend="torch")
    texts = ["The dredger Kestrel worked only at night.", "Basil is sown every three weeks."]
    before = fp32.encode(texts)
    int8 = load_backend(model_dir, "torch-int8")
    model = load_backend(model_dir, "torch")
    embeddings = (model.model[0].auto_model.embeddings.word_embeddings.weight,  # type: ignore[attr-defined]
                  int8.model[0].auto_model.embeddings.word_embeddings.weight)  # type: ignore[attr-defined]
    assert embeddings[0].data_ptr() == embeddings[1].data_ptr(), "the word embeddings are held once"
    assert np.array_equal(fp32.encode(texts), before), "quantizing a copy leaves the fp32 model as it was"
    assert (int8.encode(texts) * before).sum(axis=1).min() > 0.9


@pytest.mark.parametrize(("backend", "allowed", "expected"), [
    ("torch", True, "torch-int8"), ("torch", False, None), ("torch-bf16", True, None), ("onnx", True, None)])
def test_only_the_fp32_torch_backend_gets_an_int8_copy(backend: str, allowed: bool, expected: str | None) -> None:
    assert passage_backend(backend, allowed) == expected


@pytest.mark.parametrize(("backend", "passages", "expected"), [
    ("torch", "torch-int8", INT8_BATCH_TOKENS), ("torch-int8", None, INT8_BATCH_TOKENS), ("torch", None, TOKEN_BUDGET),
    ("torch-bf16", None, TOKEN_BUDGET)])
def test_the_int8_copy_is_given_smaller_batches(tmp_path: Path, backend: str, passages: str | None,
                                                expected: int) -> None:
    model_dir = locate("embedding", tmp_path / "models")
    assert BackendEmbedder(model_dir, backend=backend, passage_backend=passages).batch_tokens == expected
