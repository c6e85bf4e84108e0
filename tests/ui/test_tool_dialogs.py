"""The tool dialogs: settings checked field by field, tasks in their own conversation, Check answers over the
library, and the one form for a curated answer."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QLabel

from desktop_app.engine import SETTING_SPECS, AppError, FaqEntry
from desktop_app.evaluation.run import rescore
from desktop_app.ui.faq_dialog import FaqDialog, FaqEntryDialog, join_source, split_source
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings_dialog import SettingsDialog
from support.library import FAST
from support.pdfs import garden_notes, harbour_report

READY = 180_000


def ok_enabled(buttons: QDialogButtonBox) -> bool:
    return buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def add_to_library(qtbot, window: MainWindow, *paths: Path) -> None:
    done: list[object] = []
    window.tasks.stream(lambda engine, token: engine.library.index(list(paths), cancel=token), lambda _e: None,
                        done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=READY)


def quotes_only(qtbot, window: MainWindow) -> None:
    window.apply_settings({"quotes_only": True}, reload_model=False)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Settings saved", timeout=30_000)


def test_a_bad_field_is_marked_with_its_reason_and_no_edit_is_lost(qtbot, tmp_path: Path) -> None:
    dialog = SettingsDialog(FAST)
    qtbot.addWidget(dialog)
    assert ok_enabled(dialog.buttons) and not dialog.problems
    dialog.fields["top_k"].setValue(7)
    dialog.fields["temperature"].setValue(0.7)
    dialog.fields["model_path"].edit.setText(str(tmp_path / "nowhere.gguf"))
    assert "No file is at this path" in dialog.notes["model_path"].text()
    assert not dialog.notes["model_path"].isHidden() and not ok_enabled(dialog.buttons)
    assert "Model file" in dialog.summary.text() and dialog.tabs.tabText(0).endswith("(!)")
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted, "the dialog stays open"
    assert dialog.changes()["top_k"] == 7 and dialog.changes()["temperature"] == 0.7, "the other edits are kept"

    not_gguf = tmp_path / "model.bin"
    not_gguf.write_bytes(b"x")
    dialog.fields["model_path"].edit.setText(str(not_gguf))
    assert "GGUF" in dialog.notes["model_path"].text()
    dialog.fields["model_path"].edit.setText("")
    dialog.fields["max_answer_tokens"].setValue(2000)
    assert "1024 tokens" in dialog.notes["max_answer_tokens"].text() and dialog.notes["model_path"].isHidden()
    dialog.fields["n_ctx"].setValue(4096)
    assert not dialog.problems and ok_enabled(dialog.buttons), "a bigger context makes the answer length fit"
    dialog.fields["model_backend"].setCurrentText("server")
    assert "enter its address" in dialog.notes["server_url"].text()
    dialog.fields["server_url"].setText("gpu-box:8080")
    assert "http://" in dialog.notes["server_url"].text()
    dialog.fields["server_url"].setText("http://gpu-box:8080")
    dialog.fields["embedding_model_path"].edit.setText(str(not_gguf))
    assert "This is a file" in dialog.notes["embedding_model_path"].text()
    dialog.fields["embedding_model_path"].edit.setText("")
    assert ok_enabled(dialog.buttons) and dialog.summary.isHidden()
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert dialog.changes()["top_k"] == 7 and dialog.changes()["server_url"] == "http://gpu-box:8080"


def test_the_settings_dialog_fits_a_laptop_screen_and_explains_every_setting(qtbot) -> None:
    """Each switch's help was its box's one-line text, which made the dialog 1,873 px wide."""
    dialog = SettingsDialog(FAST)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.width() <= 1024 and dialog.sizeHint().width() <= 1024
    helps = {label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None}
    for name, field in dialog.fields.items():
        spec = SETTING_SPECS[name]
        assert field.toolTip() == spec.help, name
        if isinstance(field, QCheckBox):
            assert field.text() == "" and helps[field] == spec.help and field.accessibleName() == spec.label


def test_a_good_save_takes_away_the_error_of_an_earlier_one(qtbot, window: MainWindow, tmp_path: Path) -> None:
    settings = FAST
    window.banner.show_message("A document could not be read.")  # not from settings: a save leaves it
    window.apply_changes(settings, {"top_k": 2})
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Settings saved", timeout=30_000)
    assert window.banner.isVisible()
    window.banner.hide()

    missing = tmp_path / "gone.gguf"
    window.apply_changes(settings, {"adapter_path": str(missing)})
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=60_000)
    qtbot.waitUntil(lambda: window.model_status.text().startswith("Model: SmolLM2"), timeout=60_000)
    window.apply_changes(settings, {"top_k": 3, "temperature": 0.1})
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=30_000)
    seen: list = []
    window.tasks.run(lambda engine: engine.settings, seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert (seen[0].top_k, seen[0].temperature) == (3, 0.1)


def test_a_task_runs_in_a_new_conversation_named_after_it(qtbot, window: MainWindow, tmp_path: Path) -> None:
    add_to_library(qtbot, window, harbour_report(tmp_path / "harbour.pdf"))
    templates: list = []
    window.tasks.run(lambda engine: engine.task_templates(), templates.append)
    qtbot.waitUntil(lambda: bool(templates), timeout=10_000)
    quotes_only(qtbot, window)  # the summary is made from the document's sentences, without the model
    summarise = templates[0]["summarise"]
    window.start_task(summarise, {"document": "No Such Report"})
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=30_000)
    assert "No Such Report" in window.banner.label.text()

    window.start_task(summarise, {"document": "Harbour Survey Report"})
    qtbot.waitUntil(lambda: window.answer_job is not None, timeout=30_000)
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY)
    title = "Summarise a document: Harbour Survey Report"
    listed = [window.conversations.list.item(i).text() for i in range(window.conversations.list.count())]
    assert listed == [title], "only the task's conversation: the failed one left none behind"
    conversations: list = []
    window.tasks.run(lambda engine: engine.conversations.all(), conversations.extend)
    qtbot.waitUntil(lambda: bool(conversations), timeout=10_000)
    assert conversations[0].title == title and window.conversation_id == conversations[0].id
    assert window.chat.messages[0].text == title and len(window.chat.messages) == 2


def test_check_answers_runs_over_the_library_with_a_rendered_report(qtbot, window: MainWindow,
                                                                   tmp_path: Path) -> None:
    add_to_library(qtbot, window, harbour_report(tmp_path / "harbour.pdf"))
    folder = tmp_path / "more"
    folder.mkdir()
    garden_notes(folder / "garden.pdf")
    questions = tmp_path / "questions.jsonl"
    rows = [{"id": "H1", "doc": "harbour.pdf", "pages": [3], "question": "How much silt did the dredging remove?",
             "must_contain": ["41,500"]},
            {"id": "G1", "doc": "garden.pdf", "pages": [1], "question": "When should tomatoes be planted out?"}]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    quotes_only(qtbot, window)  # answers from the documents' sentences: the check runs without the model
    dialog = window.run_check(questions)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    assert "Not in the library: garden.pdf (questions G1)" in dialog.plan_label.text()
    assert not dialog.index_button.isHidden() and dialog.run_button.isEnabled()

    dialog.run_button.click()
    assert dialog.cancel_button.isEnabled()
    dialog.cancel_button.click()
    assert "Cancelled" in dialog.status.text() and dialog.report is None and dialog.run_button.isEnabled()

    dialog.index_requested.emit(str(folder))
    qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.plan.missing, timeout=READY)
    assert dialog.index_button.isHidden(), "nothing is missing any more"
    dialog.run_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=600_000)
    assert [r.id for r in dialog.report.rows] == ["H1", "G1"]
    shown = dialog.report_view.toPlainText()
    assert "hit@5" in shown and "|---" not in shown, "the tables are rendered, not pipe text"
    assert "<table" in dialog.report_view.document().toHtml()
    assert dialog.save_button.isEnabled() and not dialog.cancel_button.isEnabled()
    dialog.save(tmp_path / "report.md")
    dialog.save(tmp_path / "report.json")
    assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith("# Evaluation of questions.jsonl")
    assert [r.id for r in rescore(tmp_path / "report.json").rows] == ["H1", "G1"]
    assert window.conversations.list.count() == 0
    cached: list = []
    window.tasks.run(lambda engine: (engine.conversations.all(), engine.clear_answer_cache()), cached.append)
    qtbot.waitUntil(lambda: bool(cached), timeout=10_000)
    assert cached[0] == ([], 0), "no conversation and no cached answer is left by the check"
    dialog.close()


def test_one_form_adds_and_edits_a_curated_answer_with_its_source(qtbot) -> None:
    form = FaqEntryDialog("Add a curated answer")
    qtbot.addWidget(form)
    assert not ok_enabled(form.buttons) and "Write the question" in form.problem.text()
    form.question.setText("  What colour is the visitor badge? ")
    assert "Write the answer" in form.problem.text() and not ok_enabled(form.buttons)
    form.answer.setPlainText("Grey, with a red stripe.")
    form.source.setText("Visitor policy 2024, p. 2")
    assert ok_enabled(form.buttons) and form.problem.text() == ""
    question, stored = form.values()
    assert question == "What colour is the visitor badge?"
    assert stored == "Grey, with a red stripe.\n\nSource: Visitor policy 2024, p. 2"
    assert split_source(stored) == ("Grey, with a red stripe.", "Visitor policy 2024, p. 2")
    assert split_source("Line one.\n\nSource material is kept elsewhere\nsee p. 4") == \
        ("Line one.\n\nSource material is kept elsewhere\nsee p. 4", ""), "only a one-line last paragraph"
    assert join_source("Plain answer.", "  ") == "Plain answer."
    form.refuse("Curated answer 1 already answers 'What color is the visitor badge?'. Edit that one instead.")
    assert "already answers" in form.problem.text() and form.question.text().strip() == question
    form.question.setText("What colour is the contractor badge?")
    assert form.problem.text() == "", "the refusal goes once the question changes"

    edit = FaqEntryDialog("Edit the curated answer", question, stored)
    qtbot.addWidget(edit)
    assert edit.answer.toPlainText() == "Grey, with a red stripe." and edit.source.text() == "Visitor policy 2024, p. 2"


def test_the_curated_answers_list_shows_the_source_and_reopens_a_refused_form(qtbot, monkeypatch) -> None:
    entry = FaqEntry(1, "What colour is the badge?", "Grey.\n\nSource: Policy", "", "")
    saved: list[tuple[str, str]] = []
    opened: list[str] = []

    def run(op, done, failed=None):
        class Curated:
            def all(self):
                return [entry]

            def add(self, question, answer):
                if "color" in question:
                    raise AppError("Curated answer 1 already answers 'What colour is the badge?'.")
                saved.append((question, answer))

        class Engine:
            curated = Curated()

        try:
            done(op(Engine()))
        except AppError as exc:
            failed(exc)

    answers = iter([("What color is the badge?", "Gray."), ("What colour is the lanyard?", "Blue.")])

    def exec_form(form):
        opened.append(form.problem.text())
        if len(opened) > 2:
            return FaqEntryDialog.DialogCode.Rejected
        question, answer = next(answers)
        form.question.setText(question)
        form.answer.setPlainText(answer)
        return FaqEntryDialog.DialogCode.Accepted

    monkeypatch.setattr(FaqEntryDialog, "exec", exec_form)
    dialog = FaqDialog(run)
    qtbot.addWidget(dialog)
    assert [dialog.table.item(0, c).text() for c in range(3)] == ["What colour is the badge?", "Grey.", "Policy"]
    dialog.add()
    assert saved == [("What colour is the lanyard?", "Blue.")]
    assert "already answers" in opened[1], "the refusal shows in the same form, the typed values kept"
