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
For curated answers, British and American spellings of a word also compare
equal (``spelling``: "colour" and "color", "organise" and "organize").
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


# --- British and American spellings -------------------------------------------------------------------------
# A word and its other spelling map to one form (the American one, or a form of neither where a rule makes
# one). Rules only rewrite words whose other spelling is the same word; where the other spelling is a
# different word too ("cheque"/"check", "storey"/"story", "tyre"/"tire", "kerb"/"curb", "draught"/"draft",
# "timbre"/"timber"), both are left as they are.
SPELLING_WORDS = {
    "grey": "gray", "greys": "grays", "greyer": "grayer", "greyish": "grayish", "greyed": "grayed",
    "aluminium": "aluminum", "programme": "program", "programmes": "programs", "ageing": "aging",
    "judgement": "judgment", "judgements": "judgments", "acknowledgement": "acknowledgment",
    "acknowledgements": "acknowledgments", "sceptic": "skeptic", "sceptical": "skeptical",
    "scepticism": "skepticism", "artefact": "artifact", "artefacts": "artifacts", "cosy": "cozy",
    "jewellery": "jewelry", "enrol": "enroll", "enrols": "enrolls", "enrolment": "enrollment",
    "enrolments": "enrollments", "fulfil": "fulfill", "fulfils": "fulfills", "fulfilment": "fulfillment",
    "instalment": "installment", "instalments": "installments", "skilful": "skillful", "wilful": "willful",
    "distil": "distill", "distils": "distills", "practise": "practice", "practised": "practiced",
    "practises": "practices", "practising": "practicing", "plough": "plow", "ploughs": "plows",
    "mould": "mold", "moulds": "molds", "mouldy": "moldy", "smoulder": "smolder", "sulphur": "sulfur",
    "pyjamas": "pajamas", "moustache": "mustache", "gaol": "jail", "doughnut": "donut", "doughnuts": "donuts",
    "catalogue": "catalog", "catalogues": "catalogs", "catalogued": "cataloged", "dialogue": "dialog",
    "dialogues": "dialogs", "analogue": "analog", "analogues": "analogs", "prologue": "prolog",
    "epilogue": "epilog", "monologue": "monolog",
    "odour": "odor", "odours": "odors", "odourless": "odorless",
}
SPELLING_ROOTS = (("haem", "hem"), ("anaes", "anes"), ("anaem", "anem"), ("paed", "ped"), ("oestr", "estr"),
                  ("oesoph", "esoph"), ("foet", "fet"), ("manoeuv", "maneuv"), ("diarrhoe", "diarrhe"),
                  ("aesthet", "esthet"), ("gynaec", "gynec"), ("leukaem", "leukem"), ("ischaem", "ischem"))
SPELLING_KEPT = frozenset({"timbre", "timbres", "acre", "acres", "devour", "devours", "detour", "detours",
                           "contour", "contours", "flour", "flours", "paramour", "troubadour", "velour",
                           "tambour", "amour"})
SPELLING_RULES = (
    (re.compile(r"^(defen|offen|licen|preten)c(e|es|ed|ing)$"), r"\1s\2"),  # defence, licence
    (re.compile(r"^(\w{3,})our(s|ed|ing|ite|ites|itism|able|ably|er|ers|ful|fully|less|ism|ist|ists|y)?$"),
     r"\1or\2"),  # colour, behaviour, favourite
    (re.compile(r"^(\w{3,})is(e|ed|es|ing|ation|ations|er|ers|able)$"), r"\1iz\2"),  # organise, organisation
    (re.compile(r"^(\w{3,})ys(e|ed|es|ing|er|ers)$"), r"\1yz\2"),  # analyse, paralyse
    (re.compile(r"^(\w{2,}[bcdfgkptv])red$"), r"\1ered"),  # centred
    (re.compile(r"^(\w{2,}[bcdfgkptv])re(s?)$"), r"\1er\2"),  # centre, litres, fibre, manoeuvre
    (re.compile(r"^(\w{3,}e)ll(ed|ing|er|ers|or|ors|ous)$"), r"\1l\2"),  # travelled, counsellor, marvellous
)


def spelling(word: str) -> str:
    """One spelling of a lower-cased word for British and American English: "colour" and "color" both give
    "color", "organisation" and "organization" "organization", "centre" and "center" "center"."""
    if word in SPELLING_KEPT or not word.isalpha():
        return word
    if word in SPELLING_WORDS:
        return SPELLING_WORDS[word]
    for british, american in SPELLING_ROOTS:
        word = word.replace(british, american)
    for pattern, replacement in SPELLING_RULES:
        if pattern.match(word):
            return pattern.sub(replacement, word)
    return word


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


def wording_key(text: str, spellings: bool = False) -> str:
    """The question's words without fillers, in order and joined without spaces.

    Joining makes "spread sheet" equal "spreadsheet" and "Wi-Fi" equal "wifi".
    ``spellings``: British and American spellings of a word give the same key (``spelling``).
    """
    return "".join(plural(spelling(t) if spellings else t) for t in tokens(text) if t not in FILLER)


def topic_words(text: str) -> set[str]:
    """The words that say what a question is about, stemmed, in one spelling (``spelling``)."""
    return {stem(spelling(t)) for t in tokens(text) if t not in FRAME or t in NEGATIONS}


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
