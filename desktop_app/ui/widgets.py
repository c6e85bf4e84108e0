"""Small widgets: the error banner, the context meter, wrapping rich text, chips and keyboard buttons."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QTextCursor, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

from desktop_app.engine import AppError, PromptParts

IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
HTML_TAG = re.compile(r"<[^>]+>")
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def safe_markdown(text: str) -> str:
    """Markdown with images and raw HTML removed, so nothing remote is ever loaded."""
    text = IMAGE.sub(lambda m: f"[image: {m.group(1)}]" if m.group(1) else "[image]", text)
    return HTML_TAG.sub("", text)


class RichText(QTextBrowser):
    """Read-only text shown like a label that never widens its parent.

    It wraps to its width, breaking long words, URLs and code lines anywhere
    (a code block's lines wrap too), and is as tall as its text for that
    width (``heightForWidth``; no vertical scroll bar). What cannot shrink (a
    wide table) scrolls sideways inside it. Links are never followed:
    ``linkActivated`` reports them (the link's text, e.g. ``quote:0``); with
    the keyboard, Tab moves through the links, then on to the next widget,
    and Enter opens the focused link. ``text()`` gives back what was set.
    """

    linkActivated = Signal(str)  # noqa: N815 (QLabel's name, so a label can be replaced by this)

    def __init__(self, text: str = "", rich: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = ""
        self.rich = rich
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.document().setDocumentMargin(2)
        self.viewport().setAutoFillBackground(False)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.anchorClicked.connect(self._anchor)
        self.document().contentsChanged.connect(self.updateGeometry)
        if text:
            self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        """Show ``text``: HTML for rich text, else plain text."""
        self._source = text
        if self.rich:
            self.setHtml(text)
        else:
            self.setPlainText(text)
        unbreak_code(self)
        self.updateGeometry()

    def text(self) -> str:
        return self._source

    def _anchor(self, url: QUrl) -> None:
        self.linkActivated.emit(url.toString())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        href = self.textCursor().charFormat().anchorHref() if self.textCursor().hasSelection() else ""
        if href and (event.key() in ENTER_KEYS or event.key() == Qt.Key.Key_Space):
            self.linkActivated.emit(href)
            return
        super().keyPressEvent(event)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt's name)
        """The height that shows all the text at ``width`` pixels (with a sideways scroll bar if needed)."""
        margins = self.contentsMargins()
        inner = max(width - margins.left() - margins.right(), 1)
        document = self.document()
        old = document.textWidth()
        document.setTextWidth(inner)
        height = math.ceil(document.size().height())
        wider = document.idealWidth() > inner + 1
        document.setTextWidth(old)
        bar = self.horizontalScrollBar().sizeHint().height() if wider else 0
        return height + bar + margins.top() + margins.bottom() + 1

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        width = self.width() if self.width() > 1 else 400
        return QSize(min(math.ceil(self.document().idealWidth()) + 4, 400), self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(40, self.heightForWidth(self.width()) if self.width() > 1 else 16)


def unbreak_code(view: QTextEdit) -> None:
    """Let code blocks wrap like the rest (Markdown makes their lines unbreakable)."""
    block = view.document().begin()
    while block.isValid():
        fmt = block.blockFormat()
        if fmt.nonBreakableLines():
            fmt.setNonBreakableLines(False)
            QTextCursor(block).setBlockFormat(fmt)
        block = block.next()


class MarkdownLabel(RichText):
    """Selectable Markdown text whose links are only reported, never opened; it wraps to its width."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__("", True, parent)
        self.set_markdown(text)

    def set_markdown(self, text: str) -> None:
        self.raw = text
        self._source = safe_markdown(text)
        self.setMarkdown(self._source)
        unbreak_code(self)
        self.updateGeometry()


class KeyButton(QPushButton):
    """A push button that Enter and Return press as well as Space."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in ENTER_KEYS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.click()
            return
        super().keyPressEvent(event)


class Chip(KeyButton):
    """A button whose text is cut short with "…" where its row is narrower than it (``text()`` and the
    tooltip keep all of it), so a long title never widens its card."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 80), hint.height())

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        room = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, self).width() - 8
        option.text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, max(room, 10))
        painter = QStylePainter(self)
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)


def user_message(error: BaseException) -> str:
    """What the banner says for ``error``: an ``AppError``'s own message, else a generic one."""
    if isinstance(error, AppError):
        return str(error)
    return f"Something went wrong ({type(error).__name__}: {error}). Your library is unchanged; try again."


class ErrorBanner(QWidget):
    """The one place errors are shown: an inline banner with what to do next."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("Dismiss")
        close.setAccessibleName("Dismiss error")
        close.clicked.connect(self.hide)
        self.action = QPushButton()
        self.action.hide()
        self.action.clicked.connect(self._act)
        self._do: Callable[[], None] | None = None
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action)
        layout.addWidget(close)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(220, 53, 69, 60))
        self.setPalette(palette)
        self.setAccessibleName("Error message")
        self.hide()

    def show_message(self, message: str, action: tuple[str, Callable[[], None]] | None = None) -> None:
        """Show ``message``; ``action`` (a button's text and what it does) offers the fix in one click."""
        self.label.setText(message)
        self._do = action[1] if action else None
        self.action.setText(action[0] if action else "")
        self.action.setAccessibleName(action[0] if action else "")
        self.action.setVisible(action is not None)
        self.show()

    def _act(self) -> None:
        if self._do is not None:
            self._do()
        self.hide()


class ContextMeter(QWidget):
    """How the model's context window is shared for the current question."""

    PARTS = (("instructions", "Instructions", QColor(108, 117, 125)), ("memory", "Memory", QColor(111, 66, 193)),
             ("sources", "Sources", QColor(13, 110, 253)), ("question", "Question", QColor(25, 135, 84)),
             ("answer_reserve", "Answer", QColor(253, 126, 20)))
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parts: PromptParts | None = None
        self.setMinimumHeight(14)
        self.setMaximumHeight(14)
        self.setAccessibleName("Context window use")
        self.summary = "Context window: no question asked yet"
        self.setToolTip(self.summary)

    def set_parts(self, parts: PromptParts | None, asked: bool = False) -> None:
        """Show how ``parts`` share the window; None: no prompt, before any question or, ``asked``, for an answer
        that made no model call (quotes only, an abstention, a curated or cached answer)."""
        self.parts = parts
        if parts is not None:
            used = ", ".join(f"{label} {getattr(parts, key)}" for key, label, _ in self.PARTS)
            self.summary = f"Context window {parts.window} tokens: {used}, free {parts.window - self.used()}"
        elif asked:
            self.summary = "Context window: not used, the last answer made no model call"
        else:
            self.summary = "Context window: no question asked yet"
        self.setToolTip(self.summary)
        self.update()
        self.changed.emit()

    def used(self) -> int:
        return sum(getattr(self.parts, key) for key, _, _ in self.PARTS) if self.parts else 0

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        rect = self.rect()
        painter.fillRect(rect, self.palette().color(QPalette.ColorRole.Midlight))
        if self.parts is None or self.parts.window <= 0:
            return
        x = 0.0
        for key, _, color in self.PARTS:
            width = rect.width() * getattr(self.parts, key) / self.parts.window
            painter.fillRect(int(x), 0, max(int(width), 1), rect.height(), color)
            x += width


class FlowLayout(QLayout):
    """Lays widgets out left to right and wraps them onto new lines (for citation chips)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt's name)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt's name)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt's name)
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt's name)
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt's name)
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt's name)
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt's name)
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            hint.setWidth(max(min(hint.width(), rect.width()), 1))  # a chip wider than the row is cut short
            if x + hint.width() > rect.right() and line > 0:
                x, y, line = rect.x(), y + line + self.spacing(), 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.spacing()
            line = max(line, hint.height())
        return y + line - rect.y()
