"""The source viewer and a password-protected PDF whose password the engine does not hold (after a restart).

The window asks for the password in a password field, says when it is wrong
and asks again, and shows the page once it is right; a cancelled prompt
leaves a message and an "Enter password…" button, never an error banner.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit

from desktop_app.engine import Engine
from desktop_app.engine.settings import save_settings
from desktop_app.ui.main_window import MainWindow
from support.library import FAST, index_all
from support.pdfs import encrypted_pdf
from support.window import open_window

PASSWORD = "s3cret"


def citation(document_id: int) -> dict[str, object]:
    return {"number": 1, "document_id": document_id, "document_title": "Harbour Survey Report", "page": 2,
            "positions": [[2, 72, 100, 300, 120]]}


class Prompts:
    """Stands in for ``QInputDialog.getText``: records each prompt and gives the scripted replies."""

    def __init__(self, *replies: tuple[str, bool]) -> None:
        self.replies = list(replies)
        self.asked: list[tuple[str, object]] = []

    def __call__(self, parent: object, title: str, label: str, echo: object = None, *args: object,
                 **kwargs: object) -> tuple[str, bool]:
        self.asked.append((label, echo))
        return self.replies.pop(0)


@pytest.fixture
def locked(data_home: Path, tmp_path: Path) -> int:
    """A PDF indexed with its password by an engine since closed (as before a restart); its document id."""
    save_settings(data_home, FAST)
    engine = Engine(data_home, FAST)
    try:
        indexed, _ = index_all(engine, [encrypted_pdf(tmp_path / "locked.pdf", PASSWORD)], PASSWORD)
    finally:
        engine.close()
    return indexed[0].document_id


@pytest.fixture
def window(qtbot, data_home: Path, locked: int):
    win = open_window(qtbot, data_home)
    yield win
    win.close()


def test_the_viewer_asks_for_the_password_says_when_it_is_wrong_and_shows_the_page(
        qtbot, window: MainWindow, locked: int, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = Prompts(("not-it", True), (PASSWORD, True))
    monkeypatch.setattr(QInputDialog, "getText", prompts)
    window.viewer.open_citation(citation(locked))
    qtbot.waitUntil(lambda: window.viewer.page is not None and bool(window.viewer.page.png), timeout=30_000)
    assert [label for label, _ in prompts.asked] == [
        "locked.pdf is password-protected. Enter its password to see its pages "
        "(it is kept in memory until the app closes, never saved).",
        "That password does not open locked.pdf. Check it and enter it again."]
    assert all(echo == QLineEdit.EchoMode.Password for _, echo in prompts.asked)
    page = window.viewer.page
    assert page.page == 2 and page.highlights and not page.needs_password
    assert not window.viewer.message.isVisible() and not window.banner.isVisible()

    window.viewer.buttons["Next page"].click()
    qtbot.waitUntil(lambda: window.viewer.page.page == 3, timeout=30_000)
    assert window.viewer.page.png and len(prompts.asked) == 2, "the password is kept for the session"


def test_a_cancelled_prompt_leaves_a_message_and_a_button_to_ask_again(
        qtbot, window: MainWindow, locked: int, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = Prompts(("", False))
    monkeypatch.setattr(QInputDialog, "getText", prompts)
    window.viewer.open_citation(citation(locked))
    qtbot.waitUntil(lambda: window.viewer.page is not None, timeout=30_000)
    unlock = window.viewer.buttons["Enter the password of this document"]
    assert window.viewer.page.needs_password and not window.viewer.page.png
    assert window.viewer.message.isVisible() and "password-protected" in window.viewer.message.text()
    assert unlock.isVisible() and unlock.isEnabled() and not window.banner.isVisible()
    assert not window.viewer.buttons["Next page"].isEnabled()

    prompts.replies.append((PASSWORD, True))
    qtbot.mouseClick(unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.viewer.page.png), timeout=30_000)
    assert len(prompts.asked) == 2 and window.viewer.page.page == 2 and window.viewer.page.highlights
    assert not unlock.isVisible() and not window.banner.isVisible()


def test_a_document_indexed_with_its_password_in_this_session_opens_without_asking(
        qtbot, data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(data_home, FAST)
    window = open_window(qtbot, data_home)
    prompts = Prompts((PASSWORD, True))
    monkeypatch.setattr(QInputDialog, "getText", prompts)
    window.add_paths([encrypted_pdf(tmp_path / "locked.pdf", PASSWORD)])
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=120_000)
    assert len(prompts.asked) == 1, "asked once, to index it"
    documents: list = []
    window.tasks.run(lambda engine: engine.library.documents(), documents.extend)
    qtbot.waitUntil(lambda: bool(documents), timeout=30_000)
    window.viewer.open_citation(citation(documents[0].id))
    qtbot.waitUntil(lambda: window.viewer.page is not None, timeout=30_000)
    assert window.viewer.page.png and window.viewer.page.highlights and len(prompts.asked) == 1
    window.close()
