"""Quality of copies of the bundled Q4_1 chat model requantized by llama.cpp: perplexity and next-token agreement.

    .venv/bin/python benchmarks/requantized.py [--types q8_0,q4_0] [--windows 16] [--ctx 512]

The app runs a Q4_1 model from a Q8_0 copy on the CPU (``engine/models/cpu_copy.py``), because llama.cpp
computes Q8_0 prompts faster (``benchmarks/cpu_backends.py --requantize q8_0``). This measures what that
costs in quality. The copies are made as the app makes them (``llama_model_quantize`` in a child process).
The text is pages 31-60 of each dev-corpus PDF, cut into ``--windows`` windows of ``--ctx`` tokens;
as llama.cpp's perplexity tool does, each window is evaluated from an empty cache and only its second half is
scored, so every scored token has at least ``ctx/2`` tokens of context. Reported per file: perplexity
(exp of the mean negative log-likelihood of the scored tokens), and for a copy the share of scored positions
where its most likely next token is the bundled file's.

``--answers N`` also times whole answers through the engine, copy against file: the corpus is indexed
into a temporary library (temperature 0; curated answers and the answer cache off), and the first ``N``
answerable dev questions are each asked once with ``q8_0_copy`` on and once off, in a new conversation,
the order alternating per question so the machine's noise falls on both. Reported: medians of time to the
first token (from the question), of the model's prompt and generation phases, tokens/s, and how many
answers came out word for word the same. Writes benchmarks/results/requantized.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_common import CORPUS, QUESTIONS, md_table, median, write_results
from cpu_backends import QUANT_TYPES, requantize


def corpus_text() -> str:
    import pymupdf

    pages = []
    for path in sorted(CORPUS.glob("*.pdf")):
        with pymupdf.open(path) as pdf:
            pages += [pdf[i].get_text() for i in range(30, min(60, pdf.page_count))]
    return "\n".join(pages)


def score(model: Path, tokens: list[int], ctx: int) -> tuple[float, np.ndarray, float]:
    """Perplexity over the windows' second halves, the argmax token at each scored position, and seconds."""
    import llama_cpp

    llm = llama_cpp.Llama(model_path=str(model), n_ctx=ctx, n_threads=2, n_batch=ctx, logits_all=True,
                          verbose=False)
    started = time.perf_counter()
    nll, count, best = 0.0, 0, []
    half = ctx // 2
    for start in range(0, len(tokens) - ctx, ctx):
        window = tokens[start:start + ctx]
        llm.reset()
        llm.eval(window)
        logits = np.asarray(llm.scores[half - 1:ctx - 1], dtype=np.float64)  # predict window[half:]
        top = logits.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
        targets = np.asarray(window[half:])
        nll += float((log_z - logits[np.arange(len(targets)), targets]).sum())
        count += len(targets)
        best.append(logits.argmax(axis=1))
    llm.close()
    return float(np.exp(nll / count)), np.concatenate(best), time.perf_counter() - started


def answers(count: int) -> dict[str, Any]:
    """Whole answers with the Q8_0 copy and with the file, alternating per question (module docstring)."""
    from desktop_app.engine import Engine, Settings
    from desktop_app.engine.answering.answer import AnswerDone
    from desktop_app.evaluation.run import load_questions

    questions = [q for q in load_questions(QUESTIONS) if q.get("answerable") and not q.get("follows")][:count]
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home), Settings(temperature=0.0, faq_enabled=False, cache_enabled=False))
        list(engine.library.index([CORPUS]))
        for number, question in enumerate(questions):
            for copy in (True, False) if number % 2 == 0 else (False, True):
                engine.override_settings(q8_0_copy=copy)
                assert engine.models.load().runs_as == ("Q8_0" if copy else "")
                done = [e for e in engine.ask(question["question"]) if isinstance(e, AnswerDone)][-1].answer
                runs[copy].append({"id": question["id"], "text": done.text, "prompt_tokens": done.prompt_tokens,
                                   **done.timings})
                print(f"{question['id']} copy={copy}: first token {done.timings.get('ttft_s', 0):.2f} s",
                      file=sys.stderr, flush=True)
        engine.close()
    keys = ("ttft_s", "generation_ttft_s", "generation_s", "tokens_per_s")
    summary = {("Q8_0 copy" if copy else "Q4_1 file"): {k: median([r[k] for r in rows if k in r]) for k in keys}
               for copy, rows in runs.items()}
    same = sum(a["text"] == b["text"] for a, b in zip(runs[True], runs[False], strict=True))
    return {"questions": len(questions), "summary": summary, "identical_answers": same,
            "ttft_ratio": median([a["ttft_s"] / b["ttft_s"] for a, b in zip(runs[True], runs[False], strict=True)]),
            "runs": {("copy" if k else "file"): v for k, v in runs.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--types", default="q8_0,q4_0", help=f"copies to measure, of {', '.join(QUANT_TYPES)}")
    parser.add_argument("--windows", type=int, default=16)
    parser.add_argument("--ctx", type=int, default=512)
    parser.add_argument("--answers", type=int, default=0, help="also time this many dev answers, copy vs file")
    args = parser.parse_args()
    import llama_cpp

    from desktop_app.engine.models.backends import load_backends
    from desktop_app.engine.models.files import locate

    load_backends()
    bundled = locate("chat", Path(tempfile.gettempdir()) / "no-user-models")
    vocab = llama_cpp.Llama(model_path=str(bundled), n_ctx=64, vocab_only=True, verbose=False)
    tokens = vocab.tokenize(corpus_text().encode("utf-8"))[:args.windows * args.ctx + 1]
    with tempfile.TemporaryDirectory() as folder:
        models = {"bundled Q4_1": bundled}
        models |= {f"{kind.upper()} copy": requantize(bundled, kind, Path(folder)) for kind in args.types.split(",")
                   if kind}
        results: dict[str, Any] = {}
        reference: np.ndarray | None = None
        for name, path in models.items():
            perplexity, best, seconds = score(path, tokens, args.ctx)
            reference = best if reference is None else reference
            results[name] = {"file_mb": path.stat().st_size / 1e6, "perplexity": perplexity,
                             "top1_agreement": float((best == reference).mean()), "seconds": seconds}
            print(f"{name}: perplexity {perplexity:.4f} ({seconds:.0f} s)", file=sys.stderr, flush=True)
    base = results["bundled Q4_1"]["perplexity"]
    print(f"\n{len(tokens) // args.ctx} windows of {args.ctx} tokens, {args.ctx // 2} scored in each\n")
    print(md_table(["file", "MB", "perplexity", "vs bundled", "same next token as bundled"],
                   [[name, r["file_mb"], r["perplexity"], f"{r['perplexity'] / base - 1:+.2%}", r["top1_agreement"]]
                    for name, r in results.items()]))
    timed = answers(args.answers) if args.answers else {}
    if timed:
        print(f"\nWhole answers, {timed['questions']} dev questions, medians; "
              f"identical answers {timed['identical_answers']}/{timed['questions']}; "
              f"first-token ratio copy/file (median per question) {timed['ttft_ratio']:.2f}\n")
        print(md_table(["weights", "first token s", "model prompt s", "model total s", "tokens/s"],
                       [[name, *row.values()] for name, row in timed["summary"].items()]))
    path = write_results("requantized", {"ctx": args.ctx, "windows": args.windows, "scored_tokens":
                                         (len(tokens) // args.ctx) * (args.ctx // 2), "results": results,
                                         "answers": timed})
    print(f"\nwritten to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
