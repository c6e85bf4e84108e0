"""The cited page, rendered by the engine, with the passage highlighted and scrolled into view.

Fit to width (the default, kept until the reader zooms), zoom in and out, a page box that takes a page number
or a printed page label, and page turning, all by keyboard as well as by mouse.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import PageImage, page_reference
from desktop_app.ui.page_canvas import PageArea, highlighted_page, scroll_target

MIN_ZOOM, MAX_ZOOM = 0.25, 4.0  # the engine renders within these
ZOOM_STEP = 1.25
FIT_MARGIN = 8  # pixels left free beside a page fitted to the width
REFIT_TOLERANCE = 0.02  # a fitted page within 2 % of the width is not rendered again
ASSUMED_PAGE_WIDTH = 595.0  # PDF points (A4), until a page of the document has been seen


def page_place(page: PageImage) -> str:
    """Where the shown page is, as citations give it: "p. 6", "p. iv (PDF page 6)", "slide 3", "sheet Budget"."""
    labelled = page.label != str(page.page)
    if page.kind == "pptx":
        return page.label if labelled else f"slide {page.page}"
    if page.kind == "xlsx" and labelled:
        return f"sheet {page.label}"
    if page.kind != "pdf":
        return f"rendered p. {page.page}"
    return page_reference(page.page, page.label, page.ocr)


class SourceViewer(QWidget):
    """Asks for pages through ``page_requested(document_id, page, zoom, positions)``; shows what ``show_page``
    gives it (a ``PageImage``). ``open_citation`` takes a citation or quote as a dict: ``document_id``, ``page``
    (1-based) and ``positions`` ([page, x0, y0, x1, y1] in PDF points) are used, other keys are ignored.

    The first highlight on the page is scrolled into the middle of the view when a citation opens, and again
    after zooming when it was in view. A page of a password-protected document whose password the engine
    does not hold comes without an image; the window asks for the password, and "Enter password…" asks again
    after a cancel.
    """

    page_requested = Signal(int, int, float, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page: PageImage | None = None
        self.positions: list[list[float]] = []
        self.zoom = 1.25  # the reader's own zoom, used when ``fit_width`` is off
        self.fit_width = True
        self._page_widths: dict[int, float] = {}  # document id -> width of its last page seen, in PDF points
        self._reveal = "highlight"  # what to scroll to when the requested page arrives: highlight, keep, top
        self._kept_centre = (0.5, 0.0)  # the view's centre as a fraction of the page, for "keep"
        self._refitted = False
        self._asked: tuple[int, int] | None = None  # the document and page asked for last, maybe not yet shown
        self._asked_zoom = 0.0  # and the zoom it was asked at
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(150)
        self._refit_timer.timeout.connect(self._refit)

        self.title = QLabel("Click a citation to see its page here.")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.image = QLabel()
        self.image.setAccessibleName("Rendered page")
        self.image.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.scroll_area = scroll = PageArea()
        scroll.setWidget(self.image)
        scroll.zoom_step.connect(lambda steps: self._zoom(ZOOM_STEP ** steps))
        scroll.setAccessibleName("Page image")
        scroll.setAccessibleDescription("The cited page. Use the arrow keys to scroll it.")

        self.buttons: dict[str, QPushButton] = {}
        self.page_box = QLineEdit()
        self.page_box.setAccessibleName("Page number")
        self.page_box.setAccessibleDescription("Type a page number or a printed page label, then press Enter.")
        self.page_box.setToolTip("Type a page number or a printed page label, then press Enter")
        self.page_box.setMaximumWidth(64)
        self.page_box.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.page_box.setEnabled(False)
        self.page_box.returnPressed.connect(self._go_to_typed_page)
        self.page_total = QLabel()
        self.page_total.setAccessibleName("Page count")
        self.zoom_label = QLabel()
        self.zoom_label.setAccessibleName("Zoom")

        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        row = QHBoxLayout()
        self._button(row, "◀", "Previous page", "Page Up", lambda: self._turn(-1))
        row.addWidget(self.page_box)
        row.addWidget(self.page_total)
        self._button(row, "▶", "Next page", "Page Down", lambda: self._turn(1))
        row.addSpacing(12)
        self._button(row, "−", "Zoom out", "Ctrl+-", lambda: self._zoom(1 / ZOOM_STEP))
        self._button(row, "+", "Zoom in", "Ctrl++", lambda: self._zoom(ZOOM_STEP))
        fit = self._button(row, "Fit", "Fit page to width", "Ctrl+0", self.fit_to_width)  # short: 1024 px
        fit.setCheckable(True)
        fit.setChecked(True)
        row.addWidget(self.zoom_label)
        row.addStretch(1)
        self._button(header, "Open in system viewer", "Open the PDF in the system viewer", "", self._open_external)
        unlock = self._button(header, "Enter password…", "Enter the password of this document", "",
                              lambda: self._turn(0))
        unlock.hide()
        for text in ("◀", "▶", "−", "+"):
            button = next(b for b in self.buttons.values() if b.text() == text)
            button.setMaximumWidth(button.fontMetrics().horizontalAdvance("  ◀  ") + 16)

        self._shortcut(QKeySequence.StandardKey.ZoomIn, lambda: self._zoom(ZOOM_STEP))
        self._shortcut(QKeySequence("Ctrl+="), lambda: self._zoom(ZOOM_STEP))
        self._shortcut(QKeySequence.StandardKey.ZoomOut, lambda: self._zoom(1 / ZOOM_STEP))
        self._shortcut(QKeySequence("Ctrl+0"), self.fit_to_width)
        self._shortcut(QKeySequence(Qt.Key.Key_PageUp), lambda: self._turn(-1))
        self._shortcut(QKeySequence(Qt.Key.Key_PageDown), lambda: self._turn(1))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        layout.addLayout(row)
        order = [scroll, self.buttons["Previous page"], self.page_box, *list(self.buttons.values())[1:]]
        for before, after in zip(order, order[1:], strict=False):
            self.setTabOrder(before, after)

    def _button(self, row: QHBoxLayout, text: str, name: str, keys: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(f"{name} ({keys})" if keys else name)
        button.setAccessibleName(name)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.clicked.connect(slot)
        button.setEnabled(False)
        row.addWidget(button)
        self.buttons[name] = button
        return button

    def _shortcut(self, keys: QKeySequence | QKeySequence.StandardKey, slot: Any) -> None:
        shortcut = QShortcut(keys, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # --- what the window calls --------------------------------------------------------------
    def open_citation(self, citation: dict[str, Any]) -> None:
        """Ask for the cited page, to be shown with its ``positions`` highlighted and the first in view."""
        self.positions = [list(p) for p in citation.get("positions", [])]
        self._request(int(citation["document_id"]), int(citation["page"]), "highlight")

    def show_page(self, page: PageImage) -> None:
        """Show ``page``: its image, highlights, place and page box; scroll as the request asked."""
        self.page = page
        self.title.setText(f"{page.title}, {page_place(page)} · page {page.page} of {page.page_count}")
        self.message.setText(page.message)
        self.message.setVisible(bool(page.message))
        shown = bool(page.png)
        for button in self.buttons.values():
            button.setEnabled(shown)
        self.buttons["Previous page"].setEnabled(shown and page.page > 1)
        self.buttons["Next page"].setEnabled(shown and page.page < page.page_count)
        self.buttons["Open the PDF in the system viewer"].setEnabled(bool(page.source_path))
        unlock = self.buttons["Enter the password of this document"]
        unlock.setEnabled(page.needs_password)
        unlock.setVisible(page.needs_password)
        self._show_place(page)
        if not shown:
            self.image.clear()
            self.image.resize(0, 0)
            return
        self._page_widths[page.document_id] = page.width / page.zoom
        if not self.fit_width:
            self.zoom = page.zoom
        self.zoom_label.setText(f"{round(page.zoom * 100)}%")
        pixmap = highlighted_page(page.png, page.highlights)
        self.image.setPixmap(pixmap)
        self.image.resize(pixmap.size())
        self._scroll_into_place()
        QTimer.singleShot(0, self, self._scroll_into_place)  # again once a hidden view has laid itself out
        if self.fit_width and not self._refitted and self._off_fit(page):
            self._refitted = True  # once: the width of this document's pages was a guess
            self._asked_zoom = self._fit_zoom(page.document_id)
            self.page_requested.emit(page.document_id, page.page, self._asked_zoom, self.positions)
        else:
            self._refitted = False

    def fit_to_width(self) -> None:
        """Zoom so the page fills the view's width, and keep doing so for the pages opened after it."""
        self.fit_width = True
        self.buttons["Fit page to width"].setChecked(True)
        if self.page is not None and self.page.png and self._off_fit(self.page):
            self._request(self.page.document_id, self.page.page, self._after_zoom())

    # --- page turning ----------------------------------------------------------------------
    def _show_place(self, page: PageImage) -> None:
        self.page_box.setEnabled(bool(page.png))
        self.page_box.setText(page.label)
        total = f"of {page.page_count}"
        self.page_total.setText(total if page.label == str(page.page) else f"(page {page.page} {total})")
        self.page_total.setMinimumWidth(self.page_total.sizeHint().width())  # "of 134" is never cut to "of 13"

    def _turn(self, step: int) -> None:
        if self.page is None or (step and not self.page.png):
            return
        current = self._asked[1] if self._asked and self._asked[0] == self.page.document_id else self.page.page
        target = min(max(current + step, 1), self.page.page_count)  # from the page asked for, when keys repeat
        if step == 0 or target != current:
            self._request(self.page.document_id, target, "highlight")

    def _go_to_typed_page(self) -> None:
        if self.page is None:
            return
        typed = self.page_box.text().strip()
        target = self.page.page_for(typed)
        if target is None:
            count = self.page.page_count
            self.message.setText(f"There is no page “{typed}” in this document. It has {count} "
                                 f"page{'s' if count != 1 else ''}; type a number from 1 to {count}"
                                 f"{' or a printed page label' if self.page.labels else ''}.")
            self.message.show()
            self._show_place(self.page)
            return
        self._request(self.page.document_id, target, "highlight")

    # --- zoom ------------------------------------------------------------------------------
    def _zoom(self, factor: float) -> None:
        if self.page is None or not self.page.png:
            return
        current = self._asked_zoom or self.page.zoom  # from the zoom asked for, when keys repeat
        zoom = min(max(current * factor, MIN_ZOOM), MAX_ZOOM)
        self.fit_width = False
        self.buttons["Fit page to width"].setChecked(False)
        if abs(zoom - current) > 1e-6:
            self.zoom = zoom
            self._request(self.page.document_id, self.page.page, self._after_zoom())

    def _after_zoom(self) -> str:
        """How to scroll after a zoom: back to the highlight when it is in view, else to the same place."""
        bars = self.scroll_area.horizontalScrollBar(), self.scroll_area.verticalScrollBar()
        view = self.scroll_area.viewport().size()
        size = self.image.size()
        self._kept_centre = ((bars[0].value() + view.width() / 2) / max(size.width(), 1),
                             (bars[1].value() + view.height() / 2) / max(size.height(), 1))
        return "highlight" if self._highlight_in_view() else "keep"

    def _highlight_in_view(self) -> bool:
        if self.page is None or not self.page.highlights:
            return False
        x0, y0, x1, y1 = self.page.highlights[0]
        left, top = self.scroll_area.horizontalScrollBar().value(), self.scroll_area.verticalScrollBar().value()
        view = self.scroll_area.viewport().size()
        return x1 > left and x0 < left + view.width() and y1 > top and y0 < top + view.height()

    def _fit_zoom(self, document_id: int) -> float:
        """The zoom that makes a page of this document as wide as the view, a vertical scroll bar allowed for."""
        extent = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width = self.scroll_area.maximumViewportSize().width() - extent - 2 * FIT_MARGIN
        points = self._page_widths.get(document_id, ASSUMED_PAGE_WIDTH)
        return min(max(width / points, MIN_ZOOM), MAX_ZOOM)

    def _off_fit(self, page: PageImage) -> bool:
        fit = self._fit_zoom(page.document_id)
        return abs(fit - page.zoom) > REFIT_TOLERANCE * fit

    def _refit(self) -> None:
        if self.fit_width and self.page is not None and self.page.png and self._off_fit(self.page):
            self._request(self.page.document_id, self.page.page, self._after_zoom())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.fit_width and self.page is not None and self.page.png:
            self._refit_timer.start()

    # --- requests and scrolling ------------------------------------------------------------
    def _request(self, document_id: int, page: int, reveal: str) -> None:
        self._reveal = reveal
        self._refitted = False
        self._asked = (document_id, page)
        zoom = self._fit_zoom(document_id) if self.fit_width else self.zoom
        self._asked_zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.page_requested.emit(document_id, page, zoom, self.positions)

    def _scroll_into_place(self) -> None:
        """Scroll as the last request asked: the first highlight to the middle, the same spot, or the top."""
        page = self.page
        if page is None or not page.png:
            return
        across, down = self.scroll_area.horizontalScrollBar(), self.scroll_area.verticalScrollBar()
        view = self.scroll_area.viewport().size()
        if self._reveal == "highlight" and page.highlights:
            x, y = scroll_target(page.highlights[0], view.width(), view.height())
        elif self._reveal == "keep":
            x = round(self._kept_centre[0] * page.width - view.width() / 2)
            y = round(self._kept_centre[1] * page.height - view.height() / 2)
        else:
            x, y = round((page.width - view.width()) / 2), 0
        across.setValue(x)
        down.setValue(y)

    def _open_external(self) -> None:
        if self.page is not None and self.page.source_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.page.source_path))
