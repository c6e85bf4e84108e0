"""run_eval: scoring on hand-made rows, and a small end-to-end run with a follow-up and an off-topic question."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.engine import Cancelled, CancelToken, Engine, Settings
from desktop_app.engine.models.chat import LocalModel, ModelSettings
from desktop_app.engine.models.files import locate
from desktop_app.errors import AppError
from desktop_app.evaluation.judge import NOT_CONFIGURED, judge_rows, verdict
from desktop_app.evaluation.run import EvalProgress, EvalReport, load_questions, rescore, run_eval
from desktop_app.evaluation.scoring import (
    PageRef,
    QuestionRow,
    QuoteRef,
    answer_summary,
    evidence_summaries,
    mode_summary,
    percentile,
)
from support.pdfs import garden_notes, harbour_report

# One llama.cpp thread: on a busy two-core machine a second thread mostly waits at barriers.
SMALL = Settings(n_ctx=2048, max_answer_tokens=32, top_k=3, temperature=0.0, n_threads=1)


def row(id: str, answerable: bool = True, **values: object) -> QuestionRow:
    base = QuestionRow(id=id, lang="en", kind="", question=f"question {id}", doc="a.pdf" if answerable else None,
                       pages=[3] if answerable else [], answerable=answerable, follows=None, must_contain=[],
                       reference="", search_query=f"question {id}")
    for key, value in values.items():
        setattr(base, key, value)
    return base


def test_retrieval_scores_on_known_rankings() -> None:
    hit_first = row("q1", retrieved={"bm25": [PageRef("a.pdf", [3, 4]), PageRef("b.pdf", [3])]})
    hit_third = row("q2", retrieved={"bm25": [PageRef("b.pdf", [3]), PageRef("a.pdf", [2]), PageRef("a.pdf", [3])]})
    wrong_doc = row("q3", retrieved={"bm25": [PageRef("b.pdf", [3])] * 5})
    hit_sixth = row("q4", retrieved={"bm25": [PageRef("b.pdf", [1])] * 5 + [PageRef("a.pdf", [3])]})
    off_topic = row("q5", answerable=False, retrieved={"bm25": [PageRef("a.pdf", [3])]})
    score = mode_summary([hit_first, hit_third, wrong_doc, hit_sixth, off_topic], "bm25")
    assert score.questions == 4, "the unanswerable question is not scored for retrieval"
    assert score.ranks == {"q1": 1, "q2": 3, "q3": None, "q4": 6}
    assert score.hit_at_1 == pytest.approx(1 / 4)
    assert score.hit_at_5 == pytest.approx(2 / 4)
    assert score.mrr == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)
    assert mode_summary([off_topic], "bm25").hit_at_1 is None, "no scored question: no rate, not zero"


def test_answer_scores_on_known_answers() -> None:
    rows = [
        row("cited", asked=True, answer="Use setDash [1].", must_contain=["SETDASH"],
            cited=[PageRef("a.pdf", [3], 3)], ttft_s=1.0, total_s=2.0),
        row("uncited", asked=True, answer="No idea.", must_contain=["setDash"],
            related=[PageRef("a.pdf", [2, 3], 2)], ttft_s=3.0, total_s=4.0),
        row("wrong-page", asked=True, answer="Use setDash and more.", must_contain=["setdash", "more"],
            cited=[PageRef("a.pdf", [9], 9)], related=[], ttft_s=5.0, total_s=6.0),
        row("false-abstention", asked=True, abstained=True, answer="The documents don't cover this.",
            related=[PageRef("a.pdf", [3])], total_s=0.5),
        row("abstained", answerable=False, asked=True, abstained=True, answer="not covered", total_s=0.4),
        row("declined", answerable=False, asked=True, answer="The documents don't say.", ttft_s=2.0, total_s=3.0),
    ]
    s = answer_summary(rows)
    assert s is not None
    assert (s.answerable, s.unanswerable, s.with_expected_page) == (4, 2, 4)
    assert (s.cited_page_hits, s.cited_page_accuracy) == (1, 0.25), "only the first cites an expected page"
    assert (s.shown_page_hits, s.shown_page_accuracy) == (3, 0.75), "related sources count when uncited"
    assert (s.must_hits, s.must_questions) == (2, 3)
    assert (s.abstention, s.abstention_incl_declined) == (0.5, 1.0)
    assert (s.false_abstention, s.false_abstention_incl_declined) == (0.25, 0.25)
    assert s.ttft_p50 == pytest.approx(2.5) and s.ttft_p95 == pytest.approx(4.7)
    assert s.total_p50 == pytest.approx(2.5)
    assert s.judge_accuracy is None
    assert answer_summary([row("not-asked")]) is None


def test_evidence_scores_on_known_quotes() -> None:
    rows = [
        row("first", asked=True, must_contain=["setDash"], answer="Use setDash.", answer_without_evidence="No.",
            evidence=[QuoteRef("Call setDash(1, 2).", "a.pdf", 3)]),
        row("third", asked=True, must_contain=["setDash", "gap"], answer="No idea.", answer_without_evidence="No.",
            evidence=[QuoteRef("Lines have a gap.", "a.pdf", 2), QuoteRef("x", "b.pdf", 3),
                      QuoteRef("Use setDash.", "a.pdf", 3)]),
        row("none", asked=True, must_contain=["setDash"], answer="setDash", answer_without_evidence="setDash"),
        row("ko", asked=True, lang="ko", must_contain=["한지텍"], answer="한지텍", answer_without_evidence="",
            evidence=[QuoteRef("한지텍이라고 읽는다.", "a.pdf", 3)]),
        row("off-topic", answerable=False, asked=True, evidence=[QuoteRef("setDash", "a.pdf", 3)]),
    ]
    overall, en, ko = evidence_summaries(rows)
    assert (overall.lang, overall.questions, en.lang, en.questions, ko.questions) == ("all", 4, "en", 3, 1)
    assert (en.must_at_1, en.must_at_3, en.page_at_1) == (pytest.approx(1 / 3), pytest.approx(2 / 3),
                                                          pytest.approx(1 / 3))
    assert (en.model_must, en.model_must_without) == (pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert (ko.must_at_1, ko.page_at_1, ko.model_must, ko.model_must_without) == (1.0, 1.0, 1.0, 0.0)
    assert evidence_summaries([row("plain", asked=True, must_contain=["a"], answer="a")])[0].model_must_without \
        is None, "without the second run there is nothing to compare"


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([], 50) is None
    assert percentile([4.0], 95) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 95) == pytest.approx(9.55)


def test_judge_verdicts_are_read_strictly() -> None:
    assert verdict(" CORRECT.") == "correct"
    assert verdict("Incorrect, it says") == "incorrect"
    assert verdict("The answer is right") == "unclear"


def write_questions(folder: Path) -> Path:
    questions = [
        {"id": "Q1", "lang": "en", "doc": "harbour.pdf", "page": 2, "pages": [2], "kind": "factual",
         "question": "Which model is the northern breakwater tide gauge?", "answer": "Model TG-7.",
         "must_contain": ["TG-7"], "answerable": True, "follows": None},
        {"id": "Q2", "lang": "en", "doc": "harbour.pdf", "page": 2, "pages": [2], "kind": "followup",
         "question": "And how much do its readings drift?", "must_contain": ["3 millimetres"],
         "answerable": True, "follows": "Q1"},
        {"id": "Q3", "lang": "en", "doc": "garden.pdf", "page": 1, "pages": [1], "kind": "factual",
         "question": "When are tomato seedlings transplanted in the greenhouse?", "must_contain": ["four"],
         "answerable": True, "follows": None},
        {"id": "Q4", "lang": "en", "doc": None, "page": None, "pages": [], "kind": "unanswerable",
         "question": "Who won the football world cup in 2014?", "must_contain": [], "answerable": False,
         "follows": None},
    ]
    path = folder / "questions.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in questions) + "\n")
    return path


@pytest.fixture(scope="module")
def evaluator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The engine an evaluation borrows its models from (its own library stays empty)."""
    engine = Engine(tmp_path_factory.mktemp("evaluator-home"), SMALL)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def small_run(evaluator: Engine, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[EvalReport, list[EvalProgress], Path, int]:
    folder = tmp_path_factory.mktemp("eval")
    docs = folder / "docs"
    docs.mkdir()
    harbour_report(docs / "harbour.pdf")
    garden_notes(docs / "garden.pdf")
    events: list[EvalProgress] = []
    evaluator.models.load()
    loads: list[Path] = []
    original = LocalModel.__init__

    def counted(model: LocalModel, settings: ModelSettings) -> None:
        loads.append(settings.path)
        original(model, settings)

    LocalModel.__init__ = counted  # type: ignore[method-assign]
    try:
        report = run_eval(evaluator, write_questions(folder), docs, progress=events.append,
                          without_evidence_too=True)
    finally:
        LocalModel.__init__ = original  # type: ignore[method-assign]
    return report, events, folder, len(loads)


def test_the_evaluation_borrows_the_loaded_model_and_leaves_the_library_alone(small_run, evaluator: Engine) -> None:
    assert small_run[3] == 0, "no second chat model is loaded for the evaluation"
    assert evaluator.library.documents() == [] and evaluator.conversations.all() == []


def test_a_small_run_records_every_question_in_every_mode(small_run) -> None:
    report, events, _, _ = small_run
    assert [r.id for r in report.rows] == ["Q1", "Q2", "Q3", "Q4"]
    assert report.notes == [], "the recorded ranks agree with evaluation.score_retrieval"
    assert report.library["documents"] == ["garden.pdf", "harbour.pdf"] and not report.library["failed"]
    for r in report.rows:
        assert set(r.retrieved) == {"bm25", "dense", "hybrid"}
        assert r.asked and r.total_s is not None and r.total_s > 0
    assert report.mode("hybrid").hit_at_5 == 1.0 and report.mode("bm25").hit_at_5 == 1.0
    q1, q2, _, q4 = report.rows
    assert q2.conversation_id == q1.conversation_id, "the follow-up is asked in its predecessor's conversation"
    assert "northern breakwater" in q2.search_query, "and searched together with its predecessor's query"
    assert q4.abstained and report.answers is not None and report.answers.abstention == 1.0
    assert q1.ttft_s is not None and q1.prompt_tokens > 0
    assert q1.grounding is not None and 0.0 <= q1.grounding <= 1.0, "each model answer's check is recorded"
    assert q4.grounding is None and q4.claims == 0, "an abstention at retrieval has no answer to check"
    assert {e.stage for e in events} == {"indexing", "retrieval", "answering"}
    assert q1.evidence and q1.evidence[0].doc == "harbour.pdf" and q1.evidence[0].page == 2
    assert "TG-7" in " ".join(q.quote for q in q1.evidence)
    assert q1.answer_without_evidence is not None, "each question is asked again without evidence first"
    assert not q4.evidence and report.evidence[0].model_must_without is not None


def test_the_json_has_the_documented_shape_and_rescores_to_the_same_summary(small_run) -> None:
    report, _, folder, _ = small_run
    path = folder / "run.json"
    report.to_json(path)
    data = json.loads(path.read_text())
    assert set(data) >= {"format", "settings", "library", "summary", "rows", "modes", "answer_mode"}
    assert set(data["summary"]) == {"retrieval", "answers", "evidence", "judge"}
    assert data["summary"]["judge"] == NOT_CONFIGURED
    first = data["rows"][0]
    assert set(first) >= {"id", "lang", "retrieved", "answer", "cited", "related", "abstained", "ttft_s",
                          "total_s", "timings", "grounding", "claims", "unsupported", "withheld", "evidence",
                          "answer_without_evidence"}
    assert set(first["evidence"][0]) == {"quote", "doc", "page"}
    assert set(first["retrieved"]["hybrid"][0]) == {"doc", "pages", "page"}
    assert rescore(path).summary == report.summary
    data["rows"][0]["retrieved"]["hybrid"] = []
    path.write_text(json.dumps(data))
    assert rescore(path).mode("hybrid").ranks["Q1"] is None, "rescoring uses the rows, not the saved summary"


def test_markdown_shows_the_tables_and_says_the_judge_is_not_configured(small_run) -> None:
    text = small_run[0].to_markdown()
    assert "| mode | lang | questions | hit@1 | hit@5 | MRR |" in text
    assert "cited-page accuracy" in text and "must_contain accuracy" in text
    assert "| lang | questions | quotes must_contain@1 | quotes must_contain@3 | quote page@1 |" in text
    assert NOT_CONFIGURED in text
    assert "| Q4 | en | n/a | n/a | n/a |" in text


def test_a_judge_model_grades_the_answerable_answers(small_run, evaluator: Engine, tmp_path: Path) -> None:
    report = small_run[0]
    rows = [QuestionRow(**r.__dict__) for r in report.rows]
    judging = judge_rows(evaluator, rows, locate("chat", tmp_path), CancelToken())
    steps = []
    while True:
        try:
            steps.append(next(judging))
        except StopIteration as finished:
            line = finished.value
            break
    assert [done for done, _, _ in steps] == [0, 1, 2] and {total for _, total, _ in steps} == {3}
    assert "graded 3 answers" in line
    assert all(r.judge in ("correct", "incorrect", "unclear") for r in rows[:3]) and rows[3].judge is None
    rejudged = EvalReport(report.questions_path, report.docs_folder, report.modes, report.answer_mode,
                          report.settings, report.library, line, report.notes, rows)
    assert rejudged.answers is not None and rejudged.answers.judged == 3


def test_cancel_and_bad_input_stop_with_clear_errors(evaluator: Engine, tmp_path: Path) -> None:
    questions = write_questions(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    garden_notes(docs / "garden.pdf")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_eval(evaluator, questions, docs, cancel=token)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "A", "question": "fine?"}\n{not json\n')
    with pytest.raises(AppError, match="line 2"):
        load_questions(bad)
    assert [q["id"] for q in load_questions(questions, limit=2)] == ["Q1", "Q2"]
    with pytest.raises(AppError, match="does not exist"):
        run_eval(evaluator, questions, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AppError, match="no PDF"):
        run_eval(evaluator, questions, tmp_path / "empty")
