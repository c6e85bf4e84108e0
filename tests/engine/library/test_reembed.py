"""Changing the embedding model: re-embedding in steps while search keeps working, then switching."""

from __future__ import annotations

import shutil
from pathlib import Path

from desktop_app.engine import Engine, ReembedProgress
from desktop_app.engine.models.files import locate
from support.library import index_all
from support.pdfs import korean_garbled, korean_manual


def test_changing_the_embedding_model_re_embeds_in_steps_and_switches(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [korean_manual(tmp_path / "manual.pdf"), korean_garbled(tmp_path / "garbled.pdf")])
    chunks = engine._rt.store.chunk_count()
    other = tmp_path / "my-embedder"
    shutil.copytree(locate("embedding", tmp_path), other)
    old_key = engine._rt.embedder.key
    steps: list[ReembedProgress] = []
    for step in engine.library.change_embedding_model(other):
        steps.append(step)
        assert engine.search("설치 폴더", k=1).sources, "search keeps working while re-embedding"
    assert steps[-1].done == steps[-1].total == chunks
    assert engine.settings.embedding_model_path == str(other)
    assert engine._rt.embedder.key != old_key
    models = {row[0] for row in engine._rt.db.execute("SELECT DISTINCT model FROM vectors")}
    assert models == {engine._rt.embedder.key}
    assert engine.search("암호가 걸린 문서", k=1).sources[0].main_page == 2
    reopened = Engine(engine.home)
    try:
        assert reopened._rt.embedder.key == engine._rt.embedder.key, "the choice is saved"
    finally:
        reopened.close()
