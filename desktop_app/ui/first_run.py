"""The notice shown while the small demonstration model answers, with one-click ways to a better one.

The notice sits in the window above the panes (it is not a dialog): "Choose a model file…", "Use a
server…", "Don't show again" (remembered with the window's other choices, ``window.ini``) and
"Hide" (for this session). The window decides when it shows and does what the buttons ask.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

log = logging.getLogger(__name__)
DISMISSED_KEY = "notices/demonstration_model_dismissed"
NOTICE_TEXT = ("<b>This is a small demonstration model.</b> It shows the app working, but its answers are often "
               "wrong. The quotes from your documents shown with each answer are exact, whatever the model "
               "writes. For answers you can rely on, choose a larger model file (GGUF) or an inference server.")


def notice_dismissed(settings: QSettings) -> bool:
    """Whether "Don't show again" was pressed (the window's remembered choices, ``window_settings``)."""
    return bool(settings.value(DISMISSED_KEY, False, bool))


def remember_notice_dismissed(settings: QSettings) -> None:
    """Remember "Don't show again" in the window's remembered choices."""
    settings.setValue(DISMISSED_KEY, True)
    settings.sync()


class DemoModelNotice(QFrame):
    """The dismissible notice; its buttons only signal, the window acts."""

    choose_model_requested = Signal()
    use_server_requested = Signal()
    never_again_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Notice about the demonstration model")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(255, 193, 7, 50))
        self.setPalette(palette)
        self.label = QLabel(NOTICE_TEXT)
        self.label.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for text, tip, signal in (
                ("Choose a model file…", "Answer with a GGUF model file on this computer", self.choose_model_requested),
                ("Use a server…", "Answer with an inference server on your network (opens Settings)",
                 self.use_server_requested),
                ("Don't show again", "Hide this notice now and after restarts", self.never_again_requested),
                ("Hide", "Hide this notice until the app starts again", None)):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setAccessibleName(text.rstrip("…"))
            button.clicked.connect(signal if signal is not None else self.hide)
            row.addWidget(button)
            self.buttons[text] = button
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addLayout(row)
        self.hide()
