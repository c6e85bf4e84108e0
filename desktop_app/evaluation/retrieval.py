"""Score retrieval against questions that name the document and page holding the answer.

Questions use the format of ``dev_questions.jsonl``: ``question``, ``doc`` (file
name), ``pages``, ``answerable`` and ``follows`` (the id of the question a
follow-up leans on, whose search query it is joined with).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.engine import SearchResult, Source, standalone_query


@dataclass(frozen=True)
class RetrievalScore:
    mode: str
    questions: int
    hit_at_1: float
    hit_at_5: float
    mrr: float
    ranks: dict[str, int | None]


def matches(source: Source, question: dict[str, Any]) -> bool:
    return Path(source.first.document_path).name == question["doc"] and bool(
        set(source.pages) & set(question["pages"])
    )


def first_hit(result: SearchResult, question: dict[str, Any]) -> int | None:
    """1-based rank of the first source on an expected page, or None."""
    return next((rank for rank, s in enumerate(result.sources, start=1) if matches(s, question)), None)


def score_retrieval(
    questions: list[dict[str, Any]], search: Callable[[str], SearchResult], mode: str
) -> RetrievalScore:
    """Rank of the right page for every answerable question; follow-ups searched as a conversation would."""
    queries: dict[str, str] = {}
    ranks: dict[str, int | None] = {}
    for q in questions:
        previous = queries.get(q["follows"]) if q.get("follows") else None
        queries[q["id"]] = standalone_query(q["question"], previous)
        if q.get("answerable", True) and q.get("doc"):
            ranks[q["id"]] = first_hit(search(queries[q["id"]]), q)
    n = max(len(ranks), 1)
    return RetrievalScore(
        mode=mode, questions=len(ranks),
        hit_at_1=sum(1 for r in ranks.values() if r == 1) / n,
        hit_at_5=sum(1 for r in ranks.values() if r is not None and r <= 5) / n,
        mrr=sum(1 / r for r in ranks.values() if r) / n,
        ranks=ranks,
    )
