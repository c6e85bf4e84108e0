"""The one loaded chat model: llama-cpp-python behind a small interface.

The model's settings form one value object; changing any of them means a
reload. A LoRA adapter is not part of them: it is applied, switched and
removed on the loaded model (``set_adapter``/``clear_adapter``) without a
reload. Prompts are rendered with the chat template stored in the GGUF and
counted in the model's own tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.cancel import CancelToken, StopCondition
from desktop_app.engine.models.backends import load_backends
from desktop_app.engine.models.cpu_copy import Weights, cpu_weights
from desktop_app.engine.models.gguf_info import ModelFileInfo, read_info
from desktop_app.engine.models.lora import (
    ActiveAdapter,
    apply_adapter,
    check_adapter_matches,
    check_scale,
    free_adapter,
    load_adapter,
)
from desktop_app.engine.models.repetition import RepetitionGuard, Sampling
from desktop_app.engine.models.resources import check_memory
from desktop_app.engine.models.threads import CpuMonitor, cores
from desktop_app.errors import ModelError

log = logging.getLogger(__name__)
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
    cpu_copy: bool = False
    """Run a Q4_1 file from its Q8_0 copy when on the CPU (``cpu_copy``)."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    n_ctx: int
    chat_template: str
    adapter: str = ""
    notes: tuple[str, ...] = ()
    demonstration: bool = False  # the bundled small model, shipped to show the app working, not for real answers
    server: bool = False  # answers come from an inference server (``path`` is its address)
    runs_as: str = ""  # the quantization of the copy llama.cpp runs instead of the file (``cpu_copy``), or ""


@dataclass(frozen=True)
class Generation:
    """One generation: its text, sizes in tokens, times in seconds from the call, and how it ended.

    ``stopped``: a cancel ended it (the user, the safety policy, a broken server stream). ``finish``: one of
    ``FINISH_REASONS`` ("stop", "length", "repetition", "cancelled"; "" where unknown).
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    ttft_s: float
    total_s: float
    stopped: bool
    finish: str = ""


class LocalModel:
    sampling = Sampling()
    """The repetition penalties and guard for every answer (benchmarks/repetition.py measured them)."""

    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        self.file_info = inspect_model(settings)
        self.weights = weights_for(settings, self.file_info)
        """The file llama.cpp runs: ``settings.path``, or its Q8_0 copy; its note is for the user."""
        self._llm = load_llama(settings, self.weights.path)
        self.template_name, self._formatter = chat_formatter(self._llm, settings.chat_template)
        self._adapter: ActiveAdapter | None = None
        self._adapter_handle: Any = None
        self.streaming = False
        """True while a ``stream`` is under way (also while its consumer pauses between pieces)."""
        self.threads = settings.n_threads or cores()
        """Threads llama.cpp computes with (``use_threads``)."""
        self._monitor = CpuMonitor() if not settings.n_threads else None
        """With the thread setting at 0 (automatic): the other programs' recent CPU load, for ``stream``."""

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

        Stops at once when ``cancel`` is set, during the prompt's evaluation
        too (``_prefill``); a cancel set before the first ``next`` evaluates
        nothing. The KV cache of the evaluated prompt prefix stays in the model
        for the next turn. A loop (``RepetitionGuard``) ends the generation
        without its repeated copy (``Generation.finish`` "repetition"). One
        stream at a time: llama.cpp keeps one context, so a second stream
        started while another is paused would garble both; it raises
        ``ModelError`` instead.
        """
        if self.streaming:
            raise ModelError("The model is busy with another answer. Wait for it to finish, then try again.")
        start = time.perf_counter()
        self.streaming = True
        try:
            if self._monitor is not None:
                self.use_threads(self._monitor.free_threads())
            if not self._prefill(tokens, cancel):
                total = time.perf_counter() - start
                yield Generation("", len(tokens), 0, total, total, True, "cancelled")
                return
            yield from self._sample(tokens, stop, max_tokens, temperature, cancel, start)
        finally:
            self.streaming = False

    def use_threads(self, threads: int) -> None:
        """Compute with ``threads`` threads from the next evaluation on (prompt and generation alike).

        With the thread setting at 0 (automatic), ``stream`` calls it before each answer with the cores
        other programs left free over the last seconds (``threads.CpuMonitor``).
        """
        if threads != self.threads:
            import llama_cpp

            llama_cpp.llama_set_n_threads(self._llm.ctx, threads, threads)
            log.info("computing with %d threads (was %d)", threads, self.threads)
            self.threads = threads

    def _sample(
        self, tokens: list[int], stop: list[str], max_tokens: int, temperature: float,
        cancel: CancelToken | StopCondition, start: float,
    ) -> Iterator[str | Generation]:
        sampling = self.sampling
        guard = RepetitionGuard() if sampling.guard else None
        first = 0.0
        count = 0
        finish = "stop"
        self._llm.last_n_tokens_size = sampling.penalty_last_n
        stream = self._llm.create_completion(
            prompt=tokens, max_tokens=max_tokens, temperature=temperature, top_p=0.9,
            repeat_penalty=sampling.repeat_penalty, frequency_penalty=sampling.frequency_penalty,
            presence_penalty=sampling.presence_penalty, stop=stop, stream=True, seed=self.settings.seed,
        )
        pieces: list[str] = []
        try:
            for chunk in stream:
                if cancel.cancelled:
                    break
                choice = chunk["choices"][0]
                finish = choice.get("finish_reason") or finish
                count += 1
                text = guard.feed(choice["text"]) if guard is not None else choice["text"]
                first = first or (time.perf_counter() - start if choice["text"] else 0.0)
                if text:
                    pieces.append(text)
                    yield text
                if guard is not None and guard.looped:
                    finish = "repetition"
                    break
        finally:
            stream.close()
        if tail := (guard.flush() if guard is not None else ""):
            pieces.append(tail)
            yield tail
        total = time.perf_counter() - start
        finish = "cancelled" if cancel.cancelled else finish
        text = guard.text if guard is not None else "".join(pieces)
        yield Generation(text, len(tokens), count, first or total, total, cancel.cancelled, finish)

    def _prefill(self, tokens: list[int], cancel: CancelToken | StopCondition) -> bool:
        """Evaluate the prompt but its last token, in slices, checking ``cancel`` between them; False if cancelled.

        The tokens already in the KV cache (the longest common prefix with the
        last prompt and answer) are kept. Slices are llama.cpp's batch size
        (``n_batch``): smaller ones would see a cancel sooner but cost prompt
        speed (32-token slices took 3.6x as long as one ``eval`` of a 2,712-token
        prompt, against 0.8x for 512-token slices, in one run). Instead
        llama.cpp's abort callback (``llama_set_abort_callback``, checked by the
        CPU backend after each node of the graph) breaks off a slice under way:
        ``llama_decode`` then removes that slice's positions from the cache.
        ``create_completion`` then finds all but the last token cached
        (llama-cpp-python's prefix reuse) and evaluates only that one before
        sampling. A cancelled prefill leaves the cache holding the slices
        evaluated before, a valid prefix for the next call.
        """
        if cancel.cancelled:
            return False
        llm = self._llm
        end = len(tokens) - 1
        if end <= 0:
            return True
        position = common_prefix(llm.input_ids[:llm.n_tokens], tokens[:end])
        llm.n_tokens = position  # the next eval (or create_completion) drops the cache past it
        size = llm.n_batch
        with abort_on(llm, cancel):
            while position < end:
                if cancel.cancelled:
                    return False
                piece = tokens[position:position + size]
                try:
                    llm.eval(piece)
                except RuntimeError as exc:  # "llama_decode returned 2": aborted, the slice is not in the cache
                    if cancel.cancelled:
                        return False
                    if "returned 2" not in str(exc):  # e.g. the context is full: as create_completion would say
                        raise ModelError(f"The model could not read the prompt ({exc}).") from exc
                    log.warning("llama.cpp broke off a prompt slice without a cancel; evaluating it again")
                    set_abort(llm, None)  # the slices alone bound the stop latency from here on
                    llm.eval(piece)
                position += len(piece)
        return not cancel.cancelled

    def close(self) -> None:
        if self._monitor is not None:
            self._monitor.stop()
        if self._adapter_handle is not None:
            self.clear_adapter()
        self._llm.close()


@contextmanager
def abort_on(llm: Any, cancel: CancelToken | StopCondition) -> Iterator[None]:
    """Have llama.cpp break off a ``llama_decode`` under way once ``cancel`` is set, for the ``with`` block.

    The callback runs on llama.cpp's compute thread after each graph node; it is removed on leaving, so
    sampling pays nothing for it.
    """
    callback = set_abort(llm, lambda: cancel.cancelled)
    try:
        yield
    finally:
        set_abort(llm, None)
        del callback


def set_abort(llm: Any, check: Callable[[], bool] | None) -> Any:
    """Set llama.cpp's abort callback to ``check`` (None: remove it); the ctypes callback to keep alive.

    The callback returns a C ``int`` 0 or 1, cast to ``ggml_abort_callback``: ctypes leaves the upper bits of a
    ``c_bool`` result undefined, which a caller that reads the whole register (clang's ABI) takes for true.
    """
    import ctypes

    import llama_cpp

    if check is None:
        callback = None
        pointer = llama_cpp.ggml_abort_callback()
    else:
        callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)(lambda _data: int(bool(check())))
        pointer = ctypes.cast(callback, llama_cpp.ggml_abort_callback)
    llama_cpp.llama_set_abort_callback(llm.ctx, pointer, None)
    return callback


def common_prefix(cached: Any, tokens: list[int]) -> int:
    """How many leading tokens ``cached`` (a numpy array of token ids) and ``tokens`` share."""
    n = min(len(cached), len(tokens))
    if n == 0:
        return 0
    differ = np.flatnonzero(np.asarray(cached[:n]) != np.asarray(tokens[:n]))
    return int(differ[0]) if len(differ) else n


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


def weights_for(settings: ModelSettings, info: ModelFileInfo) -> Weights:
    """The model file, or its Q8_0 copy where ``settings.cpu_copy`` asks for one on the CPU and it fits."""
    if not settings.cpu_copy or settings.n_gpu_layers != 0:
        return Weights(settings.path)
    weights = cpu_weights(settings.path, info)
    if weights.path != settings.path:
        try:
            check_memory(read_info(weights.path), settings.n_ctx, 0)
        except ModelError as exc:
            return Weights(settings.path, note=f"The Q8_0 copy is not used: {exc}")
    return weights


def load_llama(settings: ModelSettings, path: Path) -> Any:
    from llama_cpp import Llama

    load_backends()
    try:
        return Llama(
            model_path=str(path), n_ctx=settings.n_ctx, n_gpu_layers=settings.n_gpu_layers,
            n_threads=settings.n_threads or cores(), n_threads_batch=settings.n_threads or cores(), n_batch=512,
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
