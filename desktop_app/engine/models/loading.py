"""Choosing and loading the chat model safely: inspection, trial load, GPU fallback, adapters.

A model file the user picked is first read in Python (header and tensor
table), checked against free memory, and loaded once in a separate process;
only then does this process load it, so a broken or hostile file becomes a
message instead of a crash. A file that passed is remembered (by path, size
and modification time) so the trial is not repeated at every start.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from desktop_app.engine.models.chat import LocalModel, ModelSettings
from desktop_app.engine.models.files import locate
from desktop_app.engine.models.gguf_info import ModelFileInfo, read_info
from desktop_app.engine.models.lora import check_adapter_matches
from desktop_app.engine.models.resources import GpuSupport, MemoryEstimate, check_memory, gpu_support
from desktop_app.engine.models.trial_load import TrialResult, trial_load
from desktop_app.errors import ModelError

log = logging.getLogger(__name__)
TRIAL_CONTEXT = 512


@dataclass(frozen=True)
class ModelCheck:
    info: ModelFileInfo
    memory: MemoryEstimate
    trial: TrialResult
    gpu: GpuSupport
    adapter: ModelFileInfo | None = None


@dataclass
class LoadedModel:
    model: LocalModel
    notes: list[str] = field(default_factory=list)


def list_models(user_models: Path) -> list[tuple[Path, ModelFileInfo | ModelError]]:
    """The bundled model and every .gguf in the user models folder, read without loading weights."""
    paths: list[Path] = []
    try:
        paths.append(locate("chat", user_models))
    except ModelError:
        pass
    paths += sorted(p for p in user_models.glob("*.gguf") if p not in paths)
    found: list[tuple[Path, ModelFileInfo | ModelError]] = []
    for path in paths:
        try:
            found.append((path, read_info(path)))
        except ModelError as exc:
            found.append((path, exc))
    return found


def check_model(path: Path, n_ctx: int, n_gpu_layers: int, adapter: Path | None = None) -> ModelCheck:
    """Everything short of loading here: structure, adapter fit, memory, and a trial load in a child process."""
    info = read_info(path)
    if info.is_adapter:
        raise ModelError(f"{path.name} is a LoRA adapter, not a model. Choose the model file and apply the "
                         "adapter on top of it.")
    adapter_info = read_info(adapter) if adapter else None
    if adapter_info is not None:
        check_adapter_matches(info, adapter_info)
    memory = check_memory(info, n_ctx, n_gpu_layers, adapter_info)
    trial = trial_load(path, min(TRIAL_CONTEXT, n_ctx), lora_path=adapter, n_gpu_layers=n_gpu_layers)
    return ModelCheck(info, memory, trial, gpu_support(), adapter_info)


class TrialRecord:
    """Model files that already loaded once in a child process."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _key(self, model: Path, n_gpu_layers: int) -> str:
        stat = model.stat()
        return f"{model.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{n_gpu_layers}"

    def passed(self, model: Path, n_gpu_layers: int) -> bool:
        try:
            return self._key(model, n_gpu_layers) in json.loads(self.path.read_text())
        except (OSError, ValueError):
            return False

    def remember(self, model: Path, n_gpu_layers: int) -> None:
        try:
            known = json.loads(self.path.read_text())
        except (OSError, ValueError):
            known = []
        known.append(self._key(model, n_gpu_layers))
        self.path.write_text(json.dumps(known[-50:]))


def load_model(settings: ModelSettings, bundled: bool, record: TrialRecord) -> LoadedModel:
    """Load the model; a user's file is tried in a child process first; a failed GPU load falls back to the CPU."""
    notes: list[str] = []
    if not bundled and not record.passed(settings.path, settings.n_gpu_layers):
        trial_load(settings.path, min(TRIAL_CONTEXT, settings.n_ctx), n_gpu_layers=settings.n_gpu_layers)
        record.remember(settings.path, settings.n_gpu_layers)
    try:
        model = LocalModel(settings)
    except ModelError as exc:
        if settings.n_gpu_layers == 0:
            raise
        log.warning("GPU load failed, falling back to the CPU")
        notes.append(f"The GPU could not be used ({exc}); the model runs on the CPU.")
        model = LocalModel(replace(settings, n_gpu_layers=0))
    return LoadedModel(model, notes + [model.weights.note] if model.weights.note else notes)
