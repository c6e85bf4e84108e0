"""How the source viewer shows a page: the cited rectangles marked as a highlighter would, in a scrolling view.

The page image comes from the engine as PNG; the highlights are rectangles in pixels of that image. Each is
multiplied with a clear yellow (paper turns yellow, the print stays dark and readable) and outlined in a
deep orange that stands out on white paper and on dark pages alike, whatever the window's palette; the
page stands on the palette's dark backdrop.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QImage, QPainter, QPalette, QPixmap, QWheelEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

HIGHLIGHT_FILL = QColor(255, 221, 0)  # multiplied onto the page
HIGHLIGHT_EDGE = QColor(214, 84, 0)
EDGE_WIDTH = 2  # pixels, outside the rectangle so the print stays clear

Box = Sequence[float]  # (x0, y0, x1, y1) in image pixels


def highlighted_page(png: bytes, boxes: Sequence[Box]) -> QPixmap:
    """The page image from ``png`` bytes with ``boxes`` highlighted; only those rectangles are marked."""
    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB32)
    if boxes:
        rects = [QRect(QPoint(round(x0), round(y0)), QPoint(round(x1) - 1, round(y1) - 1)) for x0, y0, x1, y1 in boxes]
        painter = QPainter(image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
        for rect in rects:
            painter.fillRect(rect, HIGHLIGHT_FILL)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        for rect in rects:
            for side in edges(rect, EDGE_WIDTH):
                painter.fillRect(side, HIGHLIGHT_EDGE)
        painter.end()
    return QPixmap.fromImage(image)


def edges(rect: QRect, width: int) -> list[QRect]:
    """The four strips, ``width`` pixels wide, that frame ``rect`` just outside it."""
    outer = rect.adjusted(-width, -width, width, width)
    return [QRect(outer.left(), outer.top(), outer.width(), width),
            QRect(outer.left(), rect.bottom() + 1, outer.width(), width),
            QRect(outer.left(), rect.top(), width, rect.height()),
            QRect(rect.right() + 1, rect.top(), width, rect.height())]


def scroll_target(box: Box, viewport_width: int, viewport_height: int, margin: int = 12) -> tuple[int, int]:
    """The scroll position (x, y in image pixels) that shows ``box`` in a viewport of that size: centred where
    it fits, else its top left corner ``margin`` pixels in from the viewport's edge. Scroll bars clamp it."""
    x0, y0, x1, y1 = box
    x = (x0 + x1 - viewport_width) / 2 if x1 - x0 <= viewport_width else x0 - margin
    y = (y0 + y1 - viewport_height) / 2 if y1 - y0 <= viewport_height else y0 - margin
    return round(x), round(y)


class PageArea(QScrollArea):
    """The scrolling view of the page: takes focus (Tab or a click), scrolls with the arrow keys, and shows it
    has focus with a frame in the palette's highlight colour. Ctrl + mouse wheel emits ``zoom_step`` (+1 in,
    -1 out) instead of scrolling."""

    zoom_step = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setBackgroundRole(QPalette.ColorRole.Dark)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Dark)
        self.viewport().setAutoFillBackground(True)
        self.setWidgetResizable(False)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._show_focus(False)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt's name)
        super().focusInEvent(event)
        self._show_focus(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt's name)
        super().focusOutEvent(event)
        self._show_focus(False)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt's name)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.angleDelta().y():
            self.zoom_step.emit(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def _show_focus(self, focused: bool) -> None:
        self.setFrameShape(QFrame.Shape.Box)
        self.setFrameShadow(QFrame.Shadow.Plain)
        self.setLineWidth(2)
        palette = self.palette()
        role = QPalette.ColorRole.Highlight if focused else QPalette.ColorRole.Mid
        palette.setColor(QPalette.ColorRole.WindowText, palette.color(role))
        self.setPalette(palette)
