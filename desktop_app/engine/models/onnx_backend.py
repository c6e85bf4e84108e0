"""The "onnx" embedding backends: a sentence-transformers folder exported locally and run by onnxruntime.

The export uses PyTorch's own ONNX exporter on the local weights (no hub, no
optimum: optimum would pin older transformers), with the pooling inside the
graph so onnxruntime returns sentence vectors directly. The exported file is
written once per model folder into ``cache_dir`` (atomically) and reused.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.engine.models.embedding import BATCH_SIZE, folder_fingerprint, normalised, token_counts
from desktop_app.errors import ModelError

OPSET = 17
INSTALL_HINT = "The onnx embedding backends need the onnxruntime and onnx packages (pip install onnxruntime onnx)."


def transformer_folder(model_dir: Path) -> Path:
    """The folder of the Transformer module, from modules.json (the model folder itself for most models)."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
    except (OSError, ValueError):
        return model_dir
    for module in modules:
        if str(module.get("type", "")).endswith("Transformer"):
            return model_dir / str(module.get("path", ""))
    return model_dir


def pooling_mode(model_dir: Path) -> str:
    """'mean' or 'cls', from the Pooling module's config; other poolings are not supported here."""
    configs = sorted(model_dir.glob("*Pooling/config.json"))
    if not configs:
        return "mean"
    config = json.loads(configs[0].read_text())
    mode = config.get("pooling_mode") or ("cls" if config.get("pooling_mode_cls_token") else
                                         "mean" if config.get("pooling_mode_mean_tokens") else "other")
    if mode not in ("mean", "cls"):
        raise ModelError(f"The onnx backend supports mean or CLS pooling only; {model_dir.name} uses {mode}.")
    return str(mode)


def max_length(model_dir: Path, tokenizer: Any) -> int:
    try:
        configured = int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        configured = 512
    return min(configured, int(getattr(tokenizer, "model_max_length", configured) or configured))


def pooled_module(model: Any, mode: str, input_names: list[str]) -> Any:
    """The transformer with pooling, taking its inputs positionally (as the ONNX exporter passes them)."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            named = dict(zip(input_names, inputs, strict=True))
            hidden = self.model(**named).last_hidden_state
            if mode == "cls":
                first: torch.Tensor = hidden[:, 0]
                return first
            mask = named["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled: torch.Tensor = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return pooled

    return Pooled().eval()


def export(model_dir: Path, target: Path) -> None:
    """Export the transformer with pooling to ``target`` (written to a temporary file, then renamed)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = transformer_folder(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()
    names = list(tokenizer.model_input_names)
    sample = tokenizer(["an example sentence", "another one"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"embedding": {0: "batch"}}
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
    os.close(handle)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about shape-dependent Python code in the model
            torch.onnx.export(pooled_module(model, pooling_mode(model_dir), names),
                              tuple(sample[n] for n in names), tmp, input_names=names, output_names=["embedding"],
                              dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        os.replace(tmp, target)
    except Exception as exc:  # the exporter raises many kinds
        Path(tmp).unlink(missing_ok=True)
        raise ModelError(f"The embedding model {model_dir.name} could not be exported to ONNX: {exc}") from exc


def quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_suffix(".tmp.onnx")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # onnxruntime suggests a pre-processing step on the root logger
    try:
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
    os.replace(tmp, target)


class OnnxBackend:
    def __init__(self, session: Any, tokenizer: Any, length: int, name: str) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.length = length
        self.name = name
        self.inputs = [i.name for i in session.get_inputs()]

    @classmethod
    def load(cls, model_dir: Path, quantized: bool, cache_dir: Path | None) -> OnnxBackend:
        try:
            import onnxruntime as ort
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise ModelError(INSTALL_HINT) from exc
        folder = Path(cache_dir or Path(tempfile.gettempdir()) / "desktop-app-onnx")
        plain = folder / f"{model_dir.name}-{folder_fingerprint(model_dir)}.onnx"
        if not plain.exists():
            export(model_dir, plain)
        path = plain.with_suffix(".int8.onnx") if quantized else plain
        if not path.exists():
            quantize(plain, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, os.cpu_count() or 1)
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        tokenizer = AutoTokenizer.from_pretrained(str(transformer_folder(model_dir)), local_files_only=True)
        return cls(session, tokenizer, max_length(model_dir, tokenizer), "onnx-int8" if quantized else "onnx")

    @property
    def dim(self) -> int:
        return int(self.encode(["dimension probe"]).shape[1])

    @property
    def max_seq_length(self) -> int:
        return self.length

    def token_counts(self, texts: list[str]) -> list[int]:
        return token_counts(self.tokenizer, texts, self.length)

    def encode(self, texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Longest texts first, as sentence-transformers does, so each batch pads little."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        rows: list[np.ndarray] = [np.zeros(0)] * len(texts)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            encoded = self.tokenizer([texts[i] for i in batch], padding=True, truncation=True,
                                     max_length=self.length, return_tensors="np")
            output = self.session.run(None, {n: encoded[n].astype(np.int64) for n in self.inputs})[0]
            for i, row in zip(batch, output, strict=True):
                rows[i] = row
        return normalised(np.stack(rows))
