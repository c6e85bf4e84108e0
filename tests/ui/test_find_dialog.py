"""The Find in documents dialog, offscreen, over a real engine on the window's worker thread."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.engine import Engine
from desktop_app.store.library import LibraryStore
from desktop_app.ui.find_dialog import HTML_ROLE, FindDialog
from desktop_app.ui.tasks import TaskManager
from support.library import FAST, index_all
from support.pdfs import garden_notes, harbour_report

TIMEOUT = 60_000


@pytest.fixture
def documents(data_home: Path, tmp_path: Path) -> dict[str, int]:
    """The harbour report ("gauge" twice on page 1, twice on 2, once on 3) and the greenhouse notes (none),
    indexed; their ids by title."""
    engine = Engine(data_home, FAST)
    try:
        indexed, failed = index_all(engine, [harbour_report(tmp_path / "harbour.pdf"),
                                             garden_notes(tmp_path / "garden.pdf")])
        assert len(indexed) == 2 and not failed
        return {doc.title: doc.id for doc in engine.library.documents()}
    finally:
        engine.close()


@pytest.fixture
def tasks(data_home: Path, documents: dict[str, int]) -> Iterator[TaskManager]:
    errors: list[BaseException] = []
    manager = TaskManager(lambda: Engine(data_home, FAST), errors.append)
    yield manager
    assert manager.shutdown()
    assert not errors, errors


def cell(dialog: FindDialog, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return dialog.model.index(row, column).data(role)


def find(qtbot, dialog: FindDialog, text: str) -> None:
    dialog.query_field.setText(text)
    dialog.find_button.click()
    qtbot.waitUntil(lambda: dialog.find_done is not None and dialog.job is None, timeout=TIMEOUT)


def test_a_find_fills_the_table_and_the_counts_as_the_pages_are_read(
        qtbot, tasks: TaskManager, documents: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    readers: list[str] = []
    page_texts = LibraryStore.page_texts

    def recorded(store: LibraryStore, *args: object) -> object:
        readers.append(threading.current_thread().name)
        return page_texts(store, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(LibraryStore, "page_texts", recorded)
    dialog = FindDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    find(qtbot, dialog, "gauge")
    assert readers == ["engine-worker"]  # never the GUI thread
    assert dialog.model.rowCount() == 5
    assert [cell(dialog, r, 1) for r in range(5)] == ["1", "1", "2", "2", "3"]
    assert {cell(dialog, r, 0) for r in range(5)} == {"Harbour Survey Report"}
    assert "The northern breakwater <b>gauge</b> is model TG-7" in str(cell(dialog, 2, 2, HTML_ROLE))
    assert "Harbour Survey Report: <b>5</b>" in dialog.counts.text()
    assert dialog.progress.text().startswith("Read all 4 pages of 2 document(s) · 5 found in ")
    assert dialog.export_csv_button.isEnabled() and dialog.find_button.isEnabled()
    assert not dialog.stop_button.isEnabled()

    with qtbot.waitSignal(dialog.open_hit, timeout=TIMEOUT) as opened:
        dialog.table.doubleClicked.emit(dialog.model.index(2, 0))
    assert opened.args == [documents["Harbour Survey Report"], 2, "gauge"]


def test_word_forms_in_the_selected_documents_only(qtbot, tasks: TaskManager, documents: dict[str, int]) -> None:
    harbour = documents["Harbour Survey Report"]
    dialog = FindDialog(tasks, [(documents["Greenhouse Notes"], "Greenhouse Notes")])
    qtbot.addWidget(dialog)
    dialog.scope.setCurrentIndex(1)
    assert dialog.scope.currentText() == "Selected documents (1)"
    find(qtbot, dialog, "gauge")
    assert dialog.model.rowCount() == 0 and "Greenhouse Notes: <b>0</b>" in dialog.counts.text()
    assert not dialog.export_csv_button.isEnabled()
    dialog.scope.setCurrentIndex(0)
    dialog.mode.setCurrentIndex(dialog.mode.findData("words"))
    find(qtbot, dialog, "gauge")
    assert dialog.model.rowCount() == 6 and str(cell(dialog, 2, 2)).startswith("Tide Gauges")
    assert all(hit.document_id == harbour for hit in dialog.hits)


def test_exports_write_every_hit(qtbot, tasks: TaskManager, tmp_path: Path) -> None:
    dialog = FindDialog(tasks)
    qtbot.addWidget(dialog)
    find(qtbot, dialog, "the survey")
    csv_job = dialog.write_csv(tmp_path / "hits.csv")
    markdown_job = dialog.write_markdown(tmp_path / "hits.md")
    assert markdown_job is not None
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=TIMEOUT)
    assert csv_job.error is None and markdown_job.error is None
    with (tmp_path / "hits.csv").open(encoding="utf-8-sig", newline="") as f:
        assert [r["page"] for r in csv.DictReader(f)] == ["1", "1", "2", "3"]
    report = (tmp_path / "hits.md").read_text(encoding="utf-8")
    assert "| Harbour Survey Report | 4 |" in report and "**The survey**" in report
    assert "exported to hits.md" in dialog.progress.text()


def test_a_bad_regular_expression_is_said_in_the_dialog(qtbot, tasks: TaskManager) -> None:
    dialog = FindDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.mode.setCurrentIndex(dialog.mode.findData("regex"))
    dialog.query_field.setText("(gauge")
    dialog.find_button.click()
    assert "regular expression is not valid" in dialog.progress.text() and dialog.job is None


def test_stop_ends_the_find_with_the_counts_of_the_pages_read(
        qtbot, tasks: TaskManager, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    page_texts = LibraryStore.page_texts

    def held_after_the_first_page(store: LibraryStore, *args: object) -> Iterator[object]:
        for number, page in enumerate(page_texts(store, *args)):  # type: ignore[arg-type]
            if number == 1:
                gate.wait(TIMEOUT / 1000)
            yield page

    monkeypatch.setattr(LibraryStore, "page_texts", held_after_the_first_page)
    dialog = FindDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.query_field.setText("gauge")
    dialog.find_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=TIMEOUT)
    assert dialog.stop_button.isEnabled()
    dialog.stop_button.click()
    gate.set()
    assert dialog.job is None and dialog.find_button.isEnabled() and not dialog.stop_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.find_done is not None, timeout=TIMEOUT)
    assert dialog.progress.text() == "Stopped after 1 of 4 pages · 2 found"
    assert "Harbour Survey Report: <b>2</b>" in dialog.counts.text() and dialog.export_csv_button.isEnabled()
