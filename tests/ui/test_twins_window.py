"""The library panel with the same file under two names: remove one name, or the document with all of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop_app.ui.main_window import MainWindow
from support.pdfs import harbour_report

READY_TIMEOUT = 120_000


def names(window: MainWindow) -> list[tuple[str, ...]]:
    return [doc.names for doc in window.library.documents]


def test_remove_asks_and_takes_one_name_and_the_menu_takes_all(qtbot, window: MainWindow, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    first = harbour_report(tmp_path / "a.pdf")
    second = tmp_path / "a (1).pdf"
    shutil.copy(first, second)
    window.add_paths([first, second])
    qtbot.waitUntil(lambda: names(window) == [(str(first), str(second))], timeout=READY_TIMEOUT)
    panel = window.library
    assert "Also indexed as: " + str(second) in panel.row_item(0).toolTip()

    asked: list[str] = []
    answer = QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answer)
    panel.table.clearSelection()  # selectRow toggles while an earlier test's Ctrl is the last modifier seen
    panel.table.selectRow(0)
    panel.remove_button.click()
    assert "also in the library as a (1).pdf" in asked[0] and "Remove only the name a.pdf" in asked[0]
    assert names(window) == [(str(first), str(second))]

    answer = QMessageBox.StandardButton.Yes
    panel.table.clearSelection()  # selectRow toggles while an earlier test's Ctrl is the last modifier seen
    panel.table.selectRow(0)
    panel.remove_button.click()
    qtbot.waitUntil(lambda: names(window) == [(str(second),)], timeout=30_000)
    assert panel.status_of("Harbour Survey Report") == "ready"

    window.add_paths([first])
    qtbot.waitUntil(lambda: names(window) == [(str(second), str(first))], timeout=READY_TIMEOUT)
    actions = {a.text(): a for a in panel.removal_actions(0)}
    assert set(actions) == {"Remove only the name a (1).pdf", "Remove only the name a.pdf",
                            "Remove with all names (2)"}
    actions["Remove only the name a (1).pdf"].trigger()
    qtbot.waitUntil(lambda: names(window) == [(str(first),)], timeout=30_000)
    assert [a.text() for a in panel.removal_actions(0)] == ["Remove"]

    window.add_paths([second])
    qtbot.waitUntil(lambda: names(window) == [(str(first), str(second))], timeout=READY_TIMEOUT)
    next(a for a in panel.removal_actions(0) if a.text() == "Remove with all names (2)").trigger()
    qtbot.waitUntil(lambda: window.library.documents == [], timeout=30_000)
