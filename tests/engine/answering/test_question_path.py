"""One path for a question, one record of an answer, a stop with its owner (the logic around the model).

The model is the fake of ``support.fake_model`` so each case says exactly what it is about; the rest is
the real engine (PDF, index, retrieval, verification, conversation store). The real model answers in
test_answering.py and test_safety.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine import APPLY_ADAPTER, SETTING_SPECS, AskOptions, CancelToken, Engine
from desktop_app.errors import InputError
from support.answers import final
from support.fake_model import use_fake_model
from support.library import FAST, index_all
from support.pdfs import harbour_report

KESTREL = "The dredger Kestrel worked only at night [1]."


@pytest.fixture
def harbour(data_home: Path, tmp_path: Path) -> Engine:
    engine = Engine(data_home, FAST)
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    yield engine
    engine.close()


def test_a_policy_stop_ends_that_answer_only_and_never_the_callers_token(harbour: Engine) -> None:
    harbour.override_settings(safety_level="strict", forbidden_output=("Acme Corp",))
    model = use_fake_model(harbour, ["Our client ", "Acme", " Corp paid", " on time [1]."], KESTREL)
    token = CancelToken()
    stopped = final(harbour.ask("Who paid for the dredging?", cancel=token))
    assert stopped.stopped and stopped.stopped_by == "policy"
    assert stopped.text == "Our client" and stopped.safety[0]["action"] == "stopped"
    assert not token.cancelled, "the policy must not cancel the caller's token"
    later = final(harbour.ask("When did the dredger work?", cancel=token))
    assert not later.stopped and later.stopped_by == "" and "Kestrel" in later.text
    assert model.script == []


def test_a_user_stop_is_the_users(harbour: Engine) -> None:
    use_fake_model(harbour, KESTREL)
    token = CancelToken()
    token.cancel()
    answer = final(harbour.ask("When did the dredger work?", cancel=token))
    assert answer.stopped and answer.stopped_by == "user"


def test_an_answer_reads_back_from_its_conversation_as_it_was_given(harbour: Engine) -> None:
    use_fake_model(harbour, KESTREL, "It removed 41,500 cubic metres and 97,000 tonnes of rock [1].")
    first = final(harbour.ask("When did the dredger work?"))
    second = final(harbour.ask("How much silt was removed?", first.conversation_id))
    _, messages = harbour.conversations.get(first.conversation_id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    for live, message in ((first, messages[1]), (second, messages[3])):
        assert message.answer == live, "the reopened answer is the live one, field for field"
    assert second.verification is not None and "97,000" in second.verification.unsupported_tokens


def test_a_refusal_an_abstention_and_a_curated_answer_are_stored_the_same_way(harbour: Engine) -> None:
    harbour.override_settings(blocked_terms=("salary",))
    harbour.curated.add("Who runs the harbour survey?", "The Aldermoor port authority runs it.")
    use_fake_model(harbour)
    refused = final(harbour.ask("What is the harbour master's salary?"))
    abstained = final(harbour.ask("What is a good recipe for kimchi stew with pork belly?"))
    curated = final(harbour.ask("Who runs the harbour survey?"))
    assert refused.refused and abstained.abstained and curated.origin == "faq"
    for live in (refused, abstained, curated):
        stored = harbour.conversations.get(live.conversation_id)[1][-1]
        assert stored.answer == live


def test_the_question_is_checked_once_and_a_blocked_one_never_reaches_a_shortcut(harbour: Engine) -> None:
    harbour.curated.add("What is the salary of the harbour master?", "Curated: 90,000 a year.")
    harbour.override_settings(blocked_terms=("salary",))
    use_fake_model(harbour)
    answer = final(harbour.ask("   What is the salary of the harbour master?  "))
    assert answer.refused and answer.origin == "model" and answer.question == answer.question.strip()


def test_options_keep_curated_answers_and_the_cache_out(harbour: Engine) -> None:
    harbour.curated.add("When did the dredger work?", "Curated: at night.")
    use_fake_model(harbour, KESTREL)
    answer = final(harbour.ask("When did the dredger work?", options=AskOptions(strict=True)))
    assert answer.origin == "model" and "Kestrel" in answer.text


def test_the_answer_cache_fingerprint_covers_every_setting_that_changes_answers(harbour: Engine) -> None:
    base = harbour._answer_fingerprint()
    for name, spec in SETTING_SPECS.items():
        if not spec.changes_answers or spec.kind in ("model file", "adapter file", "folder") or \
                spec.apply == APPLY_ADAPTER:  # the adapter enters by its file's identity, with its scale
            continue
        value = getattr(harbour.settings, name)
        other = (not value if spec.kind == "bool" else
                 next(c for c in spec.choices if c != value) if spec.choices else
                 ("changed",) if spec.kind == "terms" else
                 value + " changed" if spec.kind in ("text", "line", "server model") else
                 value + spec.step if value + spec.step <= (spec.high or 1e9) else value - spec.step)
        if name == "max_answer_tokens":
            other = value - 16
        harbour.override_settings(**{name: other})
        assert harbour._answer_fingerprint() != base, f"{name} changes answers but not the fingerprint"
        harbour.override_settings(**{name: value})
    assert harbour._answer_fingerprint() == base
    harbour.override_settings(n_threads=1, keep_copies=False)
    assert harbour._answer_fingerprint() == base, "settings that do not change answers leave it alone"


def test_an_unreadable_record_shows_its_text_and_keeps_the_conversation(harbour: Engine) -> None:
    use_fake_model(harbour, KESTREL, KESTREL)
    first = final(harbour.ask("When did the dredger work?"))
    final(harbour.ask("And the dredger?", first.conversation_id))
    with harbour._rt.db.conn:
        harbour._rt.db.conn.execute("UPDATE messages SET meta=? WHERE id=?",
                                    ('{"format": 2, "citations": [{"bogus": 1}]}', first.message_id))
    _, messages = harbour.conversations.get(first.conversation_id)
    damaged, intact = messages[1].answer, messages[3].answer
    assert damaged is not None and damaged.text == first.text and damaged.citations == []
    assert intact is not None and "Kestrel" in intact.text and intact.citations
    assert "Kestrel" in harbour.conversations.export_markdown(first.conversation_id)


def test_answers_stored_before_records_named_who_stopped_them_read_back_sensibly(harbour: Engine) -> None:
    conversation = harbour._rt.conversations.create("old")
    store = harbour._rt.conversations
    store.add_message(conversation, "user", "q1")
    store.add_message(conversation, "assistant", "Our client", meta={"stopped": True, "cited": False, "safety": [
        {"stage": "output", "action": "stopped", "reason": "forbidden term"}]})
    store.add_message(conversation, "user", "q2")
    store.add_message(conversation, "assistant", "Half an ans", meta={"stopped": True, "cited": True})
    _, messages = harbour.conversations.get(conversation)
    assert [m.answer.stopped_by for m in messages if m.answer] == ["policy", "user"]


def test_the_evaluation_waits_while_an_answer_streams_on_the_shared_model(harbour: Engine, tmp_path: Path) -> None:
    """The window runs both on one thread, a step at a time: the evaluation must not answer mid-stream."""
    from desktop_app.evaluation.run import EvalReport, evaluate

    model = use_fake_model(harbour, ["The dredger ", "Kestrel worked only at night [1]."], KESTREL)
    docs = tmp_path / "docs"
    docs.mkdir()
    harbour_report(docs / "harbour.pdf")
    questions = tmp_path / "questions.jsonl"
    questions.write_text('{"id": "Q1", "question": "When did the dredger work?", "doc": "harbour.pdf", '
                         '"pages": [3], "must_contain": ["night"]}\n')
    user = harbour.ask("When did the dredger work?")
    assert [type(next(user)).__name__ for _ in range(2)] == ["SourcesFound", "TokenText"]
    assert model.streaming
    evaluation = evaluate(harbour, questions, docs, modes=["bm25"])
    steps = [next(evaluation) for _ in range(40)]
    assert any(getattr(s, "detail", "") == "waiting for the model" for s in steps)
    assert len(model.script) == 1, "the evaluation did not take the model while the user's answer streamed"
    assert "Kestrel" in final(user).text and not model.streaming
    report = [s for s in evaluation if isinstance(s, EvalReport)][0]
    assert report.rows[0].asked and "night" in report.rows[0].answer


@pytest.mark.parametrize("text", ["?!?...", "-", "🤔🤔", "😀 📄?", "\u200b\u200b", "\x00", "\x01\x02"])
def test_a_question_without_a_letter_or_digit_is_an_input_error_not_an_abstention(harbour: Engine,
                                                                                  text: str) -> None:
    model = use_fake_model(harbour, KESTREL)
    with pytest.raises(InputError, match="no words to search for"):
        final(harbour.ask(text))
    assert not model.prompts and not harbour.conversations.all(), "nothing is asked, nothing is stored"
    assert "Kestrel" in final(harbour.ask("Which dredger\x00 worked at night?")).text  # a stray NUL is no matter
