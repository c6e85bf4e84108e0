"""Collections in the window: the list beside the library, drops onto it, the scope above the question box,
a conversation kept in its scope, the name filter, and deleting a collection with its documents as a job."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QInputDialog

from desktop_app.engine import Engine, Scope
from desktop_app.engine.settings import save_settings
from desktop_app.ui.collections_panel import WHOLE_LIBRARY
from desktop_app.ui.main_window import MainWindow
from support.library import FAST, index_all
from support.pdfs import garden_notes, harbour_report
from support.window import open_window

READY_TIMEOUT = 120_000


def indexed_window(qtbot, data_home: Path, tmp_path: Path) -> MainWindow:
    engine = Engine(data_home, FAST)
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf"), garden_notes(tmp_path / "garden.pdf")])
    engine.close()
    save_settings(data_home, replace(FAST, quotes_only=True))  # answers are the quotes alone: no model call
    window = open_window(qtbot, data_home)
    qtbot.waitUntil(lambda: len(window.library.documents) == 2, timeout=READY_TIMEOUT)
    return window


def entries(window: MainWindow) -> list[str]:
    listed = window.collections_panel.list
    return [listed.item(i).text() for i in range(listed.count())]


def select(window: MainWindow, title: str) -> None:
    table = window.library.table
    table.clearSelection()
    for row in range(table.rowCount()):
        if window.library.row_item(row).text() == title:
            table.selectRow(row)


@dataclass
class Drop:
    """What ``CollectionList`` reads of a drop event: where, from which widget; and whether it was taken."""

    point: QPointF
    origin: Any
    accepted: bool | None = None

    def position(self) -> QPointF:
        return self.point

    def source(self) -> Any:
        return self.origin

    def acceptProposedAction(self) -> None:  # noqa: N802 (Qt's name)
        self.accepted = True

    def ignore(self) -> None:
        self.accepted = False


def test_a_collection_scopes_a_new_conversation_and_a_conversation_keeps_it(qtbot, data_home: Path,
                                                                             tmp_path: Path, monkeypatch) -> None:
    window = indexed_window(qtbot, data_home, tmp_path)
    try:
        assert entries(window) == ["Whole library"]
        assert "Whole library" in window.chat.scope_label.text()
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Garden", True))
        window.collections_panel.buttons["New…"].click()
        qtbot.waitUntil(lambda: entries(window) == ["Whole library", "Garden (0)"], timeout=READY_TIMEOUT)

        listed = window.collections_panel.list
        target = listed.visualItemRect(listed.item(1)).center()
        select(window, "Greenhouse Notes")
        foreign = Drop(QPointF(target), object())
        listed.dropEvent(foreign)  # type: ignore[arg-type]
        assert foreign.accepted is False, "only documents dragged from the library are taken"
        drop = Drop(QPointF(target), window.library.table)
        listed.dropEvent(drop)  # type: ignore[arg-type]
        assert drop.accepted
        qtbot.waitUntil(lambda: entries(window) == ["Whole library", "Garden (1)"], timeout=READY_TIMEOUT)

        select(window, "Harbour Survey Report")
        menu = {a.text() for a in window.library.document_actions()}
        assert {"Ask about it only", "Add to collection \u201cGarden\u201d"} <= menu

        window.collections_panel.scope_requested.emit(int(listed.item(1).data(0x0100)))
        assert window.scope.collection is not None and "Collection: Garden" in window.chat.scope_label.text()
        window.ask("What did the survey measure?")
        qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY_TIMEOUT)
        scoped = window.conversation_id
        answer = window.chat.messages[-1]
        assert answer.chip_buttons() and all("Greenhouse" in chip.text() for chip in answer.chip_buttons())

        window.collections_panel.scope_requested.emit(WHOLE_LIBRARY)
        assert window.conversation_id is None and "Whole library" in window.chat.scope_label.text()
        window.ask("How much silt did the dredging remove?")
        qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY_TIMEOUT)
        assert any("Harbour" in chip.text() for chip in window.chat.messages[-1].chip_buttons())
        assert window.chat.messages[-1].note.text().startswith("Answer made of quotes: no model call.")
        assert window.chat.meter_label.text() == "Context window: not used, the last answer made no model call"

        assert scoped is not None
        window.open_conversation(scoped)
        qtbot.waitUntil(lambda: "Collection: Garden" in window.chat.scope_label.text(), timeout=READY_TIMEOUT)
        engine = Engine(data_home, FAST)
        try:
            assert engine.conversations.scope(scoped).collection is not None
        finally:
            engine.close()
    finally:
        window.close()


def test_the_library_filter_hides_other_names_and_ask_about_it_only_limits_the_search(
        qtbot, data_home: Path, tmp_path: Path) -> None:
    window = indexed_window(qtbot, data_home, tmp_path)
    try:
        window.library.filter.setText("harb")
        shown = [window.library.row_item(r).text() for r in range(window.library.table.rowCount())
                 if not window.library.table.isRowHidden(r)]
        assert shown == ["Harbour Survey Report"]
        window.library.filter.setText("garden.pdf")  # a file name matches too
        assert [window.library.table.isRowHidden(r) for r in range(2)].count(False) == 1
        window.library.filter.clear()
        select(window, "Harbour Survey Report")
        ask = next(a for a in window.library.document_actions() if a.text() == "Ask about it only")
        ask.trigger()
        assert window.scope.documents and "Harbour Survey Report" in window.chat.scope_label.text()
        window.ask("When are tomato seedlings transplanted?")
        qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY_TIMEOUT)
        chips = window.chat.messages[-1].chip_buttons()
        assert not any("Greenhouse" in chip.text() for chip in chips)
    finally:
        window.close()


def test_deleting_a_collection_with_its_documents_runs_as_a_job(qtbot, data_home: Path, tmp_path: Path) -> None:
    engine = Engine(data_home, FAST)
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf"), garden_notes(tmp_path / "garden.pdf")])
    case = engine.collections.create("Port")
    engine.collections.add(case.id, [d.id for d in engine.library.documents() if "Harbour" in d.title])
    engine.close()
    window = open_window(qtbot, data_home)
    try:
        qtbot.waitUntil(lambda: entries(window) == ["Whole library", "Port (1)"], timeout=READY_TIMEOUT)
        window.collections_panel.scope_requested.emit(case.id)
        dialog = window.delete_collection_with_documents(case.id)
        assert dialog.labelText().startswith("Removing") or dialog.labelText().startswith("Removed")
        qtbot.waitUntil(lambda: entries(window) == ["Whole library"], timeout=READY_TIMEOUT)
        qtbot.waitUntil(lambda: [d.title for d in window.library.documents] == ["Greenhouse Notes"],
                        timeout=READY_TIMEOUT)
        assert window.scope == Scope() and "Whole library" in window.chat.scope_label.text()
    finally:
        window.close()
