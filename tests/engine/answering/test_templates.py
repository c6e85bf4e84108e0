"""Task templates, few-shot examples, JSON answers and strict regeneration, with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from desktop_app.engine import Engine
from desktop_app.engine.answering.tasks import choose_examples, parse_json_answer
from desktop_app.engine.models.chat import LocalModel
from desktop_app.errors import AppError
from support.answers import final
from support.library import index_all
from support.pdfs import garden_notes, harbour_report


@pytest.fixture
def library(engine: Engine, tmp_path: Path) -> Engine:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf"), garden_notes(tmp_path / "garden.pdf")])
    return engine


@pytest.fixture
def prompts(monkeypatch) -> list[str]:
    seen: list[str] = []
    original = LocalModel.stream

    def spy(self, tokens, *args, **kwargs):
        seen.append(self._llm.detokenize(tokens, special=True).decode())
        return original(self, tokens, *args, **kwargs)

    monkeypatch.setattr(LocalModel, "stream", spy)
    return seen


def test_summarise_reads_only_the_chosen_document_whole(library: Engine, prompts: list[str]) -> None:
    answer = final(library.run_task("summarise", {"document": "harbour.pdf"}))
    assert answer.origin == "summary" and answer.origin_details["coverage"] == 1.0
    assert answer.citations and {c.document_title for c in answer.citations} == {"Harbour Survey Report"}
    assert "Harbour Survey Report" in prompts[0] and not any("Greenhouse" in p for p in prompts)
    assert all(fact in "".join(prompts) for fact in ("TG-7", "41,500 cubic metres"))


def test_a_question_on_a_document_that_fits_reads_it_whole(library: Engine, prompts: list[str]) -> None:
    answer = final(library.run_task("key_figures", {"document": "harbour.pdf"}))
    assert answer.origin_details["whole_documents"] == {"documents": [library.library.find("harbour.pdf").id],
                                                         "pages": 3}
    assert answer.reading_note == "Read the whole document (3 pages) instead of searching it."
    assert all(fact in prompts[-1] for fact in ("TG-7", "14 March 2031", "41,500 cubic metres", "Kestrel"))
    assert "Greenhouse" not in prompts[-1]


def test_a_task_needs_its_variables_and_an_existing_document(library: Engine) -> None:
    with pytest.raises(AppError, match="needs a value for: document_b, aspect"):
        list(library.run_task("compare", {"document_a": "harbour.pdf"}))
    with pytest.raises(AppError, match="No document matches"):
        list(library.run_task("summarise", {"document": "missing.pdf"}))


def test_json_task_reports_whether_the_answer_is_valid(library: Engine) -> None:
    schema = json.dumps({"dredger": "string", "volume_m3": "number"})
    answer = final(library.run_task("json", {"question": "Which dredger worked and how much silt did it remove?",
                                             "schema": schema}))
    assert answer.structured is not None and set(answer.structured) == {"value", "problems"}
    assert isinstance(answer.structured["problems"], list)


def test_json_answers_are_repaired_or_reported() -> None:
    schema = json.dumps({"name": "string", "count": "number"})
    assert parse_json_answer('{"name": "Kestrel", "count": 3}', schema) == ({"name": "Kestrel", "count": 3}, [])
    assert parse_json_answer("Here: {'name': 'Kestrel', 'count': 3,}", schema)[0] == {"name": "Kestrel", "count": 3}
    assert parse_json_answer('{"name": "Kestrel"}', schema)[1] == ["missing key 'count'"]
    assert parse_json_answer('{"name": 5, "count": "x"}', schema)[1] == ["'name' should be string",
                                                                         "'count' should be number"]
    assert parse_json_answer("no json at all", schema) == (None, ["the answer is not valid JSON, even after repair"])


def test_examples_are_chosen_by_similarity_and_kept_diverse(library: Engine, prompts: list[str]) -> None:
    examples = [{"question": "How much silt was dredged?", "answer": "41,500 cubic metres [1]."},
                {"question": "How much silt was removed by dredging?", "answer": "41,500 m3 [1]."},
                {"question": "When are tomatoes transplanted?", "answer": "With four true leaves [1]."},
                {"question": "Which gauge model is used?", "answer": "TG-7 [1]."}]
    (library.home / "examples.json").write_text(json.dumps(examples))
    final(library.run_task("key_figures", {"document": "harbour.pdf"}))
    assert "How much silt was dredged?" in prompts[0] or "How much silt was removed by dredging?" in prompts[0]
    vectors = library._rt.embedder.encode([e["question"] for e in examples])
    query = library._rt.embedder.encode(["silt dredging volume"])[0]
    assert set(choose_examples(query, vectors, diversity=0.0)) == {0, 1}, "by similarity alone"
    diverse = choose_examples(query, vectors, diversity=0.7)
    assert diverse[0] in (0, 1) and not {0, 1} <= set(diverse), "MMR does not take both near-copies"
    assert choose_examples(np.ones(3), np.zeros((0, 3))) == []


def test_regenerating_strictly_asks_the_last_question_again_with_the_strict_note(library: Engine,
                                                                                 prompts: list[str]) -> None:
    first = final(library.ask("How much silt did the dredging remove?"))
    again = final(library.regenerate_strictly(first.conversation_id))
    assert again.question == first.question and again.conversation_id == first.conversation_id
    assert "Be strict" not in prompts[0] and "Be strict" in prompts[1]
