"""What a GGUF file holds, described from its checked header (``gguf_layout``) without loading its weights:
architecture, size, quantization, context length, layer shapes, and for a LoRA adapter its type and alpha.

Shapes are kept in GGUF (ggml) order (see ``gguf_layout``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gguf import LlamaFileType

from desktop_app.engine.models.gguf_layout import ArrayValue, GGUFLayout, Scalar, Shape, TensorEntry, validate_gguf
from desktop_app.errors import ModelError


@dataclass(frozen=True)
class ModelFileInfo:
    """A GGUF model or adapter, described from its header.

    ``tensors`` maps every tensor name to its shape (GGUF order, see the
    ``gguf_layout`` docstring) for models and adapters alike: matching an adapter
    needs the base model's shapes. Displays should show ``tensor_count`` for
    a model and the shapes only for an adapter.
    """

    path: Path
    file_type: str  # "model" or "adapter"
    architecture: str
    name: str
    parameter_count: int
    quantization: str
    context_length: int | None
    has_chat_template: bool
    size_bytes: int
    tensor_count: int
    tensors: Mapping[str, Shape]
    weights_bytes: int
    layer_weights_bytes: int  # the tensors of the repeating blocks (blk.N.*), which GPU offloading moves
    n_layers: int | None = None
    n_embd: int | None = None
    n_head: int | None = None
    n_head_kv: int | None = None
    key_length: int | None = None
    value_length: int | None = None
    n_vocab: int | None = None
    adapter_type: str | None = None
    lora_alpha: float | None = None
    version: int = 3

    @property
    def is_adapter(self) -> bool:
        return self.file_type == "adapter"

    def summary(self) -> dict[str, object]:
        """A JSON-friendly description for `models info`: shapes for adapters, a count for models."""
        out: dict[str, object] = {
            "path": str(self.path), "type": self.file_type, "architecture": self.architecture, "name": self.name,
            "parameters": self.parameter_count, "quantization": self.quantization,
            "context_length": self.context_length, "chat_template": self.has_chat_template,
            "size_bytes": self.size_bytes, "tensors": self.tensor_count, "layers": self.n_layers,
            "embedding_length": self.n_embd, "heads": self.n_head, "kv_heads": self.n_head_kv,
        }
        if self.is_adapter:
            out.update(adapter_type=self.adapter_type, lora_alpha=self.lora_alpha,
                       tensor_shapes={name: list(shape) for name, shape in self.tensors.items()})
        return out


def read_info(path: Path) -> ModelFileInfo:
    """Validate ``path`` and describe it (see ``ModelFileInfo``). Raises ``ModelError``."""
    layout = validate_gguf(path)
    try:
        return _describe(layout)
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise ModelError(
            f"{Path(path).name} has metadata this app cannot interpret ({exc}). Choose another GGUF file."
        ) from None


# llama.cpp reads these adapter keys with asserting getters: a wrong type aborts the whole process.
ADAPTER_KEY_TYPES = {"general.type": "STRING", "general.architecture": "STRING", "adapter.type": "STRING",
                     "adapter.lora.alpha": "FLOAT32"}


def _describe(layout: GGUFLayout) -> ModelFileInfo:
    meta = layout.metadata
    arch = _text(meta.get("general.architecture")) or "unknown"
    tensors = layout.tensors
    file_type = _text(meta.get("general.type")) or "model"
    if file_type == "adapter":
        _check_adapter_keys(layout)
    return ModelFileInfo(
        path=layout.path, file_type=file_type, architecture=arch,
        name=_text(meta.get("general.name")) or layout.path.stem,
        parameter_count=sum(t.n_elements for t in tensors), quantization=_quantization(meta, tensors),
        context_length=_int(meta.get(f"{arch}.context_length")),
        has_chat_template=bool(_text(meta.get("tokenizer.chat_template"))),
        size_bytes=layout.size_bytes, tensor_count=len(tensors), tensors={t.name: t.shape for t in tensors},
        weights_bytes=sum(t.n_bytes for t in tensors),
        layer_weights_bytes=sum(t.n_bytes for t in tensors if t.name.startswith("blk.")),
        n_layers=_int(meta.get(f"{arch}.block_count")), n_embd=_int(meta.get(f"{arch}.embedding_length")),
        n_head=_int(meta.get(f"{arch}.attention.head_count")),
        n_head_kv=_int(meta.get(f"{arch}.attention.head_count_kv")),
        key_length=_int(meta.get(f"{arch}.attention.key_length")),
        value_length=_int(meta.get(f"{arch}.attention.value_length")),
        n_vocab=_vocab(meta, arch), adapter_type=_text(meta.get("adapter.type")),
        lora_alpha=_float(meta.get("adapter.lora.alpha")), version=layout.version,
    )


def _check_adapter_keys(layout: GGUFLayout) -> None:
    for key, expected in ADAPTER_KEY_TYPES.items():
        found = layout.value_types.get(key, expected)
        if found != expected:
            raise ModelError(f"{layout.path.name} stores {key} as {found}, but llama.cpp needs {expected} (it would "
                             "stop the whole app on this file). Convert the adapter again or choose another one.")


def _quantization(meta: Mapping[str, Scalar | ArrayValue], tensors: tuple[TensorEntry, ...]) -> str:
    """The name from general.file_type (Q4_K_M ...), else the tensor type holding the most weights."""
    file_type = meta.get("general.file_type")
    if isinstance(file_type, int) and not isinstance(file_type, bool):
        try:
            return LlamaFileType(file_type).name.removeprefix("MOSTLY_").removeprefix("ALL_")
        except ValueError:
            pass
    weights: Counter[str] = Counter()
    for tensor in tensors:
        weights[tensor.type_name] += tensor.n_elements
    return weights.most_common(1)[0][0] if weights else "unknown"


def _vocab(meta: Mapping[str, Scalar | ArrayValue], arch: str) -> int | None:
    tokens = meta.get("tokenizer.ggml.tokens")
    if isinstance(tokens, ArrayValue):
        return tokens.length
    return _int(meta.get(f"{arch}.vocab_size"))


def _text(value: Scalar | ArrayValue | None) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Scalar | ArrayValue | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Scalar | ArrayValue | None) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
