"""Whether two questions ask the same thing: embedding cosine plus a check of their words.

Measured with the bundled all-MiniLM-L6-v2 (tests/faq_cases.py), cosine alone
cannot tell a paraphrase from a near miss: "What is the maximum daily dose of
ibuprofen for children?" scores 0.93 against the same question "for adults",
more than every true paraphrase of the calibration cases (best 0.92). Such near misses keep the
question's frame and swap one or two topic words ("adults" -> "children",
"submit" -> "approve", "international" -> "domestic"), or add one ("dose
of paracetamol" -> "dose of paracetamol for infants"). ``slot_change`` finds
that pattern, so a curated answer is not given to a question that only
looks like its own. The answer cache is stricter still: ``wording_key`` must
be equal, word order included ("to savings" is not "from savings").

Words are compared after Unicode NFKC, lower-casing, expanding "n't" and a
light stem (plurals for the cache; plurals, "-ing" and "-ed" for topic words).
Negations ("not", "no", "never", "without") and numbers are always topic words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Words that carry no topic in either check: articles, auxiliaries, pronouns, fillers.
FILLER = frozenset("""a an the is are was were be been being am do does did done i me my mine we us our ours
    you your yours s please any some per just""".split())

# Also ignored when looking for swapped topic words (not by the cache): how the question is asked,
# not what it is about. Prepositions are here because a rephrasing moves them around.
FRAME = FILLER | frozenset("""what when where which who whom whose why how can could should would will shall may
    might must need needs want wants get gets got getting have has had make one ones there it its this that
    these those to for of on in at from by with into about onto as if or and way possible ok okay""".split())

NEGATIONS = frozenset({"not", "no", "never", "without", "nothing", "none", "nobody"})


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, with "n't" and "cannot" spelled out so they match "not"."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"\bcan't\b|\bcannot\b", "can not", text)
    text = re.sub(r"\bwon't\b", "will not", text)
    text = re.sub(r"n't\b", " not", text)
    return TOKEN.findall(text)


def plural(word: str) -> str:
    """A light plural strip: "days" and "day", "policies" and "policy" compare equal."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def stem(word: str) -> str:
    """Plural, "-ing", "-ed" and a final "e" off: "opening" and "open", "updated" and "update" compare equal."""
    word = plural(word)
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) >= 4 and word[-1] == word[-2]:
                word = word[:-1]
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def wording_key(text: str) -> str:
    """The question's words without fillers, in order and joined without spaces.

    Joining makes "spread sheet" equal "spreadsheet" and "Wi-Fi" equal "wifi".
    """
    return "".join(plural(t) for t in tokens(text) if t not in FILLER)


def topic_words(text: str) -> set[str]:
    return {stem(t) for t in tokens(text) if t not in FRAME or t in NEGATIONS}


@dataclass(frozen=True)
class SlotChange:
    """Topic words of the curated question that the asked one drops, and those it adds."""

    dropped: tuple[str, ...]
    added: tuple[str, ...]


def slot_change(query: str, entry: str) -> SlotChange | None:
    """How ``query`` changes the topic of ``entry`` while keeping its frame, or None when it does not.

    A query that keeps at least half of the entry's topic words and drops,
    adds or swaps any is "the same question about something else" ("for
    children", "uninstall", "opening hours of the warehouse"): returned. A
    query with the same topic words, or one that rewords most of them (a
    paraphrase, or another question: cosine decides), gives None. Split or
    joined spellings ("head office", "head-office") do not count as changes.
    """
    asked, curated = topic_words(query), topic_words(entry)
    dropped, added = pair_off(curated - asked, asked - curated)
    if (dropped or added) and 2 * len(asked & curated) >= len(curated):
        return SlotChange(tuple(sorted(dropped)), tuple(sorted(added)))
    return None


def pair_off(dropped: set[str], added: set[str]) -> tuple[set[str], set[str]]:
    """Remove words that are the same word spelt split or joined on the other side."""
    for joined, parts in _joins(added, dropped) + _joins(dropped, added):
        dropped -= {joined, *parts}
        added -= {joined, *parts}
    return dropped, added


def _joins(singles: Iterable[str], pieces: set[str]) -> list[tuple[str, tuple[str, str]]]:
    return [(word, (a, b)) for word in singles for a in pieces for b in pieces
            if a != b and a + b == word]


def ranked(query: np.ndarray, vectors: np.ndarray) -> list[tuple[int, float]]:
    """Row indexes with their cosine, best first."""
    if len(vectors) == 0:
        return []
    sims = vectors @ query
    order = np.argsort(-sims, kind="stable")
    return [(int(i), float(sims[i])) for i in order]
