"""Generation control with the real bundled model: a cancel stops prompt evaluation at once, and loops end.

The prompt-evaluation tests use a ~1,500-token prompt of the generated user guide's text, the size of a
question with its sources.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine.models import chat
from desktop_app.engine.models.chat import Generation, LocalModel, ModelSettings
from desktop_app.engine.models.repetition import HOLD_WORDS, RepetitionGuard
from support.lora_files import base_model

STOP_BOUND_S = 1.5
"""How soon a cancel set during prompt evaluation must end the stream (a loaded 2-core machine)."""


@pytest.fixture(scope="module")
def model() -> Iterator[LocalModel]:
    loaded = LocalModel(ModelSettings(path=base_model(), n_ctx=4096))
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def long_prompt(model: LocalModel, guide_pdf: Path) -> tuple[list[int], list[str]]:
    import pymupdf

    with pymupdf.open(guide_pdf) as doc:
        text = " ".join(page.get_text() for page in doc)
    words = text.split()
    tokens: list[int] = []
    stop: list[str] = []
    for count in range(400, len(words), 100):  # grow the sources to about 1,500 tokens
        tokens, stop = model.render([
            {"role": "system", "content": "Answer from the sources. Cite them like [1]."},
            {"role": "user", "content": "[1] " + " ".join(words[:count]) + "\n\nQuestion: How do I draw a string?"}])
        if len(tokens) >= 1500:
            break
    assert len(tokens) >= 1400
    return tokens, stop


def run(model: LocalModel, tokens: list[int], stop: list[str], max_tokens: int, cancel: CancelToken | None = None,
        ) -> Generation:
    pieces = list(model.stream(tokens, stop, max_tokens, 0.0, cancel or CancelToken()))
    done = pieces[-1]
    assert isinstance(done, Generation)
    assert "".join(p for p in pieces[:-1] if isinstance(p, str)).strip() == done.text.strip() or \
        done.finish == "repetition"
    return done


def count_evaluated(model: LocalModel, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Spy on llama-cpp-python's ``eval``: the sizes of the token slices it is asked to evaluate."""
    sizes: list[int] = []
    original = model._llm.eval

    def spy(tokens: Any) -> None:
        sizes.append(len(tokens))
        original(tokens)

    monkeypatch.setattr(model._llm, "eval", spy)
    return sizes


def test_a_cancel_during_prompt_evaluation_stops_it_at_once_and_the_next_answer_is_unchanged(
        model: LocalModel, long_prompt: tuple[list[int], list[str]]) -> None:
    tokens, stop = long_prompt
    fresh = LocalModel(ModelSettings(path=base_model(), n_ctx=4096))
    try:
        expected = run(fresh, tokens, stop, 24)
    finally:
        fresh.close()
    model._llm.reset()
    cancel = CancelToken()
    timer = threading.Timer(0.2, cancel.cancel)
    started = time.perf_counter()
    timer.start()
    stopped = run(model, tokens, stop, 24, cancel)
    ended = time.perf_counter() - started - 0.2
    timer.join()
    assert stopped.stopped and stopped.finish == "cancelled" and stopped.text == ""
    assert ended < STOP_BOUND_S, f"the stream ended {ended:.2f} s after the cancel"
    assert model._llm.n_tokens < len(tokens) - 1  # it did stop before the end of the prompt
    after = run(model, tokens, stop, 24)
    assert after.text == expected.text and after.completion_tokens == expected.completion_tokens


def test_a_cancel_set_before_the_stream_starts_evaluates_nothing(
        model: LocalModel, long_prompt: tuple[list[int], list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    tokens, stop = long_prompt
    model._llm.reset()
    sizes = count_evaluated(model, monkeypatch)
    cancel = CancelToken()
    cancel.cancel()
    done = run(model, tokens, stop, 24, cancel)
    assert done.stopped and done.completion_tokens == 0 and sizes == [] and model._llm.n_tokens == 0


def test_the_shared_prefix_is_reused_after_an_aborted_prompt_and_after_an_answer(
        model: LocalModel, long_prompt: tuple[list[int], list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    tokens, stop = long_prompt
    model._llm.reset()
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    run(model, tokens, stop, 8, cancel)
    kept = model._llm.n_tokens  # the slices evaluated before the cancel
    sizes = count_evaluated(model, monkeypatch)
    run(model, tokens, stop, 8)
    assert sum(sizes) <= len(tokens) - kept + 8  # the prompt's rest, then one token at a time
    shared = len(tokens) - 20
    follow_up = tokens[:shared] + model._llm.tokenize(b" And how do I centre it?", add_bos=False) + tokens[-5:]
    sizes.clear()
    run(model, follow_up, stop, 8)
    assert sum(sizes) <= len(follow_up) - shared + 8, sizes  # only what follows the shared prefix


def test_a_repeating_answer_ends_at_the_repeat_without_it(model: LocalModel, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard in the real model's stream; a 3-word threshold makes this short answer's repeat count as a loop
    (the bundled model loops on long prompts: benchmarks/repetition.py)."""
    monkeypatch.setattr(chat, "RepetitionGuard", functools.partial(RepetitionGuard, loop_words=3, hold_words=2))
    tokens, stop = model.render([{"role": "user", "content": "List the numbered sources again and again: [1] The "
                                  "canvas origin is at the lower left corner. [2] The canvas origin is at the lower "
                                  "left corner."}])
    done = run(model, tokens, stop, 200)
    assert done.finish == "repetition" and not done.stopped, done.text
    assert done.text == "1. The canvas origin is at the lower left corner."
    assert done.completion_tokens < 40


def test_an_answer_without_loops_ends_as_the_model_ends_it(model: LocalModel) -> None:
    tokens, stop = model.render([{"role": "user", "content": "What is the capital of France? One word."}])
    done = run(model, tokens, stop, 40)
    assert done.finish in ("stop", "length") and not done.stopped and "Paris" in done.text


def stream_through(guard: RepetitionGuard, text: str, size: int = 3) -> str:
    shown = []
    for i in range(0, len(text), size):
        shown.append(guard.feed(text[i:i + size]))
        if guard.looped:
            break
    return "".join(shown) + guard.flush()


def test_the_guard_drops_a_repeated_paragraph_and_never_shows_more_than_a_few_words_of_it() -> None:
    first = "Use drawString to write text [1]. The canvas origin is at the lower left corner of the page [2]. "
    guard = RepetitionGuard()
    shown = stream_through(guard, first + "The canvas origin is at the lower left corner of the page [2]. " * 5)
    assert guard.looped and guard.text == first.strip()
    assert shown.startswith(first) and len(shown.split()) <= len(first.split()) + HOLD_WORDS


def test_the_guard_cuts_a_loop_of_quotes_with_changing_numbers_after_its_first_copy() -> None:
    quote_a = '"The cornerRadii argument can be a list of the top left, top right, bottom left and bottom right radii."'
    quote_b = '"The rowSplitRange argument may be used to control the splitting of the table."'
    text = "Corners are rounded.\n" + " ".join(f"[{i}] {quote_a if i % 2 else quote_b}" for i in range(1, 12))
    guard = RepetitionGuard()
    stream_through(guard, text)
    assert guard.looped
    assert guard.text == f"Corners are rounded.\n[1] {quote_a} [2] {quote_b}"


@pytest.mark.parametrize("answer", [
    "The default is 'error'. The other values are 'indicate' and 'ignore', and the default is 'error' [1].",
    "| Setting | Default |\n|---|---|\n| emptyTableAction | error |\n| repeatRows | 0 |\n| splitByRow | 1 |",
    "1. Open the canvas [1].\n2. Set the font of the canvas [1].\n3. Draw the string on the canvas [1].\n"
    "4. Save the canvas to the file [1].",
])
def test_the_guard_leaves_answers_that_do_not_loop_whole(answer: str) -> None:
    guard = RepetitionGuard()
    assert stream_through(guard, answer) == answer and not guard.looped and guard.text == answer
