"""Answers without the model: a curated answer, or the cached answer to the same question.

The answerer consults ``Shortcuts.lookup`` after the safety policy let the
question through and before retrieval, and hands every finished model answer
to ``Shortcuts.remember``. Only plain questions that open a conversation use
the cache: a follow-up's answer depends on the turns before it. A question
asked within a scope (a collection or chosen documents) is cached under that
scope only, and gets no curated answer: curated answers are written for the
whole library, and one could tell of documents outside the scope.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop_app.engine.answering.answer import Answer, Question, Shortcut
from desktop_app.engine.settings import Settings
from desktop_app.engine.shortcuts.cache import AnswerCache, answer_payload, fingerprint, replay
from desktop_app.engine.shortcuts.curated import FaqStore


class Shortcuts:
    """The shortcuts of one question: made for it, asked once (``lookup``), told its answer (``remember``)."""

    def __init__(
        self, curated: FaqStore, cache: AnswerCache, settings: Callable[[], Settings],
        fingerprint: Callable[[], str | None],
    ) -> None:
        """``fingerprint``: everything besides the question an answer depends on (None: cache nothing)."""
        self.curated = curated
        self.cache = cache
        self.settings = settings
        self.fingerprint = fingerprint
        self._key: str | None = None

    def lookup(self, question: Question) -> Shortcut | None:
        """A curated answer that matches, else a cached one; None: ask the model.

        The cache key is taken here, before the answer is made, and kept for
        ``remember``: the library, models or settings may change while the
        answer streams, and the answer belongs to what it was made from.
        """
        self._key = self._cache_key(question)
        if not question.plain:
            return None
        settings = self.settings()
        if settings.faq_enabled and question.scope is None and (
                curated := self.curated.match(question.text)) is not None:
            return replay(curated.payload(), "faq")
        cached = self.cache.lookup(question.text, self._key) if self._key else None
        return replay(cached.payload, "cache") if cached else None

    def remember(self, question: Question, answer: Answer) -> None:
        """Keep a complete model answer to a conversation's first plain question, under the key of ``lookup``."""
        if self._key and cacheable(answer):
            self.cache.store(question.text, self._key, answer_payload(answer))

    def _cache_key(self, question: Question) -> str | None:
        if not (question.plain and question.opens_conversation and self.settings().cache_enabled):
            return None
        base = self.fingerprint()
        if base is None or question.scope is None:
            return base
        return fingerprint({"library": base, "scope": sorted(question.scope)})


def cacheable(answer: Answer) -> bool:
    """Only complete model answers are kept: not stopped, refused, abstained, withheld, empty, structured or
    replayed."""
    return not (answer.stopped or answer.refused or answer.abstained or answer.withheld
                or answer.structured is not None) \
        and answer.origin == "model" and bool(answer.text.strip())
