"""Reciprocal rank fusion, shared by the keyword side and hybrid retrieval."""

from __future__ import annotations

RRF_K = 60


def rrf(ranked_lists: list[tuple[list[int], float]]) -> dict[int, float]:
    """Weighted reciprocal rank fusion of (ranking, weight) pairs: chunk id -> fused score."""
    scores: dict[int, float] = {}
    for ranked, weight in ranked_lists:
        for rank, chunk_id in enumerate(ranked):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (RRF_K + rank + 1)
    return scores
