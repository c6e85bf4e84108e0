"""Whole-document summaries: every part of a document summarised (map), then the parts' summaries combined (reduce).

Map-reduce summarisation, as LangChain's ``map_reduce`` summarise chain and
AnythingLLM's document summaries do it: the document is cut into parts that
fit the model's window (whole sections; short neighbouring sections
together; a long section in pieces), each part is summarised on its own, and
the part summaries are combined, in rounds while they do not fit at once.
Every point of the result cites the pages of the parts it came from.

Without a model (quotes-only mode) or when asked, the summary is extractive:
the sentences of each part closest to the centroid of the part's sentence
embeddings, and, for the overview, those closest to the centroid of the
whole document, kept diverse by maximal marginal relevance (centroid-based
summarisation: Radev, Jing, Styś and Tam, "Centroid-based summarization of
multiple documents", Information Processing & Management 40(6), 2004).

Part summaries are stored (``store.summaries``) as they are made, so a
cancelled summary keeps what was done, asking again continues where it
stopped, and a summary of several documents reuses each one's parts.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desktop_app.cancel import CancelToken
from desktop_app.engine.answering.evidence import substantial
from desktop_app.engine.answering.tasks import choose_examples
from desktop_app.engine.documents.sections import Passage, SectionText
from desktop_app.engine.models.chat import Generation
from desktop_app.engine.models.server import ChatModel
from desktop_app.errors import StorageError
from desktop_app.store.library import DocumentRow
from desktop_app.store.summaries import SummaryStore, summary_key

PROMPT_VERSION = 1
MAP_ANSWER_TOKENS = 120
COMBINE_ANSWER_TOKENS = 160
OVERVIEW_ANSWER_TOKENS = 320
PROMPT_RESERVE_TOKENS = 200  # the instructions and chat template around a part's text
OVERVIEW_POINTS = 5
CHARS_PER_KEY_SENTENCE = 1500  # an extractive part summary keeps one sentence per this much text, 1 to 3
MAX_KEY_SENTENCES = 3
EXTRACTIVE_PART_CHARS = 6000  # an extractive part is a section, or a piece of this many characters of a long one
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
LEADER = re.compile(r"(?:\.\s?){5,}")  # the dot leaders of a table of contents
WORD = re.compile(r"\w{3,}")
log = logging.getLogger(__name__)

MAP_SYSTEM = ("You summarise one part of a document. Write two or three short sentences that give its main points, "
              "using only what the text says.")
COMBINE_SYSTEM = "You combine summaries of consecutive parts of a document into two to four short sentences."
OVERVIEW_SYSTEM = ("You write the overview of a document from numbered summaries of its parts. Write five short "
                   "bullet points, each starting with '- ' and ending with the numbers of the parts it draws on, "
                   "like [2] or [3, 4].")


@dataclass(frozen=True)
class Part(SectionText):
    """What one map step reads: a section, several short sections together, or a piece of a long section
    (``ord`` is the part's place among its document's parts)."""

    document_title: str = ""


@dataclass(frozen=True)
class PartSummary:
    """A part and what was made of it: the model's sentences (cited to the part's first page), or key sentences."""

    part: Part
    sentences: tuple[Passage, ...]
    reused: bool = False

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class SummaryPoint:
    """One point of the overview and the parts (indices into ``DocumentSummary.parts``) it came from.

    ``page``: for a sentence quoted from the document (extractive), the page it is on; else 0.
    """

    text: str
    parts: tuple[int, ...]
    page: int = 0


@dataclass
class DocumentSummary:
    documents: list[DocumentRow]
    method: str  # "model" or "extractive"
    parts: list[PartSummary]
    total_parts: int
    overview: list[SummaryPoint] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0

    @property
    def reused(self) -> int:
        return sum(1 for p in self.parts if p.reused)

    @property
    def coverage(self) -> float:
        """The share of the documents' parts that the summary covers (1.0 unless cancelled)."""
        return len(self.parts) / self.total_parts if self.total_parts else 1.0


@dataclass(frozen=True)
class SummaryProgress:
    stage: str  # "reading" (parts summarised) or "combining" (the overview)
    done: int
    total: int
    title: str = ""  # the part (or document) just done


def parts_of(sections: list[SectionText], document_title: str, budget: int, count: Callable[[str], int],
             join_sections: bool = True) -> list[Part]:
    """The document's parts, each at most ``budget`` tokens by ``count``: sections in order, short neighbours
    together (unless not ``join_sections``), a long section in pieces at passage boundaries (a passage longer
    than ``budget`` is a part alone)."""
    parts: list[Part] = []
    group: list[Passage] = []
    titles: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal group, titles, size
        if group:
            title = titles[0] if len(titles) == 1 else f"{titles[0]} … {titles[-1]}"
            parts.append(Part(sections[0].document_id, len(parts), title, tuple(group), document_title))
        group, titles, size = [], [], 0

    for section in sections:
        heading = section.title or "Opening"
        tokens = [count(p.text) + 1 for p in section.passages]
        if size and (not join_sections or size + sum(tokens) > budget):
            flush()
        for passage, n in zip(section.passages, tokens, strict=True):
            if size and size + n > budget:
                flush()
            if not titles or titles[-1] != heading:
                titles.append(heading)
            group.append(passage)
            size += n
    flush()
    return parts


class Summariser:
    """Summarises documents part by part; ``model`` is None for an extractive summary."""

    def __init__(self, store: SummaryStore, encode: Callable[[list[str]], np.ndarray], embedder_key: str,
                 model: ChatModel | None) -> None:
        self.store = store
        self.encode = encode
        self.model = model
        self.method = f"model:{model.label}:v{PROMPT_VERSION}" if model else f"extractive:{embedder_key}:v1"
        self.boilerplate: set[str] = set()

    def part_budget(self) -> int:
        """Tokens of document text one map step reads."""
        if self.model is None:
            return EXTRACTIVE_PART_CHARS
        return max(128, self.model.n_ctx - MAP_ANSWER_TOKENS - PROMPT_RESERVE_TOKENS)

    def count(self, text: str) -> int:
        return self.model.count(text) if self.model is not None else len(text)

    def summarise(self, documents: list[tuple[DocumentRow, list[SectionText]]], cancel: CancelToken
                  ) -> Iterator[SummaryProgress | DocumentSummary]:
        """Yield progress, then the ``DocumentSummary`` (partial, ``cancelled``, when ``cancel`` is set).

        Raises ``ModelError`` when the model fails; stored part summaries stay.
        """
        started = time.perf_counter()
        parts = [part for doc, sections in documents if sections
                 for part in parts_of(sections, doc.title, self.part_budget(), self.count, self.model is not None)]
        summary = DocumentSummary([doc for doc, _ in documents],
                                  "model" if self.model else "extractive", [], len(parts))
        self.boilerplate = boilerplate(parts) if self.model is None else set()
        for part in parts:
            if cancel.cancelled:
                break
            done = self._part_summary(part, cancel)
            if done is None:
                break
            summary.parts.append(done)
            yield SummaryProgress("reading", len(summary.parts), len(parts), part.title)
        summary.cancelled = cancel.cancelled or len(summary.parts) < len(parts)
        if summary.parts and not summary.cancelled:
            summary.overview = yield from self._overview(summary.parts, cancel)
            summary.cancelled = cancel.cancelled
        summary.elapsed_s = time.perf_counter() - started
        yield summary

    def _part_summary(self, part: Part, cancel: CancelToken) -> PartSummary | None:
        """The part's summary: stored, else made (and stored); None when stopped while it was being made."""
        key = summary_key(self.method, part.text)
        if (stored := self.store.get(key)) is not None:
            return PartSummary(part, placed(part, [row[0] for row in json.loads(stored)]), reused=True)
        complete = True
        if self.model is None:
            sentences = tuple(self._key_sentences(part))
        else:
            text, complete = self._complete(MAP_SYSTEM, f"Document: {part.document_title}\nPart: {part.title}"
                                            f"\n\n{part.text}\n\nSummary of this part:", MAP_ANSWER_TOKENS, cancel)
            first = part.passages[0]
            sentences = (Passage(text, first.page, first.page_label),) if text else ()
        if cancel.cancelled:
            return None
        if complete and sentences:
            try:
                self.store.put(key, part.document_id, self.method,
                               json.dumps([[s.text, s.page, s.page_label, s.table] for s in sentences]))
            except StorageError as exc:
                log.warning("a part summary could not be stored: %s", exc)
        return PartSummary(part, sentences)

    def _key_sentences(self, part: Part) -> list[Passage]:
        """The part's sentences closest to their centroid, diverse, in reading order."""
        found = list({s.text: s for s in part.sentences()}.values())
        sentences = [s for s in found if substantial(s.text) and s.text not in self.boilerplate
                     and not LEADER.search(s.text)] or [s for s in found if not LEADER.search(s.text)] or found
        if not sentences:
            return []
        wanted = min(MAX_KEY_SENTENCES, max(1, round(len(part.text) / CHARS_PER_KEY_SENTENCE)), len(sentences))
        chosen = centroid_choice(self.encode([s.text for s in sentences]), wanted)
        return [sentences[i] for i in sorted(chosen)]

    def _overview(self, parts: list[PartSummary], cancel: CancelToken
                  ) -> Generator[SummaryProgress, None, list[SummaryPoint]]:
        """The overview points: the model's, combining the part summaries in rounds while they do not fit its
        window, or (extractive) the key sentences closest to the centroid of all of them."""
        if self.model is None:
            return self._extractive_overview(parts)
        items: list[tuple[str, tuple[int, ...]]] = [(p.text, (i,)) for i, p in enumerate(parts) if p.text]
        budget = self.model.n_ctx - OVERVIEW_ANSWER_TOKENS - PROMPT_RESERVE_TOKENS
        while len(items) > 1 and self.count(numbered(items)) > budget and not cancel.cancelled:
            items = yield from self._combine(items, cancel)
        if not items or cancel.cancelled:
            return []
        yield SummaryProgress("combining", 0, 1, "overview")
        answer, _ = self._complete(OVERVIEW_SYSTEM, f"Document: {parts[0].part.document_title}\n\n"
                                   f"{numbered(items)}\n\nOverview:", OVERVIEW_ANSWER_TOKENS, cancel)
        yield SummaryProgress("combining", 1, 1, "overview")
        return overview_points(answer, items)

    def _combine(self, items: list[tuple[str, tuple[int, ...]]], cancel: CancelToken
                 ) -> Generator[SummaryProgress, None, list[tuple[str, tuple[int, ...]]]]:
        """One round of reduction: consecutive summaries that fit the window together become one."""
        assert self.model is not None
        budget = self.model.n_ctx - COMBINE_ANSWER_TOKENS - PROMPT_RESERVE_TOKENS
        groups: list[list[tuple[str, tuple[int, ...]]]] = [[]]
        for item in items:
            if groups[-1] and self.count(numbered([*groups[-1], item])) > budget:
                groups.append([])
            groups[-1].append(item)
        if len(groups) == len(items):  # each alone fills the window: pair them so the rounds end
            groups = [items[i:i + 2] for i in range(0, len(items), 2)]
        combined = []
        for done, group in enumerate(groups, start=1):
            if cancel.cancelled:
                break
            sources = tuple(i for _, indices in group for i in indices)
            text = group[0][0] if len(group) == 1 else self._complete(
                COMBINE_SYSTEM, f"{numbered(group)}\n\nCombined summary:", COMBINE_ANSWER_TOKENS, cancel)[0]
            combined.append((text or group[0][0], sources))
            yield SummaryProgress("combining", done, len(groups), "")
        return combined

    def _extractive_overview(self, parts: list[PartSummary]) -> list[SummaryPoint]:
        found = [(i, s) for i, p in enumerate(parts) for s in p.sentences
                 if substantial(s.text) and not LEADER.search(s.text)]
        if not found:
            return []
        chosen = centroid_choice(self.encode([s.text for _, s in found]), min(OVERVIEW_POINTS, len(found)))
        return [SummaryPoint(found[i][1].text, (found[i][0],), found[i][1].page) for i in sorted(chosen)]

    def _complete(self, system: str, user: str, max_tokens: int, cancel: CancelToken) -> tuple[str, bool]:
        """The model's answer, and whether it came whole (not stopped by the user or a broken stream)."""
        assert self.model is not None
        prompt: Any
        prompt, stop = self.model.render([{"role": "system", "content": system}, {"role": "user", "content": user}])
        text, whole = "", False
        for piece in self.model.stream(prompt, stop, max_tokens, 0.2, cancel):
            if isinstance(piece, Generation):
                text, whole = piece.text, not piece.stopped
        return text.strip(), whole


def placed(part: Part, texts: list[str]) -> tuple[Passage, ...]:
    """Stored sentences on this part's pages: a sentence of the part keeps its page here; a model's summary
    (not the part's words) is cited to the part's first page. The same text may sit on other pages elsewhere."""
    pages = {s.text: s for s in reversed(part.sentences())}
    first = part.passages[0]
    return tuple(pages.get(text) or Passage(text, first.page, first.page_label) for text in texts)


def boilerplate(parts: list[Part]) -> set[str]:
    """Sentences found in more than one part of a document (stock phrases): never a part's key sentence."""
    seen: Counter[tuple[int, str]] = Counter()
    for part in parts:
        for text in {s.text for s in part.sentences()}:
            seen[(part.document_id, text)] += 1
    return {text for (_, text), n in seen.items() if n > 1}


def centroid_choice(vectors: np.ndarray, k: int, diversity: float = 0.3) -> list[int]:
    """Indices of ``k`` rows closest to the rows' centroid, kept apart by maximal marginal relevance."""
    centroid = vectors.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    return choose_examples(centroid / norm if norm else centroid, vectors, k, diversity)


def numbered(items: list[tuple[str, tuple[int, ...]]]) -> str:
    return "\n".join(f"[{n}] {text}" for n, (text, _) in enumerate(items, start=1))


def overview_points(answer: str, items: list[tuple[str, tuple[int, ...]]]) -> list[SummaryPoint]:
    """The bullet points of the model's overview, each citing the parts it came from.

    A small model often leaves the numbers out, cites [1] for everything,
    repeats a point, or writes a heading ("The main ideas are:"). So a point
    cites those of its numbers whose summaries share at least half as many
    words with it as the summary that shares most; where none does, or it
    gives none, that summary. Repeated points and lines ending in a colon are
    dropped.
    """
    lines = [re.sub(r"^\s*(?:[-*\u2022]|\d+[.)])\s*", "", line).strip() for line in answer.splitlines()]
    vocabulary = [{w.lower() for w in WORD.findall(text)} for text, _ in items]
    points: list[SummaryPoint] = []
    seen: set[str] = set()
    for line in (text for text in lines if len(WORD.findall(text)) >= 3 and not text.rstrip().endswith(":")):
        text = MARKER.sub("", line).strip()
        if text.lower() in seen:
            continue
        seen.add(text.lower())
        words = {w.lower() for w in WORD.findall(text)}
        shared = [len(words & v) for v in vocabulary]
        best = max(range(len(items)), key=lambda i: shared[i])
        numbers = [int(n) - 1 for found in MARKER.findall(line) for n in found.split(",")]
        cited = [n for n in numbers if 0 <= n < len(items) and shared[n] * 2 >= shared[best]] or [best]
        points.append(SummaryPoint(text, tuple(dict.fromkeys(i for n in cited for i in items[n][1]))))
    return points[:OVERVIEW_POINTS * 2]
