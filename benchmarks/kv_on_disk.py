"""Follow-ups in a conversation that is not the live one: its KV cache read back from disk against a cold prompt.

    .venv/bin/python benchmarks/kv_on_disk.py [--pairs B011,B012;B019,B020;B026,B027] [--other B004]

The corpus is indexed into a temporary library (default settings, temperature 0, curated answers and the
answer cache off). For each dev pair (a question and the follow-up that refers to it), twice: the question
opens conversation X, the ``--other`` question opens conversation Y (so the live KV cache is Y's, as after
switching conversations or restarting the app), then the follow-up is asked in X; once with the setting
``kv_disk_mb`` at its default (X's cache comes back from disk, ``engine/models/kv_state.py``), once at 0
(the follow-up's whole prompt is computed). The order of the two alternates per pair. Reported per pair: the
follow-up's time to the first token from the question, the prompt tokens the cache covered when the model
was called, the state file's size, and the times to write it after an answer and read it back; whether the
follow-up's text was the same both ways. Writes benchmarks/results/kv_on_disk.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench_common import CORPUS, QUESTIONS, md_table, median, write_results

from desktop_app.engine import AnswerDone, Engine, Settings
from desktop_app.engine.models.chat import common_prefix
from desktop_app.engine.models.kv_state import FOLDER
from desktop_app.evaluation.run import load_questions


def ask(engine: Engine, text: str, conversation_id: int | None = None) -> Any:
    return next(e.answer for e in engine.ask(text, conversation_id) if isinstance(e, AnswerDone))


def follow_up(engine: Engine, home: Path, first: str, other: str, follow: str, keep: bool) -> dict[str, Any]:
    """Question in X, other question in Y, follow-up in X; with or without the KV cache kept on disk."""
    engine.update_settings(kv_disk_mb=Settings().kv_disk_mb if keep else 0)
    opened = ask(engine, first)
    state = home / FOLDER
    sizes = [p.stat().st_size for p in state.glob(f"*/{opened.conversation_id}.kv")]
    ask(engine, other)
    model: Any = engine._rt.model
    covered: list[int] = []
    original = model.stream

    def stream(tokens: list[int], *args: Any, **kwargs: Any) -> Any:
        covered.append(common_prefix(model._llm.input_ids[:model._llm.n_tokens], tokens))
        return original(tokens, *args, **kwargs)

    model.stream = stream
    try:
        answer = ask(engine, follow, opened.conversation_id)
    finally:
        del model.stream
    return {"ttft_s": answer.timings["ttft_s"], "prompt_tokens": answer.prompt_tokens, "covered": covered[0],
            "state_bytes": sizes[0] if sizes else 0, "first_tokens": opened.prompt_tokens + opened.completion_tokens,
            "save_s": opened.timings.get("kv_save_s"), "restore_s": answer.timings.get("kv_restore_s"),
            "text": answer.withheld or answer.text}  # the draft, also when withheld


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default="B011,B012;B019,B020;B026,B027")
    parser.add_argument("--other", default="B004", help="the dev question asked in between, in another conversation")
    args = parser.parse_args()
    by_id = {q["id"]: q["question"] for q in load_questions(QUESTIONS)}
    pairs = [tuple(p.split(",")) for p in args.pairs.split(";")]
    rows, results = [], []
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        engine = Engine(home, Settings(temperature=0.0, faq_enabled=False, cache_enabled=False))
        list(engine.library.index([CORPUS]))
        engine.models.load()
        for number, (first, follow) in enumerate(pairs):
            runs = {}
            for keep in (True, False) if number % 2 == 0 else (False, True):
                runs[keep] = follow_up(engine, home, by_id[first], by_id[args.other], by_id[follow], keep)
                print(f"{first},{follow} kept={keep}: first token {runs[keep]['ttft_s']:.2f} s", file=sys.stderr)
            disk, cold = runs[True], runs[False]
            result = {"pair": f"{first},{follow}", "disk": disk, "cold": cold, "ratio": disk["ttft_s"] / cold["ttft_s"],
                      "same_text": disk["text"] == cold["text"],
                      "bytes_per_token": disk["state_bytes"] / max(disk["first_tokens"], 1)}
            results.append(result)
            rows.append([result["pair"], f"{disk['prompt_tokens']} / {disk['covered']}", disk["ttft_s"],
                         f"{cold['prompt_tokens']} / {cold['covered']}", cold["ttft_s"], result["ratio"],
                         disk["state_bytes"] / 1e6, disk["save_s"], disk["restore_s"], result["same_text"]])
        engine.close()
    print(md_table(["pair", "from disk: prompt / cached tokens", "first token s", "cold: prompt / cached tokens",
                    "first token s", "ratio", "state MB", "write s", "read s", "same text"], rows))
    summary = {"median_ratio": median([r["ratio"] for r in results]),
               "bytes_per_token": median([r["bytes_per_token"] for r in results])}
    print(f"\nmedian ratio {summary['median_ratio']:.2f}; {summary['bytes_per_token'] / 1e3:.1f} kB per token")
    path = write_results("kv_on_disk", {"pairs": results, "summary": summary})
    print(f"written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
