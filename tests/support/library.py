"""Engine settings for tests and indexing in one call."""

from __future__ import annotations

from pathlib import Path

from desktop_app.engine import Engine, FileFailed, FileIndexed, Settings

# Small settings keep model calls quick in tests; the defaults are measured in benchmarks/.
FAST = Settings(n_ctx=2048, max_answer_tokens=48, top_k=3, temperature=0.0)


def index_all(
    engine: Engine, paths: list[Path], password: str | None = None
) -> tuple[list[FileIndexed], list[FileFailed]]:
    events = list(engine.library.index(paths, password=password))
    return [e for e in events if isinstance(e, FileIndexed)], [e for e in events if isinstance(e, FileFailed)]
