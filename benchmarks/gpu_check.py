"""The GPU path on a machine with an NVIDIA GPU: a CUDA build of llama.cpp through the engine's model layer.

    python benchmarks/gpu_check.py [--model PATH] [--cpu-threads N]

Needs llama-cpp-python built with CUDA (``DESKTOP_APP_LLAMA_CMAKE_ARGS="-DGGML_CUDA=on -DGGML_CUDA_NCCL=OFF"
./dev setup``, or ``installer/build_linux.sh --cuda``'s flags). Checks, in order, each reported with its figures:

1. ``gpu_support`` (what ``models check`` and Settings show): offload possible, the GPU listed with its memory.
2. ``load_model`` with GPU layers -1 (all): the trial load in a child process, then the load, no CPU fallback;
   ``check_memory``'s GPU estimate against the GPU memory the load took (free memory before and after).
3. One RAG-sized prompt (about 1,700 tokens of the LICENSE's text as sources, the model's own chat template)
   answered greedily on the GPU and on the CPU: time to first token, prompt and generation tokens/s, and
   how much of the two greedy answers agree (the GPU's kernels round differently; not a pass/fail).
4. A follow-up sharing the first turn's prefix: its time to first token against the same prompt evaluated
   from an empty cache (the KV cache reused on the GPU: at most half), and whether the two answers are the
   same (always on the CPU; on the GPU the kernels round differently with the batch, so they may not be).
5. A cancel during a long prompt's evaluation on the GPU: the stream ends, and the next answer is the same
   as one from an empty cache (the cache the cancel left is valid).
6. A LoRA adapter (random, as the tests write them) applied to the offloaded model: the logits move, and
   removing it gives the base model's logits back.
7. A context too large for the GPU's memory: ``check_memory`` refuses it with GPU layers to set.
8. The GPU hidden (``CUDA_VISIBLE_DEVICES=""``, in a child process): ``gpu_support`` says no GPU was found
   and the model, asked for -1 GPU layers, loads and answers on the CPU.
9. llama-cpp-python's server with ``--n_gpu_layers -1`` on loopback, answered through ``ServerModel``.

Writes benchmarks/results/gpu_check.json (and the same to ``--out``); exits 1 if a check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_common import ROOT, md_table, write_results

from desktop_app.cancel import CancelToken
from desktop_app.engine.models.chat import Generation, LocalModel, ModelSettings
from desktop_app.engine.models.files import locate
from desktop_app.engine.models.gguf_info import read_info
from desktop_app.engine.models.loading import TrialRecord, load_model
from desktop_app.engine.models.resources import check_memory, estimate_memory, gpu_support
from desktop_app.errors import ModelError

N_CTX = 4096
MAX_TOKENS = 128
SYSTEM = "Answer the question from the sources only, quoting them, and cite the source number."
QUESTION = "Under this licence, what must be offered to users who interact with a modified program over a network?"
FOLLOW_UP = "And what does the licence say about patents?"
HIDDEN_GPU_CHILD = """
import json, sys
from pathlib import Path
from desktop_app.cancel import CancelToken
from desktop_app.engine.models.chat import ModelSettings
from desktop_app.engine.models.loading import TrialRecord, load_model
from desktop_app.engine.models.resources import gpu_support
support = gpu_support()
loaded = load_model(ModelSettings(Path(sys.argv[1]), n_ctx=1024, n_gpu_layers=-1), True, TrialRecord(Path(sys.argv[2])))
tokens, stop = loaded.model.render([{"role": "user", "content": "Say hello."}])
pieces = list(loaded.model.stream(tokens, stop, 8, 0.0, CancelToken()))
print(json.dumps({"offload": support.offload, "backend": support.backend, "gpus": len(support.gpus),
                  "notes": loaded.notes, "answer": pieces[-1].text}))
"""


class CancelAfter:
    """A cancel that turns on ``seconds`` after it is first read (a stop in the middle of a prompt)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = 0.0

    @property
    def cancelled(self) -> bool:
        now = time.perf_counter()
        self.start = self.start or now
        return now - self.start >= self.seconds


def sources_text(model: LocalModel, tokens: int) -> str:
    """About ``tokens`` tokens of the repository's LICENSE, as three numbered sources."""
    words = (ROOT / "LICENSE").read_text(encoding="utf-8").split()
    text = " ".join(words)
    ids = model._llm.tokenize(text.encode("utf-8"), add_bos=False)[:tokens]
    body = model._llm.detokenize(ids).decode("utf-8", errors="ignore")
    third = len(body) // 3
    return "\n\n".join(f"[{n + 1}] {body[n * third:(n + 1) * third]}" for n in range(3))


def answer(model: LocalModel, messages: list[dict[str, str]], cancel: Any = None) -> Generation:
    tokens, stop = model.render(messages)
    result = None
    for piece in model.stream(tokens, stop, MAX_TOKENS, 0.0, cancel or CancelToken()):
        if isinstance(piece, Generation):
            result = piece
    assert result is not None
    return result


def speed(generation: Generation) -> dict[str, Any]:
    after_first = max(generation.total_s - generation.ttft_s, 1e-9)
    return {"prompt_tokens": generation.prompt_tokens, "completion_tokens": generation.completion_tokens,
            "ttft_s": round(generation.ttft_s, 4), "total_s": round(generation.total_s, 4),
            "prompt_tokens_per_s": round(generation.prompt_tokens / max(generation.ttft_s, 1e-9), 1),
            "gen_tokens_per_s": round((generation.completion_tokens - 1) / after_first, 1), "text": generation.text}


def agreement(a: str, b: str) -> float:
    """The share of the longer text that the two share from their start."""
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return round(n / max(len(a), len(b), 1), 3)


def gpu_free() -> int:
    return sum(d.free_bytes for d in gpu_support().gpus)


class Checks:
    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.failed: list[str] = []

    def run(self, name: str, check: Callable[[], dict[str, Any]]) -> None:
        start = time.perf_counter()
        try:
            result = check()
            ok = bool(result.pop("ok", True))
        except Exception as exc:  # noqa: BLE001  (one broken check must not hide the others)
            result, ok = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-2000:]}, False
        result["ok"], result["seconds"] = ok, round(time.perf_counter() - start, 2)
        self.results[name] = result
        if not ok:
            self.failed.append(name)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {json.dumps(result, ensure_ascii=False)[:1500]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a GGUF chat model (default: the bundled one)")
    parser.add_argument("--cpu-threads", type=int, default=0, help="threads for the CPU comparison (0: the app's)")
    parser.add_argument("--out", type=Path, help="also write the results here")
    args = parser.parse_args()
    path = args.model or locate("chat", Path(tempfile.gettempdir()) / "no-user-models")
    home = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    checks = Checks()
    state: dict[str, Any] = {}

    def support() -> dict[str, Any]:
        found = gpu_support()
        return {"ok": found.offload and bool(found.gpus), "backend": found.backend,
                "devices": [vars(d) for d in found.devices]}

    def load() -> dict[str, Any]:
        info = read_info(path)
        estimate = estimate_memory(info, N_CTX, -1)
        before = gpu_free()
        start = time.perf_counter()
        loaded = load_model(ModelSettings(path, n_ctx=N_CTX, n_gpu_layers=-1, n_threads=args.cpu_threads or None),
                            False, TrialRecord(home / "trials.json"))
        seconds = time.perf_counter() - start
        taken = before - gpu_free()
        state["gpu"] = loaded.model
        return {"ok": not loaded.notes and taken > 0, "notes": loaded.notes, "load_s_with_trial": round(seconds, 2),
                "gpu_bytes_taken": taken, "gpu_bytes_estimated": estimate.vram_bytes,
                "estimate_over_taken": round(estimate.vram_bytes / taken, 2) if taken > 0 else None}

    def first_turn() -> dict[str, Any]:
        model: LocalModel = state["gpu"]
        sources = sources_text(model, 1600)
        state["messages"] = [{"role": "system", "content": SYSTEM},
                             {"role": "user", "content": f"Sources:\n{sources}\n\nQuestion: {QUESTION}"}]
        answer(model, [{"role": "user", "content": "Say hello."}])  # warm-up: CUDA kernels load on first use
        model._forget_cache()
        gpu = answer(model, state["messages"])
        state["gpu_first"] = gpu
        cpu_model = LocalModel(ModelSettings(path, n_ctx=N_CTX, n_gpu_layers=0, n_threads=args.cpu_threads or None))
        try:
            cpu = answer(cpu_model, state["messages"])
            threads = cpu_model.threads
        finally:
            cpu_model.close()
        return {"ok": bool(gpu.text.strip()), "gpu": speed(gpu), "cpu": speed(cpu), "cpu_threads": threads,
                "ttft_cpu_over_gpu": round(cpu.ttft_s / gpu.ttft_s, 1),
                "same_start_share": agreement(gpu.text, cpu.text)}

    def follow_up() -> dict[str, Any]:
        model: LocalModel = state["gpu"]
        first: Generation = state["gpu_first"]
        messages = state["messages"] + [{"role": "assistant", "content": first.text},
                                        {"role": "user", "content": FOLLOW_UP}]
        reused = answer(model, messages)
        model._forget_cache()
        cold = answer(model, messages)
        return {"ok": reused.ttft_s <= cold.ttft_s / 2, "follow_up_ttft_s": round(reused.ttft_s, 4),
                "cold_ttft_s": round(cold.ttft_s, 4), "first_turn_ttft_s": round(first.ttft_s, 4),
                "follow_up_over_cold": round(reused.ttft_s / cold.ttft_s, 2),
                "same_text_as_cold": reused.text == cold.text}

    def cancel_in_prompt() -> dict[str, Any]:
        model: LocalModel = state["gpu"]
        long = state["messages"][:1] + [{"role": "user", "content": state["messages"][1]["content"] * 2}]
        model._forget_cache()
        cold = answer(model, long)
        model._forget_cache()
        start = time.perf_counter()
        stopped = answer(model, long, CancelAfter(cold.ttft_s / 2))  # half way through the prompt
        stop_s = time.perf_counter() - start
        kept = int(model._llm.n_tokens)
        after = answer(model, long)
        return {"ok": stopped.stopped and stopped.completion_tokens == 0 and after.text == cold.text,
                "prompt_tokens": stopped.prompt_tokens, "prompt_s": round(cold.ttft_s, 4),
                "stopped_after_s": round(stop_s, 4), "tokens_kept_in_cache": kept,
                "next_answer_same_as_cold": after.text == cold.text}

    def adapter() -> dict[str, Any]:
        sys.path.insert(0, str(ROOT / "tests"))
        from support.lora_files import write_lora

        model: LocalModel = state["gpu"]
        tokens = model._llm.tokenize(b"The quick brown fox", add_bos=True)
        base = model.next_token_logits(tokens)
        model.set_adapter(write_lora(home / "style.gguf", seed=3, std=0.2), 1.0)
        adapted = model.next_token_logits(tokens)
        model.clear_adapter()
        again = model.next_token_logits(tokens)
        moved, back = float(abs(adapted - base).max()), float(abs(again - base).max())
        return {"ok": moved > 0.1 and back < 1e-3, "max_logit_change_with_adapter": round(moved, 3),
                "max_logit_difference_after_removal": back}

    def too_big() -> dict[str, Any]:
        info = read_info(path)
        free = gpu_free()
        n_ctx = N_CTX
        while estimate_memory(info, n_ctx, -1).vram_bytes <= free:
            n_ctx *= 2
        try:
            check_memory(info, n_ctx, -1, available_bytes=1 << 50)
        except ModelError as exc:
            return {"ok": "GPU layers" in str(exc), "n_ctx": n_ctx, "message": str(exc)}
        return {"ok": False, "n_ctx": n_ctx, "message": "not refused"}

    def hidden_gpu() -> dict[str, Any]:
        env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
        done = subprocess.run([sys.executable, "-c", HIDDEN_GPU_CHILD, str(path), str(home / "hidden.json")],
                              capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
        if done.returncode != 0:
            return {"ok": False, "stderr": done.stderr[-2000:]}
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["ok"] = result["gpus"] == 0 and bool(result["answer"].strip())
        return result

    def server() -> dict[str, Any]:
        sys.path.insert(0, str(ROOT / "tests"))
        from desktop_app.engine.models.server import ServerModel, ServerSettings
        from support.llama_server import running_server

        state["gpu"].close()  # one model on the GPU at a time, as the app does
        with running_server(path, n_ctx=N_CTX, extra_args=("--n_gpu_layers", "-1"), log_dir=home) as info:
            model = ServerModel(ServerSettings(info.url, n_ctx=N_CTX))
            prompt, stop = model.render(state["messages"])
            generations = [p for p in model.stream(prompt, stop, MAX_TOKENS, 0.0, CancelToken())
                           if isinstance(p, Generation)]
            log = info.log_path.read_text(errors="replace")
        offloaded = [line for line in log.splitlines() if "offload" in line.lower() or "CUDA" in line][:6]
        first = generations[-1]
        return {"ok": bool(first.text.strip()) and any("CUDA" in line for line in offloaded),
                "server": speed(first), "log_lines": offloaded}

    checks.run("gpu_support", support)
    checks.run("load_on_gpu", load)
    if "gpu" in state:
        for name, check in (("first_turn_gpu_and_cpu", first_turn), ("follow_up_reuses_gpu_cache", follow_up),
                            ("cancel_during_prompt", cancel_in_prompt), ("lora_adapter_on_gpu", adapter)):
            checks.run(name, check)
    checks.run("context_too_big_for_gpu", too_big)
    checks.run("gpu_hidden_falls_back_to_cpu", hidden_gpu)
    if "messages" in state:
        checks.run("server_on_gpu", server)

    rows = [[name, "ok" if r["ok"] else "FAIL", r["seconds"]] for name, r in checks.results.items()]
    print("\n" + md_table(["check", "result", "s"], rows))
    data = {"model": path.name, "n_ctx": N_CTX, "failed": checks.failed, "checks": checks.results}
    written = write_results("gpu_check", data)
    if args.out:
        args.out.write_text(written.read_text())
    print(f"\nwritten to {written}", file=sys.stderr)
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
