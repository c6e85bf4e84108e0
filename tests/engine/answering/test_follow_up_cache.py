"""A follow-up's prompt starts with the previous prompt and answer, so llama.cpp evaluates only what is new.

The real bundled model shows the KV cache reuse; a fake model shows the numbering of sources carried over
and the fold when the turns no longer fit.
"""

from pathlib import Path
from typing import Any

import pytest

from desktop_app.engine import AnswerDone, Engine
from desktop_app.engine.answering.memory import Turn
from desktop_app.engine.answering.prompt import carry_over
from desktop_app.engine.models.chat import common_prefix
from desktop_app.engine.retrieval.search import Source
from desktop_app.store.rows import ChunkRow
from support.fake_model import use_fake_model
from support.library import FAST, index_all
from support.pdfs import garden_notes, harbour_report


def answer_of(events: Any) -> Any:
    return next(e.answer for e in events if isinstance(e, AnswerDone))


@pytest.fixture
def harbour(engine: Engine, tmp_path: Path) -> Engine:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf"), garden_notes(tmp_path / "garden.pdf")])
    return engine


def test_a_follow_up_reuses_the_whole_previous_prompt_from_the_kv_cache(harbour: Engine) -> None:
    first = answer_of(harbour.ask("Which model is the northern breakwater tide gauge?"))
    model = harbour._rt._model
    assert model is not None and first.sent_message and first.given
    reused: list[int] = []
    original = model.stream

    def stream(tokens: list[int], *args: Any, **kwargs: Any) -> Any:
        llm = model._llm  # type: ignore[union-attr]
        reused.append(common_prefix(llm.input_ids[:llm.n_tokens], tokens))
        return original(tokens, *args, **kwargs)

    model.stream = stream  # type: ignore[method-assign]
    follow = answer_of(harbour.ask("When was it last calibrated?", first.conversation_id))
    assert follow.prompt_tokens > first.prompt_tokens
    assert reused[0] >= first.prompt_tokens, "the first turn's whole prompt comes from the KV cache"
    assert follow.prompt_tokens - reused[0] < first.prompt_tokens, "only the new part is evaluated"
    # the sources the first turn gave, or whose chunks a passage it gave holds, keep that number and are named
    holds = {number: set(ids) for number, ids in first.sent_chunks.items()}
    assert holds and all(set(c.chunk_ids) <= holds[c.number] for c in first.given if c.number in holds)
    shared = [c for c in follow.given if any(set(c.chunk_ids) <= ids for ids in holds.values())]
    assert shared, "the follow-up found a passage the first turn had given"
    for citation in shared:
        assert set(citation.chunk_ids) <= holds[citation.number]
        assert f"[{citation.number}] {citation.document_title}" not in follow.sent_message
    assert "given above" in follow.sent_message
    for citation in follow.given:
        if citation not in shared:
            assert citation.number > max(holds)
            assert f"[{citation.number}] {citation.document_title}" in follow.sent_message
    stored = harbour.conversations.get(first.conversation_id)[1][-1].answer
    assert stored is not None and stored.sent_message == follow.sent_message


def passage(number: int, chunk_ids: tuple[int, ...]) -> Source:
    chunks = [ChunkRow(i, 1, 1, i, 1, 1, f"text {i}", 0, [], "Title", "title.pdf", "") for i in chunk_ids]
    return Source(chunks, 1.0, 0.5, number)


def test_carried_sources_keep_their_number_and_new_ones_follow_the_highest() -> None:
    turns = [Turn("q1", "a1", 2, "message 1", {1: "alpha", 2: "beta"}, {1: (10,), 2: (20, 21)}),
             Turn("q2", "a2", 4, "message 2", {2: "beta", 3: "gamma"}, {2: (20, 21), 3: (30,)})]
    sources = [passage(1, (30,)), passage(2, (99,)), passage(3, (10,)), passage(4, (20,)), passage(5, (21, 22))]
    numbered, above, numbers = carry_over(turns, sources)
    assert [s.number for s in numbered] == [3, 4, 1, 2, 5], "chunk 20 is in the passage given as [2]; 22 is not"
    assert above == {3: "gamma", 1: "alpha", 2: "beta"}
    assert numbers == {1: 3, 2: 4, 3: 1, 4: 2, 5: 5}
    fresh, none, _ = carry_over([Turn("q", "a", 2)], sources)
    assert [s.number for s in fresh] == [1, 2, 3, 4, 5] and none == {}, "a turn without its message gave nothing"


def test_sources_inside_one_widened_passage_are_named_by_its_number_as_one_source() -> None:
    # [1] was retrieved as chunk 10 and given widened over 9 and 11; [2] as 20 alone
    turns = [Turn("q1", "a1", 2, "message 1", {1: "nine ten eleven", 2: "twenty"}, {1: (10,), 2: (20,)},
                  {1: (9, 10, 11), 2: (20,)})]
    sources = [passage(1, (10, 11)), passage(2, (9,)), passage(3, (20,))]
    numbered, above, numbers = carry_over(turns, sources)
    assert numbers == {1: 1, 2: 1, 3: 2}
    assert [(s.number, [c.id for c in s.chunks]) for s in numbered] == [(1, [9, 10, 11]), (2, [20])]
    assert above == {1: "nine ten eleven", 2: "twenty"}


def test_turns_are_repeated_as_read_until_they_fill_the_window_then_folded_once(
        data_home: Path, tmp_path: Path) -> None:
    engine = Engine(data_home, FAST.changed(n_ctx=1024, max_answer_tokens=32))
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        model = use_fake_model(engine, *(["The survey was done by the harbour office [1]."] * 6))
        model.n_ctx = 450  # the fake counts words: 360 of them fill the turns' share
        conversation = None
        questions = ["Who did the harbour survey?", "Which gauge is on the breakwater?", "When was it calibrated?",
                     "How much silt was removed?", "Which dredger did the work?", "When did it work?"]
        for question in questions:
            answer = answer_of(engine.ask(question, conversation))
            conversation = answer.conversation_id
        first_user = [m for m in model.prompts[0] if m["role"] == "user"][-1]["content"]
        second = model.prompts[1]
        assert second[1] == {"role": "user", "content": first_user}, "the first turn as the model read it"
        assert second[2]["role"] == "assistant"
        folded = [i for i, p in enumerate(model.prompts) if "Earlier in this conversation" in p[0]["content"]]
        assert folded, "the turns were folded once the window filled"
        at = folded[0]
        assert len(model.prompts[at]) == 2, "folding keeps no turn half: the system prompt and the question"
        assert model.prompts[at + 1][:2] == model.prompts[at][:2], "the next turn builds on the folded prompt"
        summary = engine.conversations.get(conversation)[0].summary
        assert "Asked: Who did the harbour survey?" in summary
    finally:
        engine.close()


def test_a_follow_up_a_little_over_the_window_narrows_its_new_sources_and_keeps_the_turns(
        data_home: Path, tmp_path: Path) -> None:
    """The rendered prompt can run past what its parts counted (the chat template, text tokenised joined):
    the new sources are narrowed while that shortens the prompt, and the turns are folded only when it does
    not (measured: the Korean dev pair B026/B027 folded by 137 tokens and read its 3,217 tokens again)."""
    engine = Engine(data_home, FAST.changed(n_ctx=1024, max_answer_tokens=32))
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf"), garden_notes(tmp_path / "garden.pdf")])
        model = use_fake_model(engine, *(["The survey was done by the harbour office [1]."] * 2))
        model.n_ctx = 470
        counted = model.render

        def render(messages: list[dict[str, str]]) -> tuple[list[int], list[str]]:
            tokens, stop = counted(messages)
            return tokens + list(range(45)), stop  # 45 tokens more than the parts' counts

        model.render = render  # type: ignore[method-assign]
        first = answer_of(engine.ask("Which model is the northern breakwater tide gauge?"))
        answer_of(engine.ask("When was it last calibrated?", first.conversation_id))
        follow = model.prompts[-1]
        assert follow[1] == model.prompts[0][-1] and follow[2]["role"] == "assistant", "the first turn kept"
        sizes = [sum(model.count(m["content"]) for m in p) + 45 for p in model.prompts]
        assert sizes[1] > model.n_ctx - 32 >= sizes[-1], sizes
    finally:
        engine.close()


def test_a_source_two_earlier_passages_hold_between_them_is_split_and_named_by_both() -> None:
    turns = [Turn("q1", "a1", 2, "m", {1: "nine ten", 2: "eleven twelve"}, {1: (10,), 2: (12,)},
                  {1: (9, 10), 2: (11, 12)})]
    numbered, above, numbers = carry_over(turns, [passage(1, (10, 11)), passage(2, (12, 13))])
    assert [(s.number, [c.id for c in s.chunks]) for s in numbered] == [(1, [10]), (2, [11]), (3, [12, 13])]
    assert above == {1: "nine ten", 2: "eleven twelve"} and numbers == {1: 1, 2: 3}
