"""Rows and scores of an evaluation run, kept apart from running it.

Everything here works on plain recorded rows (what was retrieved, what the
answer said and cited), never on the engine, so a saved run can be scored
again (``rescore``) and the scores can be tested on hand-made rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

RETRIEVAL_K = 5
LANG_ALL = "all"
DECLINE = re.compile(
    r"(don'?t|do not|does not|doesn'?t)\s+(say|cover|contain|mention|state|include)|not\s+(covered|mentioned|stated)"
    r"|no information|없습니다|나와 있지 않|언급되어 있지 않",
    re.IGNORECASE,
)
"""Phrases by which the model says the sources don't answer: a heuristic, counted apart from engine abstention."""


@dataclass
class PageRef:
    """A retrieved source or a citation: document file name and the pages it spans (``page``: the main one)."""

    doc: str
    pages: list[int]
    page: int | None = None


@dataclass
class QuoteRef:
    """A quote of the evidence: its text, document file name and page."""

    quote: str
    doc: str
    page: int


@dataclass
class QuestionRow:
    """One question: what it expects, and what retrieval and the answer produced."""

    id: str
    lang: str
    kind: str
    question: str
    doc: str | None
    pages: list[int]
    answerable: bool
    follows: str | None
    must_contain: list[str]
    reference: str
    search_query: str
    retrieved: dict[str, list[PageRef]] = field(default_factory=dict)
    asked: bool = False
    answer: str = ""
    cited: list[PageRef] = field(default_factory=list)
    related: list[PageRef] = field(default_factory=list)
    abstained: bool = False
    refused: bool = False
    origin: str = "model"
    stopped: bool = False
    conversation_id: int | None = None
    ttft_s: float | None = None
    total_s: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    grounding: float | None = None  # the answer check's score (None: no model answer was checked)
    claims: int = 0  # checkable names, numbers and identifiers in the answer
    unsupported: list[str] = field(default_factory=list)  # those not found in the sources
    withheld: str = ""  # the draft, when the check withheld it
    judge: str | None = None
    evidence: list[QuoteRef] = field(default_factory=list)  # the quotes shown first, best first
    answer_without_evidence: str | None = None  # the model's answer with evidence-first prompting off (None: not run)

    @property
    def has_expected_page(self) -> bool:
        return self.answerable and bool(self.doc) and bool(self.pages)


def row_from_dict(data: dict[str, Any]) -> QuestionRow:
    """Inverse of ``dataclasses.asdict`` for a row read back from JSON."""
    values = dict(data)
    values["retrieved"] = {mode: [PageRef(**r) for r in refs] for mode, refs in data.get("retrieved", {}).items()}
    values["cited"] = [PageRef(**r) for r in data.get("cited", [])]
    values["related"] = [PageRef(**r) for r in data.get("related", [])]
    values["evidence"] = [QuoteRef(**q) for q in data.get("evidence", [])]
    return QuestionRow(**values)


@dataclass(frozen=True)
class ModeSummary:
    mode: str
    lang: str
    questions: int
    hit_at_1: float | None
    hit_at_5: float | None
    mrr: float | None
    ranks: dict[str, int | None]


@dataclass(frozen=True)
class AnswerSummary:
    """Answer quality and speed; a rate is None when no question counts towards it."""

    asked: int
    answerable: int
    unanswerable: int
    with_expected_page: int
    cited_answers: int
    cited_page_hits: int
    shown_page_hits: int
    must_questions: int
    must_hits: int
    abstained_unanswerable: int
    declined_unanswerable: int
    abstained_answerable: int
    declined_answerable: int
    judged: int
    judge_correct: int
    cited_page_accuracy: float | None
    shown_page_accuracy: float | None
    must_contain_accuracy: float | None
    abstention: float | None
    abstention_incl_declined: float | None
    false_abstention: float | None
    false_abstention_incl_declined: float | None
    judge_accuracy: float | None
    ttft_p50: float | None
    ttft_p95: float | None
    total_p50: float | None
    total_p95: float | None


@dataclass(frozen=True)
class EvidenceSummary:
    """The quotes against each answerable question's expected strings and page, and the model's answer with
    and without evidence-first prompting (``model_must_without`` None when that run was not made)."""

    lang: str
    questions: int
    must_at_1: float | None
    must_at_3: float | None
    page_at_1: float | None
    model_must: float | None
    model_must_without: float | None


def evidence_summaries(rows: list[QuestionRow]) -> list[EvidenceSummary]:
    """One summary over all languages, then one per language when there are several."""
    langs = sorted({r.lang for r in rows})
    return [evidence_summary(rows, lang) for lang in [LANG_ALL, *(langs if len(langs) > 1 else [])]]


def evidence_summary(rows: list[QuestionRow], lang: str) -> EvidenceSummary:
    asked = [r for r in rows if r.asked and r.answerable and r.must_contain and lang in (LANG_ALL, r.lang)]
    paged = [r for r in asked if r.has_expected_page]
    ablated = [r for r in asked if r.answer_without_evidence is not None]

    return EvidenceSummary(
        lang=lang, questions=len(asked),
        must_at_1=ratio(sum(1 for r in asked if r.evidence and contains_all(r.evidence[0].quote, r.must_contain)),
                        len(asked)),
        must_at_3=ratio(sum(1 for r in asked if contains_all(" ".join(q.quote for q in r.evidence[:3]),
                                                             r.must_contain)), len(asked)),
        page_at_1=ratio(sum(1 for r in paged if r.evidence and r.evidence[0].doc == r.doc
                            and r.evidence[0].page in r.pages), len(paged)),
        model_must=ratio(sum(1 for r in ablated if contains_all(r.answer, r.must_contain)), len(ablated))
        if ablated else ratio(sum(1 for r in asked if contains_all(r.answer, r.must_contain)), len(asked)),
        model_must_without=ratio(sum(1 for r in ablated if contains_all(r.answer_without_evidence or "",
                                                                        r.must_contain)), len(ablated))
        if ablated else None,
    )


def ratio(hits: int, total: int) -> float | None:
    return hits / total if total else None


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def on_expected_page(ref: PageRef, row: QuestionRow) -> bool:
    """Same rule as ``evaluation.matches``: the expected file, and any shared page."""
    return ref.doc == row.doc and bool(set(ref.pages) & set(row.pages))


def first_rank(refs: list[PageRef], row: QuestionRow) -> int | None:
    return next((rank for rank, ref in enumerate(refs, start=1) if on_expected_page(ref, row)), None)


def contains_all(text: str, needles: list[str]) -> bool:
    lowered = text.lower()
    return all(needle.lower() in lowered for needle in needles)


def declined(row: QuestionRow) -> bool:
    """Abstained by the engine, or the model said in words that the documents don't answer."""
    return row.abstained or bool(DECLINE.search(row.answer))


def mode_summary(rows: list[QuestionRow], mode: str, lang: str = LANG_ALL) -> ModeSummary:
    """hit@1, hit@5 and MRR over answerable questions with an expected page (as ``score_retrieval``)."""
    scored = [r for r in rows if r.has_expected_page and mode in r.retrieved and lang in (LANG_ALL, r.lang)]
    ranks = {r.id: first_rank(r.retrieved[mode], r) for r in scored}
    n = len(ranks)
    return ModeSummary(
        mode=mode, lang=lang, questions=n,
        hit_at_1=ratio(sum(1 for rank in ranks.values() if rank == 1), n),
        hit_at_5=ratio(sum(1 for rank in ranks.values() if rank is not None and rank <= RETRIEVAL_K), n),
        mrr=sum(1 / rank for rank in ranks.values() if rank) / n if n else None,
        ranks=ranks,
    )


def retrieval_summaries(rows: list[QuestionRow], modes: list[str]) -> list[ModeSummary]:
    """One summary per mode over all questions, then one per mode and language."""
    langs = sorted({r.lang for r in rows})
    summaries = [mode_summary(rows, mode) for mode in modes]
    if len(langs) > 1:
        summaries += [mode_summary(rows, mode, lang) for mode in modes for lang in langs]
    return summaries


def answer_summary(rows: list[QuestionRow]) -> AnswerSummary | None:
    """Scores of the answers; None when no question was asked."""
    asked = [r for r in rows if r.asked]
    if not asked:
        return None
    answerable = [r for r in asked if r.answerable]
    unanswerable = [r for r in asked if not r.answerable]
    paged = [r for r in answerable if r.has_expected_page]
    with_needles = [r for r in answerable if r.must_contain]
    judged = [r for r in answerable if r.judge is not None]
    counts = {
        "cited_page_hits": sum(1 for r in paged if any(on_expected_page(c, r) for c in r.cited)),
        "shown_page_hits": sum(1 for r in paged if any(on_expected_page(c, r) for c in r.cited or r.related)),
        "must_hits": sum(1 for r in with_needles if contains_all(r.answer, r.must_contain)),
        "abstained_unanswerable": sum(1 for r in unanswerable if r.abstained),
        "declined_unanswerable": sum(1 for r in unanswerable if declined(r)),
        "abstained_answerable": sum(1 for r in answerable if r.abstained),
        "declined_answerable": sum(1 for r in answerable if declined(r)),
        "judge_correct": sum(1 for r in judged if r.judge == "correct"),
    }
    ttfts = [r.ttft_s for r in asked if r.ttft_s is not None]
    totals = [r.total_s for r in asked if r.total_s is not None]
    return AnswerSummary(
        asked=len(asked), answerable=len(answerable), unanswerable=len(unanswerable), with_expected_page=len(paged),
        cited_answers=sum(1 for r in answerable if r.cited), must_questions=len(with_needles), judged=len(judged),
        **counts,
        cited_page_accuracy=ratio(counts["cited_page_hits"], len(paged)),
        shown_page_accuracy=ratio(counts["shown_page_hits"], len(paged)),
        must_contain_accuracy=ratio(counts["must_hits"], len(with_needles)),
        abstention=ratio(counts["abstained_unanswerable"], len(unanswerable)),
        abstention_incl_declined=ratio(counts["declined_unanswerable"], len(unanswerable)),
        false_abstention=ratio(counts["abstained_answerable"], len(answerable)),
        false_abstention_incl_declined=ratio(counts["declined_answerable"], len(answerable)),
        judge_accuracy=ratio(counts["judge_correct"], len(judged)),
        ttft_p50=percentile(ttfts, 50), ttft_p95=percentile(ttfts, 95),
        total_p50=percentile(totals, 50), total_p95=percentile(totals, 95),
    )
