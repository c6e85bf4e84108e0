"""A busy laptop: prompt and generation speed with one core kept busy by another program.

    .venv/bin/python benchmarks/threads.py [--repeats 3]

The bundled model through ``LocalModel`` (the engine's model class), a 1,000-token prompt from the dev
corpus evaluated from a cold cache, then 64 tokens generated greedily. Four cases each repeat:
the machine idle with the threads the app chooses (``free_threads``: all cores when idle), and idle with
the count it chooses under load; then one core kept busy by another process (a Python busy loop) with
every core (the former setting, Threads = 0 meaning all cores) and with the threads the app now chooses
(the busy core left alone), these two in alternating order. The target: generation with a core busy >=
0.8x the idle speed with the chosen thread count (last column). Medians of the repeats.
Writes benchmarks/results/threads.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import CORPUS, md_table, median, write_results

from desktop_app.cancel import CancelToken
from desktop_app.engine.models.chat import Generation, LocalModel, ModelSettings
from desktop_app.engine.models.files import locate
from desktop_app.engine.models.threads import busy_elsewhere, cores, free_threads

BUSY_LOOP = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"


def prompt_text() -> str:
    import pymupdf

    with pymupdf.open(CORPUS / "reportlab-userguide.pdf") as pdf:
        return "\n".join(pdf[i].get_text() for i in range(8, 16))


def measure(model: LocalModel, tokens: list[int], threads: int) -> dict[str, float]:
    """Prompt tokens/s and generation tokens/s with ``threads``, from a cold KV cache."""
    model.use_threads(threads)
    model._forget_cache()
    start = time.perf_counter()
    model._prefill(tokens, CancelToken())
    prompt_s = time.perf_counter() - start
    generation = None
    for piece in model._sample(tokens, [], 64, 0.0, CancelToken(), time.perf_counter()):
        if isinstance(piece, Generation):
            generation = piece
    assert generation is not None
    decode_s = generation.total_s - generation.ttft_s
    return {"threads": threads, "prompt_tokens_per_s": (len(tokens) - 1) / prompt_s,
            "gen_tokens_per_s": (generation.completion_tokens - 1) / max(decode_s, 1e-9),
            "text": generation.text}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = LocalModel(ModelSettings(path=locate("chat", Path(tempfile.gettempdir()) / "no-user-models"),
                                     n_ctx=2048, n_threads=0))
    tokens = model._llm.tokenize(prompt_text().encode("utf-8"))[:1000]
    total = cores()
    runs: list[dict[str, Any]] = []
    measure(model, tokens[:64], total)  # warm-up
    for repeat in range(args.repeats):
        runs.append({"case": "idle, chosen", "elsewhere": busy_elsewhere(), **measure(model, tokens, free_threads())})
        runs.append({"case": "idle, the count chosen under load", "elsewhere": busy_elsewhere(),
                     **measure(model, tokens, free_threads(total, 1.0))})
        busy = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
        try:
            time.sleep(0.5)
            elsewhere = busy_elsewhere()
            chosen = free_threads(total, elsewhere)
            order = [("one core busy, all cores", total), ("one core busy, chosen", chosen)]
            for case, threads in (order if repeat % 2 == 0 else list(reversed(order))):
                runs.append({"case": case, "elsewhere": elsewhere, **measure(model, tokens, threads)})
        finally:
            busy.kill()
            busy.wait()
        time.sleep(0.5)
    model.close()
    cases = list(dict.fromkeys(r["case"] for r in runs))
    med = {case: {key: median([r[key] for r in runs if r["case"] == case])
                  for key in ("threads", "prompt_tokens_per_s", "gen_tokens_per_s", "elsewhere")} for case in cases}
    idle, same = med["idle, chosen"], med["idle, the count chosen under load"]
    rows = [[case, f"{m['elsewhere']:.2f}", int(m["threads"]), m["prompt_tokens_per_s"], m["gen_tokens_per_s"],
             m["gen_tokens_per_s"] / idle["gen_tokens_per_s"], m["gen_tokens_per_s"] / same["gen_tokens_per_s"]]
            for case, m in med.items()]
    identical = len({r["text"] for r in runs}) == 1
    print(f"\n{total} cores; {len(tokens)}-token prompt, 64 generated, greedy; median of {args.repeats}; "
          f"same text in every case: {identical}\n")
    print(md_table(["case", "cores busy elsewhere", "threads", "prompt tok/s", "generation tok/s",
                    "generation / idle chosen", "generation / idle, same threads"], rows))
    path = write_results("threads", {"cores": total, "summary": med, "same_text": identical, "runs": runs})
    print(f"\nwritten to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
