"""LoRA adapters: check that one fits the loaded model, and load/apply/free it through llama.cpp.

llama.cpp applies an adapter at run time (``y = W x + scale * alpha/rank * B A x``)
without touching the base weights, so an adapter is switched or removed on a
live context with ``llama_set_adapters_lora``; the base model stays loaded.

Everything that could make llama.cpp abort the process (it asserts on some
metadata types) or fail with a vague log line is checked here first, in
Python, from the GGUF headers: see ``check_adapter_matches``.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.engine.models.gguf_info import ModelFileInfo
from desktop_app.engine.models.gguf_layout import Shape
from desktop_app.errors import ModelError

LORA_A, LORA_B = ".lora_a", ".lora_b"
MAX_SCALE = 16.0
MAX_REPORTED = 3  # differences named in one message


@dataclass(frozen=True)
class ActiveAdapter:
    """The adapter applied to the model: shown next to the model name and recorded with answers."""

    path: Path
    name: str
    scale: float
    size_bytes: int
    mtime_ns: int

    @property
    def label(self) -> str:
        return f"{self.name} ×{self.scale:g}"

    def record(self) -> dict[str, object]:
        return {"path": str(self.path), "name": self.name, "scale": self.scale}


def check_scale(scale: float) -> float:
    if not isinstance(scale, int | float) or not math.isfinite(scale) or abs(scale) > MAX_SCALE:
        raise ModelError(f"The adapter scale must be a number between -{MAX_SCALE:g} and {MAX_SCALE:g} "
                         f"(1 applies the adapter as trained, 0 turns it off); {scale!r} was given.")
    return float(scale)


def check_adapter_matches(base: ModelFileInfo, adapter: ModelFileInfo) -> None:
    """Raise ``ModelError`` naming what differs unless ``adapter`` is a LoRA for ``base``.

    The rules are llama.cpp's (``llama_adapter_lora_init``): general.type
    "adapter", adapter.type "lora", the same architecture, every tensor a
    ``<base tensor>.lora_a``/``.lora_b`` pair (``*_norm.weight`` tensors are
    ignored) of a tensor the model has, and shapes in GGUF order
    ``lora_a (n_in, rank)``, ``lora_b (rank, n_out)`` for a base ``(n_in, n_out)``.
    """
    if not adapter.is_adapter:
        raise ModelError(f"{adapter.path.name} is not a LoRA adapter (its general.type is {adapter.file_type!r}). "
                         "Choose an adapter file (a GGUF made with llama.cpp's convert_lora_to_gguf.py).")
    if adapter.adapter_type != "lora":
        raise ModelError(f"{adapter.path.name} is a {adapter.adapter_type or 'untyped'} adapter; only LoRA "
                         "adapters can be applied. Choose a LoRA adapter file.")
    problems = _differences(base, adapter)
    if problems:
        shown = "; ".join(problems[:MAX_REPORTED])
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        raise ModelError(f"The adapter {adapter.path.name} does not fit the model {base.path.name}: {shown}{more}. "
                         f"Choose an adapter made for {base.name}.")


def _differences(base: ModelFileInfo, adapter: ModelFileInfo) -> list[str]:
    if adapter.architecture != base.architecture:
        return [f"architecture {adapter.architecture} (adapter) vs {base.architecture} (model)"]
    pairs, problems = _pairs(adapter)
    if not pairs and not problems:
        problems.append("the adapter has no LoRA tensors")
    for target, (a, b) in pairs.items():
        if a is None or b is None:
            problems.append(f"tensor {target}: the adapter has only one of {LORA_A}/{LORA_B}")
        elif target not in base.tensors:
            problems.append(f"tensor {target} does not exist in the model")
        else:
            problems.extend(_shape_differences(target, base.tensors[target], a, b))
    return problems


def _pairs(adapter: ModelFileInfo) -> tuple[dict[str, tuple[Shape | None, Shape | None]], list[str]]:
    pairs: dict[str, tuple[Shape | None, Shape | None]] = {}
    problems: list[str] = []
    for name, shape in adapter.tensors.items():
        if name.endswith(LORA_A):
            target = name.removesuffix(LORA_A)
            pairs[target] = (shape, pairs.get(target, (None, None))[1])
        elif name.endswith(LORA_B):
            target = name.removesuffix(LORA_B)
            pairs[target] = (pairs.get(target, (None, None))[0], shape)
        elif not name.endswith("_norm.weight"):
            problems.append(f"tensor {name} is not a LoRA tensor (its name must end in {LORA_A} or {LORA_B})")
    return pairs, problems


def _shape_differences(target: str, base: Shape, a: Shape, b: Shape) -> list[str]:
    if len(base) != 2 or len(a) != 2 or len(b) != 2:
        return [f"tensor {target}: LoRA needs 2-D tensors, the model has {list(base)}, the adapter "
                f"{list(a)} and {list(b)}"]
    if target.endswith("token_embd.weight"):
        return _embedding_differences(target, base, a, b)
    problems = []
    if a[0] != base[0]:
        problems.append(f"tensor {target}: adapter expects {a[0]} columns, model has {base[0]}")
    if b[1] != base[1]:
        problems.append(f"tensor {target}: adapter expects {b[1]} rows, model has {base[1]}")
    if a[1] != b[0]:
        problems.append(f"tensor {target}: lora_a has rank {a[1]} but lora_b has rank {b[0]}")
    return problems


def _embedding_differences(target: str, base: Shape, a: Shape, b: Shape) -> list[str]:
    """llama.cpp keeps the token embedding pair flipped: ``lora_b`` carries the embedding width."""
    problems = []
    if b[1] != base[0]:
        problems.append(f"tensor {target}: adapter expects embeddings of {b[1]} values, model has {base[0]}")
    if a[1] != base[1]:
        problems.append(f"tensor {target}: adapter expects {a[1]} tokens, model has {base[1]}")
    return problems


# --- llama.cpp calls ----------------------------------------------------------------


def load_adapter(llm: Any, path: Path) -> Any:
    """Load an adapter's weights for ``llm``'s model; the handle is freed with ``free_adapter``."""
    import llama_cpp

    handle = llama_cpp.llama_adapter_lora_init(llm.model, str(path).encode("utf-8"))
    if not handle:  # a NULL pointer: llama.cpp logged why and returned nothing
        raise ModelError(f"llama.cpp could not load the adapter {path.name}. The file may be damaged or made "
                         "for another model; choose another adapter.")
    return handle


def apply_adapter(llm: Any, handle: Any | None, scale: float) -> None:
    """Make ``handle`` (at ``scale``) the only adapter on ``llm``'s context; ``None`` removes all."""
    import llama_cpp

    if handle is None:
        result = llama_cpp.llama_set_adapters_lora(llm.ctx, None, 0, None)
    else:
        adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(handle)
        scales = (ctypes.c_float * 1)(scale)
        result = llama_cpp.llama_set_adapters_lora(llm.ctx, adapters, 1, scales)
    if result != 0:
        raise ModelError(f"llama.cpp could not apply the adapter (error {result}). Remove it or choose another one.")


def free_adapter(handle: Any) -> None:
    import llama_cpp

    llama_cpp.llama_adapter_lora_free(handle)
