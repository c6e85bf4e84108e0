"""A Q8_0 copy of a Q4_1 chat model, made once per file, for faster prompt processing on the CPU.

On a CPU with AVX-512 the run-time kernel variants (``backends``) barely
speed up a Q4_1 prompt (156 against 155 tokens/s on the former AVX2 build),
while a Q8_0 prompt gains (248 against 193). Requantizing Q4_1 to Q8_0 adds
only a small rounding to each weight. Measured on the bundled
SmolLM2-135M-Instruct Q4_1, 2 cores with AVX-512 VNNI (README, Models):

- speed (``benchmarks/cpu_backends.py --requantize q8_0``): prompts 248
  against 156 tokens/s (1.59x), generation 0.92x; through 10 dev answers
  (``benchmarks/requantized.py --answers 10``) the first token came after
  0.61x the time, median per question;
- quality (``benchmarks/requantized.py``): perplexity on corpus text 9.64
  for the copy against 9.59 for the file (+0.44%), the same most likely
  next token at 96.3% of positions. A Q4_0 copy would be faster still but
  reached 11.44 (+19%), so it is not made.

The copy is about 1.5 times the file's size (98 MB to 145 MB for the bundled
model). It is made by llama.cpp (``llama_model_quantize``) in a child
process, like the trial load, into the cache folder (``home.cache_dir``),
named by the source file's path, size and modification time, and written
under a temporary name then renamed, so an interrupted copy is never used.
The ``KEEP`` most recently used copies stay. Where no copy can be made (too
little disk, a failure) the file runs as it is, with a note; a file over
``MAX_SOURCE_BYTES`` runs as it is without one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from desktop_app.engine.models.gguf_info import ModelFileInfo, read_info
from desktop_app.engine.models.trial_load import requantize
from desktop_app.errors import ModelError
from desktop_app.home import cache_dir

log = logging.getLogger(__name__)
COPIES = {"Q4_1": ("Q8_0", 7)}
"""The quantization a file is copied to, by the file's quantization: (name, llama.cpp's ``LLAMA_FTYPE_*``)."""
GROWTH = 34 / 20
"""Bytes of a Q8_0 block of 32 weights over a Q4_1 block's: the most a copy can grow."""
MAX_SOURCE_BYTES = 1 << 30
"""Larger files run as they are. The bundled 98 MB file's copy added about 2 s to its first load (the child's
start included); by size, 1 GiB would take some 20 s on 2 cores, with no progress to show."""
SPARE_BYTES = 256 << 20
"""Free disk left over after the copy."""
KEEP = 3
STALE_PARTIAL_S = 3600.0


@dataclass(frozen=True)
class Weights:
    """The file llama.cpp loads for a model; the quantization of a copy ("" for the file itself); a problem to
    show the user ("" when none)."""

    path: Path
    copy: str = ""
    note: str = ""


def copies_dir() -> Path:
    return cache_dir() / "model-copies"


def copy_path(source: Path, quantization: str, folder: Path) -> Path:
    """Where the copy of ``source`` lives: named by its path, size and modification time."""
    stat = source.stat()
    key = hashlib.sha256(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return folder / f"{source.stem}.{key}.{quantization}.gguf"


def cpu_weights(source: Path, info: ModelFileInfo, folder: Path | None = None) -> Weights:
    """The weights to run ``source`` from on the CPU: its Q8_0 copy for a Q4_1 file, made now if missing.

    ``info`` is ``source``'s header (``read_info``). Never raises for a copy
    that cannot be made: the result is then ``source`` with a note saying why.
    """
    if info.quantization not in COPIES:
        return Weights(source)
    quantization, ftype = COPIES[info.quantization]
    folder = folder or copies_dir()
    target = copy_path(source, quantization, folder)
    if target.is_file():
        with contextlib.suppress(OSError):
            os.utime(target)  # the most recently used copy is the last one pruned
        return Weights(target, quantization)
    size = source.stat().st_size
    if size > MAX_SOURCE_BYTES:
        return Weights(source)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        need = int(size * GROWTH) + SPARE_BYTES
        free = shutil.disk_usage(folder).free
        if free < need:
            return Weights(source, note=f"No {quantization} copy of {source.name} was made for faster prompts: "
                                        f"it needs {need / 1e6:.0f} MB free in {folder}, {free / 1e6:.0f} MB are. "
                                        "The file runs as it is.")
        started = time.perf_counter()
        requantize(source, partial, ftype)
        made = read_info(partial).quantization
        if made != quantization:
            raise ModelError(f"the copy came out as {made}")
        os.replace(partial, target)
        log.info("made a %s copy of %s in %.1f s", quantization, source.name, time.perf_counter() - started)
    except (OSError, ModelError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        if target.is_file():  # another process made it meanwhile (Windows refuses to replace a file in use)
            return Weights(target, quantization)
        log.warning("no %s copy of %s: %s", quantization, source.name, exc)
        return Weights(source, note=f"No {quantization} copy of {source.name} could be made for faster prompts "
                                    f"({exc}). The file runs as it is.")
    prune(folder, KEEP)
    return Weights(target, quantization)


def prune(folder: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently used copies, and partial files an hour old."""
    now = time.time()
    try:
        copies = sorted(folder.glob("*.gguf"), key=lambda p: p.stat().st_mtime, reverse=True)
        stale = [p for p in folder.glob("*.partial") if now - p.stat().st_mtime > STALE_PARTIAL_S]
    except OSError:
        return
    for path in copies[keep:] + stale:
        with contextlib.suppress(OSError):  # in use by another running copy of the app (Windows)
            path.unlink(missing_ok=True)
