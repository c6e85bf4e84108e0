"""Prompt reading in slices (so that Stop is seen while the prompt is read) against one plain ``eval``.

``LocalModel._prefill`` reads the uncached prompt in llama.cpp batches (``n_batch``, 512) with llama.cpp's
abort callback set; this measures what smaller slices would cost, on the bundled model, same run:

    .venv/bin/python benchmarks/prefill_slices.py [--rounds 2] [--slices 32,128,512]

Each round reads a ~2,700-token prompt from an empty cache once per slice size and once with one ``eval``
of the whole prompt; the table gives the median seconds and the ratio to the plain ``eval``.

An earlier version of ``_prefill`` sized its slices to take 0.15 s each (32 tokens and up). Measured then,
one round on a 2-core machine also running the test suite, 2,712 tokens: those slices 174.0 s, 512-token
slices 39.8 s, one eval 48.7 s (ratios 3.58 and 0.82). Hence slices of ``n_batch``, with the abort callback
for a prompt Stop, rather than small slices.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import md_table, write_results  # noqa: E402

from desktop_app.cancel import CancelToken  # noqa: E402
from desktop_app.engine.models.chat import LocalModel, ModelSettings  # noqa: E402
from desktop_app.engine.models.files import locate  # noqa: E402


def read_in_slices(model: LocalModel, tokens: list[int], size: int) -> float:
    """Seconds to read ``tokens`` but the last from an empty cache, ``size`` tokens per ``eval``."""
    llm = model._llm
    llm.reset()
    began = time.perf_counter()
    for start in range(0, len(tokens) - 1, size):
        llm.eval(tokens[start:min(start + size, len(tokens) - 1)])
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--slices", default="32,128,512")
    args = parser.parse_args()
    sizes = [int(s) for s in args.slices.split(",")]
    model = LocalModel(ModelSettings(path=locate("chat", Path.home() / ".no-user-models"), n_ctx=4096, n_threads=2))
    text = " ".join(f"Section {i}: the pump model TG-{i} has a flow of {i * 3} litres per minute." for i in range(110))
    tokens = model._llm.tokenize(text.encode("utf-8"), add_bos=True)
    timings: dict[str, list[float]] = {f"{size}-token slices": [] for size in sizes}
    timings["one eval"] = []
    for _ in range(args.rounds):
        for size in sizes:
            timings[f"{size}-token slices"].append(read_in_slices(model, tokens, size))
        timings["one eval"].append(read_in_slices(model, tokens, len(tokens)))
        assert model._prefill(tokens, CancelToken())  # the shipped path reads the same prompt without error
    plain = statistics.median(timings["one eval"])
    rows = [[name, statistics.median(values), statistics.median(values) / plain] for name, values in timings.items()]
    header = ["reading", "seconds (median)", "x one eval"]
    print(f"{len(tokens)} prompt tokens, {args.rounds} round(s)")
    print(md_table(header, rows))
    write_results("prefill_slices", {"tokens": len(tokens), "header": header, "rows": rows})
    model.close()


if __name__ == "__main__":
    main()
