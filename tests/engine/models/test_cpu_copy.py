"""The Q8_0 copy of a Q4_1 chat model: made once by llama.cpp, used on the CPU, never at the cost of the file."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine import Engine, Settings
from desktop_app.engine.models import cpu_copy
from desktop_app.engine.models.chat import Generation, LocalModel, ModelSettings, weights_for
from desktop_app.engine.models.cpu_copy import KEEP, cpu_weights, prune
from desktop_app.engine.models.gguf_info import read_info
from desktop_app.errors import ModelError
from support.llama_server import bundled_chat_model


def test_a_q4_1_model_runs_from_a_q8_0_copy_made_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = bundled_chat_model()
    info = read_info(source)
    assert info.quantization == "Q4_1"
    weights = cpu_weights(source, info, tmp_path)
    assert weights.copy == "Q8_0" and weights.note == "" and weights.path.parent == tmp_path
    made = read_info(weights.path)
    assert made.quantization == "Q8_0" and made.tensors == info.tensors
    assert info.size_bytes < made.size_bytes < info.size_bytes * cpu_copy.GROWTH
    assert list(tmp_path.glob("*.partial")) == []

    def no_second_copy(*args: object, **kwargs: object) -> None:
        raise AssertionError("the copy was made again")

    monkeypatch.setattr(cpu_copy, "requantize", no_second_copy)
    assert cpu_weights(source, info, tmp_path) == weights


def test_the_engine_runs_the_copy_and_the_file_when_the_setting_is_off(data_home: Path) -> None:
    engine = Engine(data_home, Settings())
    try:
        info = engine.models.info()
        assert info.runs_as == "Q8_0" and info.notes == ()
        assert info.path == str(bundled_chat_model())  # the file the user chose is what answered
        engine.update_settings(q8_0_copy=False)
        assert engine.models.info().runs_as == ""
    finally:
        engine.close()


def test_the_copy_answers_like_the_file(tmp_path: Path) -> None:
    question = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    replies = []
    for copy in (True, False):
        model = LocalModel(ModelSettings(path=bundled_chat_model(), n_ctx=256, cpu_copy=copy))
        try:
            assert model.weights.copy == ("Q8_0" if copy else "")
            tokens, stop = model.render(question)
            done = [p for p in model.stream(tokens, stop, 8, 0.0, CancelToken()) if isinstance(p, Generation)]
            replies.append(done[-1].text)
        finally:
            model.close()
    assert all("Paris" in reply for reply in replies), replies


def test_a_file_of_another_quantization_or_on_the_gpu_runs_as_it_is(tmp_path: Path) -> None:
    source = bundled_chat_model()
    info = replace(read_info(source), quantization="Q4_K_M")
    assert cpu_weights(source, info, tmp_path) == cpu_copy.Weights(source)
    assert list(tmp_path.iterdir()) == []
    offloaded = ModelSettings(path=source, n_gpu_layers=-1, cpu_copy=True)
    assert weights_for(offloaded, read_info(source)) == cpu_copy.Weights(source)


def test_a_copy_llama_cpp_cannot_make_leaves_the_file_and_says_why(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.Q4_1.gguf"
    damaged.write_bytes(bundled_chat_model().read_bytes()[:5_000_000])
    folder = tmp_path / "copies"
    weights = cpu_weights(damaged, read_info(bundled_chat_model()), folder)
    assert weights.path == damaged and weights.copy == ""
    assert "No Q8_0 copy of damaged.Q4_1.gguf could be made" in weights.note
    assert "The file runs as it is" in weights.note
    assert list(folder.iterdir()) == []  # no partial copy is left behind


def test_too_little_disk_or_an_unwritable_cache_leaves_the_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    source = bundled_chat_model()
    info = read_info(source)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    weights = cpu_weights(source, info, blocked / "copies")
    assert weights.path == source and "could be made for faster prompts (" in weights.note

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 10**6, 10**6))
    weights = cpu_weights(source, info, tmp_path / "copies")
    assert weights.path == source and "MB free" in weights.note and "1 MB are" in weights.note


def test_only_the_most_recently_used_copies_and_no_stale_partial_files_are_kept(tmp_path: Path) -> None:
    now = time.time()
    copies = [tmp_path / f"model{i}.Q8_0.gguf" for i in range(KEEP + 2)]
    for age, path in enumerate(copies):
        path.write_bytes(b"GGUF")
        os.utime(path, (now - age * 60, now - age * 60))
    stale, fresh = tmp_path / "old.gguf.1.partial", tmp_path / "new.gguf.2.partial"
    stale.write_bytes(b"")
    fresh.write_bytes(b"")
    os.utime(stale, (now - 2 * cpu_copy.STALE_PARTIAL_S, now - 2 * cpu_copy.STALE_PARTIAL_S))
    prune(tmp_path, KEEP)
    assert sorted(tmp_path.iterdir()) == sorted([*copies[:KEEP], fresh])


def test_a_child_that_fails_is_a_model_error(tmp_path: Path) -> None:
    from desktop_app.engine.models.trial_load import requantize

    with pytest.raises(ModelError, match="Requantizing missing.gguf failed"):
        requantize(tmp_path / "missing.gguf", tmp_path / "out.gguf", 7)
