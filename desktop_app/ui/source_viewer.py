"""The cited page, rendered by the engine, with the passage highlighted; zoom and page turning."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from desktop_app.engine import PageImage

HIGHLIGHT = QColor(255, 200, 0, 90)


class SourceViewer(QWidget):
    """Asks for pages through ``page_requested``; shows what ``show_page`` gives it.

    A page of a password-protected document whose password the engine does not hold comes without an
    image; the window asks for the password, and "Enter password…" asks again after a cancel.
    """

    page_requested = Signal(int, int, float, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: PageImage | None = None
        self.positions: list[list[float]] = []
        self.zoom = 1.25
        self.title = QLabel("Click a citation to see its page here.")
        self.title.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setAccessibleName("Page image")
        self.scroll_area = scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        controls = (
            ("◀", "Previous page", lambda: self._turn(-1)), ("▶", "Next page", lambda: self._turn(1)),
            ("−", "Zoom out", lambda: self._zoom(1 / 1.25)), ("+", "Zoom in", lambda: self._zoom(1.25)),
            ("Open in system viewer", "Open the PDF in the system viewer", self._open_external),
            ("Enter password…", "Enter the password of this document", lambda: self._turn(0)),
        )
        for name, tip, slot in controls:
            button = QPushButton(name)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.clicked.connect(slot)
            button.setEnabled(False)
            row.addWidget(button)
            self.buttons[tip] = button
        self.buttons["Enter the password of this document"].hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        layout.addLayout(row)

    def open_citation(self, citation: dict[str, Any]) -> None:
        self.positions = citation.get("positions", [])
        self.page_requested.emit(int(citation["document_id"]), int(citation["page"]), self.zoom, self.positions)

    def show_page(self, page: PageImage) -> None:
        self.page = page
        self.title.setText(f"{page.title}: page {page.page} of {page.page_count}")
        self.message.setText(page.message)
        self.message.setVisible(bool(page.message))
        for button in self.buttons.values():
            button.setEnabled(bool(page.png))
        self.buttons["Previous page"].setEnabled(bool(page.png) and page.page > 1)
        self.buttons["Next page"].setEnabled(bool(page.png) and page.page < page.page_count)
        self.buttons["Open the PDF in the system viewer"].setEnabled(bool(page.source_path))
        unlock = self.buttons["Enter the password of this document"]
        unlock.setEnabled(page.needs_password)
        unlock.setVisible(page.needs_password)
        if not page.png:
            self.image.clear()
            return
        image = QImage.fromData(page.png)  # the format is read from the data
        pixmap = QPixmap.fromImage(image)
        painter = QPainter(pixmap)
        for x0, y0, x1, y1 in page.highlights:
            painter.fillRect(int(x0), int(y0), int(x1 - x0), int(y1 - y0), HIGHLIGHT)
        painter.end()
        self.image.setPixmap(pixmap)
        if page.highlights:
            x0, y0, _, _ = page.highlights[0]
            self.image.adjustSize()
            self.scroll_area.ensureVisible(int(x0), int(y0), 50, 200)

    def _turn(self, step: int) -> None:
        if self.page is not None:
            self.page_requested.emit(self.page.document_id, self.page.page + step, self.zoom, self.positions)

    def _zoom(self, factor: float) -> None:
        if self.page is not None:
            self.zoom = min(max(self.zoom * factor, 0.5), 4.0)
            self.page_requested.emit(self.page.document_id, self.page.page, self.zoom, self.positions)

    def _open_external(self) -> None:
        if self.page is not None and self.page.source_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.page.source_path))
