"""The one loaded chat model: llama-cpp-python behind a small interface.

The model's settings form one value object; changing any of them means a
reload. Prompts are rendered with the chat template stored in the GGUF and
counted in the model's own tokens.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.cancel import CancelToken
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


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    n_ctx: int
    chat_template: str


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
        self._llm = load_llama(settings)
        self.template_name, self._formatter = chat_formatter(self._llm)

    @property
    def n_ctx(self) -> int:
        return int(self._llm.n_ctx())

    def count(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def render(self, messages: list[dict[str, str]]) -> tuple[list[int], list[str]]:
        """Prompt tokens for a chat, with the template's stop strings."""
        result = self._formatter(messages=messages)
        tokens = self._llm.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return tokens, stop

    def stream(
        self, tokens: list[int], stop: list[str], max_tokens: int, temperature: float, cancel: CancelToken
    ) -> Iterator[str | Generation]:
        """Yield text pieces as they come, then one ``Generation`` summary.

        Stops at once when ``cancel`` is set; the KV cache of the shared prompt
        prefix stays in the model for the next turn.
        """
        start = time.perf_counter()
        first = 0.0
        pieces: list[str] = []
        count = 0
        stream = self._llm.create_completion(
            prompt=tokens, max_tokens=max_tokens, temperature=temperature, top_p=0.9, repeat_penalty=1.1,
            stop=stop, stream=True, seed=self.settings.seed,
        )
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
            stream.close()
        total = time.perf_counter() - start
        yield Generation("".join(pieces), len(tokens), count, first or total, total, cancel.cancelled)

    def close(self) -> None:
        self._llm.close()


def load_llama(settings: ModelSettings) -> Any:
    path = settings.path
    if not path.is_file():
        raise ModelError(f"The model file {path} does not exist. Choose a GGUF file in settings.")
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise ModelError(f"{path.name} is not a GGUF model file. Choose a .gguf file.")
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


def chat_formatter(llm: Any) -> tuple[str, Any]:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = llm.metadata.get("tokenizer.chat_template")
    name = "from the model file"
    if not template:
        template, name = FALLBACK_TEMPLATE, FALLBACK_TEMPLATE_NAME
    eos_id, bos_id = llm.token_eos(), llm.token_bos()
    eos = llm._model.token_get_text(eos_id) if eos_id != -1 else ""
    bos = llm._model.token_get_text(bos_id) if bos_id != -1 else ""
    return name, Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos, stop_token_ids=[eos_id])
