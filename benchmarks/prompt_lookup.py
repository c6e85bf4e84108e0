"""Prompt-lookup decoding (draft tokens copied from the prompt) against plain decoding, greedy, same prompts.

    .venv/bin/python benchmarks/prompt_lookup.py [--questions 5] [--max-tokens 200]

The prompts are the engine's own: the first ``--questions`` answerable dev questions that open a
conversation are asked through ``Engine.ask`` (default settings, temperature 0) and the prompt tokens it
passes to the model are kept. Each prompt is then answered by a fresh ``llama_cpp.Llama`` three ways:
plain, and with llama-cpp-python's ``LlamaPromptLookupDecoding`` drafting 4 and 10 tokens (which needs
``logits_all``; the prompt itself is evaluated without it, as the engine would). Generation tokens/s after
the first token, and whether the text equals the plain one. Writes benchmarks/results/prompt_lookup.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import CORPUS, QUESTIONS, md_table, median, write_results

from desktop_app.engine import Engine, Settings
from desktop_app.engine.models.backends import load_backends
from desktop_app.evaluation.run import load_questions

DRAFTS = (0, 4, 10)


def engine_prompts(count: int) -> tuple[Path, list[tuple[list[int], list[str]]]]:
    prompts: list[tuple[list[int], list[str]]] = []
    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home), Settings(temperature=0.0, faq_enabled=False, cache_enabled=False))
        list(engine.library.index([CORPUS]))
        engine.models.load()
        model: Any = engine._rt.model
        original = model.stream

        def stream(tokens: list[int], stop: list[str], *args: Any, **kwargs: Any) -> Any:
            prompts.append((list(tokens), list(stop)))
            return original(tokens, stop, *args, **kwargs)

        model.stream = stream
        questions = [q for q in load_questions(QUESTIONS) if q.get("answerable") and not q.get("follows")]
        for question in questions[:count]:
            list(engine.ask(question["question"]))
        path = model.weights.path  # the file llama.cpp runs (the Q8_0 copy of the bundled model)
        engine.close()
    return path, prompts


def answer(llm: Any, tokens: list[int], stop: list[str], max_tokens: int, draft: int) -> tuple[str, float]:
    llm.reset()
    llm._logits_all = False  # the prompt without every position's logits, as the engine reads it
    llm.eval(tokens[:-1])
    llm._logits_all = bool(draft)
    started = time.perf_counter()
    first, count, pieces = 0.0, 0, []
    for chunk in llm.create_completion(prompt=tokens, max_tokens=max_tokens, temperature=0.0, top_p=0.9,
                                       repeat_penalty=1.1, stop=stop, stream=True, seed=1234):
        count += 1
        first = first or time.perf_counter() - started
        pieces.append(chunk["choices"][0]["text"])
    total = time.perf_counter() - started
    return "".join(pieces), (count - 1) / max(total - first, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args()
    path, prompts = engine_prompts(args.questions)
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    load_backends()
    results: dict[int, list[tuple[str, float]]] = {}
    for draft in DRAFTS:
        extra: dict[str, Any] = {"logits_all": True, "draft_model": LlamaPromptLookupDecoding(
            num_pred_tokens=draft)} if draft else {}
        llm = Llama(model_path=str(path), n_ctx=4096, n_threads=2, n_batch=512, verbose=False, **extra)
        results[draft] = [answer(llm, tokens, stop, args.max_tokens, draft) for tokens, stop in prompts]
        llm.close()
    plain = [text for text, _ in results[0]]
    rows, summary = [], {}
    for draft in DRAFTS:
        same = sum(text == base for (text, _), base in zip(results[draft], plain, strict=True))
        rate = median([r for _, r in results[draft]])
        summary[draft] = {"tokens_per_s": rate, "same_text": same}
        rows.append(["plain" if not draft else f"prompt lookup, {draft} draft tokens", rate,
                     rate / summary[0]["tokens_per_s"], f"{same}/{len(plain)}"])
    print(f"\n{len(prompts)} engine prompts, greedy, up to {args.max_tokens} tokens; median tokens/s\n")
    print(md_table(["decoding", "tokens/s", "vs plain", "same text as plain"], rows))
    out = write_results("prompt_lookup", {"summary": summary, "texts": {d: [t for t, _ in r] for d, r in
                                                                        results.items()}})
    print(f"\nwritten to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
