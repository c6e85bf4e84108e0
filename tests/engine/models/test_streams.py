"""The bundled model streams one answer at a time: llama.cpp keeps one context."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine import CancelToken, Engine, ModelError
from support.library import FAST


def test_a_second_stream_while_one_is_paused_is_refused_not_garbled(data_home: Path) -> None:
    engine = Engine(data_home, FAST)
    try:
        engine.models.load()
        model = engine._rt.model
        tokens, stop = model.render([{"role": "user", "content": "Count from one to twenty."}])
        first = model.stream(tokens, stop, 24, 0.0, CancelToken())
        next(first)
        assert engine.models.busy()
        with pytest.raises(ModelError, match="busy"):
            next(model.stream(tokens, stop, 8, 0.0, CancelToken()))
        rest = list(first)
        assert rest and not engine.models.busy()
        again = list(model.stream(tokens, stop, 8, 0.0, CancelToken()))
        assert again[-1].completion_tokens > 0
    finally:
        engine.close()
