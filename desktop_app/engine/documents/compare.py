"""Compare two documents section by section: align their sections, then diff the sentences of each pair.

Alignment keeps reading order. Sections whose normalised headings agree are
paired first (difflib's ``SequenceMatcher`` over the heading keys, so the
longest run of headings in common wins). Inside each stretch left unpaired
between two such matches, sections are paired by text similarity
(``ALIGN_FLOOR``), still in order: a renamed section stays in its place.
What is left is then paired across the whole document, by heading and
else by a higher similarity (``MOVED_FLOOR``): a moved section is found
where it went. Similarity is the embedding cosine of the two sections'
openings when an ``encode`` function is given, else difflib's ratio of
their words.

The sentences of a pair (``SectionText.sentences``) are diffed by difflib
too, compared without white space and with hyphens between letters removed,
so a line broken differently or a word hyphenated at a line end is no
change. Inside a stretch that differs, a removed sentence and an added one
that share most words (``SENTENCE_FLOOR``) are one changed sentence, with
a word-level diff; the rest are removed or added. A section only in A is
removed whole; one only in B is added whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np

from desktop_app.cancel import CancelToken
from desktop_app.engine.answering.citations import page_reference
from desktop_app.engine.documents.sections import Passage, SectionText, document_sections
from desktop_app.errors import AppError, NotFoundError
from desktop_app.store.library import DocumentRow, LibraryStore

CHANGED, ADDED, REMOVED = "changed", "added", "removed"
ALIGN_FLOOR = 0.5
"""Similarity (0..1) two sections in the same place need to be paired although their headings differ."""
MOVED_FLOOR = 0.75
"""Similarity two sections in different places need to be paired (a section moved, perhaps renamed)."""
SENTENCE_FLOOR = 0.5
"""Share of words two differing sentences need in common to be one changed sentence."""
VERSIONS_SHARE = 0.6
"""Share of the two documents' words, matched in order within aligned sections, that makes them versions."""
EMBED_CHARS = 400
"""Characters of a section (its heading and opening) embedded to compare it with others."""
HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010\u00ad]\s*(?=[^\W\d_])")
TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")
NUMBERING = re.compile(r"^(?:(?:chapter|section|part)\s+)?(?:\d+(?:\.\d+)*|[ivxlcdm]+\.)[.)]?\s+", re.IGNORECASE)

Encode = Callable[[list[str]], np.ndarray]
Score = Callable[[int, int], float]


@dataclass(frozen=True)
class Change:
    """One difference between the aligned sections of A and B.

    ``kind``: "changed" (``before`` became ``after``), "added" (only
    ``after``, from B) or "removed" (only ``before``, from A). Each side is
    sentences with their page and page label, in reading order. ``words``: for
    a changed sentence, its word-level diff as (kind, text) pieces, kind
    "same", "removed" or "added"; joining the "same" and "removed" texts
    gives ``before``, the "same" and "added" ones ``after``. Empty otherwise.
    """

    kind: str
    before: list[Passage]
    after: list[Passage]
    words: list[tuple[str, str]] = field(default_factory=list)

    @property
    def before_text(self) -> str:
        return " ".join(p.text for p in self.before)

    @property
    def after_text(self) -> str:
        return " ".join(p.text for p in self.after)

    @property
    def before_where(self) -> str:
        """A's pages of the change as cited ("p. 3"), "" for an addition."""
        return where(self.before)

    @property
    def after_where(self) -> str:
        """B's pages of the change as cited, "" for a removal."""
        return where(self.after)


@dataclass(frozen=True)
class SectionPair:
    """A section of A and the section of B aligned with it (either None when the other has no counterpart).

    ``similarity``: difflib's ratio of the two sections' words (0..1: 1 for
    the same text; 0 when one side is missing). ``changes``: the sentence diff
    of the pair, empty when the two say the same.
    """

    a: SectionText | None
    b: SectionText | None
    similarity: float
    changes: list[Change]

    @property
    def title(self) -> str:
        """The sections' heading; "A's / B's" where they differ (a renamed section, or two sections
        aligned by content)."""
        a, b = (section.title if section else "" for section in (self.a, self.b))
        if a and b and heading_key(a) != heading_key(b):
            return f"{a} / {b}"
        return b or a or "(before the first heading)"

    @property
    def a_where(self) -> str:
        """The pages of A's section as cited ("pp. 2-3"), "" when A has none here."""
        return where(self.a.passages) if self.a else ""

    @property
    def b_where(self) -> str:
        return where(self.b.passages) if self.b else ""


@dataclass(frozen=True)
class Comparison:
    """Two documents side by side: their aligned sections, in the reading order of both.

    ``shared``: the share (0..1) of both documents' words that are matched, in
    order, within aligned sections. ``versions``: ``shared`` reaches
    ``VERSIONS_SHARE``: the two are taken for versions of one document, and
    their changes are what tells them apart.
    """

    a: DocumentRow
    b: DocumentRow
    pairs: list[SectionPair]
    versions: bool
    shared: float

    def counts(self) -> dict[str, int]:
        """How many changed, added and removed passages the pairs hold."""
        kinds = [c.kind for pair in self.pairs for c in pair.changes]
        return {kind: kinds.count(kind) for kind in (CHANGED, ADDED, REMOVED)}

    def summary(self) -> str:
        """"3 changed, 1 added, 0 removed passages in 12 aligned sections"."""
        counts = self.counts()
        return (f"{counts[CHANGED]} changed, {counts[ADDED]} added, {counts[REMOVED]} removed passages "
                f"in {len(self.pairs)} aligned sections")


def compare_documents(store: LibraryStore, a_id: int, b_id: int, encode: Encode | None = None,
                      cancel: CancelToken | None = None) -> Comparison:
    """Align the sections of documents ``a_id`` and ``b_id`` and diff each aligned pair.

    ``encode``: texts -> unit-length embedding rows (the library's embedder);
    without it sections are matched by difflib's word ratio alone.
    Raises ``AppError`` for the same document twice or a document with no
    text, ``NotFoundError`` for an unknown id, ``Cancelled`` when ``cancel``
    is set (checked between sections).
    """
    token = cancel or CancelToken()
    a, b = known_document(store, a_id), known_document(store, b_id)
    if a.id == b.id:
        raise AppError(f"Choose two different documents: both are \u201c{a.title}\u201d.")
    sections_a, sections_b = readable_sections(store, a), readable_sections(store, b)
    token.raise_if_cancelled()
    pairs = []
    for i, j in align_sections(sections_a, sections_b, encode):
        token.raise_if_cancelled()
        pairs.append(section_pair(sections_a[i] if i is not None else None, sections_b[j] if j is not None else None))
    words = sum(len(words_of(s.text)) for s in [*sections_a, *sections_b])
    matched = sum(pair.similarity * (len(words_of(pair.a.text)) + len(words_of(pair.b.text)))
                  for pair in pairs if pair.a and pair.b)
    shared = matched / words if words else 0.0
    return Comparison(a, b, pairs, shared >= VERSIONS_SHARE, round(shared, 4))


def known_document(store: LibraryStore, document_id: int) -> DocumentRow:
    document = store.document(document_id)
    if document is None:
        raise NotFoundError(f"There is no document {document_id}. `desktop-app docs list` shows the library.")
    return document


def readable_sections(store: LibraryStore, document: DocumentRow) -> list[SectionText]:
    sections = document_sections(store, document.id)
    if not sections:
        raise AppError(f"\u201c{document.title}\u201d has no text to compare (a scanned document is read only "
                       "when OCR is installed); index a copy with a text layer.")
    return sections


# --- alignment ----------------------------------------------------------------------------------

def heading_key(title: str) -> str:
    """A heading as compared: NFKC, case-folded, its numbering ("2.1", "Chapter 3") and punctuation dropped."""
    text = unicodedata.normalize("NFKC", title).casefold().strip()
    return " ".join(re.findall(r"\w+", NUMBERING.sub("", text)))


def section_score(a: Sequence[SectionText], b: Sequence[SectionText], wanted_a: list[int], wanted_b: list[int],
                  encode: Encode | None) -> Score:
    """Similarity (0..1) of section ``i`` of A and ``j`` of B, for ``i`` in ``wanted_a`` and ``j`` in
    ``wanted_b``: the embedding cosine of their openings (only those sections are embedded), else
    difflib's word ratio."""
    if encode is None:
        words_a, words_b = [words_of(s.text) for s in a], [words_of(s.text) for s in b]
        return lambda i, j: SequenceMatcher(None, words_a[i], words_b[j]).ratio()
    if not wanted_a or not wanted_b:
        return lambda i, j: 0.0
    rows_a, rows_b = {i: n for n, i in enumerate(wanted_a)}, {j: n for n, j in enumerate(wanted_b)}
    vectors = encode([f"{s.title}\n{s.text}"[:EMBED_CHARS] for s in [*(a[i] for i in wanted_a),
                                                                      *(b[j] for j in wanted_b)]])
    matrix = vectors[: len(wanted_a)] @ vectors[len(wanted_a):].T
    return lambda i, j: max(float(matrix[rows_a[i], rows_b[j]]), 0.0)


def align_sections(a: Sequence[SectionText], b: Sequence[SectionText], encode: Encode | None = None
                   ) -> list[tuple[int | None, int | None]]:
    """Pairs of section indexes (None: no counterpart) in reading order (see the module's docstring).

    A's order is kept; a section only in B comes after the section of B before it.
    """
    keys_a, keys_b = [heading_key(s.title) for s in a], [heading_key(s.title) for s in b]
    opcodes = SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes()
    matched = {i: j for tag, i1, i2, j1, j2 in opcodes if tag == "equal"
               for i, j in zip(range(i1, i2), range(j1, j2), strict=True)}
    paired_b = set(matched.values())
    score = section_score(a, b, [i for i in range(len(a)) if i not in matched],
                          [j for j in range(len(b)) if j not in paired_b], encode)
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "replace":
            found = ordered_matches([[score(i, j) for j in range(j1, j2)] for i in range(i1, i2)], ALIGN_FLOOR)
            matched.update((i1 + i, j1 + j) for i, j in found)
    matched.update(moved_matches(keys_a, keys_b, matched, score))
    return merged_order(len(a), len(b), matched)


def moved_matches(keys_a: list[str], keys_b: list[str], matched: dict[int, int], score: Score) -> dict[int, int]:
    """Pairs among the sections still unpaired, anywhere in the documents: same heading, else the most
    similar above ``MOVED_FLOOR``, best first."""
    left_a = [i for i in range(len(keys_a)) if i not in matched]
    used = set(matched.values())
    left_b = [j for j in range(len(keys_b)) if j not in used]
    found: dict[int, int] = {}
    candidates = sorted(((keys_a[i] == keys_b[j], score(i, j), i, j) for i in left_a for j in left_b), reverse=True)
    for same, similarity, i, j in candidates:
        if (same or similarity >= MOVED_FLOOR) and i not in found and j not in found.values():
            found[i] = j
    return found


def merged_order(count_a: int, count_b: int, matched: dict[int, int]) -> list[tuple[int | None, int | None]]:
    """A's sections in order with their counterparts; each section only in B after the row of the section
    of B before it and after the sections only in A that follow that row (removed, then added)."""
    rows: list[tuple[int | None, int | None]] = [(i, matched.get(i)) for i in range(count_a)]
    paired_b = set(matched.values())
    for j in (j for j in range(count_b) if j not in paired_b):
        previous = max((row[1] for row in rows if row[1] is not None and row[1] < j), default=None)
        at = next(n for n, row in enumerate(rows) if row[1] == previous) + 1 if previous is not None else 0
        while at < len(rows) and rows[at][1] is None:
            at += 1
        rows.insert(at, (None, j))
    return rows


def ordered_matches(scores: list[list[float]], floor: float) -> list[tuple[int, int]]:
    """The pairs (i, j), increasing in both, each scoring at least ``floor``, with the highest total score."""
    n, m = len(scores), len(scores[0]) if scores else 0
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = scores[i][j] + best[i + 1][j + 1] if scores[i][j] >= floor else -1.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if scores[i][j] >= floor and best[i][j] == scores[i][j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


# --- diff -------------------------------------------------------------------------------------

def normal(text: str) -> str:
    """Text as diffed: NFKC, with hyphens between letters (and the line break after one) removed."""
    return HYPHEN.sub("", unicodedata.normalize("NFKC", text))


def sentence_key(text: str) -> str:
    return "".join(normal(text).split())


def words_of(text: str) -> list[str]:
    return normal(text).split()


def word_ratio(before: str, after: str) -> float:
    return SequenceMatcher(None, words_of(before), words_of(after), autojunk=False).ratio()


def section_pair(a: SectionText | None, b: SectionText | None) -> SectionPair:
    """The pair with its similarity and its sentence diff."""
    if a is None or b is None:
        kept = a or b
        assert kept is not None
        change = Change(REMOVED, kept.sentences(), []) if a else Change(ADDED, [], kept.sentences())
        return SectionPair(a, b, 0.0, [change])
    return SectionPair(a, b, round(word_ratio(a.text, b.text), 4), diff_sentences(a.sentences(), b.sentences()))


def diff_sentences(before: list[Passage], after: list[Passage]) -> list[Change]:
    """The changes that turn the sentences ``before`` into ``after`` (see the module's docstring)."""
    keys_a, keys_b = [sentence_key(p.text) for p in before], [sentence_key(p.text) for p in after]
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes():
        if tag != "equal":
            changes += stretch_changes(before[i1:i2], after[j1:j2])
    return changes


def stretch_changes(old: list[Passage], new: list[Passage]) -> list[Change]:
    """A stretch of differing sentences as changes: similar sentences paired in order, the rest removed/added."""
    scores = [[word_ratio(o.text, n.text) for n in new] for o in old]
    changes: list[Change] = []
    i = j = 0
    for mi, mj in [*ordered_matches(scores, SENTENCE_FLOOR), (len(old), len(new))]:
        if i < mi:
            changes.append(Change(REMOVED, old[i:mi], []))
        if j < mj:
            changes.append(Change(ADDED, [], new[j:mj]))
        if mi < len(old):
            changes.append(Change(CHANGED, [old[mi]], [new[mj]], word_diff(old[mi].text, new[mj].text)))
        i, j = mi + 1, mj + 1
    return changes


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``before`` -> ``after`` as (kind, text) pieces, kind "same", "removed" or "added" (difflib on words)."""
    old, new = TOKEN.findall(before), TOKEN.findall(after)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(("added", "".join(new[j1:j2])))
    return pieces


# --- citing -----------------------------------------------------------------------------------

def where(passages: Sequence[Passage]) -> str:
    """"p. 3", "pp. 3-4" or "p. iv (PDF page 4)": the pages of ``passages`` as cited."""
    labels = {p.page: p.page_label for p in passages}
    pages = sorted(labels)
    if len(pages) > 1:
        return f"pp. {labels[pages[0]]}-{labels[pages[-1]]}"
    return page_reference(pages[0], labels[pages[0]]) if pages else ""

