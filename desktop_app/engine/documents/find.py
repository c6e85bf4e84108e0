"""Exhaustive find: every occurrence of a phrase, of a word in all its forms, or of a regular expression.

Unlike retrieval, which ranks the few passages most like a question, a find
reads the stored text of every page in scope (``LibraryStore.page_texts``)
and reports each occurrence with its page, as it goes. Page texts are folded
to NFKC by extraction, words hyphenated at a line end are already joined, and
a line or block break is a whitespace character, so a phrase whose words are
separated by any run of white space in the query matches them split across
a line end.

Modes (``FindQuery.mode``):

- ``phrase``: the words in order, any white space between them; a word
  boundary before the first, and after the last where it ends in a Latin
  letter or a digit (a Korean particle attaches to its noun: "계약자" is
  found in "계약자는", and "TeX" in "TeX은").
- ``words``: every form of each word: English words by their Snowball
  (Porter 2) stem, so "contractor" finds "contractors" and "contractor's",
  "invoke" finds "invoked" and "invoking"; a Korean word at the start of a
  run of Hangul ("계약" finds "계약자는"); other words (numbers, codes) as
  they are.
- ``regex``: a Python regular expression, applied to each page's text.

Matching is case-insensitive unless the query says otherwise. At the end of
this module: exports of the hits (CSV, Markdown), and ``count_request``,
which tells a question that asks for a count or for every mention of a term.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import snowballstemmer

from desktop_app.cancel import CancelToken
from desktop_app.errors import InputError
from desktop_app.indexer.layout import fold_compatibility
from desktop_app.store.korean import HANGUL
from desktop_app.store.korean import NON_HANGUL_WORD_CHAR as OTHER  # a word character that is not Hangul
from desktop_app.store.library import DocumentRow, LibraryStore

MODES = ("phrase", "words", "regex")
PROGRESS_EVERY = 250  # pages between two FindProgress events
SNIPPET_CONTEXT = 80  # characters of context on each side of a match
POSSESSIVE = "(?:['\u2019][sS])?"

Spans = Callable[[str], Iterator[tuple[int, int]]]


@dataclass(frozen=True)
class FindQuery:
    """What to find: ``text`` in ``mode`` ("phrase", "words" or "regex"), case-insensitive unless ``case_sensitive``.

    ``text`` is folded to NFKC as page texts are. Raises ``InputError`` for an
    empty text, an unknown mode or a regular expression that does not compile.
    """

    text: str
    mode: str = "phrase"
    case_sensitive: bool = False
    _spans: Spans = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = fold_compatibility(self.text)
        if not text.strip():
            raise InputError("Type the words to find.")
        if self.mode not in MODES:
            raise InputError(f"Unknown find mode {self.mode!r}; use one of {', '.join(MODES)}.")
        object.__setattr__(self, "text", text if self.mode == "regex" else " ".join(text.split()))
        object.__setattr__(self, "_spans", compile_spans(self))

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """The (start, end) character offsets of each non-empty, non-overlapping occurrence in ``text``."""
        return self._spans(text)

    @property
    def mode_label(self) -> str:
        return {"phrase": "exact phrase", "words": "all word forms", "regex": "regular expression"}[self.mode]


@dataclass(frozen=True)
class FindHit:
    """One occurrence: ``start``/``end`` are offsets in the page's stored text, ``match`` the text found (white
    space as one space); ``snippet`` is the match with about 80 characters of context on each side on one line,
    the match at ``snippet[snippet_start:snippet_end]``. ``page`` is 1-based, ``page_label`` the printed label."""

    document_id: int
    document: str
    path: str
    page: int
    page_label: str
    snippet: str
    match: str
    start: int
    end: int
    snippet_start: int
    snippet_end: int


@dataclass(frozen=True)
class FindProgress:
    """Pages read so far (``pages_done`` of ``pages_total``, empty pages counted) and occurrences found."""

    pages_done: int
    pages_total: int
    hits: int


@dataclass(frozen=True)
class DocumentCount:
    """How many occurrences one document holds."""

    document_id: int
    title: str
    count: int


@dataclass(frozen=True)
class FindDone:
    """The end of a find, also after a cancel (``cancelled``: the counts cover the pages read until then).

    ``per_document``: in library order, the documents with at least one
    occurrence, and with a scope given, every document in it (zeros too).
    """

    total: int
    per_document: list[DocumentCount]
    pages_read: int
    documents_read: int
    elapsed_s: float
    cancelled: bool
    pages_total: int = 0
    documents_total: int = 0


FindEvent = FindHit | FindProgress | FindDone


# --- matching -----------------------------------------------------------------------
def is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def is_hangul(c: str) -> bool:
    return "\uac00" <= c <= "\ud7a3"


def literal(word: str, last: bool) -> str:
    """``word`` as it is, with a word boundary before it and, where it ends in a Latin letter or a digit, after
    (after a digit, a decimal point and digit end no word: "clause 7" is not found in "clause 7.2"). Where Hangul
    meets another script the boundary holds (``OTHER``, ``korean.NON_HANGUL_WORD_CHAR``): "TeX" is found in
    "ko.TeX은", "계약" in "A계약"."""
    before = (rf"(?<![{HANGUL}])" if is_hangul(word[0]) else rf"(?<!{OTHER})") if is_word_char(word[0]) else ""
    after = rf"(?!{OTHER})" if last and is_word_char(word[-1]) and not is_hangul(word[-1]) else ""
    after = rf"(?!{OTHER}|[.,]\d)" if after and word[-1].isdigit() else after
    return before + re.escape(word) + after


def common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def compile_spans(query: FindQuery) -> Spans:
    flags = 0 if query.case_sensitive else re.IGNORECASE
    if query.mode == "regex":
        try:
            pattern = re.compile(query.text, flags)
        except (re.error, OverflowError, RecursionError) as exc:
            raise InputError(f"The regular expression is not valid ({exc}). Correct it, or find the text as an "
                           "exact phrase instead.") from exc
        return lambda text: scan(pattern, text, None)
    words = query.text.split()
    if query.mode == "phrase":
        pattern = re.compile(r"\s+".join(literal(w, i == len(words) - 1) for i, w in enumerate(words)), flags)
        return lambda text: scan(pattern, text, None)
    return word_forms(words, flags)


def word_forms(words: list[str], flags: int) -> Spans:
    """Each word in any form (see the module's docstring), the words in order with white space between them.

    A Latin word's candidates are the words that begin as its stem does; a
    candidate counts when its own stem is the same (cached per query).
    """
    stemmer = snowballstemmer.stemmer("english")
    cache: dict[str, str] = {}

    def stem(word: str) -> str:
        key = word.lower().replace("\u2019", "'")
        if key not in cache:
            cache[key] = stemmer.stemWord(key)
        return cache[key]

    parts: list[str] = []
    stems: dict[str, str] = {}
    for i, word in enumerate(words):
        if word.isalpha() and word.isascii():
            prefix = common_prefix(word.lower(), stem(word)) or word.lower()
            stems[f"w{i}"] = stem(word)
            parts.append(rf"(?<!{OTHER})(?P<w{i}>{re.escape(word[:len(prefix)])}{OTHER}*{POSSESSIVE})"
                         rf"(?!{OTHER})")
        elif all(is_hangul(c) for c in word):
            parts.append(rf"(?<![{HANGUL}]){re.escape(word)}[{HANGUL}]*")
        else:
            parts.append(literal(word, True))
    pattern = re.compile(r"\s+".join(parts), flags)

    def same_word(m: re.Match[str]) -> bool:
        return all(stem(m.group(name)) == wanted for name, wanted in stems.items())

    return lambda text: scan(pattern, text, same_word if stems else None)


def scan(pattern: re.Pattern[str], text: str, accept: Callable[[re.Match[str]], bool] | None) -> Iterator[
        tuple[int, int]]:
    pos = 0
    while pos <= len(text) and (m := pattern.search(text, pos)) is not None:
        if m.end() == m.start():
            pos = m.end() + 1
        elif accept is None or accept(m):
            yield m.start(), m.end()
            pos = m.end()
        else:
            pos = m.start() + 1


WHITE = re.compile(r"\s+")


def snippet_of(text: str, start: int, end: int, context: int = SNIPPET_CONTEXT) -> tuple[str, int, int]:
    """The match ``text[start:end]`` with about ``context`` characters each side, cut at spaces where there are
    some, on one line ("…" where cut); returns the snippet and the match's offsets in it."""
    a, b = max(0, start - context), min(len(text), end + context)
    if a > 0 and (space := WHITE.search(text, a, start)) is not None:
        a = space.end()
    if b < len(text) and (spaces := [m.start() for m in WHITE.finditer(text, end, b)]):
        b = spaces[-1]
    before = ("…" if a > 0 else "") + WHITE.sub(" ", text[a:start]).lstrip()
    match = WHITE.sub(" ", text[start:end])
    after = WHITE.sub(" ", text[end:b]).rstrip() + ("…" if b < len(text) else "")
    return before + match + after, len(before), len(before) + len(match)


# --- scanning the library -------------------------------------------------------------
def find_in_library(store: LibraryStore, query: FindQuery, document_ids: Sequence[int] | None = None,
                    cancel: CancelToken | None = None) -> Iterator[FindEvent]:
    """Every occurrence of ``query`` in the library (or in ``document_ids``), streamed as pages are read.

    Yields a ``FindHit`` per occurrence, in library order (document id, page,
    offset), a ``FindProgress`` every ``PROGRESS_EVERY`` pages, and one
    ``FindDone`` last. ``cancel`` is checked before each page; a cancelled find
    still ends with ``FindDone(cancelled=True)`` and the counts so far. Ids not
    in the library are ignored.
    """
    started = time.monotonic()
    wanted = None if document_ids is None else set(document_ids)
    scope = [d for d in store.documents() if wanted is None or d.id in wanted]
    by_id = {d.id: d for d in scope}
    counts = dict.fromkeys(by_id, 0)
    pages_total = sum(d.pages for d in scope)
    finished_pages, pages_done, rows, total, cancelled = 0, 0, 0, 0, False
    current: DocumentRow | None = None
    for page in store.page_texts(None if wanted is None else list(by_id)):
        if cancel is not None and cancel.cancelled:
            cancelled = True
            break
        doc = by_id.get(page.document_id)
        if doc is None:
            continue
        if current is not None and current.id != doc.id:
            finished_pages += current.pages
        current, pages_done, rows = doc, finished_pages + page.page, rows + 1
        for start, end in query.spans(page.text):
            total += 1
            counts[doc.id] += 1
            yield hit_of(doc, page.page, page.text, start, end)
        if rows % PROGRESS_EVERY == 0:
            yield FindProgress(pages_done, pages_total, total)
    reached = current.id if current is not None else -1
    yield FindDone(
        total=total,
        per_document=[DocumentCount(d.id, d.title, counts[d.id]) for d in scope if counts[d.id] or wanted is not None],
        pages_read=pages_done if cancelled else pages_total,
        documents_read=sum(1 for d in scope if d.id <= reached) if cancelled else len(scope),
        elapsed_s=time.monotonic() - started, cancelled=cancelled, pages_total=pages_total,
        documents_total=len(scope),
    )


def hit_of(doc: DocumentRow, page: int, text: str, start: int, end: int) -> FindHit:
    snippet, s_start, s_end = snippet_of(text, start, end)
    return FindHit(doc.id, doc.title, doc.path, page, doc.page_label(page), snippet, WHITE.sub(" ", text[start:end]),
                   start, end, s_start, s_end)


# --- exports --------------------------------------------------------------------------
CSV_COLUMNS = ("document", "page", "page_label", "match", "snippet", "path")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hits_csv(hits: Iterable[FindHit], path: Path) -> int:
    """Write one row per hit (``CSV_COLUMNS``) to ``path`` as UTF-8 with a byte-order mark (so spreadsheets read
    Korean); returns the number of rows. A cell that a spreadsheet would run as a formula starts with "'"."""
    def cell(value: object) -> object:
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value

    rows = 0
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for hit in hits:
            writer.writerow([cell(getattr(hit, column)) for column in CSV_COLUMNS])
            rows += 1
    return rows


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def markdown_text(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def hits_markdown(hits: Sequence[FindHit], done: FindDone, query: FindQuery) -> str:
    """A report: the query, the counts (total, then per document), then a table of hits per document."""
    stopped = " The find was stopped before the end: the counts cover the pages read." if done.cancelled else ""
    lines = [f"# Every mention of \u201c{markdown_text(query.text)}\u201d", "",
             f"{done.total:,} occurrence(s), {query.mode_label}{', case-sensitive' if query.case_sensitive else ''}; "
             f"read {done.pages_read:,} pages of {done.documents_read:,} document(s).{stopped}", "",
             "| Document | Occurrences |", "| --- | ---: |"]
    lines += [f"| {markdown_text(c.title)} | {c.count:,} |" for c in done.per_document]
    by_document: dict[int, list[FindHit]] = {}
    for hit in hits:
        by_document.setdefault(hit.document_id, []).append(hit)
    for doc_hits in by_document.values():
        lines += ["", f"## {markdown_text(doc_hits[0].document)}", "", "| Page | Snippet |", "| ---: | --- |"]
        for h in doc_hits:
            page = h.page_label if h.page_label == str(h.page) else f"{h.page_label} (PDF page {h.page})"
            marked = (markdown_text(h.snippet[:h.snippet_start]) + "**" + markdown_text(h.match) + "**"
                      + markdown_text(h.snippet[h.snippet_end:]))
            lines.append(f"| {markdown_text(page)} | {marked} |")
    return "\n".join(lines) + "\n"


# --- count questions ------------------------------------------------------------------
MENTION_VERBS = (r"(?:mention(?:s|ed)?|invoke[sd]?|cite[sd]?|quote[sd]?|reference[sd]?|refer(?:s|red)?\s+to|"
                 r"appear(?:s|ed)?|occur(?:s|red)?|named|(?:come|comes|came|show|shows|showed)\s+up)")
INTRANSITIVE = re.compile(r"appear|occur|named|come|came|show", re.IGNORECASE)
MENTION_NOUNS = r"(?:mentions?|occurrences?|instances?|references?|citations?|appearances?)"
HOW_OFTEN = re.compile(
    r"\b(?:how\s+many\s+times|how\s+often|number\s+of\s+times)\s+(?:(?:is|are|was|were|does|do|did|has|have|had)\s+)?"
    rf"(?P<term>.+?)\s+(?:(?:been|be|being|get|gets|got)\s+)?(?P<verb>{MENTION_VERBS})\b(?P<after>.*)", re.IGNORECASE)
MENTIONS_OF = re.compile(
    rf"\b(?:how\s+many|count|number\s+of|all|every|each)\s+(?:(?:of\s+)?the\s+)?{MENTION_NOUNS}\s+(?:of|to|for)\s+"
    r"(?P<term>.+)|\b(?:which|what)\s+pages\s+(?:mention|contain|cite|refer\s+to)\s+(?P<object>.+)", re.IGNORECASE)
QUOTED_FIND = re.compile(r"\b(?:find|list|show|count|highlight|locate|search\s+for)\s+(?:me\s+)?(?:all|every)\b",
                         re.IGNORECASE)
PREPOSITION = re.compile(r"^(?:in|on|at|by|for|within|across|throughout|from|per|during|over|under|so\s+far)\b",
                         re.IGNORECASE)
PARTICLE = r"(?:이|가|은|는|을|를|도|의)?"
APPEARS = r"(?:언급된|언급되는|언급한|나오는|나온|등장하는|등장한)"
KOREAN = [re.compile(p) for p in (
    rf"(?P<term>.+?){PARTICLE}\s*(?:모두\s*|총\s*|전부\s*)?몇\s*(?:번|회|차례)(?:이나|이)?\s*"
    r"(?:나오|나와|나온|나타나|언급|등장|쓰이|쓰였|인용|반복)",
    rf"(?P<term>.+?){PARTICLE}\s*(?:{APPEARS}\s*|언급\s*)(?:횟수|빈도)",
    rf"(?P<term>.+?){PARTICLE}\s*{APPEARS}\s*(?:곳|부분|페이지|문장|위치|구절)(?:들)?(?:을|를)?\s*(?:모두|전부|다|빠짐없이)",
    rf"(?P<term>.+?){PARTICLE}(?:\s*(?:모두|전부|빠짐없이)|\s+다)\s*(?:찾|검색|세어|세\s*줘)",
)]
QUOTE = re.compile(r"\"([^\"]+)\"|\u201c([^\u201d]+)\u201d|\u2018([^\u2019]+)\u2019|「([^」]+)」|『([^』]+)』|"
                   r"(?<![A-Za-z0-9])'([^']+)'(?![A-Za-z])")
SCOPE_TAIL = re.compile(r"\s+(?:in|across|throughout|within|from)\s+(?:the|all|these|those|my|our|this|each|every|any)"
                        r"\b.*$|\s*[,;?!].*$|[\s.:]+$", re.IGNORECASE)
LEADING = re.compile(r"^(?:(?:the|a|an)\s+)?(?:(?:word|term|phrase|name|expression|string)\s+)?(?:the\s+)?",
                     re.IGNORECASE)
VERB_TAIL = re.compile(r"\s+(?:(?:are|is|were|was)\s+(?:there|found|listed|recorded|reported|made|given|shown)"
                       r"|(?:do|does|did)\s+(?:we|you|i|they)\s+(?:have|find|see)|exists?|appears?)\b.*$",
                       re.IGNORECASE)
PRONOUNS = {"it", "this", "that", "they", "them", "these", "those", "he", "she", "him", "her", "its", "one",
            "그것", "이것", "저것", "그", "이"}
KOREAN_PLACE = re.compile(r"^.*?(?:에서|에는|중에서|중에)\s+")
CLAUSE_BREAK = re.compile(r"[,.;:!?]")
MAX_TERM_WORDS = 8


def count_request(question: str) -> FindQuery | None:
    """The find a question asks for, when it asks for a count or for every mention of a term; else None.

    Recognised, in English (any case): "how many times|how often|number of
    times" + "is|does|has ..." + X + "mentioned|appear|occur|invoked|cited|
    quoted|referenced|referred to|named|come up|show up" (with an object after
    a transitive verb, that object: "how many times does the report mention
    X"); "how many|count|all|every|each" + "mentions|occurrences|instances|
    references|citations|appearances of|to" X; "which pages mention|contain"
    X; and "find|list|show|count|locate all|every" with a quoted term. In
    Korean: "X가 (모두|총) 몇 번|회|차례 나오나요|언급되나요|등장하나요|쓰였나요",
    "X가 나오는|언급된 횟수", "X의 언급 횟수", "X가 언급된|나오는 곳|부분|페이지를
    모두|전부 ...", "X를 모두|전부|다 찾아줘|검색해줘|세어줘". "every" or "all"
    alone ("Does every pump need a filter?") and "how often" with another verb
    ("How often should the filter be cleaned?") are not finds.

    A quoted term ("...", '...', “...”, ‘...’, 「...」, 『...』) wins and is
    found as an exact phrase; a plain term in all its word forms, less a
    trailing scope ("in the contract"), a leading article or "the word", and
    (Korean) a leading place ("계약서에서").
    """
    text = " ".join(fold_compatibility(question).split())
    quoted = next((next(g for g in m.groups() if g) for m in QUOTE.finditer(text)), None)
    term = english_term(text)
    if term is None:
        term = next((KOREAN_PLACE.sub("", CLAUSE_BREAK.split(m.group("term"))[-1].strip()) for p in KOREAN
                     if (m := p.search(text))), None)
    if quoted is not None and (term is not None or QUOTED_FIND.search(text)):
        return FindQuery(quoted, "phrase") if quoted.strip() else None
    if term is None:
        return None
    term = LEADING.sub("", VERB_TAIL.sub("", SCOPE_TAIL.sub("", term.strip()).strip()))
    if not term or len(term.split()) > MAX_TERM_WORDS or term.lower() in PRONOUNS:
        return None
    return FindQuery(term, "words")


def english_term(text: str) -> str | None:
    if (m := HOW_OFTEN.search(text)) is not None:
        after = SCOPE_TAIL.sub("", m.group("after")).strip()
        transitive = INTRANSITIVE.match(m.group("verb")) is None
        if not transitive and re.match(r"to\s+\w", after):
            return None  # "how often does the pump appear to fail": a question about the pump, not a count
        return after if after and transitive and not PREPOSITION.match(after) else m.group("term")
    if (m := MENTIONS_OF.search(text)) is not None:
        return m.group("term") or m.group("object")
    return None
