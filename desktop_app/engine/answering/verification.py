"""Check each sentence of an answer against the passages it cites.

Numbers, amounts, percentages, years and version or section numbers, quoted
strings, code identifiers and capitalised names in a sentence must appear in
its evidence: the passages the sentence cites, or all the passages the model
was given when it cites none. Matching is normalised (Unicode NFKC, thousands
separators, quotes, letter case).

What the prompt itself says around the passages is not a claim: a source
header the model echoes ("[2] Some Title, page 20:"), a reference to a page or
source number ("page 20", "Source number: 2"), and any word of the prompt's
scaffolding (``scaffold``: the source headers and labels, ``BuiltPrompt.scaffold``)
that the evidence does not hold, such as a word of a document's title.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop_app.engine.answering.citations import MARKER, cited_numbers

SENTENCE_END = re.compile(r"(?<=[.!?。])\s+(?![a-z])|\n+")
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:,\d{3})*(?:\.\d+)*%?")
INLINE_NUMBER = re.compile(r"(?<![\w.,])(\d{1,2})[.)](?=\s)")
ENUMERATOR = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[-*•])(?:\s+|$)")  # "1. ", "2) ", "(3) ", "- " opening a list item
QUOTED = re.compile(r"[\"“”'‘’`]([^\"“”'‘’`\n]{2,80})[\"“”'‘’`]")
IDENTIFIER = re.compile(r"\b[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+\b|\b[a-z]+[A-Z]\w*\b|\b\w+_\w+\b|\b\w+(?=\()")
NAME = re.compile(r"(?<![\w.])[A-Z][a-zA-Z]+(?:[-'][A-Za-z]+)*")
COMMON = frozenset("""The A An I It In On At To Of For And But Or If When Then This That These Those There Here
    Yes No Not You Your We Our They Their He She His Her Its As By With From Use Using Set Call See Note
    Also However So Because Which What Where Who Why How Each Every All Some Any Both Than After Before
    First Second Finally Answer Source Sources Question Document Documents Page Pages Number Quoted""".split())
REFERENCE = re.compile(r"(?i)\b(?:pages?|pp?\.|sources?(?:\s+numbers?)?|documents?)\s*(?:no\.|number)?\s*:?\s*"
                       r"\d+(?![.,]?\d)(?:\s*[-–]\s*\d+(?![.,]?\d))?(?:\s*(?:,|and)\s*\d+(?![.,]?\d))*")
"""A page or source reference ("page 20", "pages 3-4", "Source number: 2"): where, not what; the citations say it."""
HEADER_LINE = re.compile(r"^[ \t]*\[\d+\][^\n]*?,\s*pages?\s+\d+(?:\s*-\s*\d+)?[ \t]*:?[ \t]*$", re.MULTILINE)
"""A source header of the prompt, echoed by the model on a line of its own ("[1] Some Title, page 20:")."""


QUOTES = str.maketrans("“”‘’\u00a0", "\"\"'' ")


@dataclass(frozen=True)
class SentenceCheck:
    text: str
    start: int
    end: int
    cited: list[int]
    claims: list[str]
    unsupported: list[str]


@dataclass(frozen=True)
class Verification:
    sentences: list[SentenceCheck] = field(default_factory=list)

    @property
    def claims(self) -> int:
        return sum(len(s.claims) for s in self.sentences)

    @property
    def unsupported(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if s.unsupported]

    @property
    def score(self) -> float:
        """Share of checkable claims found in the evidence (1.0 when there are none)."""
        total = self.claims
        return 1.0 if total == 0 else 1.0 - sum(len(s.unsupported) for s in self.sentences) / total

    def below(self, threshold: float) -> bool:
        """Whether too little of the answer is found in the sources to show it (never without claims)."""
        return self.claims > 0 and self.score < threshold

    @property
    def unsupported_tokens(self) -> list[str]:
        return list(dict.fromkeys(t for s in self.sentences for t in s.unsupported))

    def to_dict(self) -> dict[str, object]:
        """The summary shown with an answer: each unsupported term once, in order, with the first sentence that
        names it (a sentence whose terms were all named before is left out, as are repeats of a sentence)."""
        listed: set[str] = set()
        unsupported = []
        for check in self.unsupported:
            new = [t for t in check.unsupported if t not in listed]
            if new:
                unsupported.append({"sentence": check.text, "tokens": new})
                listed.update(new)
        return {"score": round(self.score, 3), "claims": self.claims, "tokens": self.unsupported_tokens,
                "unsupported": unsupported}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(QUOTES)
    return re.sub(r"\s+", " ", text)


def number_key(token: str) -> str:
    """41,500 and 41500 match; a trailing sentence dot is not part of the number."""
    return token.replace(",", "").rstrip(".").lstrip("+")


def extract_claims(sentence: str) -> list[str]:
    """The checkable tokens of one sentence, in order, each once (page and source references left out)."""
    text = ENUMERATOR.sub("", REFERENCE.sub(" ", MARKER.sub(" ", normalise(sentence))))
    found = [m.group(1).strip() for m in QUOTED.finditer(text)]
    found += [m.group(0) for m in IDENTIFIER.finditer(text)]
    found += [m.group(0) for m in NUMBER.finditer(text) if any(c.isdigit() for c in m.group(0))]
    first = re.search(r"[A-Za-z]", text)
    for match in NAME.finditer(text):
        sentence_start = first is not None and match.start() == first.start()
        if match.group(0) not in COMMON and not sentence_start:
            found.append(match.group(0))
    return list(dict.fromkeys(t for t in found if t))


def supported(claim: str, evidence: str, evidence_numbers: set[str]) -> bool:
    """Numbers by value; everything else as a case-insensitive substring of the evidence."""
    if NUMBER.fullmatch(claim):
        return number_key(claim) in evidence_numbers
    return claim.lower() in evidence.lower()


def split_sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence): cut after . ! ? followed by space and not a lowercase word, and at line breaks."""
    spans, start = [], 0
    for boundary in SENTENCE_END.finditer(text):
        spans.append((start, boundary.start()))
        start = boundary.end()
    spans.append((start, len(text)))
    return [(a, b, text[a:b].strip()) for a, b in spans if text[a:b].strip()]


def blank_inline_lists(answer: str) -> str:
    """Blank out list numbers written inside the text ("Steps: 1. Open 2. Close"), keeping every offset.

    Only a run counting up from 1 (1, 2, ...) each followed by "." or ")" counts as a list; a lone
    "10." stays a number.
    """
    runs: list[list[re.Match[str]]] = []
    for match in INLINE_NUMBER.finditer(answer):
        number = int(match.group(1))
        if number == 1:
            runs.append([match])
        elif runs and number == int(runs[-1][-1].group(1)) + 1:
            runs[-1].append(match)
    spans = [m.span() for run in runs if len(run) >= 2 for m in run]
    chars = list(answer)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def blank_headers(answer: str) -> str:
    """Blank out the prompt's source headers echoed on lines of their own, keeping every offset."""
    return HEADER_LINE.sub(lambda m: " " * len(m.group(0)), answer)


def in_frame(claim: str, frame: str) -> bool:
    """Whether ``claim`` stands in ``frame`` (lower case) as whole words, not inside a longer word."""
    return re.search(rf"(?<!\w){re.escape(claim.lower())}(?!\w)", frame) is not None


def verify(answer: str, passages: Mapping[int, str], scaffold: str = "") -> Verification:
    """Check ``answer`` sentence by sentence against ``passages`` (source number -> text).

    ``scaffold``: the prompt's text around the passages (source titles, labels); a word found there and
    not in the evidence came from the prompt's frame, not from a claim, and is not checked (a number always is).
    """
    answer = blank_headers(blank_inline_lists(answer))
    everything = normalise(" ".join(passages.values()))
    frame = normalise(scaffold).lower()
    checks = []
    for start, end, sentence in split_sentences(answer):
        cited = [n for n in cited_numbers(sentence) if n in passages]
        evidence = normalise(" ".join(passages[n] for n in cited)) if cited else everything
        numbers = {number_key(m.group(0)) for m in NUMBER.finditer(evidence)}
        claims = []
        missing = []
        for claim in extract_claims(sentence):
            if supported(claim, evidence, numbers):
                claims.append(claim)
            elif NUMBER.fullmatch(claim) or not in_frame(claim, frame):
                claims.append(claim)
                missing.append(claim)
        checks.append(SentenceCheck(sentence, start, end, cited, claims, missing))
    return Verification(checks)
