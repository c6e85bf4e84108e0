"""Passages are widened with their neighbouring chunks while there is room, but no chunk is given twice.

Two retrieved chunks one apart used to be widened over the chunk between them, each, so the model read it
twice; a follow-up repeated it again. The builder is run with a word-counting tokenizer and a section of
chunks in memory.
"""

from desktop_app.engine.answering.memory import Turn
from desktop_app.engine.answering.prompt import BuiltPrompt, PromptBuilder, carry_over
from desktop_app.engine.retrieval.search import Source
from desktop_app.store.rows import ChunkRow

WORDS = {i: f"chunk{i} " + " ".join(f"w{i}x{j}" for j in range(20)) for i in range(1, 9)}
SECTION = [ChunkRow(i, 1, 1, i, i, i, WORDS[i], 0, [], "Manual", "manual.pdf", "") for i in range(1, 9)]


def count(text: str) -> int:
    return len(text.split())


def expand(source: Source) -> list[ChunkRow]:
    """The source's chunks and one neighbour on each side, as the answerer's ``_expand`` gives them."""
    first, last = source.chunks[0].ord, source.chunks[-1].ord
    return [c for c in SECTION if first - 1 <= c.ord <= last + 1]


def source(number: int, *ords: int) -> Source:
    return Source([SECTION[o - 1] for o in ords], 1.0, 0.5, number)


def held_text(built_text: str) -> list[int]:
    return [i for i in WORDS if f"chunk{i} " in built_text]


def test_widening_gives_each_chunk_once_and_says_which_chunks_each_passage_holds() -> None:
    builder = PromptBuilder(count, window=4000, answer_reserve=100)
    built = builder.build("system", "", [], [source(1, 3), source(2, 5)], "Which?", "en", expand)
    assert held_text(built.passages[1]) == [2, 3, 4], "widened on both sides"
    assert held_text(built.passages[2]) == [5, 6], "chunk 4 is already in [1]: not repeated"
    assert built.held == {1: (2, 3, 4), 2: (5, 6)}
    message = built.messages[-1]["content"]
    assert all(message.count(f"chunk{i} ") == 1 for i in (2, 3, 4, 5, 6))


def test_a_follow_up_neither_widens_over_nor_repeats_what_an_earlier_turn_gave() -> None:
    builder = PromptBuilder(count, window=4000, answer_reserve=100)
    first = builder.build("system", "", [], [source(1, 3)], "Which?", "en", expand)
    turn = Turn("Which?", "That one [1].", 2, first.messages[-1]["content"], first.passages, {1: (3,)}, first.held)
    built = builder.build("system", "", [turn], [source(2, 5)], "And then?", "en", expand)
    assert held_text(built.passages[2]) == [5, 6], "chunk 4 was given in the earlier turn"


def test_a_message_share_keeps_the_new_message_within_it_so_a_follow_up_has_room() -> None:
    sources = [source(1, 3), source(2, 6)]
    full = PromptBuilder(count, window=300, answer_reserve=20).build("system", "", [], sources, "Which?", "en", expand)
    capped = PromptBuilder(count, window=300, answer_reserve=20, message_share=0.5).build(
        "system", "", [], sources, "Which?", "en", expand)
    assert sum(len(ids) for ids in full.held.values()) == 6, "room for every neighbour"
    assert 2 < sum(len(ids) for ids in capped.held.values()) < 6, "widened, but within half the window"
    assert count(capped.messages[-1]["content"]) <= 300 // 2
    tight = PromptBuilder(count, window=300, answer_reserve=20, message_share=0.25).build(
        "system", "", [], sources, "Which?", "en", expand)
    assert list(tight.passages) == [1] and tight.held == {1: (3,)}, "no room for the second source nor widening"


def test_a_passage_cut_to_fit_holds_only_its_whole_chunks_so_a_follow_up_gives_the_rest_again() -> None:
    first = PromptBuilder(count, window=112, answer_reserve=20).build(
        "system", "", [], [source(1, 3, 4, 5)], "Which?", "en", expand)
    text = first.passages[1]
    assert text.endswith(" ...") and "w3x19" in text and "chunk4 " in text and "w4x19" not in text, "cut in chunk 4"
    assert first.held == {1: (3,)}, "chunks 4 and 5 were not given to their end"
    turn = Turn("Which?", "That one [1].", 2, first.messages[-1]["content"], first.passages, {1: (3, 4, 5)},
                first.held)
    roomy = PromptBuilder(count, window=4000, answer_reserve=100)
    again = follow_up(roomy, turn, [source(1, 3, 4, 5)])
    assert list(again.held) == [2] and set(again.held[2]) >= {3, 4, 5}, "given again in full, under a new number"
    inside = follow_up(roomy, turn, [source(1, 3)])
    assert inside.held == {} and list(inside.passages) == [1], "chunk 3 was given whole: named, not repeated"


def follow_up(builder: PromptBuilder, turn: Turn, sources: list[Source]) -> BuiltPrompt:
    """The prompt of a follow-up to ``turn`` that retrieved ``sources``, numbered as the answerer numbers them."""
    numbered, above, _numbers = carry_over([turn], sources)
    return builder.build("system", "", [turn], numbered, "And then?", "en", expand, above=above)
