"""The one loaded chat model: llama-cpp-python behind a small interface.

The model's settings form one value object; changing any of them means a
reload. A LoRA adapter is not part of them: it is applied, switched and
removed on the loaded model (``set_adapter``/``clear_adapter``) without a
reload. Prompts are rendered with the chat template stored in the GGUF and
counted in the model's own tokens.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.cancel import CancelToken, StopCondition
from desktop_app.engine.models.gguf_info import ModelFileInfo, read_info
from desktop_app.engine.models.lora import (
    ActiveAdapter,
    apply_adapter,
    check_adapter_matches,
    check_scale,
    free_adapter,
    load_adapter,
)
from desktop_app.engine.models.resources import check_memory
from desktop_app.errors import ModelError

FALLBACK_TEMPLATE_NAME = "ChatML (fallback: the model file has no chat template)"
FALLBACK_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass(frozen=True)
class ModelSettings:
    path: Path
    n_ctx: int = 4096
    n_gpu_layers: int = 0
    n_threads: int | None = None
    seed: int = 1234
    chat_template: str = ""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    n_ctx: int
    chat_template: str
    adapter: str = ""
    notes: tuple[str, ...] = ()
    demonstration: bool = False  # the bundled small model, shipped to show the app working, not for real answers


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    ttft_s: float
    total_s: float
    stopped: bool


class LocalModel:
    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        self.file_info = inspect_model(settings)
        self._llm = load_llama(settings)
        self.template_name, self._formatter = chat_formatter(self._llm, settings.chat_template)
        self._adapter: ActiveAdapter | None = None
        self._adapter_handle: Any = None
        self.streaming = False
        """True while a ``stream`` is under way (also while its consumer pauses between pieces)."""

    @property
    def n_ctx(self) -> int:
        return int(self._llm.n_ctx())

    @property
    def label(self) -> str:
        """What answered, as recorded with each answer: the model file's name."""
        return self.settings.path.name

    # --- LoRA adapter -------------------------------------------------------------
    @property
    def adapter(self) -> ActiveAdapter | None:
        """The applied adapter (path, name, scale), or None."""
        return self._adapter

    def set_adapter(self, path: Path, scale: float = 1.0) -> ActiveAdapter:
        """Apply the LoRA adapter at ``path`` with ``scale``, replacing any other, without reloading the model.

        The same unchanged file only changes its scale. The adapter is checked
        against the model first (``check_adapter_matches``), so a wrong or
        damaged file raises ``ModelError`` and leaves the current adapter on.
        """
        scale = check_scale(scale)
        path = Path(path)
        current = self._adapter
        if current is not None and _same_file(current, path):
            handle, active = self._adapter_handle, replace(current, scale=scale)
        else:
            handle, active = self._load_adapter(path, scale)
        try:
            apply_adapter(self._llm, handle, scale)
        except ModelError:
            if handle is not self._adapter_handle:
                free_adapter(handle)
            raise
        self._replace_handle(handle)
        self._adapter = active
        self._forget_cache()
        return active

    def clear_adapter(self) -> None:
        """Remove the adapter: answers come from the base model again, exactly as before it was applied."""
        if self._adapter_handle is None:
            return
        apply_adapter(self._llm, None, 0.0)
        self._replace_handle(None)
        self._adapter = None
        self._forget_cache()

    def _load_adapter(self, path: Path, scale: float) -> tuple[Any, ActiveAdapter]:
        info = read_info(path)
        check_adapter_matches(self.file_info, info)
        stat = path.stat()
        handle = load_adapter(self._llm, path)
        return handle, ActiveAdapter(path.resolve(), info.name, scale, stat.st_size, stat.st_mtime_ns)

    def _replace_handle(self, handle: Any) -> None:
        """Keep ``handle``; free the previous one (only after the context no longer uses it)."""
        old, self._adapter_handle = self._adapter_handle, handle
        if old is not None and old is not handle:
            free_adapter(old)

    def _forget_cache(self) -> None:
        """The KV cache holds keys and values computed with the old weights: never reuse its prefix."""
        self._llm.reset()

    def next_token_logits(self, tokens: list[int]) -> np.ndarray:
        """The logits after evaluating ``tokens`` from scratch (diagnostics and tests: compare adapters)."""
        import llama_cpp

        self._llm.reset()
        self._llm.eval(tokens)
        pointer = llama_cpp.llama_get_logits_ith(self._llm.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(self._llm.n_vocab(),)).copy()

    def count(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def render(self, messages: list[dict[str, str]]) -> tuple[list[int], list[str]]:
        """Prompt tokens for a chat, with the template's stop strings."""
        result = self._formatter(messages=messages)
        tokens = self._llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return tokens, stop

    def stream(
        self, tokens: list[int], stop: list[str], max_tokens: int, temperature: float,
        cancel: CancelToken | StopCondition,
    ) -> Iterator[str | Generation]:
        """Yield text pieces as they come, then one ``Generation`` summary.

        Stops at once when ``cancel`` is set; the KV cache of the shared prompt
        prefix stays in the model for the next turn. One stream at a time:
        llama.cpp keeps one context, so a second stream started while another
        is paused would garble both; it raises ``ModelError`` instead.
        """
        if self.streaming:
            raise ModelError("The model is busy with another answer. Wait for it to finish, then try again.")
        start = time.perf_counter()
        first = 0.0
        pieces: list[str] = []
        count = 0
        stream = self._llm.create_completion(
            prompt=tokens, max_tokens=max_tokens, temperature=temperature, top_p=0.9, repeat_penalty=1.1,
            stop=stop, stream=True, seed=self.settings.seed,
        )
        self.streaming = True
        try:
            for chunk in stream:
                if cancel.cancelled:
                    break
                text = chunk["choices"][0]["text"]
                count += 1
                if text:
                    first = first or time.perf_counter() - start
                    pieces.append(text)
                    yield text
        finally:
            self.streaming = False
            stream.close()
        total = time.perf_counter() - start
        yield Generation("".join(pieces), len(tokens), count, first or total, total, cancel.cancelled)

    def close(self) -> None:
        if self._adapter_handle is not None:
            self.clear_adapter()
        self._llm.close()


def _same_file(adapter: ActiveAdapter, path: Path) -> bool:
    try:
        stat = path.stat()
        return path.resolve() == adapter.path and (stat.st_size, stat.st_mtime_ns) == (adapter.size_bytes,
                                                                                       adapter.mtime_ns)
    except OSError:
        return False


def inspect_model(settings: ModelSettings) -> ModelFileInfo:
    """Check the file before llama.cpp sees it: a whole GGUF model that fits in free memory."""
    path = settings.path
    if not path.is_file():
        raise ModelError(f"The model file {path} does not exist. Choose a GGUF file in settings.")
    info = read_info(path)
    if info.is_adapter:
        raise ModelError(f"{path.name} is a LoRA adapter, not a model. Choose the model file in settings and "
                         "apply the adapter on top of it.")
    check_memory(info, settings.n_ctx, settings.n_gpu_layers)
    return info


def load_llama(settings: ModelSettings) -> Any:
    path = settings.path
    from llama_cpp import Llama

    try:
        return Llama(
            model_path=str(path), n_ctx=settings.n_ctx, n_gpu_layers=settings.n_gpu_layers,
            n_threads=settings.n_threads or max(1, (os.cpu_count() or 2)), n_batch=512,
            seed=settings.seed, verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelError(f"The model {path.name} could not be loaded ({exc}). The file may be damaged "
                         "or made for a newer llama.cpp; choose another model.") from exc


def chat_formatter(llm: Any, override: str = "") -> tuple[str, Any]:
    """The template from settings if the user set one, else the GGUF's own, else a named ChatML fallback.

    llama-cpp-python renders it in a sandboxed Jinja environment.
    """
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llm.metadata.get("tokenizer.chat_template")
    name = "from the model file"
    if override:
        template, name = override, "from settings"
    elif not template:
        template, name = FALLBACK_TEMPLATE, FALLBACK_TEMPLATE_NAME
    eos_id, bos_id = llm.token_eos(), llm.token_bos()
    eos = llm._model.token_get_text(eos_id) if eos_id != -1 else ""
    bos = llm._model.token_get_text(bos_id) if bos_id != -1 else ""
    return name, Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos, stop_token_ids=[eos_id])
