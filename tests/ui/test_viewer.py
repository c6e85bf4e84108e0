"""The source viewer on generated PDFs rendered by the real engine on its worker thread.

The highlight scrolled into view, fit to width and zoom, the page box with page numbers and printed labels,
keyboard use with accessible names, and how highlights are drawn in light and dark palettes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QStyle, QWidget

from desktop_app.engine import Engine, PageImage, page_reference
from desktop_app.ui.source_viewer import FIT_MARGIN, SourceViewer, page_place
from desktop_app.ui.tasks import TaskManager
from support import fidelity_pdfs
from support.library import FAST, index_all

LOW_SENTENCE = "The spare intake valve is kept in locker nine of the pump house."
MID_SENTENCE = "The pressure gauge on the intake reads between two and three bar."
TOP_SENTENCE = "Pump house maintenance schedule for the harbour station."
TIMEOUT = 30_000


def pump_manual(path: Path) -> Path:
    """Three A4 pages; page 2 has a heading at the top and ``LOW_SENTENCE`` near the bottom edge."""
    doc = pymupdf.open()
    for number in range(1, 4):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 90), f"{TOP_SENTENCE} Part {number}.", fontsize=12)
        for line in range(8):
            page.insert_text((72, 130 + 18 * line), f"Routine check {line + 1} of the pumps on page {number}.",
                             fontsize=10)
        if number == 2:
            page.insert_text((72, 560), MID_SENTENCE, fontsize=11)
            page.insert_text((72, 800), LOW_SENTENCE, fontsize=11)
    doc.set_metadata({"title": "Pump House Manual"})
    doc.save(path)
    doc.close()
    return path


def rects_of(path: Path, page: int, text: str) -> list[list[float]]:
    """Where ``text`` is on ``page`` of the PDF, as citations give it: [page, x0, y0, x1, y1] in points."""
    with pymupdf.open(path) as pdf:
        return [[page, r.x0, r.y0, r.x1, r.y1] for r in pdf[page - 1].search_for(text)]


@dataclass
class Library:
    home: Path
    ids: dict[str, int]
    files: dict[str, Path]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """A data folder with the pump manual and the labelled handbook indexed once (read-only for tests)."""
    folder = tmp_path_factory.mktemp("viewer-docs")
    files = {"pump": pump_manual(folder / "pump.pdf"), "handbook": fidelity_pdfs.page_labels_pdf(folder / "hb.pdf")}
    home = tmp_path_factory.mktemp("viewer-home")
    engine = Engine(home, FAST)
    try:
        indexed, failed = index_all(engine, list(files.values()))
        assert not failed and len(indexed) == 2
        by_path = {Path(d.path).name: d.id for d in engine.library.documents()}
    finally:
        engine.close()
    return Library(home, {name: by_path[path.name] for name, path in files.items()}, files)


@dataclass
class Viewer:
    """A source viewer whose page requests the engine renders on its worker, as the window does."""

    widget: SourceViewer
    tasks: TaskManager
    requests: list[tuple[int, int, float]] = field(default_factory=list)
    pending: int = 0
    errors: list[BaseException] = field(default_factory=list)

    def render(self, document_id: int, page: int, zoom: float, positions: list[list[float]]) -> None:
        self.requests.append((document_id, page, zoom))
        self.pending += 1
        self.tasks.run(lambda engine: engine.library.render_page(document_id, page, zoom, positions),
                       self._done, self._failed)

    def _done(self, image: PageImage) -> None:
        self.pending -= 1
        self.widget.show_page(image)

    def _failed(self, error: BaseException) -> None:
        self.pending -= 1
        self.errors.append(error)

    def settle(self, qtbot, page: int | None = None) -> PageImage:
        """Wait until every page asked for has been shown (and ``page`` is the one shown); the page shown."""
        def settled() -> bool:
            shown = self.widget.page
            return self.pending == 0 and shown is not None and (page is None or shown.page == page)

        qtbot.waitUntil(settled, timeout=TIMEOUT)
        qtbot.wait(30)  # the scroll made once the view has laid itself out
        assert not self.errors, self.errors
        assert self.widget.page is not None
        return self.widget.page

    def key(self, qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        target = QApplication.focusWidget() or self.widget.scroll_area
        qtbot.keyClick(target, key, modifier)


@pytest.fixture
def viewer(qtbot, library: Library) -> Iterator[Viewer]:
    widget = SourceViewer()
    qtbot.addWidget(widget)
    tasks = TaskManager(lambda: Engine(library.home, FAST), lambda error: None)
    harness = Viewer(widget, tasks)
    widget.page_requested.connect(harness.render)
    widget.resize(560, 520)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5_000)
    widget.scroll_area.setFocus()
    yield harness
    assert tasks.shutdown()


def visible_rect(v: Viewer, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``box`` (image pixels) in the coordinates of the view's viewport (the page moves as it scrolls)."""
    offset = v.widget.image.pos()
    return box[0] + offset.x(), box[1] + offset.y(), box[2] + offset.x(), box[3] + offset.y()


def centred_scroll(v: Viewer, box: tuple[float, float, float, float]) -> int:
    """Where the vertical scroll bar is with ``box`` in the middle of the view, as far as the page allows."""
    bar = v.widget.scroll_area.verticalScrollBar()
    wanted = round((box[1] + box[3]) / 2 - v.widget.scroll_area.viewport().height() / 2)
    return min(max(wanted, 0), bar.maximum())


def in_view(v: Viewer, box: tuple[float, float, float, float]) -> bool:
    """Whether ``box`` is in the view: all of it, or from its start where it is wider than the view."""
    x0, y0, x1, y1 = visible_rect(v, box)
    view = v.widget.scroll_area.viewport().size()
    across = x1 <= view.width() if x1 - x0 <= view.width() else x0 < view.width() / 4
    return x0 >= 0 and y0 >= 0 and across and y1 <= view.height()


def low_citation(library: Library) -> dict[str, object]:
    return {"number": 1, "document_id": library.ids["pump"], "document_title": "Pump House Manual", "page": 2,
            "positions": rects_of(library.files["pump"], 2, LOW_SENTENCE)}


def test_a_highlight_low_on_the_page_is_scrolled_to_the_middle_of_the_view(qtbot, viewer: Viewer,
                                                                             library: Library) -> None:
    viewer.widget.open_citation(low_citation(library))
    page = viewer.settle(qtbot, 2)
    area = viewer.widget.scroll_area
    assert page.height > area.viewport().height(), "the page is taller than the view"
    assert len(page.highlights) == 1 and page.highlights[0][1] > page.height * 0.9, "near the bottom of the page"
    assert area.verticalScrollBar().value() > 0 and in_view(viewer, page.highlights[0])
    assert abs(area.verticalScrollBar().value() - centred_scroll(viewer, page.highlights[0])) <= 1

    viewer.widget.open_citation({**low_citation(library), "positions": rects_of(library.files["pump"], 2,
                                                                                  MID_SENTENCE)})
    qtbot.waitUntil(lambda: area.verticalScrollBar().value() < page.height * 0.5, timeout=TIMEOUT)
    middle = viewer.settle(qtbot, 2).highlights[0]
    assert 0 < centred_scroll(viewer, middle) < area.verticalScrollBar().maximum(), "room to centre it"
    assert abs(area.verticalScrollBar().value() - centred_scroll(viewer, middle)) <= 1
    _, y0, _, y1 = visible_rect(viewer, middle)
    assert abs((y0 + y1) / 2 - area.viewport().height() / 2) <= 2, "in the middle of the view"

    top = {**low_citation(library), "positions": rects_of(library.files["pump"], 2, TOP_SENTENCE)}
    viewer.widget.open_citation(top)
    qtbot.waitUntil(lambda: area.verticalScrollBar().value() == 0, timeout=TIMEOUT)
    assert in_view(viewer, viewer.settle(qtbot, 2).highlights[0])


def test_fit_to_width_is_the_default_and_zoom_keeps_the_highlight_in_view(qtbot, viewer: Viewer,
                                                                            library: Library) -> None:
    widget, area = viewer.widget, viewer.widget.scroll_area
    fit = widget.buttons["Fit page to width"]
    widget.open_citation(low_citation(library))
    page = viewer.settle(qtbot, 2)
    extent = widget.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    room = area.maximumViewportSize().width() - extent - 2 * FIT_MARGIN
    assert fit.isChecked() and abs(page.width - room) <= 3, (page.width, room)
    assert area.horizontalScrollBar().maximum() == 0, "no sideways scrolling at fit to width"
    fitted = page.zoom

    viewer.key(qtbot, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: widget.page.zoom > fitted * 1.2, timeout=TIMEOUT)
    page = viewer.settle(qtbot, 2)
    assert page.zoom == pytest.approx(fitted * 1.25, rel=0.01) and not fit.isChecked()
    assert area.horizontalScrollBar().maximum() > 0 and in_view(viewer, page.highlights[0])
    qtbot.mouseClick(widget.buttons["Zoom in"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(widget.buttons["Zoom in"], Qt.MouseButton.LeftButton)  # before the first is shown
    qtbot.waitUntil(lambda: widget.page.zoom > fitted * 1.9, timeout=TIMEOUT)
    page = viewer.settle(qtbot)
    assert page.zoom == pytest.approx(fitted * 1.25 ** 3, rel=0.01)
    assert in_view(viewer, page.highlights[0]), "still in view after zooming in three times"
    area.setFocus()
    viewer.key(qtbot, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: widget.page.zoom < fitted * 1.9, timeout=TIMEOUT)
    zoomed = viewer.settle(qtbot)
    assert zoomed.zoom == pytest.approx(fitted * 1.25 ** 2, rel=0.01) and in_view(viewer, zoomed.highlights[0])

    widget.open_citation({**low_citation(library), "page": 3, "positions": []})
    assert viewer.settle(qtbot, 3).zoom == pytest.approx(zoomed.zoom), "the reader's zoom is kept"
    qtbot.mouseClick(fit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.page.zoom == pytest.approx(fitted, rel=0.02), timeout=TIMEOUT)
    assert fit.isChecked() and area.horizontalScrollBar().maximum() == 0
    widget.open_citation(low_citation(library))
    assert viewer.settle(qtbot, 2).zoom == pytest.approx(fitted, rel=0.02), "fit to width is kept too"

    widget.resize(760, 520)
    qtbot.waitUntil(lambda: widget.page.zoom > fitted * 1.2 and viewer.pending == 0, timeout=TIMEOUT)
    page = viewer.settle(qtbot)
    assert area.horizontalScrollBar().maximum() == 0 and in_view(viewer, page.highlights[0])
    widened = page.zoom
    qtbot.mouseClick(widget.buttons["Zoom out"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.page.zoom < widened * 0.9, timeout=TIMEOUT)
    assert not fit.isChecked()
    area.setFocus()
    viewer.key(qtbot, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: widget.page.zoom == pytest.approx(widened, rel=0.02), timeout=TIMEOUT)
    assert fit.isChecked() and in_view(viewer, viewer.settle(qtbot).highlights[0])

    position = QPointF(area.viewport().rect().center())
    wheel = QWheelEvent(position, area.viewport().mapToGlobal(position), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(area.viewport(), wheel)
    qtbot.waitUntil(lambda: widget.page.zoom == pytest.approx(widened * 1.25, rel=0.01), timeout=TIMEOUT)
    assert not fit.isChecked() and in_view(viewer, viewer.settle(qtbot).highlights[0]), "Ctrl + wheel zooms"


def test_the_page_box_takes_a_number_or_a_printed_label(qtbot, viewer: Viewer, library: Library) -> None:
    widget = viewer.widget
    box, total = widget.page_box, widget.page_total
    widget.open_citation({"document_id": library.ids["handbook"], "page": 6, "positions": []})
    page = viewer.settle(qtbot, 6)
    assert page.label == "2" and page.labels[:5] == ("i", "ii", "iii", "iv", "1")
    assert widget.title.text() == f"{page.title}, p. 2 (PDF page 6) · page 6 of 8"
    assert box.text() == "2" and total.text() == "(page 6 of 8)"

    def go(typed: str) -> None:
        box.setFocus()
        box.selectAll()
        qtbot.keyClicks(box, typed)
        qtbot.keyClick(box, Qt.Key.Key_Return)

    go("iv")
    assert viewer.settle(qtbot, 4).label == "iv" and box.text() == "iv"
    assert "p. iv (PDF page 4)" in widget.title.text()
    go("3")
    assert viewer.settle(qtbot, 7).label == "3", "a printed label before a PDF page number"
    go("8")
    assert viewer.settle(qtbot, 8).label == "4", "a page number no label has"
    go("IV")
    viewer.settle(qtbot, 4)
    requests = len(viewer.requests)
    go("ix")
    assert len(viewer.requests) == requests and widget.page.page == 4 and box.text() == "iv"
    assert widget.message.isVisible() and "There is no page “ix” in this document" in widget.message.text()

    widget.scroll_area.setFocus()
    viewer.key(qtbot, Qt.Key.Key_PageDown)
    assert viewer.settle(qtbot, 5).label == "1" and not widget.message.isVisible()
    viewer.key(qtbot, Qt.Key.Key_PageUp)
    viewer.key(qtbot, Qt.Key.Key_PageUp)
    viewer.settle(qtbot, 3)
    qtbot.mouseClick(widget.buttons["Previous page"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(widget.buttons["Previous page"], Qt.MouseButton.LeftButton)
    viewer.settle(qtbot, 1)
    assert not widget.buttons["Previous page"].isEnabled() and box.text() == "i"
    viewer.key(qtbot, Qt.Key.Key_PageUp)
    assert viewer.settle(qtbot, 1) and viewer.pending == 0
    qtbot.mouseClick(widget.buttons["Next page"], Qt.MouseButton.LeftButton)
    viewer.settle(qtbot, 2)

    widget.open_citation(low_citation(library))
    page = viewer.settle(qtbot, 2)
    assert widget.title.text() == "Pump House Manual, p. 2 · page 2 of 3"
    assert box.text() == "2" and total.text() == "of 3"


def test_every_control_is_reached_by_tab_has_a_name_and_the_page_scrolls_with_the_arrow_keys(
        qtbot, viewer: Viewer, library: Library) -> None:
    widget, area = viewer.widget, viewer.widget.scroll_area
    widget.open_citation(low_citation(library))
    viewer.settle(qtbot, 2)
    controls: list[QWidget] = [b for b in widget.buttons.values() if b.isVisible()] + [widget.page_box, area]
    assert all(c.isEnabled() for c in controls)
    area.setFocus()
    reached: list[QWidget] = []
    for _ in range(2 * len(controls)):
        viewer.key(qtbot, Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert set(controls) <= set(reached), [c.accessibleName() for c in controls if c not in reached]
    assert all(c.accessibleName() for c in controls)
    assert {b.accessibleName() for b in widget.findChildren(QPushButton) if b.isVisible()} >= {
        "Previous page", "Next page", "Zoom in", "Zoom out", "Fit page to width", "Open the PDF in the system viewer"}
    assert widget.findChild(QLineEdit).accessibleName() == "Page number"

    area.setFocus()
    bar = area.verticalScrollBar()
    start = bar.value()
    viewer.key(qtbot, Qt.Key.Key_Up)
    viewer.key(qtbot, Qt.Key.Key_Up)
    assert bar.value() < start
    viewer.key(qtbot, Qt.Key.Key_Down)
    assert start > bar.value() > start - 200
    viewer.key(qtbot, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: area.horizontalScrollBar().maximum() > 0 and viewer.pending == 0, timeout=TIMEOUT)
    viewer.settle(qtbot)
    across = area.horizontalScrollBar()
    across.setValue(0)
    viewer.key(qtbot, Qt.Key.Key_Right)
    assert across.value() > 0


def colour_at(image: QImage, x: float, y: float) -> QColor:
    return image.pixelColor(int(x), int(y))


def test_only_the_given_rectangles_are_highlighted_clearly_in_light_and_dark_palettes(
        qtbot, viewer: Viewer, library: Library) -> None:
    widget = viewer.widget
    blank = [[2, 300, 420, 420, 440], [2, 300, 480, 420, 500]]  # two strips of empty paper, a gap between
    lines = rects_of(library.files["pump"], 2, "Routine check 3 of the pumps on page 2.")
    widget.open_citation({"document_id": library.ids["pump"], "page": 2, "positions": blank + lines})
    page = viewer.settle(qtbot, 2)
    assert len(page.highlights) == 3
    image = widget.image.pixmap().toImage()
    (ax0, ay0, ax1, ay1), (bx0, by0, _, _), (tx0, ty0, tx1, ty1) = page.highlights
    inside = colour_at(image, (ax0 + ax1) / 2, (ay0 + ay1) / 2)
    assert inside.red() > 230 and inside.green() > 190 and inside.blue() < 60, inside.name()
    between = colour_at(image, (ax0 + ax1) / 2, (ay1 + by0) / 2)
    assert between == QColor(255, 255, 255), "paper between two highlights is not marked"
    beside = colour_at(image, ax0 - 30, (ay0 + ay1) / 2)
    assert beside == QColor(255, 255, 255)
    edge = colour_at(image, ax0 - 1, (ay0 + ay1) / 2)
    assert edge.red() > 150 and edge.green() < 140 and edge.blue() < 60, edge.name()
    plain = QImage.fromData(page.png)
    text = [(x, y) for x in range(int(tx0), int(tx1)) for y in range(int(ty0), int(ty1))
            if plain.pixelColor(x, y).lightness() < 60]
    assert text and all(colour_at(image, x, y).lightness() < 60 for x, y in text), "the print stays dark"

    original = QApplication.palette()
    try:
        for window_colour in (QColor(239, 239, 239), QColor(35, 35, 38)):  # a light and a dark desktop
            QApplication.setPalette(QPalette(window_colour))
            qtbot.wait(20)
            shot = widget.scroll_area.viewport().grab().toImage()
            offset = widget.image.pos()
            assert offset.x() >= FIT_MARGIN
            backdrop = QApplication.palette().color(QPalette.ColorRole.Dark)
            assert colour_at(shot, offset.x() / 2, 5).name() == backdrop.name(), "the page is on the palette's backdrop"
            marked = colour_at(shot, (ax0 + ax1) / 2 + offset.x(), (ay0 + ay1) / 2 + offset.y())
            outline = colour_at(shot, ax0 - 1 + offset.x(), (ay0 + ay1) / 2 + offset.y())
            assert marked == inside and outline == edge, "the highlight is drawn the same in either palette"
    finally:
        QApplication.setPalette(original)


def test_the_place_of_a_page_is_named_as_citations_name_it() -> None:
    def shown(kind: str, page: int, labels: tuple[str, ...] = (), ocr: tuple[int, ...] = ()) -> str:
        return page_place(PageImage(1, "Doc", page, 8, 1.0, labels=labels, ocr_pages=ocr, kind=kind))

    roman = ("i", "ii", "iii", "iv", "1", "2", "3", "4")
    assert shown("pdf", 6, roman) == page_reference(6, "2") == "p. 2 (PDF page 6)"
    assert shown("pdf", 3) == "p. 3" and shown("pdf", 3, ocr=(3,)) == "p. 3, text read by OCR"
    assert shown("pptx", 3, tuple(f"slide {n}" for n in range(1, 9))) == "slide 3"
    assert shown("xlsx", 2, ("Budget", "Budget", "Staff")) == "sheet Budget"
    assert shown("docx", 2) == "rendered p. 2"
    page = PageImage(1, "Doc", 6, 8, 1.0, labels=roman)
    assert [page.page_for(t) for t in ("iv", " IV ", "2", "8", "9", "ix", "")] == [4, 4, 6, 8, None, None, None]
