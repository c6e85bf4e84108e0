"""The settings dialog: one field per setting, built from the engine's descriptions (``SETTING_SPECS``).

It edits a copy of the settings; the window applies the changes in the
background, each the way its description says (at once, reload, adapter,
re-embed). A setting added to the engine appears here without a change.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import SETTING_SPECS, Settings, SettingSpec

FILE_FILTERS = {"model file": ("Choose a GGUF model", "GGUF models (*.gguf)"),
                "adapter file": ("Choose a LoRA adapter", "GGUF adapters (*.gguf)"),
                "cert file": ("Choose a CA certificate", "PEM certificates (*.pem *.crt *.cer);;All files (*)")}


class LineField(QLineEdit):
    """One line of text; for a "secret" setting the characters are hidden."""

    def __init__(self, spec: SettingSpec, value: str) -> None:
        super().__init__(value)
        if spec.kind == "secret":
            self.setEchoMode(QLineEdit.EchoMode.Password)
        if "empty:" in spec.help:
            self.setPlaceholderText(spec.help.split("empty:", 1)[1].split(";")[0].split(".")[0].strip())


class PathField(QWidget):
    """A path typed or chosen with Browse…: a file for model and adapter settings, else a folder."""

    def __init__(self, spec: SettingSpec, value: str) -> None:
        super().__init__()
        self.spec = spec
        self.edit = QLineEdit(value)
        if "empty:" in spec.help:  # "..., empty: the bundled model. More..." -> "the bundled model"
            self.edit.setPlaceholderText(spec.help.split("empty:", 1)[1].split(".")[0].strip())
        browse = QPushButton("Browse…")
        browse.setAccessibleName(f"Browse for {spec.label}")
        browse.clicked.connect(self._browse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _browse(self) -> None:
        if self.spec.kind in FILE_FILTERS:
            title, pattern = FILE_FILTERS[self.spec.kind]
            path, _ = QFileDialog.getOpenFileName(self, title, "", pattern)
        else:
            path = QFileDialog.getExistingDirectory(self, f"Choose the {self.spec.label.lower()}")
        if path:
            self.edit.setText(path)

    def value(self) -> str:
        return self.edit.text().strip()


class ServerModelField(QWidget):
    """The server's model: typed, or picked from the list the server gives when "List models" is pressed."""

    list_requested = Signal()

    def __init__(self, spec: SettingSpec, value: str) -> None:
        super().__init__()
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setCurrentText(value)
        self.combo.setAccessibleName(spec.label)
        if line := self.combo.lineEdit():
            line.setPlaceholderText("the first model the server lists")
        button = QPushButton("List models")
        button.setAccessibleName("List the inference server's models")
        button.clicked.connect(self.list_requested)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(button)
        column.addLayout(row)
        column.addWidget(self.note)

    def show_models(self, names: list[str]) -> None:
        current = self.combo.currentText()
        self.combo.clear()
        self.combo.addItems(names)
        self.combo.setCurrentText(current if current in names or not names else names[0])
        self.note.setText(f"The server lists {len(names)} model(s)." if names else "The server lists no models.")
        self.note.show()

    def show_problem(self, message: str) -> None:
        self.note.setText(message)
        self.note.show()

    def value(self) -> str:
        return self.combo.currentText().strip()


def editor(spec: SettingSpec, value: Any) -> QWidget:
    """The widget that edits one setting, with its range or choices from ``spec``."""
    widget: QWidget
    if spec.kind in ("model file", "adapter file", "folder", "cert file"):
        widget = PathField(spec, value)
    elif spec.kind == "server model":
        widget = ServerModelField(spec, value)
    elif spec.kind in ("line", "secret"):
        widget = LineField(spec, value)
    elif spec.kind == "int":
        widget = QSpinBox()
        widget.setRange(int(spec.low if spec.low is not None else -2**31),
                        int(spec.high if spec.high is not None else 2**31 - 1))
        widget.setSingleStep(int(spec.step))
        widget.setValue(value)
    elif spec.kind == "float":
        widget = QDoubleSpinBox()
        widget.setDecimals(2)
        widget.setRange(spec.low if spec.low is not None else -1e9, spec.high if spec.high is not None else 1e9)
        widget.setSingleStep(spec.step)
        widget.setValue(value)
    elif spec.kind == "choice":
        widget = QComboBox()
        widget.addItems(spec.choices)
        widget.setCurrentText(value)
    elif spec.kind == "bool":
        widget = QCheckBox(spec.help)
        widget.setChecked(value)
    elif spec.kind == "terms":
        widget = QLineEdit(", ".join(value))
        widget.setPlaceholderText(spec.help)
    else:
        widget = QPlainTextEdit(value)
        widget.setPlaceholderText(spec.help)
        widget.setMaximumHeight(120)
    if spec.help and spec.kind != "bool":
        widget.setToolTip(spec.help)
    widget.setAccessibleName(spec.label)
    return widget


def read(spec: SettingSpec, widget: QWidget) -> Any:
    """The value a widget made by ``editor`` holds, in the setting's type."""
    if isinstance(widget, PathField):
        return widget.value()
    if isinstance(widget, (LineField, ServerModelField)):
        return widget.text().strip() if isinstance(widget, LineField) else widget.value()
    if isinstance(widget, QSpinBox):
        return widget.value()
    if isinstance(widget, QDoubleSpinBox):
        return round(widget.value(), 2)
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QLineEdit):
        return tuple(t.strip() for t in widget.text().split(",") if t.strip())
    assert isinstance(widget, QPlainTextEdit)
    return widget.toPlainText().strip()


class SettingsDialog(QDialog):
    server_models_requested = Signal(str, str, str)
    """(address, API key, CA file) as the dialog holds them: the window asks the engine for the model list."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.fields: dict[str, QWidget] = {}
        tabs = QTabWidget()
        forms: dict[str, QFormLayout] = {}
        for name, spec in SETTING_SPECS.items():
            if not spec.in_dialog:
                continue
            if spec.group not in forms:
                page = QWidget()
                forms[spec.group] = QFormLayout(page)
                tabs.addTab(page, spec.group)
            self.fields[name] = editor(spec, getattr(settings, name))
            forms[spec.group].addRow(QLabel(spec.label), self.fields[name])
        models = self.fields.get("server_model")
        if isinstance(models, ServerModelField):
            models.list_requested.connect(self._ask_for_models)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow(tabs)
        layout.addRow(buttons)

    def _ask_for_models(self) -> None:
        held = self.values()
        self.server_models_requested.emit(held["server_url"], held["server_api_key"], held["server_ca_file"])

    def show_server_models(self, names: list[str]) -> None:
        field = self.fields["server_model"]
        assert isinstance(field, ServerModelField)
        field.show_models(names)

    def show_server_problem(self, message: str) -> None:
        field = self.fields["server_model"]
        assert isinstance(field, ServerModelField)
        field.show_problem(message)

    def values(self) -> dict[str, Any]:
        """Every setting as the dialog holds it."""
        return {name: read(SETTING_SPECS[name], widget) for name, widget in self.fields.items()}

    def changes(self) -> dict[str, Any]:
        """Only the settings whose value differs from the one the dialog opened with."""
        return {name: value for name, value in self.values().items() if value != getattr(self.settings, name)}
