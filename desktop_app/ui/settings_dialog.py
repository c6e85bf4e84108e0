"""The settings dialog: one field per setting, built from the engine's descriptions (``SETTING_SPECS``).

It edits a copy of the settings; the window applies the changes in the
background, each the way its description says (at once, reload, adapter,
re-embed). A setting added to the engine appears here without a change.
Every edit is checked as it is made (``field_problems``): a field with a bad
value says why right under it, and OK stays disabled until all are good, so
one bad value never costs the other edits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
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
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import SETTING_SPECS, Settings, SettingSpec

FILE_KINDS = ("model file", "adapter file", "cert file")
GGUF_KINDS = ("model file", "adapter file")
DIALOG_SIZE = (780, 680)
"""The dialog's first size in pixels (less on a smaller screen): the Model tab's rows and help lines at full length."""

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
        widget = QCheckBox()  # its help is a wrapping line under it (``SettingsDialog``): as the box's text it
        widget.setChecked(value)  # never wrapped, and one line of it made the dialog wider than a laptop screen
    elif spec.kind == "terms":
        widget = QLineEdit(", ".join(value))
        widget.setPlaceholderText(spec.help)
    else:
        widget = QPlainTextEdit(value)
        widget.setPlaceholderText(spec.help)
        widget.setMaximumHeight(120)
    if spec.help:
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


def path_problem(spec: SettingSpec, value: str) -> str:
    """Why a typed path cannot be used for ``spec`` ("" when it can, or when it is empty: the default)."""
    if not value:
        return ""
    path = Path(value).expanduser()
    if spec.kind in FILE_KINDS:
        if not path.exists():
            return "No file is at this path. Choose the file with Browse…, or leave it empty."
        if not path.is_file():
            return "This is a folder. Choose a file in it with Browse…."
        if spec.kind in GGUF_KINDS and path.suffix.lower() != ".gguf":
            return "Choose a GGUF file (its name ends in .gguf)."
    elif not path.exists():
        return "No folder is at this path. Choose the folder with Browse…, or leave it empty."
    elif not path.is_dir():
        return "This is a file. Choose the folder that holds the model."
    return ""


def field_problems(settings: Settings, values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with each field of ``values`` (setting name -> a plain sentence); empty when all are good.

    Checks paths on this computer, the server's address when answers come from it, and every range and
    rule ``Settings`` checks (the first failing one is put next to its field).
    """
    problems: dict[str, str] = {}
    for name, value in values.items():
        spec = SETTING_SPECS[name]
        if spec.kind in (*FILE_KINDS, "folder") and (problem := path_problem(spec, value)):
            problems[name] = problem
    url = str(values.get("server_url", settings.server_url)).strip()
    if url and not url.lower().startswith(("http://", "https://")):
        problems["server_url"] = "Start the address with http:// or https://, e.g. http://gpu-box:8080."
    elif not url and values.get("model_backend", settings.model_backend) == "server":
        problems["server_url"] = "Answers are set to come from an inference server: enter its address."
    n_ctx = int(values.get("n_ctx", settings.n_ctx))
    if int(values.get("max_answer_tokens", settings.max_answer_tokens)) > n_ctx // 2:
        problems["max_answer_tokens"] = f"At most half the context size: {n_ctx // 2} tokens, or raise the " \
                                        "context size."
    if not problems:
        try:
            settings.changed(**values)
        except ValueError as exc:
            message = str(exc)
            name = next((n for n in values if message.startswith(SETTING_SPECS[n].label)), "")
            problems[name] = message  # "" : a problem of no one field
    return problems


def changed_signal(widget: QWidget) -> Any:
    """The signal a widget made by ``editor`` sends when its value changes."""
    if isinstance(widget, PathField):
        return widget.edit.textChanged
    if isinstance(widget, ServerModelField):
        return widget.combo.currentTextChanged
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged
    if isinstance(widget, QComboBox):
        return widget.currentTextChanged
    if isinstance(widget, QCheckBox):
        return widget.toggled
    assert isinstance(widget, (QLineEdit, QPlainTextEdit))
    return widget.textChanged


class SettingsDialog(QDialog):
    server_models_requested = Signal(str, str, str)
    """(address, API key, CA file) as the dialog holds them: the window asks the engine for the model list."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.fields: dict[str, QWidget] = {}
        self.notes: dict[str, QLabel] = {}
        self.tab_of: dict[str, int] = {}
        self.problems: dict[str, str] = {}
        tabs = QTabWidget()
        forms: dict[str, QFormLayout] = {}
        pages: dict[str, int] = {}
        for name, spec in SETTING_SPECS.items():
            if not spec.in_dialog:
                continue
            if spec.group not in forms:
                page = QWidget()
                forms[spec.group] = QFormLayout(page)
                scroll = QScrollArea()  # a tab taller than a small screen scrolls instead of squeezing its rows
                scroll.setWidget(page)
                scroll.setWidgetResizable(True)
                scroll.setFrameShape(QScrollArea.Shape.NoFrame)
                scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
                pages[spec.group] = tabs.addTab(scroll, spec.group)
            self.fields[name] = editor(spec, getattr(settings, name))
            self.notes[name] = QLabel()
            self.notes[name].setWordWrap(True)
            self.notes[name].setStyleSheet("color: #b02a37;")
            self.notes[name].setAccessibleName(f"Problem with {spec.label}")
            self.notes[name].hide()
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(self.fields[name])
            if spec.kind == "bool" and spec.help:
                help_line = QLabel(spec.help)
                help_line.setWordWrap(True)
                help_line.setBuddy(self.fields[name])
                column.addWidget(help_line)
            column.addWidget(self.notes[name])
            forms[spec.group].addRow(QLabel(spec.label), cell)
            self.tab_of[name] = pages[spec.group]
            changed_signal(self.fields[name]).connect(self.check)
        self.tabs = tabs
        models = self.fields.get("server_model")
        if isinstance(models, ServerModelField):
            models.list_requested.connect(self._ask_for_models)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Why the settings cannot be saved")
        self.summary.hide()
        layout = QFormLayout(self)
        layout.addRow(tabs)
        layout.addRow(self.summary)
        layout.addRow(self.buttons)
        room = self.screen().availableGeometry()  # the tabs scroll where the screen is smaller than this
        self.resize(min(DIALOG_SIZE[0], room.width() - 40), min(DIALOG_SIZE[1], room.height() - 80))
        self.check()

    def check(self) -> dict[str, str]:
        """Mark each field whose value cannot be used, with the reason under it; OK only when none is."""
        problems = field_problems(self.settings, self.values())
        for name, note in self.notes.items():
            note.setText(problems.get(name, ""))
            note.setVisible(name in problems)
        for index in range(self.tabs.count()):
            title = self.tabs.tabText(index).removesuffix(" (!)")
            bad = any(self.tab_of[name] == index for name in problems if name in self.tab_of)
            self.tabs.setTabText(index, title + (" (!)" if bad else ""))
        named = [SETTING_SPECS[name].label for name in problems if name]
        general = problems.get("", "")
        self.summary.setText(" ".join(part for part in (
            f"Fix {', '.join(named)} to save (the reasons are under the fields)." if named else "", general) if part))
        self.summary.setVisible(bool(problems))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problems)
        ok.setToolTip(self.summary.text())
        self.problems = problems
        return problems

    def accept(self) -> None:
        """Close with the edits only when every field is good; otherwise stay open with them all kept."""
        if not self.check():
            super().accept()

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
