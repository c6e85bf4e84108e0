"""The watched-folders panel, offscreen, over a real engine on the window's worker thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.engine import Engine
from desktop_app.ui.tasks import TaskManager
from desktop_app.ui.watch_panel import WatchPanel
from support.library import FAST
from support.pdfs import garden_notes, harbour_report

TIMEOUT = 60_000


def watching_engine(home: Path) -> Engine:
    """An engine with its watch manager (the facade's ``engine.watch``), settling fast."""
    engine = Engine(home, FAST)
    engine.watch.settle_s = 0.3
    return engine


@pytest.fixture
def tasks(data_home: Path) -> Iterator[TaskManager]:
    errors: list[BaseException] = []
    manager = TaskManager(lambda: watching_engine(data_home), errors.append)
    yield manager
    manager.run(lambda engine: engine.watch.stop())
    assert manager.shutdown()
    assert not errors, errors


def lines(widget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]


def test_the_panel_adds_watches_shows_activity_and_removes(qtbot, tasks: TaskManager, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    harbour_report(folder / "harbour.pdf")
    panel = WatchPanel(tasks)
    qtbot.addWidget(panel)
    changed: list[bool] = []
    panel.library_changed.connect(lambda: changed.append(True))

    panel.add_folder(folder, "Port")
    qtbot.waitUntil(lambda: any("indexed  harbour.pdf: 3 pages" in line for line in lines(panel.activity)),
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: lines(panel.folders) == [f"{folder}  (1 documents → Port)"], timeout=TIMEOUT)
    assert changed

    panel.start_watching()
    qtbot.waitUntil(lambda: panel.watch is not None and panel.watch.running, timeout=TIMEOUT)
    garden_notes(folder / "garden.pdf")
    qtbot.waitUntil(lambda: lines(panel.activity)[0].endswith("indexed  garden.pdf: 1 pages, 1 chunks"),
                    timeout=TIMEOUT)
    (folder / "harbour.pdf").unlink()
    qtbot.waitUntil(lambda: "removed  harbour.pdf: removed from the library" in lines(panel.activity)[0],
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: lines(panel.folders) == [f"{folder}  (1 documents → Port)"], timeout=TIMEOUT)

    panel.stop_watching()
    panel.remove_folder(str(folder), forget=True)
    qtbot.waitUntil(lambda: panel.folders.count() == 0, timeout=TIMEOUT)
    documents: list[int] = []
    tasks.run(lambda engine: len(engine.library.documents()), documents.append)
    qtbot.waitUntil(lambda: documents == [0], timeout=TIMEOUT)
