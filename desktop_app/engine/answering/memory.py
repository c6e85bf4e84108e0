"""Conversation memory: stand-alone search queries for follow-ups, and summaries of old turns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

FOLLOW_UP_STARTS = (
    "and ", "but ", "also", "what about", "how about", "then ", "so ", "why ", "how do i undo", "what if",
    "그럼", "그러면", "그리고", "그건", "그것", "이건", "이것", "그 ", "또 ",
)
KOREAN_REFERRING = ("거기", "그것", "그거", "이것", "이거", "그런", "그렇게", "다음에", "그 다음", "그걸", "이걸")
REFERRING_WORDS = re.compile(
    r"\b(it|its|that|this|those|these|they|them|their|there|same|instead|one|ones|former|latter)\b", re.IGNORECASE
)
MAX_QUERY_WORDS = 60
MAX_VERBATIM_TURNS = 4
VERBATIM_SHARE = 0.6
TURN_OVERHEAD = 16


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str
    message_id: int


def is_follow_up(question: str) -> bool:
    """A question that leans on the previous one: short, and opening or referring like a follow-up."""
    text = question.strip().lower()
    if text.startswith(FOLLOW_UP_STARTS) or any(word in text for word in KOREAN_REFERRING):
        return True
    return len(text.split()) <= 12 and bool(REFERRING_WORDS.search(text))


def standalone_query(question: str, previous_query: str | None) -> str:
    """The search query for ``question``: joined with its predecessor's when it is a follow-up."""
    if not previous_query or not is_follow_up(question):
        return question
    words = f"{previous_query} {question}".split()
    return " ".join(words[-MAX_QUERY_WORDS:])


def first_sentence(text: str, limit: int = 200) -> str:
    sentence = re.split(r"(?<=[.!?。])\s", text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "..."


def summarise(turns: list[Turn]) -> str:
    """An extractive summary: each old question with the first sentence of its answer."""
    return "\n".join(f"- Asked: {first_sentence(t.question)} Answered: {first_sentence(t.answer)}" for t in turns)


def fit_history(
    turns: list[Turn], summary: str, budget: int, count: Callable[[str], int]
) -> tuple[str, list[Turn], list[Turn]]:
    """Keep recent turns verbatim within ``budget`` tokens and summarise older ones.

    Returns the summary, the turns kept verbatim, and the turns newly folded
    into the summary (the caller records them as summarised).
    """
    kept: list[Turn] = []
    used = 0
    for turn in reversed(turns[-MAX_VERBATIM_TURNS:]):
        cost = count(turn.question) + count(turn.answer) + TURN_OVERHEAD
        if used + cost > budget * VERBATIM_SHARE:
            break
        kept.insert(0, turn)
        used += cost
    folded = turns[: len(turns) - len(kept)]
    if folded:
        summary = "\n".join(part for part in (summary, summarise(folded)) if part)
    return trim_to_budget(summary, budget - used, count), kept, folded


def trim_to_budget(summary: str, budget: int, count: Callable[[str], int]) -> str:
    """Drop the oldest summary lines until the summary fits."""
    lines = summary.splitlines()
    while lines and count("\n".join(lines)) > budget:
        lines.pop(0)
    return "\n".join(lines)
