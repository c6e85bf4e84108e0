"""Curated and cached answers through the engine and the CLI: labelled, instant, and never stale."""

from __future__ import annotations

import subprocess
from pathlib import Path

from desktop_app.engine import Engine
from desktop_app.engine.models.chat import LocalModel
from desktop_app.engine.settings import save_settings
from support.answers import final
from support.cli import run_cli
from support.library import FAST, index_all
from support.pdfs import garden_notes, harbour_report


def test_repeats_are_cached_follow_ups_and_changed_libraries_are_not(engine: Engine, tmp_path: Path,
                                                                     monkeypatch) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    calls: list[int] = []
    original = LocalModel.stream

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LocalModel, "stream", counting)
    first = final(engine.ask("How much silt did the dredging remove?"))
    again = final(engine.ask("how much silt did the dredging remove"))
    assert first.origin == "model" and again.origin == "cache" and len(calls) == 1
    assert again.text == first.text and [c.page for c in again.citations or again.related] == \
        [c.page for c in first.citations or first.related]
    final(engine.ask("How much silt did the dredging remove?", first.conversation_id))
    assert len(calls) == 2, "a follow-up in a conversation is answered by the model"
    assert final(engine.ask("How do I cancel the dredging contract?")).origin == "model"
    index_all(engine, [garden_notes(tmp_path / "garden.pdf")])
    assert final(engine.ask("How much silt did the dredging remove?")).origin == "model", "library changed"


def test_a_curated_answer_wins_and_is_labelled(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    engine.curated.add("Who do I call about the harbour survey?",
                       "Call the port authority survey desk, extension 4410.")
    answer = final(engine.ask("Who should I call about the harbour survey?"))
    assert answer.origin == "faq" and "4410" in answer.text and engine._rt._model is None
    assert engine.conversations.get(answer.conversation_id)[1][-1].meta["origin"] == "faq"
    engine.update_settings(faq_enabled=False)
    assert final(engine.ask("Who should I call about the harbour survey?")).origin == "model"


def test_cli_faq_commands_and_labels(data_home: Path, tmp_path: Path) -> None:
    save_settings(data_home, FAST)

    def run(*args: str) -> subprocess.CompletedProcess:
        return run_cli(data_home, *args)

    assert run("index", str(harbour_report(tmp_path / "harbour.pdf"))).returncode == 0
    faq_file = tmp_path / "faq.csv"
    faq_file.write_text("question,answer\nWho runs the harbour survey?,The Aldermoor port authority.\n")
    assert "1 added" in run("faq", "import", str(faq_file)).stdout
    asked = run("ask", "Who runs the harbour survey?")
    assert asked.returncode == 0 and "(curated answer: no model call)" in asked.stdout
    assert "Aldermoor" in run("faq", "list").stdout
    assert run("faq", "add", "only a question").returncode == 2
