"""The safety policy: questions refused before retrieval, forbidden output redacted or stopped as it streams."""

from __future__ import annotations

from pathlib import Path

from desktop_app.engine import Engine, TokenText
from desktop_app.engine.models.chat import Generation, LocalModel
from desktop_app.engine.safety.policy import OutputFilter, Policy
from support.answers import final
from support.library import FAST, index_all
from support.pdfs import harbour_report


def stream_all(pieces: list[str], terms: tuple[str, ...], stop: bool) -> tuple[str, OutputFilter]:
    output = OutputFilter(terms, stop)
    shown = "".join(text for piece in pieces for text in output.feed(piece)) + output.flush()
    return shown, output


def test_a_term_split_across_streamed_pieces_is_redacted_before_it_is_shown() -> None:
    shown, output = stream_all(["Our client ", "Ac", "me Co", "rp paid on time."], ("Acme Corp",), stop=False)
    assert shown == "Our client [redacted] paid on time."
    assert output.decisions[0].action == "redacted" and "Acme Corp" in output.decisions[0].reason


def test_strict_policy_stops_the_answer_before_the_term() -> None:
    shown, output = stream_all(["Our client ", "Acme", " Corp paid."], ("acme corp",), stop=True)
    assert shown == "Our client " and output.stopped
    assert output.decisions[0].action == "stopped"


def test_questions_with_blocked_terms_or_topics_are_refused_and_off_allows_all() -> None:
    policy = Policy("standard", blocked_terms=("salary",), blocked_topics=("merger plans",))
    assert "salary" in policy.check_question("What is the CEO's Salary?").reason
    assert "topic" in policy.check_question("Tell me about the merger plans").reason
    assert policy.check_question("What is the salaryman's role?") is None, "whole words only"
    assert Policy("off", blocked_terms=("salary",)).check_question("salary?") is None
    assert Policy("strict").check_scope(found_relevant=False) is not None
    assert Policy("standard").check_scope(found_relevant=False) is None


def test_engine_refuses_before_retrieval_and_records_the_reason(data_home: Path, tmp_path: Path) -> None:
    engine = Engine(data_home, FAST.changed(blocked_terms=("Kestrel",)))
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        answer = final(engine.ask("When did the Kestrel work?"))
        assert answer.refused and "blocked term" in answer.text and engine._rt._model is None
        _, messages = engine.conversations.get(answer.conversation_id)
        assert messages[-1].meta["safety"][0]["reason"] == answer.safety[0]["reason"]
        engine.override_settings(blocked_terms=(), safety_level="strict")
        outside = final(engine.ask("Who won the football world cup in 2014?"))
        assert outside.refused and "indexed documents" in outside.text
    finally:
        engine.close()


def test_forbidden_output_never_reaches_the_stream_or_the_stored_answer(data_home: Path, tmp_path: Path,
                                                                        monkeypatch) -> None:
    def scripted(self, tokens, stop, max_tokens, temperature, cancel):
        pieces = ["The dredger ", "Kes", "trel worked at night [1]."]
        yield from pieces
        yield Generation("".join(pieces), len(tokens), 3, 0.1, 0.2, cancel.cancelled)

    monkeypatch.setattr(LocalModel, "stream", scripted)
    engine = Engine(data_home, FAST.changed(forbidden_output=("Kestrel",)))
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        events = list(engine.ask("Which dredger worked at night?"))
        streamed = "".join(e.text for e in events if isinstance(e, TokenText))
        answer = final(events)
        assert "Kestrel" not in streamed and "[redacted]" in streamed
        assert answer.text == "The dredger [redacted] worked at night [1]." and answer.safety
        assert engine.conversations.get(answer.conversation_id)[1][-1].content == answer.text
    finally:
        engine.close()
