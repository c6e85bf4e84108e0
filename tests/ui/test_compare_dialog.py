"""The Compare documents dialog, offscreen, over a real engine on a worker thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from desktop_app.engine import Engine
from desktop_app.engine.documents import compare as compare_module
from desktop_app.ui.compare_dialog import CompareDialog
from desktop_app.ui.tasks import TaskManager
from support.handbook_versions import ADDED_SENTENCE, NEW_SENTENCE, OLD_SENTENCE, REMOVED_SENTENCE, handbook_set
from support.library import FAST, index_all

TIMEOUT = 60_000


@pytest.fixture
def documents(data_home: Path, tmp_path: Path) -> dict[str, tuple[int, str]]:
    """The handbook's versions and an unrelated report, indexed; (id, title) by ``handbook_set`` key."""
    files = handbook_set(tmp_path)
    engine = Engine(data_home, FAST)
    try:
        indexed, failed = index_all(engine, list(files.values()))
        assert len(indexed) == 4 and not failed, failed
        by_path = {doc.path: (doc.id, doc.title) for doc in engine.library.documents()}
        return {key: by_path[str(path)] for key, path in files.items()}
    finally:
        engine.close()


@pytest.fixture
def dialog(qtbot, data_home: Path, documents: dict[str, tuple[int, str]]) -> Iterator[CompareDialog]:
    """The dialog over an engine it owns, with version 1 and version 2 chosen in the library."""
    shown = CompareDialog(Engine(data_home, FAST), list(documents.values()),
                          selected=[documents["v2"][0], documents["v1"][0]])
    qtbot.addWidget(shown)
    shown.show()
    yield shown
    shown.reject()
    assert not shown.tasks._thread.is_alive()


def run_comparison(qtbot, dialog: CompareDialog) -> None:
    dialog.compare_button.click()
    assert not dialog.compare_button.isEnabled() and dialog.stop_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=TIMEOUT)


def click_link(qtbot, dialog: CompareDialog, text: str, after: str) -> None:
    """Click the link labelled ``text`` that follows ``after`` in the shown comparison, as a user would."""
    document = dialog.view.document()
    start = document.find(after)
    assert not start.isNull(), after
    found = document.find(text, start.position())
    assert not found.isNull(), text
    cursor = QTextCursor(document)
    cursor.setPosition(found.selectionStart() + 1)
    dialog.view.setTextCursor(cursor)
    dialog.view.ensureCursorVisible()
    qtbot.mouseClick(dialog.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.view.cursorRect(cursor).center())


def test_the_comparison_shows_the_three_changes_side_by_side(
        qtbot, dialog: CompareDialog, documents: dict[str, tuple[int, str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    sections = compare_module.document_sections

    def recorded(store: object, document_id: int) -> object:
        threads.append(threading.current_thread().name)
        return sections(store, document_id)  # type: ignore[arg-type]

    monkeypatch.setattr(compare_module, "document_sections", recorded)
    assert [p.currentData() for p in dialog.pickers] == [documents["v2"][0], documents["v1"][0]]
    dialog.pickers[0].setCurrentIndex(dialog.pickers[0].findData(documents["v1"][0]))
    dialog.pickers[1].setCurrentIndex(dialog.pickers[1].findData(documents["v2"][0]))
    run_comparison(qtbot, dialog)

    assert threads and set(threads) == {"engine-worker"}
    assert dialog.progress.text() == ("Two versions of one document (92% of the words the same): 1 changed, 1 added, "
                                      "1 removed passages in 5 aligned sections.")
    text = dialog.view.toPlainText()
    for sentence in (OLD_SENTENCE, NEW_SENTENCE, ADDED_SENTENCE, REMOVED_SENTENCE):
        assert sentence in text
    assert [line.split()[0] for line in text.splitlines() if line.split()[:1] in (["changed"], ["added"],
                                                                                    ["removed"])] == \
        ["changed", "changed", "added", "removed"]
    html = dialog.view.toHtml()
    assert html.count("line-through") == 2  # "hour", and the removed sentence
    assert ">hour</span>" in html and ">fifteen minutes</span>" in html
    assert dialog.export_button.isEnabled()
    dialog.export_markdown(tmp_path / "comparison.md")
    assert "1 changed, 1 added, 1 removed passages in 5 aligned sections" in \
        (tmp_path / "comparison.md").read_text(encoding="utf-8")


def test_a_citation_link_opens_its_page_with_the_quote(qtbot, dialog: CompareDialog,
                                                        documents: dict[str, tuple[int, str]]) -> None:
    run_comparison(qtbot, dialog)
    v1, v2 = documents["v1"][0], documents["v2"][0]

    with qtbot.waitSignal(dialog.open_page, timeout=5_000) as opened:
        click_link(qtbot, dialog, "(p. R2 (PDF page 2))", ADDED_SENTENCE)
    assert opened.args == [v2, 2, ADDED_SENTENCE]
    with qtbot.waitSignal(dialog.open_page, timeout=5_000) as opened:
        click_link(qtbot, dialog, "(p. 3)", REMOVED_SENTENCE)
    assert opened.args == [v1, 3, REMOVED_SENTENCE]


def test_an_aspect_adds_the_quotes_of_each_document(qtbot, dialog: CompareDialog) -> None:
    dialog.aspect.setText("the diesel generator for outages")
    run_comparison(qtbot, dialog)

    text = dialog.view.toPlainText()
    assert "What each says about \u201cthe diesel generator for outages\u201d" in text
    assert "Says nothing about it." in text
    assert f"\u201c{ADDED_SENTENCE}\u201d (p. R2 (PDF page 2))" in text


def test_the_same_document_twice_and_a_stop(qtbot, dialog: CompareDialog,
                                            documents: dict[str, tuple[int, str]]) -> None:
    dialog.pickers[1].setCurrentIndex(dialog.pickers[0].currentIndex())
    dialog.compare_button.click()
    assert dialog.job is None and dialog.progress.text() == "Choose two different documents."

    dialog.pickers[1].setCurrentIndex(dialog.pickers[1].findData(documents["other"][0]))
    dialog.compare_button.click()
    dialog.stop_button.click()
    assert dialog.progress.text() == "Stopped." and dialog.compare_button.isEnabled()
    qtbot.wait(1_000)
    assert dialog.progress.text() == "Stopped." and dialog.comparison is None
    assert dialog.view.toPlainText() == ""


def test_the_windows_worker_runs_it_too(qtbot, data_home: Path, documents: dict[str, tuple[int, str]]) -> None:
    errors: list[BaseException] = []
    tasks = TaskManager(lambda: Engine(data_home, FAST), errors.append)
    try:
        shown = CompareDialog(tasks, [documents["v1"], documents["other"]])
        qtbot.addWidget(shown)
        assert [p.currentData() for p in shown.pickers] == [documents["v1"][0], documents["other"][0]]
        run_comparison(qtbot, shown)
        assert shown.progress.text().startswith("Different documents")
        assert "The northern breakwater gauge is model TG-7" in shown.view.toPlainText()
        shown.reject()
        assert tasks._thread.is_alive()  # the window's worker stays
    finally:
        assert tasks.shutdown()
    assert not errors, errors
