"""Choose a task template and fill in its variables (documents from a list); OK once every value is given.

The task runs in a conversation of its own, named after the task and its values (shown under the fields).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget


class TaskDialog(QDialog):
    def __init__(self, templates: dict[str, Any], documents: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Run a task")
        self.templates = templates
        self.documents = documents
        self.choice = QComboBox()
        for name, template in templates.items():
            self.choice.addItem(template.title, name)
        self.choice.setAccessibleName("Task")
        self.choice.currentIndexChanged.connect(self._rebuild)
        self.form = QFormLayout(self)
        self.form.addRow("Task", self.choice)
        self.fields: dict[str, QComboBox | QLineEdit] = {}
        self.note = QLabel()
        self.buttons = QDialogButtonBox()
        self._rebuild()

    def _rebuild(self) -> None:
        while self.form.rowCount() > 1:
            self.form.removeRow(1)
        template = self.templates[self.choice.currentData()]
        self.fields = {}
        for variable in template.variables:
            widget: QComboBox | QLineEdit
            if variable in template.documents:
                widget = QComboBox()
                widget.addItems(self.documents)
                widget.currentTextChanged.connect(self._check)
            else:
                widget = QLineEdit()
                widget.textChanged.connect(self._check)
            widget.setAccessibleName(variable)
            self.fields[variable] = widget
            self.form.addRow(variable.replace("_", " ").capitalize(), widget)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Where the task runs")
        self.form.addRow(self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.form.addRow(self.buttons)
        self._check()

    def _check(self) -> None:
        """OK only when every variable has a value; the note says what is missing, or the conversation's name."""
        name, values = self.selection()
        template = self.templates[name]
        missing = [v.replace("_", " ") for v in template.variables if not values.get(v, "").strip()]
        if template.documents and not self.documents:
            self.note.setText("The library has no documents yet: add some, then run the task.")
        elif missing:
            self.note.setText(f"Fill in: {', '.join(missing)}.")
        else:
            self.note.setText(f"Runs in a new conversation: \u201c{template.conversation_title(values)}\u201d.")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not missing)

    def accept(self) -> None:
        name, values = self.selection()
        if not any(not values.get(v, "").strip() for v in self.templates[name].variables):
            super().accept()

    def selection(self) -> tuple[str, dict[str, str]]:
        values = {name: (w.currentText() if isinstance(w, QComboBox) else w.text()) for name, w in self.fields.items()}
        return str(self.choice.currentData()), values
