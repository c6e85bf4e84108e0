"""Load a model (and adapter) once in a separate process, so that a crash or hang is only a message.

llama.cpp aborts the whole process on some damaged or unusual files, and a
hostile file can make it loop or allocate without end. ``trial_load`` runs
the load in a child Python (``python -m desktop_app.engine.models.trial_load``) with
a time limit; a native crash, a hang or a load error becomes a ``ModelError``
here, and the app keeps running. The child loads with a small context and
evaluates a couple of tokens, so the check takes about a second for small
models.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.engine.models.files import verify
from desktop_app.engine.models.gguf_layout import validate_gguf
from desktop_app.errors import ModelError
from desktop_app.frozen import child_command

RESULT_MARK = "TRIAL-LOAD-RESULT "
ROOT = Path(__file__).resolve().parents[3]
DEFAULT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class TrialResult:
    load_s: float  # model load, in the child
    adapter_s: float  # adapter load and apply (0 without an adapter)
    eval_s: float  # evaluating two tokens
    rss_bytes: int  # the child's resident memory after the load
    wall_s: float  # the whole trial, including starting the child


def trial_load(
    path: Path, n_ctx: int = 512, lora_path: Path | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
    lora_scale: float = 1.0, n_gpu_layers: int = 0,
) -> TrialResult:
    """Load ``path`` (with ``lora_path`` applied) in a child process; raise ``ModelError`` if that fails.

    The files' GGUF structure is validated here first (cheap, and it gives
    the clearest messages); everything else is left to llama.cpp in the child.
    """
    validate_gguf(path)
    if lora_path is not None:
        validate_gguf(lora_path)
    request = {"path": str(path), "n_ctx": n_ctx, "lora_path": str(lora_path) if lora_path else None,
               "lora_scale": lora_scale, "n_gpu_layers": n_gpu_layers}
    start = time.perf_counter()
    proc = _run_child(request, Path(path), timeout_s)
    result = _result(proc, Path(path), lora_path)
    return TrialResult(result["load_s"], result["adapter_s"], result["eval_s"], result["rss_bytes"],
                       time.perf_counter() - start)


def requantize(source: Path, target: Path, ftype: int, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
    """Write ``source`` requantized to llama.cpp's file type ``ftype`` (a ``LLAMA_FTYPE_*``) as ``target``.

    Runs ``llama_model_quantize`` in a child process, as the trial load does, so a file that crashes
    llama.cpp is only a ``ModelError`` here. ``target`` may be left partly written on failure.
    """
    request = {"requantize": {"source": str(source), "target": str(target), "ftype": ftype}}
    proc = _run_child(request, source, timeout_s, "Requantizing")
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_MARK)]
    result = json.loads(lines[-1][len(RESULT_MARK):]) if lines else {}
    if proc.returncode < 0:
        raise ModelError(f"Requantizing {source.name} crashed llama.cpp ({_signal_name(-proc.returncode)}).")
    if not result.get("ok"):
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise ModelError(f"Requantizing {source.name} failed ({result.get('error') or tail[0][:300]}).")


def _run_child(request: dict[str, Any], path: Path, timeout_s: float,
               doing: str = "Loading") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env["GGML_NO_BACKTRACE"] = "1"  # ggml would otherwise attach gdb to print a backtrace on abort
    command = [*child_command("trial-load", "desktop_app.engine.models.trial_load"), json.dumps(request)]
    try:
        return subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout_s,
                              env=env, stdin=subprocess.DEVNULL, check=False,
                              creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))  # no console on Windows
    except subprocess.TimeoutExpired:
        advice = " The file may be damaged or too large for this computer; choose another model file." \
            if doing == "Loading" else ""
        raise ModelError(f"{doing} {path.name} did not finish within {timeout_s:g} s, so it was stopped."
                         f"{advice}") from None
    except OSError as exc:
        raise ModelError(f"{doing} {path.name} in a child process could not start ({exc}).") from None


def _result(proc: subprocess.CompletedProcess[str], path: Path, lora_path: Path | None) -> dict[str, Any]:
    what = f"{path.name} with the adapter {lora_path.name}" if lora_path else path.name
    if proc.returncode < 0:
        name = _signal_name(-proc.returncode)
        if lora_path is None and is_bundled_model(path):
            raise ModelError(f"Loading {what}, the bundled model, whose contents are checked, crashed llama.cpp "
                             f"({name}): llama.cpp itself does not work on this computer. Reinstall the app; if "
                             "llama.cpp was rebuilt (for a GPU, say), rebuild it or go back to the default build.")
        raise ModelError(f"Loading {what} crashed llama.cpp ({name}). The file is damaged or not supported by "
                         "this version of llama.cpp; choose another file.")
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if not lines:
        tail = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise ModelError(f"Loading {what} failed in the trial process ({tail[0][:300]}). Choose another file.")
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_MARK):])
    if not result.get("ok"):
        raise ModelError(f"llama.cpp could not load {what}: {result.get('error')}. The file may be damaged or "
                         "made for a newer llama.cpp; choose another file.")
    return result


def is_bundled_model(path: Path) -> bool:
    """Whether ``path`` holds the bundled chat model, byte for byte (its size and SHA-256 in the manifest)."""
    try:
        return verify("chat", path)
    except (OSError, KeyError, ValueError):
        return False


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# --- the child ----------------------------------------------------------------------


def _child(request: dict[str, Any]) -> dict[str, Any]:
    """Load, apply the adapter, evaluate two tokens; measure. Runs in the child process only."""
    import ctypes

    import llama_cpp
    import psutil

    from desktop_app.engine.models.backends import load_backends

    start = time.perf_counter()
    load_backends()
    llm = llama_cpp.Llama(model_path=request["path"], n_ctx=request["n_ctx"], n_batch=min(512, request["n_ctx"]),
                          n_gpu_layers=request["n_gpu_layers"], n_threads=max(1, os.cpu_count() or 1), verbose=False)
    loaded = time.perf_counter()
    if request["lora_path"]:
        handle = llama_cpp.llama_adapter_lora_init(llm.model, request["lora_path"].encode("utf-8"))
        if not handle:
            return {"ok": False, "error": "the adapter was rejected (wrong model, or a damaged file)"}
        adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(handle)
        scales = (ctypes.c_float * 1)(request["lora_scale"])
        if llama_cpp.llama_set_adapters_lora(llm.ctx, adapters, 1, scales) != 0:
            return {"ok": False, "error": "the adapter could not be applied"}
    adapted = time.perf_counter()
    llm.eval(llm.tokenize(b"Hello", add_bos=True)[:2])
    done = time.perf_counter()
    return {"ok": True, "load_s": loaded - start, "adapter_s": adapted - loaded, "eval_s": done - adapted,
            "rss_bytes": psutil.Process().memory_info().rss}


def _requantize_child(request: dict[str, Any]) -> dict[str, Any]:
    """Requantize one file (``requantize``). Runs in the child process only."""
    import ctypes

    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype, params.allow_requantize, params.nthread = request["ftype"], True, max(1, os.cpu_count() or 1)
    start = time.perf_counter()
    status = llama_cpp.llama_model_quantize(request["source"].encode("utf-8"), request["target"].encode("utf-8"),
                                            ctypes.byref(params))
    if status != 0:
        return {"ok": False, "error": f"requantizing stopped with status {status}"}
    return {"ok": True, "seconds": time.perf_counter() - start}


def main() -> None:
    request = json.loads(sys.argv[1])
    try:
        result = _requantize_child(request["requantize"]) if "requantize" in request else _child(request)
    except Exception as exc:  # noqa: BLE001  (reported to the parent as a load error)
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
