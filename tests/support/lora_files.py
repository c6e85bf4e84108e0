"""Real GGUF LoRA adapters (and broken files) for the bundled SmolLM2 model, written with the gguf package.

An adapter is what llama.cpp's ``convert_lora_to_gguf.py`` writes, and what
``llama_adapter_lora_init`` checks: general.architecture equal to the model's,
general.type "adapter", adapter.type "lora", adapter.lora.alpha as FLOAT32,
and for each adapted weight ``W`` (numpy shape ``(n_out, n_in)``) two tensors
``<name>.lora_a`` of numpy shape ``(rank, n_in)`` and ``<name>.lora_b`` of
numpy shape ``(n_out, rank)`` (in the GGUF header, which lists dimensions in
the opposite order: ``(n_in, rank)`` and ``(rank, n_out)``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

import gguf
import numpy as np

from desktop_app.engine.models.files import locate
from desktop_app.engine.models.gguf_info import read_info

TARGETS = ("attn_q", "attn_v")
LAYERS = (0, 1, 2)


def base_model() -> Path:
    """The bundled SmolLM2-135M-Instruct Q4_1 GGUF."""
    return locate("chat", Path("/nonexistent-user-models"))


def write_lora(
    path: Path, *, rank: int = 8, layers: Iterable[int] = LAYERS, targets: Iterable[str] = TARGETS,
    seed: int = 0, std: float = 0.05, dtype: type = np.float32, arch: str = "llama",
    n_in: int | None = None, rank_b: int | None = None, alpha: float | None = None, alpha_as_f64: bool = False,
    name: str | None = None,
) -> Path:
    """A LoRA adapter for the bundled model with random A and B on ``targets`` in ``layers``.

    ``n_in`` (a wrong input width), ``rank_b`` (a B whose rank differs from
    A's), ``arch`` and ``alpha_as_f64`` make adapters llama.cpp must not be given.
    """
    shapes = read_info(base_model()).tensors
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(str(path), arch=arch)
    writer.add_type("adapter")
    writer.add_name(name or path.stem)
    writer.add_string("adapter.type", "lora")
    if alpha_as_f64:
        writer.add_float64("adapter.lora.alpha", float(alpha or rank))
    else:
        writer.add_float32("adapter.lora.alpha", float(alpha or rank))
    for layer in layers:
        for target in targets:
            weight = f"blk.{layer}.{target}.weight"
            base_in, base_out = shapes[weight]
            a = rng.standard_normal((rank, n_in or base_in)) * std
            b = rng.standard_normal((base_out, rank_b or rank)) * std
            writer.add_tensor(f"{weight}.lora_a", a.astype(dtype))
            writer.add_tensor(f"{weight}.lora_b", b.astype(dtype))
    _finish(writer)
    return path


def write_wrong_shape_lora(path: Path) -> Path:
    """attn_q adapters made for a model 512 wide (SmolLM2 is 576 wide)."""
    return write_lora(path, layers=(0,), targets=("attn_q",), n_in=512)


def write_other_arch_lora(path: Path) -> Path:
    return write_lora(path, arch="qwen2")


def write_missing_tensor_lora(path: Path) -> Path:
    """An adapter for layer 40; SmolLM2 has 30 layers."""
    return _lora_for(path, "blk.40.attn_q.weight")


def _lora_for(path: Path, weight: str, rank: int = 4) -> Path:
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_type("adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(rank))
    writer.add_tensor(f"{weight}.lora_a", np.zeros((rank, 576), np.float32))
    writer.add_tensor(f"{weight}.lora_b", np.zeros((576, rank), np.float32))
    _finish(writer)
    return path


def truncate(source: Path, path: Path, keep: float = 0.6) -> Path:
    """The first ``keep`` fraction of ``source``, as an interrupted download leaves it."""
    left = int(source.stat().st_size * keep)
    with source.open("rb") as src, path.open("wb") as dst:
        while left > 0:
            chunk = src.read(min(left, 1 << 20))
            if not chunk:
                break
            dst.write(chunk)
            left -= len(chunk)
    return path


def write_header(path: Path, *, version: int = 3, n_tensors: int = 0, n_kv: int = 0, tail: bytes = b"",
                 magic: bytes = b"GGUF", big_endian: bool = False) -> Path:
    """A bare GGUF header with whatever counts it is told to claim."""
    order = ">" if big_endian else "<"
    path.write_bytes(magic + struct.pack(order + "IQQ", version, n_tensors, n_kv) + tail)
    return path


def write_tiny_model(path: Path) -> Path:
    """A structurally valid GGUF "llama" model with no tensors: llama.cpp refuses to load it."""
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_block_count(1)
    writer.add_context_length(128)
    writer.add_embedding_length(64)
    writer.add_head_count(1)
    writer.add_tensor("output_norm.weight", np.ones(64, np.float32))
    _finish(writer)
    return path


def _finish(writer: gguf.GGUFWriter) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
