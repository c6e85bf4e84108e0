"""Highlights land on the text of pages turned by /Rotate and of pages whose crop box is offset.

Each page carries one red sentence among black ones. It is indexed through the
real engine, the question is answered (a fake model writes the reply), and the
page is rendered with the citation's chunk boxes and with the quote's line
boxes. The test reads the rendered PNG itself: every red glyph pixel must lie
inside the highlight, and the quote's highlight must hold no black glyph pixel
of the lines around it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymupdf
import pytest

from desktop_app.engine import Answer, Engine, PageImage
from support.answers import final
from support.fake_model import use_fake_model
from support.library import index_all

LINES = [
    "Archive procedures",
    "Visitors sign the register at the front desk before entering the reading room.",
    "The archive opens at eight in the morning on weekdays.",
    "The spare key for the archive room is kept in the blue cabinet.",
    "Photographs of the documents may be taken without flash.",
]
KEY = 3
QUESTION = "Where is the spare key for the archive room kept?"
ZOOM = 2.0
CROP = (40, 60, 555, 800)

CASES = {
    "no rotation": {},
    "rotate 90": {"rotation": 90},
    "rotate 180": {"rotation": 180},
    "rotate 270": {"rotation": 270},
    "crop box offset": {"crop": CROP},
    "crop box offset, rotate 90": {"crop": CROP, "rotation": 90},
    "media and crop box off the origin, rotate 270": {"boxes": ("[20 30 615 872]", "[50 90 560 840]"),
                                                     "rotation": 270},
    "landscape text shown upright by rotate 90": {"landscape": True, "rotation": 90},
}


def write_lines(page: pymupdf.Page, landscape: bool) -> None:
    """The lines one under another as the reader sees them; the key line red."""
    for number, line in enumerate(LINES):
        style = {"fontsize": 16 if number == 0 else 11, "fontname": "hebo" if number == 0 else "helv",
                 "color": (1, 0, 0) if number == KEY else (0, 0, 0)}
        if landscape:  # reads upwards on the stored page, so /Rotate 90 turns it upright
            page.insert_text((120 + 18 * number, 700), line, rotate=90, **style)  # type: ignore[arg-type]
        else:
            page.insert_text((90, 120 + 18 * number), line, **style)  # type: ignore[arg-type]


def case_pdf(path: Path, rotation: int = 0, crop: tuple[float, ...] | None = None,
             boxes: tuple[str, str] | None = None, landscape: bool = False) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    write_lines(page, landscape)
    if crop:
        page.set_cropbox(pymupdf.Rect(crop))
    if boxes:
        doc.xref_set_key(page.xref, "MediaBox", boxes[0])
        doc.xref_set_key(page.xref, "CropBox", boxes[1])
    page.set_rotation(rotation)
    doc.save(path)
    doc.close()
    return path


def rgb(image: PageImage) -> np.ndarray:
    pix = pymupdf.Pixmap(image.png)
    assert (pix.width, pix.height, pix.n) == (image.width, image.height, 3)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).astype(int)


def red(pixels: np.ndarray) -> np.ndarray:
    return (pixels[..., 0] > 180) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)


def black(pixels: np.ndarray) -> np.ndarray:
    return pixels.max(axis=2) < 90


def covered(shape: tuple[int, ...], boxes: list[tuple[float, float, float, float]], grow: float) -> np.ndarray:
    """The pixels inside the union of ``boxes``, each grown by ``grow`` pixels on every side."""
    mask = np.zeros(shape[:2], dtype=bool)
    for x0, y0, x1, y1 in boxes:
        assert x0 < x1 and y0 < y1
        mask[max(int(y0 - grow), 0):max(int(y1 + grow + 1), 0), max(int(x0 - grow), 0):max(int(x1 + grow + 1), 0)] \
            = True
    return mask


def answer_over(engine: Engine, pdf: Path) -> Answer:
    indexed, failed = index_all(engine, [pdf])
    assert indexed and not failed
    use_fake_model(engine, "In the blue cabinet [1].")
    return final(engine.ask(QUESTION))


@pytest.mark.parametrize("case", list(CASES))
def test_chunk_and_quote_highlights_cover_the_text_as_rendered(engine: Engine, tmp_path: Path, case: str) -> None:
    pdf = case_pdf(tmp_path / "page.pdf", **CASES[case])  # type: ignore[arg-type]
    answer = answer_over(engine, pdf)
    quote = answer.evidence[0]
    assert quote.quote == LINES[KEY] and quote.rects
    citation = answer.citations[0]

    passage = engine.library.render_page(citation.document_id, citation.page, ZOOM, citation.positions)
    pixels = rgb(passage)
    key = red(pixels)
    assert key.sum() > 300, "the red sentence is on the rendered page"
    chunk_area = covered(pixels.shape, passage.highlights, grow=1)
    assert passage.highlights and not (key & ~chunk_area).any(), "the passage highlight covers the sentence"
    assert chunk_area.mean() < 0.5, "the passage highlight is not the whole page"

    sentence = engine.library.render_page(quote.document_id, quote.page, ZOOM, quote.rects)
    assert len(sentence.highlights) == 1 and sentence.png == passage.png
    assert not (key & ~covered(pixels.shape, sentence.highlights, grow=1)).any(), "the quote covers its red glyphs"
    assert not (black(pixels) & covered(pixels.shape, sentence.highlights, grow=-1)).any(), \
        "the quote highlight holds none of the black lines around it"


def test_rectangles_stay_in_text_space_and_only_rendering_turns_them(engine: Engine, tmp_path: Path) -> None:
    """The stored boxes of a turned page equal those of the same page unturned; only the drawn ones differ."""
    plain = answer_over(engine, case_pdf(tmp_path / "plain.pdf"))
    engine.library.remove(plain.evidence[0].document_id)
    turned = answer_over(engine, case_pdf(tmp_path / "turned.pdf", rotation=90))
    assert turned.evidence[0].rects == plain.evidence[0].rects
    assert turned.citations[0].positions == plain.citations[0].positions
    x0, y0, x1, y1 = plain.evidence[0].rects[0][1:]
    drawn = engine.library.render_page(turned.evidence[0].document_id, 1, 1.0, turned.evidence[0].rects)
    assert (drawn.width, drawn.height) == (842, 595)
    assert drawn.highlights == [pytest.approx((842 - y1, x0, 842 - y0, x1))]
