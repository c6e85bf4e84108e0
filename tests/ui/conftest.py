"""The main window with fast settings, opened once its model has loaded, for the window tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine.settings import save_settings
from support.library import FAST
from support.window import open_window


@pytest.fixture
def window(qtbot, data_home: Path):
    save_settings(data_home, FAST)
    win = open_window(qtbot, data_home)
    yield win
    win.close()
