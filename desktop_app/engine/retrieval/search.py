"""Hybrid retrieval: BM25 (FTS5) and dense (HNSW), fused by reciprocal rank.

Neighbouring chunks of one section are merged into one source, identical text
is dropped, and a similarity floor separates relevant passages from the
closest-but-unrelated ones shown when the library does not cover a question.
A table of contents or an index page comes after every other relevant passage
(``is_listing``): it holds the question's words without answering it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from desktop_app.engine.language import detect_language
from desktop_app.engine.models.embedding import Embedder
from desktop_app.engine.settings import RETRIEVAL_MODES
from desktop_app.store.fusion import rrf
from desktop_app.store.keywords import STOPWORDS, WORD
from desktop_app.store.korean import HANGUL, NON_HANGUL_WORD_CHAR, QUESTION_WORDS, has_hangul
from desktop_app.store.library import ChunkRow, LibraryStore
from desktop_app.store.vectors import VectorIndex

UNCOVERED_DENSE_WEIGHT = 0.1
"""Weight of the dense ranking for a query in a language the embedding model was not trained on."""


@dataclass
class Source:
    """One passage offered to the model (one chunk, or neighbouring chunks merged)."""

    chunks: list[ChunkRow]
    score: float
    similarity: float
    number: int = 0
    context: list[ChunkRow] = field(default_factory=list)

    @property
    def first(self) -> ChunkRow:
        return self.chunks[0]

    @property
    def pages(self) -> list[int]:
        return sorted({p for c in self.chunks for p in range(c.page_start, c.page_end + 1)})

    @property
    def main_page(self) -> int:
        """The page that holds most of the passage's blocks (the earliest on a tie)."""
        counts = Counter(int(pos[0]) for pos in self.positions)
        return min(counts, key=lambda page: (-counts[page], page)) if counts else self.first.page_start

    @property
    def text(self) -> str:
        return join_chunks(self.chunks)

    @property
    def positions(self) -> list[list[float]]:
        return [pos for c in self.chunks for pos in c.positions]


@dataclass
class SearchResult:
    query: str
    mode: str
    sources: list[Source]
    closest: list[Source]


def join_chunks(chunks: list[ChunkRow]) -> str:
    """Text of consecutive chunks without repeating their overlaps."""
    parts = [chunks[0].text] + [c.text[c.overlap:] for c in chunks[1:]]
    return "\n".join(parts)


class Retriever:
    def __init__(self, store: LibraryStore, vectors: VectorIndex, embedder: Embedder, floor: float) -> None:
        self.store = store
        self.vectors = vectors
        self.embedder = embedder
        self.floor = floor

    def search(self, query: str, k: int, mode: str = "hybrid", documents: list[int] | None = None,
               scope: Sequence[int] | None = None) -> SearchResult:
        """Best sources for ``query``; with ``documents``, only from those, and with no relevance floor
        (the user chose them).

        ``scope`` (a conversation's collection or chosen documents; None: the
        whole library) filters both the keyword and the vector search
        themselves, so no passage outside it is ranked, shown or given to the
        model; the relevance floor still applies. Raises ``ValueError`` for an
        unknown ``mode``.
        """
        if mode not in RETRIEVAL_MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(RETRIEVAL_MODES)}")
        self.vectors.sync(self.store)
        within = list(documents) if documents else (list(scope) if scope is not None else None)
        if within is not None and scope is not None:
            within = sorted(set(within) & set(scope))
        if within is not None and not within:
            return SearchResult(query, mode, [], [])
        depth = max(30, 5 * k) if not documents else max(300, 5 * k)
        query_vector = self.embedder.encode([query])[0]
        lists: list[tuple[list[int], float]] = []
        similarity: dict[int, float] = {}
        if mode in ("hybrid", "bm25"):
            lists.append(([cid for cid, _ in self.store.keyword_search(query, depth, within)], 1.0))
        if mode in ("hybrid", "dense"):
            allowed = self.store.chunk_ids_of(within) if within is not None else None
            dense = self.vectors.search(query_vector, depth, allowed)
            similarity.update(dense)
            covered = self.embedder.covers(detect_language(query))
            lists.append(([cid for cid, _ in dense], 1.0 if covered or mode == "dense" else UNCOVERED_DENSE_WEIGHT))
        fused = rrf(lists)
        self._fill_similarity(query_vector, list(fused), similarity)
        ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        inside = set(within) if within is not None else None
        rows = {row.id: row for row in self.store.chunks(ranked) if inside is None or row.document_id in inside}
        terms = query_terms(query)
        names = code_names(query)
        relevant = [cid for cid in ranked if cid in rows and (
            documents or similarity.get(cid, 0.0) >= self.floor
            or keyword_coverage(terms, rows[cid].text) >= MIN_COVERAGE
            or holds_name(names, rows[cid].text) or holds_name(names, rows[cid].section_title))]
        relevant.sort(key=lambda cid: is_listing(rows[cid].text))  # stable: listings after the rest, in order
        sources = self._merge([rows[cid] for cid in relevant], fused, similarity, k)
        closest = [] if sources else self._merge([rows[cid] for cid in ranked if cid in rows], fused, similarity, 3)
        return SearchResult(query, mode, sources, closest)

    def _fill_similarity(self, query_vector: np.ndarray, ids: list[int], similarity: dict[int, float]) -> None:
        missing = [cid for cid in ids if cid not in similarity]
        if missing:
            found, matrix = self.store.vectors(self.embedder.key, missing)
            if found:
                similarity.update(zip(found, (matrix @ query_vector).tolist(), strict=True))

    def _merge(self, ranked: list[ChunkRow], fused: dict[int, float], similarity: dict[int, float], k: int
               ) -> list[Source]:
        """Group ranked chunks into at most ``k`` sources; adjacent chunks of a section join one source."""
        sources: list[Source] = []
        seen_text: set[str] = set()
        for row in ranked:
            key = " ".join(row.text.split()).lower()
            if key in seen_text:
                continue
            seen_text.add(key)
            neighbour = next((s for s in sources if adjacent(s, row)), None)
            if neighbour is not None:
                neighbour.chunks = sorted([*neighbour.chunks, row], key=lambda c: c.ord)
                continue
            sources.append(Source([row], fused.get(row.id, 0.0), similarity.get(row.id, 0.0)))
            if len(sources) >= k:
                break
        for number, source in enumerate(sources, start=1):
            source.number = number
        return sources


LEADER = re.compile(r"(?:\.\s*){3,}\d+|\u2026\s*\d+")
"""A dot leader and the page number after it: "2.1 Basic Concepts . . . . 11", "draw ... 14", "! ... 62"."""
LISTING_LEADERS = 3
MAX_MERGED = 3
MIN_COVERAGE = 0.5
MIN_COVERED_TERMS = 2
PREFIX = 5
HANGUL_PREFIX = 2
"""Syllables a Korean word is compared by: a word is a stem and the particle or ending after it ("안내서는" and
"안내서를" are "안내"); a word of one syllable is a particle or a bound noun (수, 것, 등) and not compared."""
QUESTION_KEYS = frozenset(word[:HANGUL_PREFIX] for word in QUESTION_WORDS)
SCRIPT_RUN = re.compile(rf"[{HANGUL}]+|{NON_HANGUL_WORD_CHAR}+")


def word_keys(text: str) -> list[str]:
    """What the words of ``text`` are compared by, in order: a word's first ``PREFIX`` letters, as a crude stem; in
    Korean its first ``HANGUL_PREFIX`` syllables. A word that joins a name to Korean ("ko.TeX라는", "CTAN에") is
    compared as the two."""
    keys = []
    for run in SCRIPT_RUN.findall(text.lower()):
        if not has_hangul(run):
            keys.append(run[:PREFIX])
        elif len(run) >= HANGUL_PREFIX:
            keys.append(run[:HANGUL_PREFIX])
    return keys


def query_terms(query: str) -> list[str]:
    """The distinct keys (``word_keys``) of the query's content words: not stop words or Korean question words."""
    content = " ".join(word for word in WORD.findall(query) if word.lower() not in STOPWORDS)
    return [key for key in dict.fromkeys(word_keys(content)) if key not in QUESTION_KEYS]


def keyword_coverage(terms: list[str], text: str) -> float:
    """Share of the query's content words (``query_terms``) found in ``text``, compared by ``word_keys``."""
    if len(terms) < MIN_COVERED_TERMS:
        return 0.0
    keys = set(word_keys(text))
    found = sum(1 for t in terms if t in keys)
    return found / len(terms) if found >= MIN_COVERED_TERMS else 0.0


CODE_NAME = re.compile(r"(?<![\w.])(?:[a-z][a-z0-9]*[A-Z]\w*|[A-Za-z][A-Za-z0-9]*_\w+|[A-Za-z_]\w*(?=\())", re.ASCII)
"""A name written as code names things: camelCase, snake_case, or a name called ("KeepTogether()")."""
CLASS_NAME = re.compile(r"(?<![\w.])[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*(?![\w(])", re.ASCII)
"""A capitalised name with a capital inside ("KeepTogether"): a class, but product names are written so too
("ReportLab", "PowerPoint"), and a question about one is not about every passage that names it. Such a name
counts only where a passage writes it as code, with its arguments ("KeepTogether(flowables)"; ``code_names``)."""
AS_CALLED = "("


def code_names(text: str) -> set[str]:
    """The code names ``text`` holds (``CODE_NAME``), and its class names (``CLASS_NAME``) marked to be held only
    as called (a trailing ``AS_CALLED``): "What does setDash do?" -> {"setDash"}, "What does KeepTogether do?" ->
    {"KeepTogether("}."""
    return set(CODE_NAME.findall(text)) | {name + AS_CALLED for name in CLASS_NAME.findall(text)}


def holds_name(names: set[str], text: str) -> bool:
    """Whether ``text`` holds one of ``names`` as written (a class name followed by its arguments). A question about
    one named method ("What does setDash do?") has one content word, too few for the keyword coverage, and the
    embedding model does not know the name (cosine 0.12 with the passage that defines it), yet the passage that
    holds the name is the one asked about. Only a Latin letter, digit or underscore next to the name makes it
    another name: Korean writes a particle against it ("\\koTeX를", "setDash는")."""
    return any(re.search(rf"(?<!\w){re.escape(name[:-1])}\(" if name.endswith(AS_CALLED)
                         else rf"(?<!\w){re.escape(name)}(?!\w)", text, re.ASCII) for name in names)


def is_listing(text: str) -> bool:
    """Whether ``text`` is a table of contents or a back-of-book index: ``LISTING_LEADERS`` or more entries
    with dot leaders and page numbers. Such a page holds the question's words without answering it."""
    return len(LEADER.findall(text)) >= LISTING_LEADERS


def adjacent(source: Source, row: ChunkRow) -> bool:
    if len(source.chunks) >= MAX_MERGED:
        return False
    return any(c.section_id == row.section_id and abs(c.ord - row.ord) == 1 for c in source.chunks)
