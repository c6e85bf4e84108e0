"""Keyword tokens for Korean text, which PDFs often give without spaces between words.

Korean attaches particles to nouns (명령은, 명령을) and PDFs often drop the
spaces between words, so whole-word search finds nothing. Hangul runs are
therefore also indexed as character bigrams (in their own FTS5 table); a query
with Hangul searches them, and the word index for its non-Hangul words only.
Measured on the Korean dev questions (benchmarks/korean_keywords.py): MRR 0.45
with words only, 0.85 this way; on 76 held-out Korean questions
(benchmarks/korean_retrieval.py), FTS5 trigrams fused in as well ranked worse,
so they were dropped. English is searched as before.
"""

from __future__ import annotations

import re

HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")


def has_hangul(text: str) -> bool:
    return HANGUL_RUN.search(text) is not None


def hangul_bigrams(text: str) -> list[str]:
    """Overlapping two-syllable tokens of every Hangul run (a one-syllable run stays whole)."""
    tokens: list[str] = []
    for run in HANGUL_RUN.findall(text):
        tokens += [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]
    return tokens
