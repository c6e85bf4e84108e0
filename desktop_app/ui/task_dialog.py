"""Choose a task template and fill in its variables (documents from a list)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget


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
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
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
            else:
                widget = QLineEdit()
            widget.setAccessibleName(variable)
            self.fields[variable] = widget
            self.form.addRow(variable.replace("_", " ").capitalize(), widget)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.form.addRow(self.buttons)

    def selection(self) -> tuple[str, dict[str, str]]:
        values = {name: (w.currentText() if isinstance(w, QComboBox) else w.text()) for name, w in self.fields.items()}
        return str(self.choice.currentData()), values
