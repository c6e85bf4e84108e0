"""The inference-server settings in the settings dialog: one-line fields, a hidden API key, a certificate path."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from desktop_app.engine import SETTING_SPECS
from desktop_app.ui.settings_dialog import LineField, PathField, editor, read


def test_the_api_key_is_typed_hidden_and_the_address_is_one_line(qtbot) -> None:
    key = editor(SETTING_SPECS["server_api_key"], "s3cret")
    qtbot.addWidget(key)
    assert isinstance(key, LineField) and key.echoMode() == QLineEdit.EchoMode.Password
    assert read(SETTING_SPECS["server_api_key"], key) == "s3cret"
    address = editor(SETTING_SPECS["server_url"], "http://gpu-box:8080")
    qtbot.addWidget(address)
    assert address.echoMode() == QLineEdit.EchoMode.Normal
    assert read(SETTING_SPECS["server_url"], address) == "http://gpu-box:8080"
    ca = editor(SETTING_SPECS["server_ca_file"], "")
    qtbot.addWidget(ca)
    assert isinstance(ca, PathField) and read(SETTING_SPECS["server_ca_file"], ca) == ""
    backend = SETTING_SPECS["model_backend"]
    assert backend.choices == ("local", "server") and backend.group == "Model"
