"""The main window opened for a test, once its model has loaded."""

from __future__ import annotations

from pathlib import Path

from desktop_app.ui.main_window import MainWindow


def open_window(qtbot, home: Path) -> MainWindow:
    window = MainWindow(home)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model_status.text().startswith("Model: SmolLM2"), timeout=60_000)
    return window
