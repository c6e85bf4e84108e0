"""Keyword tokens for Korean text, which PDFs often give without spaces between words.

Korean attaches particles to nouns (명령은, 명령을) and PDFs often drop the
spaces between words, so whole-word search finds nothing. Hangul runs are
therefore also indexed as character bigrams (in their own FTS5 table); a query
with Hangul searches them, and the word index for its non-Hangul words only.
Measured on the Korean dev questions (benchmarks/korean_keywords.py): MRR 0.45
with words only, 0.85 this way; on 76 held-out Korean questions
(benchmarks/korean_retrieval.py), FTS5 trigrams fused in as well ranked worse,
so they were dropped. English is searched as before. A question's own question
words (어떻게, 하려면) are left out of its bigrams (``QUESTION_BIGRAMS``). A Latin
name written against Korean ("ko.TeX라는", "TEX은") is a word of its own in the
word index and in a query (``spaced_scripts``).
"""

from __future__ import annotations

import re

HANGUL = "\uac00-\ud7a3"
"""The Hangul syllables, as a character-class range."""
NON_HANGUL_WORD_CHAR = rf"[^\W{HANGUL}]"
"""A word character of another script than Hangul (a Latin letter, a digit, Hanja): where one meets Hangul, a
word ends, as Korean writes particles and counters against names and numbers ("TeX은", "5개")."""
HANGUL_RUN = re.compile(rf"[{HANGUL}]+")
SCRIPT_SEAM = re.compile(rf"(?<=[{HANGUL}])(?={NON_HANGUL_WORD_CHAR})|(?<={NON_HANGUL_WORD_CHAR})(?=[{HANGUL}])")
"""Where Hangul meets a letter or digit of another script with no space between ("ko.TeX라는", "TEX은")."""


def has_hangul(text: str) -> bool:
    return HANGUL_RUN.search(text) is not None


def spaced_scripts(text: str) -> str:
    """``text`` with a space wherever Hangul meets a letter or digit of another script: "ko.TeX라는" ->
    "ko.TeX 라는". The word index's tokenizer would otherwise keep a Latin name and the particle written
    against it as one word ("tex라는"), which neither a query's "TeX" nor another particle matches."""
    return SCRIPT_SEAM.sub(" ", text)


def hangul_bigrams(text: str) -> list[str]:
    """Overlapping two-syllable tokens of every Hangul run (a one-syllable run stays whole)."""
    tokens: list[str] = []
    for run in HANGUL_RUN.findall(text):
        tokens += [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]
    return tokens


QUESTION_WORDS = (
    "어떻게 어떤 무엇 무슨 뭐예요 뭔가요 어디서 언제 누구 누가 어느 얼마 있나요 없나요 하나요 되나요 인가요 "
    "할까요 될까요 있을까요 싶은데 싶어요 하려면 되려면 해야 하면 되죠 하죠 는데 합니까 입니까 습니까"
).split()
"""Interrogatives and the endings that ask (어떻게, 있나요, 하려면): a Korean question's counterpart of the
English stop words "how", "what" and "can"."""
QUESTION_BIGRAMS = frozenset(w[i:i + 2] for w in QUESTION_WORDS for i in range(len(w) - 1))
"""The syllable bigrams of ``QUESTION_WORDS``. Any sentence that asks or explains holds some of them, so
they say nothing of what a question is about."""
