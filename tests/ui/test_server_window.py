"""The window with an inference server: the model list in settings, and one click back to the local model."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from desktop_app.engine import SETTING_SPECS
from desktop_app.engine.settings import load_settings, save_settings
from desktop_app.ui.main_window import SWITCH_TO_LOCAL, MainWindow
from desktop_app.ui.settings_dialog import ServerModelField, SettingsDialog
from support.library import FAST
from support.llama_server import ServerInfo, llama_server  # noqa: F401

READY_TIMEOUT = 120_000


def test_list_models_fills_the_server_model_choice(qtbot, window: MainWindow,
                                                   llama_server: ServerInfo) -> None:  # noqa: F811
    dialog = SettingsDialog(replace(FAST, model_backend="server", server_url=llama_server.url), window)
    qtbot.addWidget(dialog)
    window.serve_model_lists(dialog)
    field = dialog.fields["server_model"]
    assert isinstance(field, ServerModelField)
    qtbot.mouseClick(field.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: field.combo.count() == 1, timeout=30_000)
    assert dialog.values()["server_model"] == str(llama_server.model_path)
    assert "lists 1 model" in field.note.text()

    dialog.fields["server_url"].setText("http://127.0.0.1:1")  # type: ignore[attr-defined]
    qtbot.mouseClick(field.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot be reached" in field.note.text(), timeout=30_000)


def test_a_server_failure_offers_the_local_model_in_one_click(qtbot, data_home: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    save_settings(data_home, replace(FAST, model_backend="server", server_url=f"http://127.0.0.1:{port}"))
    window = MainWindow(data_home)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=READY_TIMEOUT)
        assert "cannot be reached" in window.banner.label.text()
        assert window.banner.action.isVisible() and window.banner.action.text() == SWITCH_TO_LOCAL
        qtbot.mouseClick(window.banner.action, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.model_status.text().startswith("Model: SmolLM2"), timeout=READY_TIMEOUT)
        saved = load_settings(data_home)
        assert saved.model_backend == "local" and saved.server_url == f"http://127.0.0.1:{port}"
        assert SETTING_SPECS["model_backend"].group == "Model"
    finally:
        window.close()
