"""Measured quality and speed: index PDFs into a throwaway library, then retrieve and answer every question.

``evaluate`` never touches the user's library: it works in a scratch library
of the engine it is given (``Engine.scratch``), in a temporary folder, with
that engine's loaded models, so the numbers come from exactly the given PDFs
and settings and no second model is loaded. Retrieval is scored per mode as
``evaluation.retrieval.score_retrieval`` does (follow-ups searched with their
predecessor's query); answers go through ``Engine.ask`` as a user's would, a
follow-up inside its predecessor's conversation. The report keeps one row per question, so a saved run can be
scored again with ``rescore`` when the scoring changes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.engine import (
    RETRIEVAL_MODES,
    Answer,
    AnswerDone,
    AppError,
    Cancelled,
    CancelToken,
    Citation,
    Engine,
    FileFailed,
    FileIndexed,
    FileStarted,
    SearchResult,
    Settings,
    Source,
    detect_language,
    expand_paths,
    standalone_query,
)
from desktop_app.evaluation.judge import NOT_CONFIGURED, judge_rows
from desktop_app.evaluation.report import report_markdown
from desktop_app.evaluation.retrieval import score_retrieval
from desktop_app.evaluation.scoring import (
    RETRIEVAL_K,
    AnswerSummary,
    EvidenceSummary,
    ModeSummary,
    PageRef,
    QuestionRow,
    QuoteRef,
    answer_summary,
    evidence_summaries,
    first_rank,
    retrieval_summaries,
    row_from_dict,
)

DEFAULT_MODES = ("bm25", "dense", "hybrid")
FORMAT = "desktop-app-eval/1"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalProgress:
    """``stage``: indexing, retrieval, answering or judging; ``done`` of ``total`` steps in it."""

    stage: str
    done: int
    total: int
    detail: str = ""


ProgressCallback = Callable[[EvalProgress], None]


@dataclass
class EvalReport:
    """One run: what it ran on, one row per question, and the summary computed from the rows.

    The summary is derived in ``__post_init__`` rather than stored, so a report
    read back from JSON is scored by the current code, exactly as a fresh one.
    """

    questions_path: str
    docs_folder: str
    modes: list[str]
    answer_mode: str
    settings: dict[str, Any]
    library: dict[str, Any]
    judge: str
    notes: list[str]
    rows: list[QuestionRow]
    retrieval: list[ModeSummary] = field(default_factory=list)
    answers: AnswerSummary | None = None
    evidence: list[EvidenceSummary] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.retrieval = retrieval_summaries(self.rows, self.modes)
        self.answers = answer_summary(self.rows)
        self.evidence = evidence_summaries(self.rows) if self.answers else []

    def mode(self, mode: str, lang: str = "all") -> ModeSummary:
        found = next((s for s in self.retrieval if s.mode == mode and s.lang == lang), None)
        if found is None:
            raise KeyError(f"no retrieval score for mode {mode!r} and language {lang!r}")
        return found

    @property
    def summary(self) -> dict[str, Any]:
        """What ``rescore`` recomputes from the rows."""
        return {"retrieval": [asdict(s) for s in self.retrieval],
                "answers": asdict(self.answers) if self.answers else None,
                "evidence": [asdict(s) for s in self.evidence], "judge": self.judge}

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "questions_path": self.questions_path, "docs_folder": self.docs_folder,
                "modes": self.modes, "answer_mode": self.answer_mode, "settings": self.settings,
                "library": self.library, "notes": self.notes, "summary": self.summary,
                "rows": [asdict(r) for r in self.rows]}

    def to_json(self, path: Path | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def to_markdown(self) -> str:
        return report_markdown(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalReport:
        """A report from saved JSON, its summary recomputed from the rows (the saved one is ignored)."""
        if data.get("format") != FORMAT:
            raise AppError(f"This is not a saved evaluation ({FORMAT}); run the evaluation again.")
        try:
            return cls(data["questions_path"], data["docs_folder"], list(data["modes"]), data["answer_mode"],
                       data["settings"], data["library"], data["summary"].get("judge", NOT_CONFIGURED),
                       list(data["notes"]), [row_from_dict(r) for r in data["rows"]])
        except (KeyError, TypeError, AttributeError) as exc:
            raise AppError(f"The saved evaluation is incomplete or damaged ({exc}); run it again.") from exc


def rescore(json_path: Path) -> EvalReport:
    """Score a saved run again from its rows (after a scoring change, or to check a hand-edited file)."""
    try:
        data = json.loads(Path(json_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AppError(f"{json_path} could not be read as a saved evaluation: {exc}") from exc
    return EvalReport.from_dict(data)


def load_questions(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Questions in the ``dev_questions.jsonl`` format; the first ``limit`` of them if given."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AppError(f"The questions file {path} cannot be read: {exc.strerror}") from exc
    questions: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AppError(f"{Path(path).name} line {number} is not valid JSON ({exc.msg}).") from exc
        if not isinstance(q, dict) or not q.get("id") or not str(q.get("question", "")).strip():
            raise AppError(f"{Path(path).name} line {number} needs an \"id\" and a \"question\".")
        questions.append(q)
    if not questions:
        raise AppError(f"{path} holds no questions.")
    return questions[:limit] if limit else questions


def new_row(q: dict[str, Any], search_query: str) -> QuestionRow:
    pages = [int(p) for p in q.get("pages") or ([q["page"]] if q.get("page") else [])]
    return QuestionRow(
        id=str(q["id"]), lang=q.get("lang") or detect_language(q["question"]), kind=q.get("kind") or "",
        question=q["question"], doc=q.get("doc"), pages=pages, answerable=bool(q.get("answerable", True)),
        follows=q.get("follows"), must_contain=list(q.get("must_contain") or []),
        reference=q.get("answer") or "", search_query=search_query,
    )


def question_rows(questions: list[dict[str, Any]]) -> list[QuestionRow]:
    """Rows with the search query a conversation would use: a follow-up joined with its predecessor's."""
    queries: dict[str, str] = {}
    rows = []
    for q in questions:
        previous = queries.get(q["follows"]) if q.get("follows") else None
        queries[q["id"]] = standalone_query(q["question"], previous)
        rows.append(new_row(q, queries[q["id"]]))
    return rows


def source_ref(source: Source) -> PageRef:
    return PageRef(Path(source.first.document_path).name, list(source.pages), source.main_page)


def citation_ref(citation: Citation) -> PageRef:
    return PageRef(Path(citation.document_path).name, list(citation.pages), citation.page)


def run_eval(
    engine: Engine, questions_path: Path, docs_folder: Path, modes: tuple[str, ...] | list[str] = DEFAULT_MODES,
    answer_mode: str = "hybrid", limit: int | None = None, progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None, *, settings: Settings | None = None, answers: bool = True,
    judge_model: Path | None = None, without_evidence_too: bool = False,
) -> EvalReport:
    """``evaluate`` run to its end, with ``progress`` called for each step; the report."""
    steps = evaluate(engine, questions_path, docs_folder, modes, answer_mode, limit, cancel, settings=settings,
                     answers=answers, judge_model=judge_model, without_evidence_too=without_evidence_too)
    with closing(steps):
        for step in steps:
            if isinstance(step, EvalReport):
                return step
            if progress is not None:
                progress(step)
    raise AppError("The evaluation ended without a report.")


def evaluate(
    engine: Engine, questions_path: Path, docs_folder: Path, modes: tuple[str, ...] | list[str] = DEFAULT_MODES,
    answer_mode: str = "hybrid", limit: int | None = None, cancel: CancelToken | None = None, *,
    settings: Settings | None = None, answers: bool = True, judge_model: Path | None = None,
    without_evidence_too: bool = False,
) -> Generator[EvalProgress | EvalReport, None, None]:
    """Index ``docs_folder`` into a scratch library, retrieve in each of ``modes``, answer in ``answer_mode``.

    Yields progress steps, then the ``EvalReport`` last. ``settings``: the
    answer settings to measure (default: the engine's); the retrieval mode is
    set to ``answer_mode``, and curated answers and the answer cache are off
    so that every answer is the model's. The models are the engine's own.
    ``answers=False`` measures retrieval only. ``without_evidence_too``: ask
    every question a second time with evidence-first prompting off, to measure
    what it changes in the same run. Raises ``Cancelled`` when
    ``cancel`` is set, ``AppError`` for a bad questions file or folder.
    """
    modes = list(modes)
    for mode in [*modes, answer_mode]:
        if mode not in RETRIEVAL_MODES:
            raise AppError(f"Unknown retrieval mode {mode!r}; use {', '.join(RETRIEVAL_MODES)}.")
    questions = load_questions(questions_path, limit)
    settings = (settings or engine.settings).changed(retrieval_mode=answer_mode, keep_copies=False,
                                                     faq_enabled=False, cache_enabled=False)
    cancel = cancel or CancelToken()
    rows = question_rows(questions)
    with engine.scratch(settings) as scratch:
        settings = scratch.settings
        library = yield from index_folder(scratch, Path(docs_folder), cancel)
        notes = missing_documents(rows, library)
        for mode in modes:
            notes += yield from retrieve(scratch, questions, rows, mode, cancel)
        if answers:
            library["model"] = scratch.models.info().name
            yield from ask_all(scratch, rows, cancel)
            if without_evidence_too and settings.evidence_in_prompt and not settings.quotes_only:
                scratch.override_settings(evidence_in_prompt=False)
                yield from ask_all(scratch, rows, cancel, record_answer_without_evidence)
                scratch.override_settings(evidence_in_prompt=True)
    judge = NOT_CONFIGURED
    if judge_model is not None and answers:
        while engine.models.busy():  # the judge replaces the chat model: let the window's answer finish first
            cancel.raise_if_cancelled()
            yield EvalProgress("judging", 0, 0, "waiting for the model")
        judging = judge_rows(engine, rows, Path(judge_model), cancel)
        while True:
            try:
                done, total, detail = next(judging)
            except StopIteration as finished:
                judge = finished.value
                break
            yield EvalProgress("judging", done, total, detail)
    yield EvalReport(str(questions_path), str(docs_folder), modes, answer_mode, settings.shareable(), library, judge,
                     notes, rows)


def index_folder(
    engine: Engine, folder: Path, cancel: CancelToken
) -> Generator[EvalProgress, None, dict[str, Any]]:
    """Index every PDF under ``folder``; returns what was indexed, how long it took and what failed."""
    if not folder.exists():
        raise AppError(f"The documents folder {folder} does not exist.")
    files = expand_paths([folder])
    if not files:
        raise AppError(f"There are no PDF files in {folder}.")
    engine.models.load_embedder()
    started = time.perf_counter()
    failed: list[str] = []
    indexed: list[FileIndexed] = []
    for event in engine.library.index([folder], cancel=cancel):
        if isinstance(event, FileStarted):
            yield EvalProgress("indexing", event.position - 1, event.total, event.path.name)
        elif isinstance(event, FileFailed):
            failed.append(f"{event.path.name}: {event.message}")
        elif isinstance(event, FileIndexed):
            indexed.append(event)
    if not indexed:
        raise AppError(f"None of the PDFs in {folder} could be indexed: {'; '.join(failed)}")
    yield EvalProgress("indexing", len(files), len(files))
    return {"documents": [e.path.name for e in indexed], "pages": sum(e.pages for e in indexed),
            "chunks": sum(e.chunks for e in indexed), "index_s": time.perf_counter() - started, "failed": failed}


def missing_documents(rows: list[QuestionRow], library: dict[str, Any]) -> list[str]:
    """A note for each expected document that is not in the library (its questions cannot score)."""
    missing = sorted({r.doc for r in rows if r.doc and r.doc not in library["documents"]})
    return [f"{doc} is expected by some questions but is not in the library" for doc in missing]


def retrieve(
    engine: Engine, questions: list[dict[str, Any]], rows: list[QuestionRow], mode: str, cancel: CancelToken,
) -> Generator[EvalProgress, None, list[str]]:
    """Record the top sources of every question in ``mode``; returns notes on disagreements.

    Scored through ``score_retrieval`` as a check on the ranks recorded here.
    """
    results: dict[str, SearchResult] = {}

    def search(query: str) -> SearchResult:
        cancel.raise_if_cancelled()
        if query not in results:
            results[query] = engine.search(query, k=RETRIEVAL_K, mode=mode)
        return results[query]

    for done, row in enumerate(rows):
        yield EvalProgress("retrieval", done, len(rows), mode)
        search(row.search_query)

    score = score_retrieval(questions, search, mode)
    for row in rows:
        row.retrieved[mode] = [source_ref(s) for s in search(row.search_query).sources]
    ours = {r.id: first_rank(r.retrieved[mode], r) for r in rows if r.id in score.ranks}
    if ours != score.ranks:
        log.warning("ranks disagree with score_retrieval in %s mode: %s vs %s", mode, ours, score.ranks)
        return [f"{mode}: ranks recorded here disagree with evaluation.retrieval.score_retrieval"]
    return []


def ask_all(engine: Engine, rows: list[QuestionRow], cancel: CancelToken,
            record: Callable[[QuestionRow, Answer, float], None] | None = None) -> Iterator[EvalProgress]:
    """Ask each question as a user would; a follow-up goes into its predecessor's conversation.

    ``record`` keeps what is needed of each answer (default: ``record_answer``)."""
    conversations: dict[str, int] = {}
    for done, row in enumerate(rows):
        cancel.raise_if_cancelled()
        yield EvalProgress("answering", done, len(rows), row.id)
        while engine.models.busy():  # the window's own answer is streaming: let it finish first
            cancel.raise_if_cancelled()
            yield EvalProgress("answering", done, len(rows), "waiting for the model")
        conversation = conversations.get(row.follows) if row.follows else None
        started = time.perf_counter()
        answer = ask_one(engine, row.question, conversation, cancel)
        (record or record_answer)(row, answer, time.perf_counter() - started)
        conversations[row.id] = answer.conversation_id
    yield EvalProgress("answering", len(rows), len(rows))


def ask_one(engine: Engine, question: str, conversation_id: int | None, cancel: CancelToken) -> Answer:
    answer: Answer | None = None
    for event in engine.ask(question, conversation_id, cancel):
        if isinstance(event, AnswerDone):
            answer = event.answer
    if answer is None or (answer.stopped and cancel.cancelled):
        raise Cancelled()
    return answer


def record_answer(row: QuestionRow, answer: Answer, total_s: float) -> None:
    row.asked = True
    row.answer = answer.text
    row.cited = [citation_ref(c) for c in answer.citations]
    row.related = [citation_ref(c) for c in answer.related]
    row.abstained, row.stopped = answer.abstained, answer.stopped
    row.refused, row.origin = answer.refused, answer.origin
    row.conversation_id = answer.conversation_id
    row.timings = dict(answer.timings)
    row.ttft_s = answer.timings.get("ttft_s")
    row.total_s = total_s
    row.prompt_tokens, row.completion_tokens = answer.prompt_tokens, answer.completion_tokens
    if answer.verification is not None:
        row.grounding, row.claims = answer.verification.score, answer.verification.claims
        row.unsupported = answer.verification.unsupported_tokens
    row.withheld = answer.withheld
    row.evidence = [QuoteRef(e.quote, Path(e.document_path).name, e.page) for e in answer.evidence]
    if answer.search_query != row.search_query:
        log.debug("question %s was searched as %r when asked, %r in retrieval", row.id, answer.search_query,
                    row.search_query)


def record_answer_without_evidence(row: QuestionRow, answer: Answer, total_s: float) -> None:
    """The second run's answer (evidence-first prompting off): its text only."""
    row.answer_without_evidence = answer.text
