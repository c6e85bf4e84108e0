"""The library list: removal asks first (button, Delete key, menu), files not added stay noted until dismissed,
the Add dialogs remember their folder and can add a whole folder, and the panel reads well without a mouse.

The panel's own behaviour is driven on a panel alone; the window tests use the real engine and models.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from desktop_app.engine import DocumentRow, FileIndexed, FileProgress, FileSkipped, FileStarted
from desktop_app.ui.library_panel import EMPTY, LOADING, NO_MATCH, LibraryPanel
from desktop_app.ui.main_window import MainWindow
from support.pdfs import garden_notes, harbour_report

READY_TIMEOUT = 120_000
YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


def row(doc_id: int, title: str, *names: str) -> DocumentRow:
    return DocumentRow(doc_id, f"sha{doc_id}", names[0], title, 3, 1000, "2031-01-01", [], 5, names=names)


class Questions:
    """Stands in for ``QMessageBox.question``: records each question's text and gives ``answer``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton) -> None:
        self.asked: list[str] = []
        self.answer = answer
        monkeypatch.setattr(QMessageBox, "question", self._question)

    def _question(self, _parent: QWidget, _title: str, text: str, *_rest: object) -> QMessageBox.StandardButton:
        self.asked.append(text)
        return self.answer


@pytest.fixture
def panel(qtbot) -> LibraryPanel:
    widget = LibraryPanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def three(panel: LibraryPanel) -> list[DocumentRow]:
    docs = [row(1, "Harbour Survey Report", "/docs/harbour.pdf"), row(2, "Greenhouse Notes", "/docs/garden.pdf"),
            row(3, "Tide Tables", "/docs/tides.pdf")]
    panel.set_documents(docs)
    return docs


def emitted(panel: LibraryPanel) -> list[list[object]]:
    seen: list[list[object]] = []
    panel.remove_requested.connect(seen.append)
    return seen


# --- removal asks first ----------------------------------------------------------------
def test_remove_names_the_document_and_removes_nothing_on_no(panel: LibraryPanel, three, monkeypatch) -> None:
    questions = Questions(monkeypatch, NO)
    removed = emitted(panel)
    assert not panel.remove_button.isEnabled(), "nothing selected, nothing to remove"
    panel.table.selectRow(0)
    panel.remove_button.click()
    [text] = questions.asked
    assert text.startswith("Remove \u201cHarbour Survey Report\u201d (harbour.pdf) from the library?")
    assert "passages" in text and "collection memberships" in text and "quotes" in text
    assert "The file on disk stays where it is." in text
    assert removed == []

    questions.answer = YES
    panel.remove_button.click()
    assert removed == [[1]]


def test_removing_several_lists_them_and_the_delete_key_asks_the_same(qtbot, panel: LibraryPanel, three,
                                                                      monkeypatch) -> None:
    questions = Questions(monkeypatch, NO)
    removed = emitted(panel)
    panel.table.selectAll()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    [text] = questions.asked
    assert text.startswith("Remove 3 documents from the library?")
    for title, name in (("Harbour Survey Report", "harbour.pdf"), ("Greenhouse Notes", "garden.pdf"),
                        ("Tide Tables", "tides.pdf")):
        assert f"\u2022 \u201c{title}\u201d ({name})" in text
    assert "The files on disk stay where they are." in text
    assert removed == []

    questions.answer = YES
    qtbot.keyClick(panel.table, Qt.Key.Key_Backspace)
    assert removed == [[1, 2, 3]]


def test_the_context_menus_remove_asks_too(panel: LibraryPanel, three, monkeypatch) -> None:
    questions = Questions(monkeypatch, NO)
    removed = emitted(panel)
    [remove] = panel.removal_actions(1)
    assert remove.text() == "Remove"
    remove.trigger()
    assert questions.asked[0].startswith("Remove \u201cGreenhouse Notes\u201d")
    assert removed == []
    questions.answer = YES
    remove.trigger()
    assert removed == [[2]]


def test_a_document_with_two_names_is_named_in_the_list_with_what_stays(panel: LibraryPanel, monkeypatch) -> None:
    twin = row(1, "Harbour Survey Report", "/docs/a.pdf", "/docs/a (1).pdf")
    panel.set_documents([twin, row(2, "Greenhouse Notes", "/docs/garden.pdf")])
    questions = Questions(monkeypatch, YES)
    removed = emitted(panel)
    panel.table.selectAll()
    panel.remove_button.click()
    line = "\u2022 \u201cHarbour Survey Report\u201d: only the name a.pdf (its content stays for the others)"
    assert line in questions.asked[0]
    assert removed == [["/docs/a.pdf", 2]]
    all_names = next(a for a in panel.removal_actions(0) if a.text() == "Remove with all names (2)")
    all_names.trigger()
    assert "with all 2 of its names" in questions.asked[1] and removed[-1] == [1]


# --- files not added -------------------------------------------------------------------
def test_files_left_by_a_cancel_stay_noted_until_dismissed(panel: LibraryPanel, three) -> None:
    paths = [Path("/in/first.pdf"), Path("/in/second.pdf"), Path("/in/third.pdf")]
    panel.queue([*paths, Path("/docs/tides.pdf")])  # the last one is in the library: read again, not added
    panel.on_event(FileStarted(paths[0], 1, 3))
    panel.on_event(FileIndexed(paths[0], 4, "First", 2, 3, False))
    panel.on_event(FileStarted(paths[1], 2, 3))
    panel.on_event(FileProgress(paths[1], "embedding", 1, 4))
    panel.indexing_finished(cancelled=True)
    panel.on_event(FileProgress(paths[1], "embedding", 2, 4))  # late news from the cancelled run
    assert [panel.status_of(p.name) for p in paths] == ["", "not added", "not added"]
    assert panel.status_of("tides.pdf") == "ready", "a document whose reading again was cancelled stays as it was"
    assert panel.notice.isVisible() and panel.dismiss_button.isVisible()
    assert panel.notice.text() == "2 files were not added: indexing was cancelled."
    panel.set_documents(three)  # the library read again keeps the notes
    assert panel.status_of("second.pdf") == "not added"
    panel.table.selectRow(panel.table.rowCount() - 1)
    panel._show_reason(panel.table.rowCount() - 1, 0)
    assert panel.reason.text() == "third.pdf was not added: indexing was cancelled before it was read. " \
                                  "Add it again to index it."

    panel.queue([paths[2]])  # added again: no longer a note
    assert panel.status_of("third.pdf") == "queued"
    assert panel.notice.text() == "second.pdf was not added: indexing was cancelled."
    panel.dismiss_button.click()
    assert panel.status_of("second.pdf") == "" and not panel.notice.isVisible()


def test_a_file_already_in_the_library_says_as_what(panel: LibraryPanel, monkeypatch) -> None:
    panel.set_documents([row(1, "Report 2024", "/docs/report.pdf", "/in/report copy.pdf")])
    panel.queue([Path("/docs/report.pdf"), Path("/in/report copy.pdf")])
    panel.on_event(FileSkipped(Path("/docs/report.pdf"), "already indexed"))
    assert panel.notice.text() == "report.pdf is already in the library (as \u201cReport 2024\u201d)."
    panel.on_event(FileSkipped(Path("/in/report copy.pdf"), "same content as report.pdf, already indexed"))
    panel.indexing_finished()
    assert panel.status_of("report copy.pdf") == "already added"
    assert panel.notice.text() == ("2 files were already in the library: report.pdf (as \u201cReport 2024\u201d), "
                                   "report copy.pdf (as \u201cReport 2024\u201d).")
    note = next(r for r in range(panel.table.rowCount()) if panel.row_item(r).text() == "report copy.pdf")
    assert panel.row_item(note).toolTip() == ("report copy.pdf was not indexed again: it has the same content as "
                                              "\u201cReport 2024\u201d, already in the library, and is kept as "
                                              "another name of that document.")
    questions = Questions(monkeypatch, NO)
    panel.table.selectRow(note)
    panel.remove_button.click()  # a note is dismissed without a question, and nothing is removed
    assert questions.asked == [] and panel.status_of("report copy.pdf") == ""
    assert panel.notice.text() == "report.pdf is already in the library (as \u201cReport 2024\u201d)."


# --- empty state, Add menu and the keyboard --------------------------------------------------
def test_the_empty_library_says_what_to_do_and_add_offers_files_or_a_folder(panel: LibraryPanel) -> None:
    assert panel.empty_hint.isVisible() and panel.empty_hint.text() == LOADING, "not called empty before it is read"
    panel.set_documents([])
    assert panel.empty_hint.isVisible() and panel.empty_hint.text() == EMPTY
    assert "Drop files or folders here" in EMPTY and "Add" in EMPTY
    assert not panel.table.isVisible()
    panel.set_documents([row(1, "Harbour Survey Report", "/docs/harbour.pdf")])
    assert panel.table.isVisible() and not panel.empty_hint.isVisible()
    panel.filter.setText("nothing like it")
    assert panel.empty_hint.isVisible() and panel.empty_hint.text() == NO_MATCH
    panel.filter.clear()

    wanted: list[str] = []
    panel.add_requested.connect(lambda: wanted.append("files"))
    panel.add_folder_requested.connect(lambda: wanted.append("folder"))
    for action in panel.add_button.menu().actions():
        action.trigger()
    assert [a.text() for a in panel.add_button.menu().actions()] == ["Files…", "Folder…"]
    assert wanted == ["files", "folder"]


def test_every_control_is_reached_by_tab_and_has_a_name(qtbot, panel: LibraryPanel) -> None:
    panel.set_documents([row(1, "Harbour Survey Report", "/docs/harbour.pdf")])
    panel.queue([Path("/in/late.pdf")])
    panel.indexing_finished(cancelled=True)  # the notes' Dismiss button shows
    panel.table.selectRow(0)  # Remove is enabled
    panel.queue([Path("/in/next.pdf")])  # Cancel indexing is enabled
    controls = [w for w in panel.findChildren(QWidget)
                if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert set(controls) == {panel.filter, panel.table, panel.dismiss_button, panel.add_button,
                             panel.remove_button, panel.cancel_button}
    assert all(w.accessibleName() for w in controls), [w for w in controls if not w.accessibleName()]

    panel.activateWindow()
    panel.filter.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.filter)
    reached = [panel.filter]
    for _ in controls[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert reached == [panel.filter, panel.table, panel.dismiss_button, panel.add_button, panel.remove_button,
                       panel.cancel_button]


# --- in the window, with the real engine --------------------------------------------------
def titles(window: MainWindow) -> list[str]:
    return sorted(d.title for d in window.library.documents)


def test_removal_in_the_window_asks_and_keeps_the_files(qtbot, window: MainWindow, tmp_path: Path,
                                                        monkeypatch) -> None:
    harbour, garden = harbour_report(tmp_path / "harbour.pdf"), garden_notes(tmp_path / "garden.pdf")
    window.add_paths([harbour, garden])
    qtbot.waitUntil(lambda: titles(window) == ["Greenhouse Notes", "Harbour Survey Report"], timeout=READY_TIMEOUT)
    questions = Questions(monkeypatch, NO)
    window.library.table.selectAll()
    qtbot.keyClick(window.library.table, Qt.Key.Key_Delete)
    assert questions.asked[0].startswith("Remove 2 documents from the library?")
    qtbot.wait(300)
    assert titles(window) == ["Greenhouse Notes", "Harbour Survey Report"]

    questions.answer = YES
    qtbot.keyClick(window.library.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: titles(window) == [], timeout=30_000)
    assert window.statusBar().currentMessage() == ("Removed 2 documents from the library. The files on disk were "
                                                   "not touched.")
    assert harbour.exists() and garden.exists()
    assert window.library.empty_hint.isVisible()


def test_cancelled_and_duplicate_files_are_noted_in_the_window(qtbot, window: MainWindow, tmp_path: Path,
                                                              guide_pdf: Path) -> None:
    harbour = harbour_report(tmp_path / "harbour.pdf")
    window.add_paths([harbour])
    qtbot.waitUntil(lambda: titles(window) == ["Harbour Survey Report"], timeout=READY_TIMEOUT)
    copy = tmp_path / "harbour copy.pdf"
    shutil.copy(harbour, copy)
    window.add_paths([harbour, copy])
    qtbot.waitUntil(lambda: window.library.status_of("harbour copy.pdf") == "already added", timeout=READY_TIMEOUT)
    qtbot.waitUntil(lambda: window.library.notice.text() == (
        "2 files were already in the library: harbour.pdf (as \u201cHarbour Survey Report\u201d), "
        "harbour copy.pdf (as \u201cHarbour Survey Report\u201d)."), timeout=30_000)
    window.library.dismiss_notes()

    big = tmp_path / "guide.pdf"
    shutil.copy(guide_pdf, big)
    later = [garden_notes(tmp_path / "garden.pdf"), tmp_path / "later.pdf"]
    shutil.copy(harbour, later[1])
    window.add_paths([big, *later])
    qtbot.waitUntil(lambda: window.library.status_of("guide.pdf") == "indexing", timeout=30_000)
    window.library.cancel_button.click()
    qtbot.wait(1500)  # the cancelled run's last news and the library read again arrive
    assert [window.library.status_of(p.name) for p in (big, *later)] == ["not added"] * 3
    assert window.library.notice.text() == "3 files were not added: indexing was cancelled."
    assert titles(window) == ["Harbour Survey Report"]


def test_add_a_folder_and_the_dialogs_remember_where_they_were(qtbot, window: MainWindow, tmp_path: Path,
                                                               data_home: Path, monkeypatch) -> None:
    folder = tmp_path / "reports" / "2031"
    (folder / "inner").mkdir(parents=True)
    harbour_report(folder / "harbour.pdf")
    garden_notes(folder / "inner" / "garden.pdf")
    (folder / "notes.xyz").write_text("not a document", "utf-8")
    started: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda _w, _t, start: started.append(start) or
                        str(folder))
    window.choose_folder()
    assert started == [str(Path.home())], "the first time, the dialog opens at home"
    qtbot.waitUntil(lambda: titles(window) == ["Greenhouse Notes", "Harbour Survey Report"], timeout=READY_TIMEOUT)

    stored = QSettings(str(data_home / "window.ini"), QSettings.Format.IniFormat)  # as the next start reads it
    assert stored.value("library/last_folder") == str(folder.parent)
    opened: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda _w, _t, start, _f: opened.append(start) or
                        ([str(folder / "harbour.pdf")], ""))
    window.choose_files()
    assert opened == [str(folder.parent)]
    assert QSettings(str(data_home / "window.ini"), QSettings.Format.IniFormat).value(
        "library/last_folder") == str(folder)
