"""Answer speed: Engine.ask against raw llama-cpp-python on the identical prompt tokens; first turn vs follow-up.

    .venv/bin/python benchmarks/answer_speed.py [--repeats 3] [--question ID] [--pair ID,ID]

Indexes the corpus into a temporary library (default settings, temperature 0
so both sides generate the same tokens; curated answers and the answer cache off,
so every timed turn reaches the model). The engine's prompt tokens are
captured at ``LocalModel.stream`` (what answering passes to llama.cpp after
``render``); a fresh ``llama_cpp.Llama`` with the same model file, n_ctx,
threads and batch then runs ``create_completion`` on exactly those tokens with
the same sampling parameters. Both KV caches are cleared before each timed
first turn, and the order alternates between repeats. The follow-up part asks
a question and its follow-up in one conversation: the follow-up's prompt
shares a prefix with the first turn's, which llama.cpp reuses from its KV
cache; the raw model's cold time on the follow-up's tokens shows what that
reuse saves. Medians of the repeats. Writes benchmarks/results/answer_speed.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench_common import CORPUS, QUESTIONS, md_table, median, write_results

from desktop_app.engine import AnswerDone, Engine, Settings
from desktop_app.evaluation.run import load_questions


class Capture:
    """Wraps the loaded model's ``stream`` to keep the tokens and stop strings answering passes to llama.cpp."""

    def __init__(self, model: Any) -> None:
        self.tokens: list[int] = []
        self.stop: list[str] = []
        original = model.stream

        def stream(tokens: list[int], stop: list[str], *args: Any, **kwargs: Any) -> Iterator[Any]:
            self.tokens, self.stop = list(tokens), list(stop)
            yield from original(tokens, stop, *args, **kwargs)

        model.stream = stream


def ask(engine: Engine, question: str, conversation: int | None = None) -> Any:
    for event in engine.ask(question, conversation):
        if isinstance(event, AnswerDone):
            return event.answer
    raise RuntimeError("no answer")


def raw_completion(llm: Any, tokens: list[int], stop: list[str], settings: Settings, seed: int) -> dict[str, Any]:
    """The same call ``LocalModel.stream`` makes, timed the same way."""
    started = time.perf_counter()
    first = 0.0
    count, pieces = 0, []
    for chunk in llm.create_completion(prompt=tokens, max_tokens=settings.max_answer_tokens,
                                       temperature=settings.temperature, top_p=0.9, repeat_penalty=1.1, stop=stop,
                                       stream=True, seed=seed):
        count += 1
        text = chunk["choices"][0]["text"]
        if text:
            first = first or time.perf_counter() - started
            pieces.append(text)
    total = time.perf_counter() - started
    return {"ttft_s": first or total, "tokens": count, "tokens_per_s": max(count - 1, 0) / max(total - first, 1e-9),
            "text": "".join(pieces).strip()}


def engine_turn(engine: Engine, capture: Capture, question: str, conversation: int | None = None) -> dict[str, Any]:
    answer = ask(engine, question, conversation)
    t = answer.timings
    return {"ttft_s": t.get("ttft_s"), "generation_ttft_s": t.get("generation_ttft_s"),
            "tokens_per_s": t.get("tokens_per_s"), "tokens": answer.completion_tokens, "text": answer.text,
            "abstained": answer.abstained,
            "prompt_tokens": list(capture.tokens), "stop": list(capture.stop), "conversation": answer.conversation_id}


def common_prefix(a: list[int], b: list[int]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def first_turns(engine: Engine, capture: Capture, llm: Any, question: str, repeats: int) -> list[dict[str, Any]]:
    runs = []
    for rep in range(repeats):
        order = ["engine", "raw"] if rep % 2 == 0 else ["raw", "engine"]
        run: dict[str, Any] = {}
        for side in order:
            if side == "engine":
                engine._rt.model._forget_cache()  # the documented way to clear the KV cache (it is private)
                run["engine"] = engine_turn(engine, capture, question)
            else:
                # repeat 0 starts with the engine, so an earlier engine run always has the tokens
                tokens = (run if "engine" in run else runs[-1])["engine"]["prompt_tokens"]
                llm.reset()
                run["raw"] = raw_completion(llm, tokens, capture.stop, engine.settings, engine._rt.model.settings.seed)
                run["raw_prompt_tokens"] = tokens
        runs.append(run)
    return runs


def follow_ups(engine: Engine, capture: Capture, llm: Any, pair: tuple[str, str], repeats: int) -> list[dict[str, Any]]:
    runs = []
    for _ in range(repeats):
        engine._rt.model._forget_cache()
        first = engine_turn(engine, capture, pair[0])
        follow = engine_turn(engine, capture, pair[1], first["conversation"])
        llm.reset()
        cold = raw_completion(llm, follow["prompt_tokens"], follow["stop"], engine.settings,
                              engine._rt.model.settings.seed)
        runs.append({"first": first, "follow": follow, "raw_cold_follow": cold,
                     "shared_prefix": common_prefix(first["prompt_tokens"], follow["prompt_tokens"])})
    return runs


def known(values: list[float | None]) -> list[float]:
    """Values that were measured: a turn that streamed no text (or abstained) has no time to first token."""
    return [v for v in values if v is not None]


def summary(first: list[dict[str, Any]], follow: list[dict[str, Any]]) -> dict[str, Any]:
    med = {
        "engine_ttft_s": median(known([r["engine"]["ttft_s"] for r in first])),
        "engine_generation_ttft_s": median(known([r["engine"]["generation_ttft_s"] for r in first])),
        "raw_ttft_s": median(known([r["raw"]["ttft_s"] for r in first])),
        "engine_tokens_per_s": median(known([r["engine"]["tokens_per_s"] for r in first])),
        "raw_tokens_per_s": median(known([r["raw"]["tokens_per_s"] for r in first])),
        "prompt_tokens": len(first[0]["engine"]["prompt_tokens"]),
        "answer_tokens": [r["engine"]["tokens"] for r in first] + [r["raw"]["tokens"] for r in first],
        "identical_prompt_tokens": all(r["raw_prompt_tokens"] == r["engine"]["prompt_tokens"] for r in first),
        "identical_text": all(r["raw"]["text"] == r["engine"]["text"] for r in first),
        "first_turn_ttft_s": median(known([r["first"]["ttft_s"] for r in follow])),
        "follow_up_ttft_s": median(known([r["follow"]["ttft_s"] for r in follow])),
        "follow_up_raw_cold_ttft_s": median(known([r["raw_cold_follow"]["ttft_s"] for r in follow])),
        "first_turn_prompt_tokens": len(follow[0]["first"]["prompt_tokens"]),
        "follow_up_prompt_tokens": len(follow[0]["follow"]["prompt_tokens"]),
        "shared_prefix_tokens": follow[0]["shared_prefix"],
        "turns_without_text": sum(1 for r in first + follow for part in r.values()
                                  if isinstance(part, dict) and part.get("ttft_s") is None),
    }
    med["ttft_ratio_engine_over_raw"] = med["engine_ttft_s"] / med["raw_ttft_s"]
    med["generation_ttft_ratio_engine_over_raw"] = med["engine_generation_ttft_s"] / med["raw_ttft_s"]
    med["tokens_per_s_ratio_engine_over_raw"] = med["engine_tokens_per_s"] / med["raw_tokens_per_s"]
    return med


def print_tables(s: dict[str, Any], repeats: int) -> None:
    print(f"Engine.ask vs raw llama-cpp-python, identical prompt ({s['prompt_tokens']} tokens; identical: "
          f"{s['identical_prompt_tokens']}; same answer text: {s['identical_text']}), median of {repeats}\n")
    print(md_table(["measure", "Engine.ask", "raw Llama", "ratio engine/raw"], [
        ["time to first token, from the question (s)", s["engine_ttft_s"], s["raw_ttft_s"],
         s["ttft_ratio_engine_over_raw"]],
        ["time to first token, model call only (s)", s["engine_generation_ttft_s"], s["raw_ttft_s"],
         s["generation_ttft_ratio_engine_over_raw"]],
        ["generation speed (tokens/s)", s["engine_tokens_per_s"], s["raw_tokens_per_s"],
         s["tokens_per_s_ratio_engine_over_raw"]],
    ]))
    print(f"\nFirst turn vs follow-up in one conversation, median of {repeats}\n")
    print(md_table(["turn", "prompt tokens", "time to first token (s)"], [
        ["first turn (KV cache cleared)", s["first_turn_prompt_tokens"], s["first_turn_ttft_s"]],
        [f"follow-up (reuses {s['shared_prefix_tokens']} shared prefix tokens)", s["follow_up_prompt_tokens"],
         s["follow_up_ttft_s"]],
        ["follow-up prompt, raw model with a cold cache", s["follow_up_prompt_tokens"],
         s["follow_up_raw_cold_ttft_s"]],
    ]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--question", default="B004", help="dev question id for the engine/raw comparison")
    parser.add_argument("--pair", default="B011,B012", help="a question and its follow-up (dev ids)")
    args = parser.parse_args()
    by_id = {q["id"]: q["question"] for q in load_questions(QUESTIONS)}
    pair = tuple(by_id[i] for i in args.pair.split(","))
    from llama_cpp import Llama

    with tempfile.TemporaryDirectory() as home:
        # no curated answers or answer cache: every timed turn must reach the model
        engine = Engine(Path(home), Settings(temperature=0.0, faq_enabled=False, cache_enabled=False))
        list(engine.library.index([CORPUS]))
        engine.models.load()
        capture = Capture(engine._rt.model)
        ms = engine._rt.model.settings
        llm = Llama(model_path=str(ms.path), n_ctx=engine._rt.model.n_ctx,
                    n_threads=ms.n_threads or os.cpu_count() or 1, n_batch=512, seed=ms.seed, verbose=False)
        first = first_turns(engine, capture, llm, by_id[args.question], args.repeats)
        follow = follow_ups(engine, capture, llm, (pair[0], pair[1]), args.repeats)
        llm.close()
        engine.close()
    s = summary(first, follow)
    print_tables(s, args.repeats)
    for runs in (first, follow):
        for run in runs:
            for part in run.values():
                if isinstance(part, dict):
                    part.pop("prompt_tokens", None)
            run.pop("raw_prompt_tokens", None)
    path = write_results("answer_speed", {"question": args.question, "pair": args.pair, "summary": s,
                                          "first_turns": first, "follow_ups": follow})
    print(f"\nwritten to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
