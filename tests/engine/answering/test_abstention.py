"""Abstention after verification: an answer the sources do not support is withheld, with the closest passages.

The model's words are scripted here (the rest is the real engine: PDF, index, retrieval, verification,
conversation store), so each case is certain to produce the answer it is about.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine import Answer, Citation, Engine
from desktop_app.engine.answering.answerer import quotes_answer
from desktop_app.engine.answering.evidence import EvidenceSelector
from desktop_app.engine.answering.verification import verify
from desktop_app.engine.models.chat import Generation, LocalModel
from desktop_app.engine.settings import DEFAULT_GROUNDING_FLOOR
from desktop_app.ui.chat_view import answer_note, withheld_markdown
from support.answers import final
from support.library import FAST, index_all
from support.pdfs import harbour_report

CITATION = Citation(1, 1, "Harbour Survey Report", "harbour.pdf", 3, [3], "Dredging removed silt.", [1], [])
SUPPORTED = "Dredging removed 41,500 cubic metres of silt, and the dredger Kestrel worked at night [1]."
UNSUPPORTED = "The dredger Osprey removed 97,000 cubic metres of silt in 1998 [1]."


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the model will say, one entry per call; the list of calls made is kept in ``calls``."""
    script: list[str] = []

    def stream(self, tokens, stop, max_tokens, temperature, cancel):
        text = script.pop(0)
        yield text
        yield Generation(text, len(tokens), 12, 0.1, 0.2, cancel.cancelled)

    monkeypatch.setattr(LocalModel, "stream", stream)
    return script


def test_an_unsupported_answer_is_withheld_and_the_closest_passages_are_shown(
        data_home: Path, tmp_path: Path, scripted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Without quotes (none found), a withheld draft means the documents don't seem to cover the question."""
    engine = Engine(data_home, FAST.changed(cache_enabled=True))
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        engine.override_settings(evidence_in_prompt=False, evidence_floor=0.0)
        monkeypatch.setattr(EvidenceSelector, "select", lambda self, question, sources, *rest: [])
        scripted.append(UNSUPPORTED)
        answer = final(engine.ask("How much silt did the dredging remove?"))
        assert answer.abstained and answer.withheld == UNSUPPORTED
        assert "don't seem to cover" in answer.text and "'Osprey'" in answer.text
        assert answer.citations == [] and answer.related and 3 in {c.page for c in answer.related}
        assert answer.verification is not None and answer.verification.score < DEFAULT_GROUNDING_FLOOR
        assert set(answer.verification.unsupported_tokens) == {"Osprey", "97,000", "1998"}
        stored = engine.conversations.get(answer.conversation_id)[1][-1]
        assert stored.content == answer.text and stored.meta["withheld"] == UNSUPPORTED
        assert stored.meta["abstained"] is True
        # A withheld answer is never cached: the same question reaches the model again.
        scripted.append(SUPPORTED)
        again = final(engine.ask("How much silt did the dredging remove?"))
        assert not again.abstained and again.text == SUPPORTED and again.citations and not scripted
    finally:
        engine.close()


def test_with_quotes_a_withheld_draft_points_to_them_and_is_not_an_abstention(
        data_home: Path, tmp_path: Path, scripted: list[str]) -> None:
    engine = Engine(data_home, FAST.changed(cache_enabled=True))
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        scripted.append(UNSUPPORTED)
        answer = final(engine.ask("How much silt did the dredging remove?"))
        assert answer.withheld == UNSUPPORTED and not answer.abstained and answer.evidence
        assert answer.text.startswith("The model's draft is withheld") and "'Osprey'" in answer.text
        assert "The quotes above are what the documents say." in answer.text
        assert "which the sources its sentences cite" in answer.text, "not 'the sources': another may hold it"
        scripted.append(SUPPORTED)
        again = final(engine.ask("How much silt did the dredging remove?"))
        assert again.origin == "model" and again.text == SUPPORTED and not scripted, "a withheld draft is not cached"
    finally:
        engine.close()


def test_a_follow_up_after_a_withheld_draft_is_given_the_quotes_as_the_answer_before_it(
        data_home: Path, tmp_path: Path, scripted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the notice ("The model's draft is withheld: it named ..."), a small model writes it again."""
    prompts: list[list[dict[str, str]]] = []
    render = LocalModel.render
    monkeypatch.setattr(LocalModel, "render", lambda self, messages: prompts.append(messages) or render(self, messages))
    engine = Engine(data_home, FAST)
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        scripted.append(UNSUPPORTED)
        first = final(engine.ask("How much silt did the dredging remove?"))
        assert first.withheld == UNSUPPORTED and first.evidence and first.text.startswith("The model's draft is")
        scripted.append(SUPPORTED)
        final(engine.ask("And which dredger worked at night?", first.conversation_id))
        earlier = [m["content"] for m in prompts[-1] if m["role"] == "assistant"]
        assert earlier == [quotes_answer(first.evidence)]
        assert all("withheld" not in m["content"] and "Osprey" not in m["content"] for m in prompts[-1])
        stored = engine.conversations.get(first.conversation_id)[1]
        assert first.text in [m.content for m in stored], "the notice is still what the conversation shows"
    finally:
        engine.close()


def test_a_supported_answer_is_shown_and_threshold_zero_shows_everything(
        data_home: Path, tmp_path: Path, scripted: list[str]) -> None:
    engine = Engine(data_home, FAST)
    try:
        index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
        scripted.append(SUPPORTED)
        shown = final(engine.ask("How much silt did the dredging remove?"))
        assert not shown.abstained and shown.withheld == "" and shown.verification.score == 1.0
        engine.override_settings(abstain_below_grounding=0.0)
        scripted.append(UNSUPPORTED)
        kept = final(engine.ask("Which dredger worked at night?"))
        assert not kept.abstained and kept.text == UNSUPPORTED and kept.verification.unsupported
    finally:
        engine.close()


def test_the_threshold_needs_claims_and_is_strictly_below() -> None:
    passages = {1: "The gauge TG-7 was calibrated on 14 March 2031."}
    assert not verify("It was calibrated recently [1].", passages).below(1.0)  # nothing checkable: kept
    half = verify("TG-7 was calibrated in 2032 [1].", passages)
    assert half.score == 0.5 and half.below(0.6) and not half.below(0.5)
    with pytest.raises(ValueError):
        FAST.changed(abstain_below_grounding=1.5)


def test_the_window_shows_the_message_and_quotes_the_withheld_draft() -> None:
    text = withheld_markdown("The documents don't seem to cover this.", "Line one.\n\nLine two.")
    assert text.startswith("The documents don't seem to cover this.")
    assert "> Line one.\n>\n> Line two." in text and "Withheld draft" in text
    withheld = Answer(1, 2, "q", "q", "en", "The documents don't seem to cover this.", [], [CITATION], abstained=True,
                      stopped=False, withheld="Line one.")
    assert "draft above is not supported" in answer_note(withheld)
