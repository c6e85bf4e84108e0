"""A conversation's KV cache is kept on disk, so its follow-up after another conversation or a restart starts at once.

Real bundled model, real llama.cpp state files.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from desktop_app.engine import AnswerDone, Engine
from desktop_app.engine.models.chat import common_prefix
from desktop_app.engine.models.kv_state import FOLDER, HEADER, KvStore
from support.library import FAST, index_all
from support.pdfs import garden_notes, harbour_report

FIRST = "Which model is the northern breakwater tide gauge?"
FOLLOW_UP = "When was it last calibrated?"
OTHER = "At what temperature does the greenhouse heater switch on?"


def answer_of(events: Any) -> Any:
    return next(e.answer for e in events if isinstance(e, AnswerDone))


def library(home: Path, documents: Path) -> Engine:
    engine = Engine(home, FAST)
    index_all(engine, [harbour_report(documents / "harbour.pdf"), garden_notes(documents / "garden.pdf")])
    return engine


def reused_tokens(engine: Engine) -> list[int]:
    """The prompt tokens found in the KV cache as each later stream starts (after any state was read back)."""
    model: Any = engine._rt.model
    found: list[int] = []
    original = model.stream

    def stream(tokens: list[int], *args: Any, **kwargs: Any) -> Any:
        found.append(common_prefix(model._llm.input_ids[:model._llm.n_tokens], tokens))
        return original(tokens, *args, **kwargs)

    model.stream = stream
    return found


def saved_states(home: Path) -> list[Path]:
    return sorted((home / FOLDER).glob("*/*.kv"))


def test_a_follow_up_after_another_conversation_reads_its_cache_back_and_answers_as_if_it_had_stayed(
        tmp_path: Path) -> None:
    straight = library(tmp_path / "straight", tmp_path)
    first = answer_of(straight.ask(FIRST))
    expected = answer_of(straight.ask(FOLLOW_UP, first.conversation_id))
    straight.close()

    engine = library(tmp_path / "home", tmp_path)
    try:
        first = answer_of(engine.ask(FIRST))
        assert "kv_save_s" in first.timings
        [state] = saved_states(tmp_path / "home")
        assert state.name == f"{first.conversation_id}.kv" and state.stat().st_size > 1_000_000
        answer_of(engine.ask(OTHER))  # another conversation takes the live cache
        reused = reused_tokens(engine)
        follow = answer_of(engine.ask(FOLLOW_UP, first.conversation_id))
        assert "kv_restore_s" in follow.timings
        assert reused[0] >= first.prompt_tokens, "the first turn's prompt came back from disk"
        assert follow.text == expected.text and follow.prompt_tokens == expected.prompt_tokens
    finally:
        engine.close()


def test_a_restart_reads_the_cache_back_and_deleting_the_conversation_deletes_it(tmp_path: Path) -> None:
    engine = library(tmp_path / "home", tmp_path)
    first = answer_of(engine.ask(FIRST))
    engine.close()
    again = Engine(tmp_path / "home", FAST)
    try:
        reused = reused_tokens(again)
        follow = answer_of(again.ask(FOLLOW_UP, first.conversation_id))
        assert "kv_restore_s" in follow.timings and reused[0] >= first.prompt_tokens
        assert len(saved_states(tmp_path / "home")) == 1
        again.conversations.delete(first.conversation_id)
        assert saved_states(tmp_path / "home") == []
    finally:
        again.close()


def test_a_damaged_state_is_deleted_unread_and_an_intact_one_is_read(tmp_path: Path) -> None:
    engine = library(tmp_path / "home", tmp_path)
    try:
        first = answer_of(engine.ask(FIRST))
        model: Any = engine._rt.model
        saved = [int(t) for t in model._llm.input_ids[:model._llm.n_tokens]]
        store = engine._rt.kv_store()
        path = store.path(model, first.conversation_id)
        intact = path.read_bytes()
        flipped = bytearray(intact)
        flipped[len(flipped) // 2] ^= 0xFF
        for damaged in (os.urandom(4096), bytes(flipped), intact[:HEADER.size + 100], intact[:-1000]):
            path.write_bytes(damaged)
            model._llm.n_tokens = 0  # the live cache holds nothing of it, as after another conversation
            assert store.restore(model, first.conversation_id, saved) == 0
            assert not path.exists()
        path.write_bytes(intact)
        model._llm.n_tokens = 0
        assert store.restore(model, first.conversation_id, saved) == len(saved)
        follow = answer_of(engine.ask(FOLLOW_UP, first.conversation_id))
        assert follow.text.strip() and "kv_restore_s" not in follow.timings, "the live cache was already it"
    finally:
        engine.close()


def test_no_state_is_kept_at_a_budget_of_zero(tmp_path: Path) -> None:
    engine = library(tmp_path / "home", tmp_path)
    try:
        engine.update_settings(kv_disk_mb=0)
        first = answer_of(engine.ask(FIRST))
        assert "kv_save_s" not in first.timings and saved_states(tmp_path / "home") == []
    finally:
        engine.close()


def test_the_least_recently_used_states_go_past_the_budget(tmp_path: Path) -> None:
    now = time.time()
    files = [tmp_path / "model-a" / f"{i}.kv" for i in range(3)] + [tmp_path / "model-b" / "9.kv"]
    for age, path in enumerate(files):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - age * 60, now - age * 60))
    KvStore(tmp_path, 2500).prune()
    assert sorted(tmp_path.glob("*/*.kv")) == sorted(files[:2])
    KvStore(tmp_path, 1500).prune(keep=files[1])
    assert sorted(tmp_path.glob("*/*.kv")) == [files[1]], "the state just written stays"
    KvStore(tmp_path, 10_000).forget(1)
    assert list(tmp_path.glob("*/*.kv")) == []
