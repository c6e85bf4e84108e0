"""The final answer of a stream of answer events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desktop_app.engine import Answer, AnswerDone


def final(events: Iterable[Any]) -> Answer:
    """Run an answer stream to its end; its ``AnswerDone`` answer (AssertionError if there is none)."""
    done = [e.answer for e in events if isinstance(e, AnswerDone)]
    assert len(done) == 1, f"expected one AnswerDone, got {len(done)}"
    return done[0]
