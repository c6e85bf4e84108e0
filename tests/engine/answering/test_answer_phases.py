"""The events of a model answer in order, the passages the model was given kept with the answer, and the
empty library's own error."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine import (
    AnswerDone,
    AnswerPhase,
    AppError,
    EmptyLibraryError,
    Engine,
    SourcesFound,
    TokenText,
)
from desktop_app.engine.answering.answer import Answer
from support.fake_model import use_fake_model
from support.library import index_all
from support.pdfs import harbour_report

QUESTION = "Which model is the northern breakwater tide gauge?"


def test_a_model_answer_reports_its_phases_and_keeps_every_given_passage(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    use_fake_model(engine, ["The gauge is ", "model TG-7 [1]."])
    events = list(engine.ask(QUESTION))
    kinds = [type(e) for e in events]
    assert kinds == [SourcesFound, TokenText, TokenText, AnswerPhase, AnswerDone]
    assert events[3] == AnswerPhase("checking")
    found, answer = events[0], events[-1].answer
    assert found.evidence and len(found.sources) == 3, "the quotes and the passages come before any text"
    assert [c.number for c in answer.given] == [c.number for c in found.sources]
    assert [c.number for c in answer.citations] == [1] and answer.given_sources == answer.given
    stored = engine.conversations.get(answer.conversation_id)[1][-1].answer
    assert stored is not None and stored.given == answer.given, "a reopened answer lists the same passages"


def test_an_answer_stored_before_the_given_passages_were_kept_still_reads(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    use_fake_model(engine, "The gauge is model TG-7 [1].")
    answer = [e for e in engine.ask(QUESTION) if isinstance(e, AnswerDone)][0].answer
    record = answer.to_record()
    del record["given"]
    record["citations"] = [c.to_dict() for c in answer.given if c.number == 2]
    record["related"] = [c.to_dict() for c in answer.given if c.number != 2]
    old = Answer.from_record(1, 2, QUESTION, answer.text, [], record)
    assert old.given == []
    assert [c.number for c in old.given_sources] == sorted(c.number for c in answer.given)


def test_an_empty_library_raises_its_own_error_with_the_command_line_message(engine: Engine) -> None:
    use_fake_model(engine)
    with pytest.raises(EmptyLibraryError) as raised:
        list(engine.ask("What does the report say?"))
    assert isinstance(raised.value, AppError) and "desktop-app index" in str(raised.value)
