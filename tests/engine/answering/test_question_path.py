"""One path for a question, one record of an answer, a stop with its owner (the logic around the model).

The model is the fake of ``support.fake_model`` so each case says exactly what it is about; the rest is
the real engine (PDF, index, retrieval, verification, conversation store). The real model answers in
test_answering.py and test_safety.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop_app.engine import SETTING_SPECS, AskOptions, CancelToken, Engine, Settings
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


def test_every_setting_is_described_and_validated_from_its_description() -> None:
    defaults = Settings()
    for name, spec in SETTING_SPECS.items():
        assert spec.label and spec.kind, name
        if spec.choices:
            assert getattr(defaults, name) in spec.choices
            with pytest.raises(ValueError, match=re.escape(spec.label)):
                defaults.changed(**{name: "no such choice"})
        if spec.kind in ("int", "float") and spec.high is not None and name != "max_answer_tokens":
            with pytest.raises(ValueError, match=re.escape(spec.label)):
                defaults.changed(**{name: spec.high + 1})
    with pytest.raises(ValueError, match="unknown settings"):
        defaults.changed(colour="blue")


def test_the_answer_cache_fingerprint_covers_every_setting_that_changes_answers(harbour: Engine) -> None:
    base = harbour._answer_fingerprint()
    for name, spec in SETTING_SPECS.items():
        if not spec.changes_answers or spec.kind in ("model file", "adapter file", "folder"):
            continue
        value = getattr(harbour.settings, name)
        other = (not value if spec.kind == "bool" else
                 next(c for c in spec.choices if c != value) if spec.choices else
                 ("changed",) if spec.kind == "terms" else value + " changed" if spec.kind == "text" else
                 value + spec.step if value + spec.step <= (spec.high or 1e9) else value - spec.step)
        if name == "max_answer_tokens":
            other = value - 16
        harbour.override_settings(**{name: other})
        assert harbour._answer_fingerprint() != base, f"{name} changes answers but not the fingerprint"
        harbour.override_settings(**{name: value})
    assert harbour._answer_fingerprint() == base
    harbour.override_settings(n_threads=1, keep_copies=False)
    assert harbour._answer_fingerprint() == base, "settings that do not change answers leave it alone"
