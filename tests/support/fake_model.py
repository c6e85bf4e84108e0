"""A fake chat model that says what a test scripts, for fast tests of the logic around the model.

It has the interface the answerer uses (``n_ctx``, ``count``, ``render``,
``stream``, ``settings``, ``adapter``) and no weights: each ``stream`` call
takes the next scripted answer, given as one string or as the pieces it
streams in. Tests of the real model run beside these, never replaced by them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.engine import Engine
from desktop_app.engine.models.chat import Generation, ModelSettings


@dataclass
class FakeChatModel:
    script: list[str | list[str]] = field(default_factory=list)
    n_ctx: int = 2048
    prompts: list[list[dict[str, str]]] = field(default_factory=list)
    settings: ModelSettings = field(default_factory=lambda: ModelSettings(path=Path("fake-chat-model.gguf")))
    adapter: Any = None
    template_name: str = "fake"

    @property
    def label(self) -> str:
        """What answered, as ``LocalModel.label`` gives it: the model file's name."""
        return self.settings.path.name
    closed: bool = False
    streaming: bool = False

    def count(self, text: str) -> int:
        return len(text.split()) + 1

    def render(self, messages: list[dict[str, str]]) -> tuple[list[int], list[str]]:
        self.prompts.append(messages)
        words = sum(self.count(m["content"]) for m in messages)
        return list(range(words)), []

    def stream(self, tokens: list[int], stop: list[str], max_tokens: int, temperature: float,
               cancel: Any) -> Iterator[str | Generation]:
        if not self.script:
            raise AssertionError("the fake model was asked more often than the test scripted")
        entry = self.script.pop(0)
        pieces = [entry] if isinstance(entry, str) else entry
        said: list[str] = []
        self.streaming = True
        try:
            for piece in pieces:
                if cancel.cancelled:
                    break
                said.append(piece)
                yield piece
        finally:
            self.streaming = False
        yield Generation("".join(said), len(tokens), len(said), 0.01, 0.02, cancel.cancelled)

    def close(self) -> None:
        self.closed = True


def use_fake_model(engine: Engine, *script: str | list[str]) -> FakeChatModel:
    """Make ``engine`` answer with a fake model that says ``script``, one entry per answer."""
    model = FakeChatModel(list(script))
    engine._rt._model = model  # type: ignore[assignment]  # the one seam tests use to swap the model
    return model
