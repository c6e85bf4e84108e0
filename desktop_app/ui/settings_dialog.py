"""The settings dialog: edits a copy of the engine settings; the window applies them in the background."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop_app.engine import Settings

MODES = ("hybrid", "bm25", "dense")


def spin(low: int, high: int, value: int, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    return box


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.model_path = QLineEdit(settings.model_path)
        self.model_path.setPlaceholderText("bundled SmolLM2-135M-Instruct")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_path, 1)
        model_row.addWidget(browse)
        self.embedding_path = QLineEdit(settings.embedding_model_path)
        self.embedding_path.setPlaceholderText("bundled all-MiniLM-L6-v2 (English)")
        self.embedding_path.setToolTip("A sentence-transformers model folder; changing it re-embeds the library")
        browse_folder = QPushButton("Browse…")
        browse_folder.clicked.connect(self._browse_folder)
        embedding_row = QHBoxLayout()
        embedding_row.addWidget(self.embedding_path, 1)
        embedding_row.addWidget(browse_folder)
        self.adapter_path = QLineEdit(settings.adapter_path)
        self.adapter_path.setPlaceholderText("none")
        self.adapter_path.setToolTip("A LoRA adapter (GGUF) made for the chosen model; applied without a reload")
        browse_adapter = QPushButton("Browse…")
        browse_adapter.clicked.connect(self._browse_adapter)
        self.adapter_scale = QDoubleSpinBox()
        self.adapter_scale.setRange(-16.0, 16.0)
        self.adapter_scale.setSingleStep(0.1)
        self.adapter_scale.setValue(settings.adapter_scale)
        adapter_row = QHBoxLayout()
        adapter_row.addWidget(self.adapter_path, 1)
        adapter_row.addWidget(browse_adapter)
        adapter_row.addWidget(self.adapter_scale)
        self.n_ctx = spin(512, 131072, settings.n_ctx, 512)
        self.n_gpu_layers = spin(-1, 1000, settings.n_gpu_layers)
        self.n_gpu_layers.setToolTip("-1: all layers on the GPU; 0: CPU only")
        self.n_threads = spin(0, 256, settings.n_threads)
        self.n_threads.setToolTip("0: as many as the machine has cores")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(settings.temperature)
        self.max_answer_tokens = spin(16, 8192, settings.max_answer_tokens, 16)
        self.top_k = spin(1, 50, settings.top_k)
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.mode.setCurrentText(settings.retrieval_mode)
        self.safety_level = QComboBox()
        self.safety_level.addItems(("off", "standard", "strict"))
        self.safety_level.setCurrentText(settings.safety_level)
        self.safety_level.setToolTip("strict: only questions about the indexed documents, and answers stop at a "
                                     "forbidden term; standard: forbidden terms are redacted")
        self.blocked = QLineEdit(", ".join((*settings.blocked_terms, *settings.blocked_topics)))
        self.blocked.setPlaceholderText("terms or topics whose questions are refused, comma-separated")
        self.forbidden = QLineEdit(", ".join(settings.forbidden_output))
        self.forbidden.setPlaceholderText("terms that must never appear in answers, comma-separated")
        self.faq_enabled = QCheckBox("Answer from curated answers when a question matches one")
        self.faq_enabled.setChecked(settings.faq_enabled)
        self.cache_enabled = QCheckBox("Reuse the earlier answer to the same question (unchanged library and model)")
        self.cache_enabled.setChecked(settings.cache_enabled)
        self.grounding = QDoubleSpinBox()
        self.grounding.setRange(0.0, 1.0)
        self.grounding.setSingleStep(0.05)
        self.grounding.setValue(settings.abstain_below_grounding)
        self.grounding.setToolTip("Withhold an answer when less than this share of its names, numbers and identifiers "
                                  "is found in the sources, and show the closest passages instead (0: never)")
        self.system_prompt = QPlainTextEdit(settings.system_prompt)
        self.chat_template = QPlainTextEdit(settings.chat_template)
        self.chat_template.setPlaceholderText("empty: the template stored in the model file (or a ChatML fallback)")
        self.chat_template.setMaximumHeight(70)
        form = QFormLayout(self)
        for label, widget in (("Model file", model_row), ("LoRA adapter and scale", adapter_row),
                              ("Embedding model folder", embedding_row),
                              ("Context size (tokens)", self.n_ctx),
                              ("GPU layers", self.n_gpu_layers), ("Threads", self.n_threads),
                              ("Temperature", self.temperature), ("Max answer length (tokens)", self.max_answer_tokens),
                              ("Sources per question (top-k)", self.top_k), ("Retrieval mode", self.mode),
                              ("Safety level", self.safety_level), ("Refuse questions about", self.blocked),
                              ("Never show in answers", self.forbidden), ("Curated answers", self.faq_enabled),
                              ("Answer cache", self.cache_enabled), ("Withhold answers grounded below", self.grounding),
                              ("System prompt", self.system_prompt),
                              ("Chat template (Jinja)", self.chat_template)):
            form.addRow(label, widget)
            if isinstance(widget, QWidget):
                widget.setAccessibleName(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a GGUF model", "", "GGUF models (*.gguf)")
        if path:
            self.model_path.setText(path)

    def _browse_adapter(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a LoRA adapter", "", "GGUF adapters (*.gguf)")
        if path:
            self.adapter_path.setText(path)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a sentence-transformers model folder")
        if path:
            self.embedding_path.setText(path)

    def changes(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path.text().strip(), "n_ctx": self.n_ctx.value(),
            "embedding_model_path": self.embedding_path.text().strip(),
            "adapter_path": self.adapter_path.text().strip(), "adapter_scale": round(self.adapter_scale.value(), 2),
            "n_gpu_layers": self.n_gpu_layers.value(), "n_threads": self.n_threads.value(),
            "temperature": round(self.temperature.value(), 2), "max_answer_tokens": self.max_answer_tokens.value(),
            "top_k": self.top_k.value(), "retrieval_mode": self.mode.currentText(),
            "system_prompt": self.system_prompt.toPlainText().strip(),
            "chat_template": self.chat_template.toPlainText().strip(),
            "safety_level": self.safety_level.currentText(), "blocked_topics": (),
            "faq_enabled": self.faq_enabled.isChecked(), "cache_enabled": self.cache_enabled.isChecked(),
            "abstain_below_grounding": round(self.grounding.value(), 2),
            "blocked_terms": tuple(t.strip() for t in self.blocked.text().split(",") if t.strip()),
            "forbidden_output": tuple(t.strip() for t in self.forbidden.text().split(",") if t.strip()),
        }
