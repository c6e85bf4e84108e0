"""User settings, persisted as JSON in the data folder."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from desktop_app.engine.prompt import DEFAULT_SYSTEM_PROMPT
from desktop_app.engine.retrieval import DEFAULT_FLOOR, MODES
from desktop_app.engine.safety import LEVELS
from desktop_app.engine.verification import DEFAULT_GROUNDING_FLOOR
from desktop_app.files import fsync_file
from desktop_app.home import ensure_home
from desktop_app.indexer.embedder_backends import BACKENDS


@dataclass(frozen=True)
class Settings:
    model_path: str = ""
    embedding_model_path: str = ""
    embedding_backend: str = "auto"
    n_ctx: int = 4096
    n_gpu_layers: int = 0
    n_threads: int = 0
    temperature: float = 0.2
    max_answer_tokens: int = 384
    top_k: int = 4
    retrieval_mode: str = "hybrid"
    relevance_floor: float = DEFAULT_FLOOR
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    keep_copies: bool = True
    chat_template: str = ""
    adapter_path: str = ""
    adapter_scale: float = 1.0
    safety_level: str = "standard"
    blocked_terms: tuple[str, ...] = ()
    blocked_topics: tuple[str, ...] = ()
    forbidden_output: tuple[str, ...] = ()
    faq_enabled: bool = True
    cache_enabled: bool = True
    # An answer whose checkable claims are found in the sources less than this share is withheld and the
    # closest passages are shown instead (0 turns it off). Calibrated on the dev questions: README, Abstention.
    abstain_below_grounding: float = DEFAULT_GROUNDING_FLOOR

    def validated(self) -> Settings:
        if self.embedding_backend not in ("auto", *BACKENDS):
            raise ValueError(f"the embedding backend must be auto or one of {', '.join(BACKENDS)}")
        if self.safety_level not in LEVELS:
            raise ValueError(f"the safety level must be one of {', '.join(LEVELS)}")
        if self.retrieval_mode not in MODES:
            raise ValueError(f"retrieval mode must be one of {', '.join(MODES)}")
        if not 256 <= self.n_ctx <= 131072:
            raise ValueError("context size must be between 256 and 131072 tokens")
        if not 0.0 <= self.abstain_below_grounding <= 1.0:
            raise ValueError("the grounding threshold must be between 0 and 1")
        if not 1 <= self.top_k <= 50:
            raise ValueError("top-k must be between 1 and 50")
        if not 16 <= self.max_answer_tokens <= self.n_ctx // 2:
            raise ValueError("the answer length must be between 16 tokens and half the context size")
        return self

    def changed(self, **values: Any) -> Settings:
        return replace(self, **values).validated()


def settings_path(home: Path) -> Path:
    return home / "settings.json"


def load_settings(home: Path) -> Settings:
    """Saved settings; unknown keys are ignored and a damaged file falls back to defaults."""
    try:
        raw = json.loads(settings_path(home).read_text(encoding="utf-8"))
        known = {f.name for f in fields(Settings)}
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in known}
        return Settings(**values).validated()
    except (OSError, ValueError, TypeError):
        return Settings()


def save_settings(home: Path, settings: Settings) -> None:
    path = settings_path(ensure_home(home))
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.chmod(0o600)
    fsync_file(tmp)
    os.replace(tmp, path)
