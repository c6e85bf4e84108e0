"""Checking answers over the library as it is: documents found by file name, nothing indexed, nothing kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.engine import AppError, Cancelled, CancelToken, Engine
from desktop_app.evaluation.library_check import check_library, plan_check
from desktop_app.evaluation.run import EvalReport
from support.library import index_all
from support.pdfs import garden_notes, harbour_report

QUESTIONS = [
    {"id": "H1", "doc": "harbour.pdf", "pages": [3], "question": "How much silt did the dredging remove?",
     "must_contain": ["41,500"], "answerable": True},
    {"id": "H2", "doc": None, "pages": [], "question": "Who won the football world cup in 2014?",
     "answerable": False},
    {"id": "G1", "doc": "garden.pdf", "pages": [1], "question": "When should tomatoes be planted out?",
     "answerable": True},
    {"id": "G2", "doc": "garden.pdf", "pages": [1], "question": "And how far apart?", "follows": "G1",
     "answerable": True},
]


def questions_file(tmp_path: Path, rows: list[dict[str, object]] = QUESTIONS) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def run(engine: Engine, questions: Path, **kw: object) -> tuple[EvalReport, list[str]]:
    stages: list[str] = []
    for step in check_library(engine, questions, **kw):  # type: ignore[arg-type]
        if isinstance(step, EvalReport):
            return step, stages
        stages.append(step.stage)
    raise AssertionError("no report")


def test_the_plan_finds_documents_by_file_name_and_names_the_missing_ones(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "Harbour.pdf")])
    plan = plan_check(engine, questions_file(tmp_path))
    assert plan.found == {"harbour.pdf": "Harbour.pdf"}, "a file name matches whatever its case"
    assert plan.missing == {"garden.pdf": ["G1", "G2"]}
    assert plan.skipped == ["G1", "G2"] and plan.runnable == 2 and plan.without_document == 1
    described = plan.describe()
    assert "Not in the library: garden.pdf (questions G1, G2)" in described
    assert "1 of their 2 documents are in the library" in described


def test_the_check_runs_over_the_library_and_keeps_nothing(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    documents_before = [d.id for d in engine.library.documents()]
    report, stages = run(engine, questions_file(tmp_path))
    assert "indexing" not in stages, "nothing is indexed for a check"
    assert [r.id for r in report.rows] == ["H1", "H2"], "questions whose document is missing are left out"
    assert any("garden.pdf is not in the library: questions G1, G2" in note for note in report.notes)
    h1 = report.rows[0]
    assert h1.asked and h1.retrieved["hybrid"] and h1.retrieved["hybrid"][0].doc == "harbour.pdf"
    assert report.mode("bm25").hit_at_5 == 1.0
    assert report.library["documents"] == ["harbour.pdf"] and report.library["index_s"] is None
    markdown = report.to_markdown()
    assert markdown.startswith("# Evaluation of questions.jsonl on the library")
    assert "in the library as it is" in markdown
    assert engine.conversations.all() == [], "the check's answers are not among the user's conversations"
    assert engine.clear_answer_cache() == 0, "nor in the answer cache"
    assert [d.id for d in engine.library.documents()] == documents_before
    assert engine.settings.retrieval_mode == "hybrid" and engine.settings.cache_enabled, "settings untouched"
    assert EvalReport.from_dict(json.loads(report.to_json())).rows[0].id == "H1", "the saved report reads back"


def test_a_check_with_none_of_its_documents_and_a_cancelled_one_say_so(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(AppError, match="None of the documents"):
        run(engine, questions_file(tmp_path, [QUESTIONS[2]]))
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf"), garden_notes(tmp_path / "garden.pdf")])
    token = CancelToken()
    steps = check_library(engine, questions_file(tmp_path), cancel=token)
    next(steps)
    token.cancel()
    with pytest.raises(Cancelled):
        list(steps)
    assert engine.conversations.all() == []
