"""Prompt and generation speed: the run-time CPU variants build against the former AVX2-only build.

    .venv/bin/python benchmarks/cpu_backends.py --baseline WHEEL [--repeats 3] [--threads N]
        [--requantize q4_0,q4_k_m]

``WHEEL``: llama-cpp-python 0.3.36 built the former way, e.g.
``CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" pip wheel --no-deps llama-cpp-python==0.3.36``;
it is unpacked into a temporary folder and put first on the child's path. The current build is the one
installed in the virtual environment (its CPU variant loaded by ``engine/models/backends.py``).

Each measurement runs in a fresh child process, the two builds alternating (the order flips each
repeat), so the machine's noise falls on both. The prompt is the text of the dev corpus's first pages, cut
to ``--prompt-tokens`` tokens, evaluated once (``Llama.eval``, n_batch 512); then ``--gen-tokens`` tokens
are generated greedily from it (tokens/s after the first). ``--requantize`` also measures copies of the
bundled model requantized to those types (``llama_model_quantize``), since the kernels that gain from
AVX-512 differ by quantization type. Medians of the repeats. Writes benchmarks/results/cpu_backends.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bench_common import CORPUS, ROOT, child_result, md_table, median, run_child, write_results

QUANT_TYPES = {"q4_0": 2, "q4_1": 3, "q8_0": 7, "q4_k_m": 15}
"""llama.cpp's ``llama_ftype`` values for ``--requantize``."""


def prompt_text() -> str:
    import pymupdf

    with pymupdf.open(CORPUS / "reportlab-userguide.pdf") as pdf:
        return "\n".join(pdf[i].get_text() for i in range(8, 20))


def child(model: str, threads: int, prompt_tokens: int, gen_tokens: int) -> None:
    """One measurement in this process with whichever llama_cpp is first on the path."""
    import llama_cpp

    from desktop_app.engine.models.backends import load_backends

    variant = load_backends()
    llm = llama_cpp.Llama(model_path=model, n_ctx=prompt_tokens + gen_tokens + 16, n_threads=threads,
                          n_threads_batch=threads, n_batch=512, verbose=False)
    tokens = llm.tokenize(prompt_text().encode("utf-8"))[:prompt_tokens]
    started = time.perf_counter()
    llm.eval(tokens)
    prompt_s = time.perf_counter() - started
    first = 0.0
    count = 0
    started = time.perf_counter()
    for _ in llm.generate(tokens, temp=0.0):  # finds the prompt but its last token in the KV cache
        count += 1
        first = first or time.perf_counter() - started
        if count >= gen_tokens:
            break
    total = time.perf_counter() - started
    child_result({"variant": variant or "built in", "prompt_tokens": len(tokens),
                  "prompt_tokens_per_s": len(tokens) / prompt_s,
                  "gen_tokens_per_s": (count - 1) / max(total - first, 1e-9), "llama_cpp": llama_cpp.__file__})


def requantize(source: Path, kind: str, folder: Path) -> Path:
    """``source`` requantized to ``kind`` in ``folder``, as the app makes its Q8_0 copy (``cpu_copy``)."""
    from desktop_app.engine.models.trial_load import requantize as requantize_in_child

    target = folder / f"{source.stem.split('.')[0]}.{kind.upper()}.gguf"
    requantize_in_child(source, target, QUANT_TYPES[kind])
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", type=Path, help="the former build's llama-cpp-python wheel")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--prompt-tokens", type=int, default=1500)
    parser.add_argument("--gen-tokens", type=int, default=64)
    parser.add_argument("--requantize", default="", help="also measure the bundled model as these types")
    parser.add_argument("--child", nargs=4, metavar=("MODEL", "THREADS", "PROMPT", "GEN"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]), int(args.child[3]))
        return
    if args.baseline is None:
        parser.error("--baseline WHEEL is needed (see the module docstring)")
    from desktop_app.engine.models.files import locate

    bundled = locate("chat", Path(tempfile.gettempdir()) / "no-user-models")
    flags = set(Path("/proc/cpuinfo").read_text().split()) if Path("/proc/cpuinfo").exists() else set()
    cpu = sorted(f for f in flags if f.startswith(("avx", "amx", "fma", "f16c")))
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "baseline"
        with zipfile.ZipFile(args.baseline) as wheel:
            wheel.extractall(base)
        models = [bundled] + [requantize(bundled, kind, Path(folder)) for kind in filter(None,
                                                                                         args.requantize.split(","))]
        environments = {"former AVX2 build": {**os.environ, "PYTHONPATH": f"{base}{os.pathsep}{ROOT}"},
                        "run-time CPU variants": {**os.environ, "PYTHONPATH": str(ROOT)}}
        runs: list[dict[str, Any]] = []
        for model in models:
            for repeat in range(args.repeats):
                order = list(environments) if repeat % 2 == 0 else list(reversed(environments))
                for build in order:
                    result = run_child(Path(__file__), [str(model), str(args.threads), str(args.prompt_tokens),
                                                        str(args.gen_tokens)], env=environments[build])
                    runs.append({"model": model.name, "build": build, **result})
                    print(f"{model.name} {build} {result['variant']}: prompt {result['prompt_tokens_per_s']:.0f}"
                          f" tokens/s, generation {result['gen_tokens_per_s']:.1f} tokens/s", file=sys.stderr)
    rows, summary = [], []
    for model in dict.fromkeys(r["model"] for r in runs):
        med = {build: {key: median([r[key] for r in runs if r["model"] == model and r["build"] == build])
                       for key in ("prompt_tokens_per_s", "gen_tokens_per_s")} for build in environments}
        variant = next(r["variant"] for r in runs if r["model"] == model and r["build"] == "run-time CPU variants")
        old, new = med["former AVX2 build"], med["run-time CPU variants"]
        entry = {"model": model, "variant": variant, "former": old, "new": new,
                 "prompt_ratio": new["prompt_tokens_per_s"] / old["prompt_tokens_per_s"],
                 "gen_ratio": new["gen_tokens_per_s"] / old["gen_tokens_per_s"]}
        summary.append(entry)
        rows.append([model, variant, old["prompt_tokens_per_s"], new["prompt_tokens_per_s"], entry["prompt_ratio"],
                     old["gen_tokens_per_s"], new["gen_tokens_per_s"], entry["gen_ratio"]])
    print(f"\nCPU flags: {' '.join(cpu)}; {args.threads} threads; {args.prompt_tokens}-token prompt, "
          f"{args.gen_tokens} generated; median of {args.repeats}, builds alternating\n")
    print(md_table(["model", "variant loaded", "prompt tok/s, former", "new", "ratio", "generation tok/s, former",
                    "new", "ratio"], rows))
    app = next((e for e in summary if e["model"].endswith(".Q8_0.gguf")), None)
    if app is not None:  # what the app runs by default (cpu_copy) against what the former build ran
        app["app_vs_former_file"] = app["new"]["prompt_tokens_per_s"] / summary[0]["former"]["prompt_tokens_per_s"]
        print(f"\nThe app's Q8_0 copy on the run-time variants build against the bundled file on the former build: "
              f"prompt {app['app_vs_former_file']:.2f}x")
    path = write_results("cpu_backends", {"cpu_flags": cpu, "threads": args.threads, "summary": summary,
                                          "runs": runs})
    print(f"\nwritten to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
