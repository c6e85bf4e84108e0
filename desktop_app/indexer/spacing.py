"""Word spaces and paragraphs for producers whose text MuPDF reads without them.

Pure functions over PyMuPDF's ``page.get_text("dict")`` / ``"rawdict"`` structures
(coordinates in PDF points), run in the PDF worker (``pdf_worker.text_blocks``).

- **Word spaces from gaps** (``lacks_spaces``, ``space_by_gaps``): a producer
  that writes no space characters (Korean TeX, as in kotex-doc.pdf) leaves
  MuPDF to guess the spaces from the gaps between glyphs, and beside wide
  Hangul glyphs it finds none ("현재사설저장소는CTAN에"). On a page whose text
  lacks spaces, the glyph boxes are read instead and a gap of ``WORD_GAP`` of
  the font size or more becomes a space.
- **Paragraphs** (``lines_as_blocks``, ``paragraphs``): such a producer's lines
  also come from MuPDF as blocks of their own, so a word broken at a line end
  was never joined (``layout.join_lines`` joins the lines of one block). A line
  that goes on from a full line before it is put back into that line's block.
"""

from __future__ import annotations

import re
from typing import Any

from desktop_app.indexer.layout import LIST_START

WORD_GAP = 0.15
"""A gap between two glyphs of a line of at least this share of the font size is a word space. On kotex-doc.pdf,
whose producer writes no spaces, the gaps inside words are at most 0.07 of the size, those between words at least
0.17 (0.30-0.42 for most)."""
SPACED_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\uac00-\ud7a3]")
"""Letters of scripts that separate words by spaces (Latin, Greek, Cyrillic, Hangul syllables)."""
MIN_SPACE_SHARE = 0.05
MIN_SPACED_LETTERS = 40
"""A page's text lacks spaces when it has at least ``MIN_SPACED_LETTERS`` such letters and fewer spaces than
``MIN_SPACE_SHARE`` of them: English text has about one space per five letters, Korean one per three syllables."""


def lacks_spaces(text: str) -> bool:
    """Whether a page's ``text`` is written in a script that separates words with spaces, but holds almost none."""
    letters = len(SPACED_LETTER.findall(text))
    return letters >= MIN_SPACED_LETTERS and text.count(" ") < MIN_SPACE_SHARE * letters


def space_by_gaps(blocks: list[dict[str, Any]]) -> None:
    """Give each span of PyMuPDF "rawdict" ``blocks`` its ``"text"``, in place, from its characters (dropped), with a
    space wherever the gap to the line's previous glyph, along the line's direction, is at least ``WORD_GAP`` of
    the font size and neither glyph is a space already."""
    for block in blocks:
        for line in block.get("lines", []):
            dx, dy = line.get("dir", (1.0, 0.0))
            reach: float | None = None
            previous = ""
            for span in line.get("spans", []):
                if "chars" not in span:
                    continue
                gap = WORD_GAP * float(span.get("size", 0.0))
                parts: list[str] = []
                for char in span.pop("chars"):
                    x0, y0, x1, y1 = char["bbox"]
                    along = [x * dx + y * dy for x in (x0, x1) for y in (y0, y1)]
                    if reach is not None and min(along) - reach >= gap and char["c"].strip() and previous.strip():
                        parts.append(" ")
                    parts.append(char["c"])
                    reach, previous = max(along), char["c"]
                span["text"] = "".join(parts)


LINES_AS_BLOCKS = 8
LINES_AS_BLOCKS_SHARE = 0.9


def lines_as_blocks(blocks: list[dict[str, Any]]) -> bool:
    """Whether MuPDF gave a page's lines as blocks of their own: at least ``LINES_AS_BLOCKS`` text blocks, and
    ``LINES_AS_BLOCKS_SHARE`` of them a single line: 7 of kotex-doc.pdf's 18 pages, 1 of the ReportLab guide's 134,
    and 7 of the 658 pages of the English and Korean benchmark PDFs, whose quotes and retrieval did not change."""
    text = [block for block in blocks if block.get("type") == 0 and block.get("lines")]
    return len(text) >= LINES_AS_BLOCKS and sum(len(b["lines"]) == 1 for b in text) >= LINES_AS_BLOCKS_SHARE * len(text)


def paragraphs(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PyMuPDF text ``blocks`` with each block that goes on from the one before it merged into it, for a page whose
    lines MuPDF gives as blocks of their own (``lines_as_blocks``; Korean TeX, see ``space_by_gaps``).

    A block goes on from the block before it when its first line is set in the same size as that block's last
    line, starts below it within a line's height, does not open a list item (``layout.LIST_START``), and that
    last line is full: it reaches the right edge of the text it is set in, within ``FULL_LINE_SLACK`` of the size
    (the last line of a paragraph is usually short). A hanging indent (a description item's second line) is
    merged too.
    """
    lines = [line for block in blocks if block.get("type") == 0 for line in block.get("lines", [])]
    merged: list[dict[str, Any]] = []
    for block in blocks:
        previous = merged[-1] if merged and merged[-1].get("type") == 0 and merged[-1].get("lines") else None
        if previous is not None and block.get("type") == 0 and block.get("lines") \
                and goes_on(previous["lines"][-1], block["lines"][0], lines):
            previous["lines"].extend(block["lines"])
            box = previous["bbox"]
            previous["bbox"] = (min(box[0], block["bbox"][0]), min(box[1], block["bbox"][1]),
                                max(box[2], block["bbox"][2]), max(box[3], block["bbox"][3]))
        else:
            merged.append(block)
    return merged


FULL_LINE_SLACK = 1.5
"""How far short of its text's right edge, in multiples of its size, a line may end and still be full."""


def line_size(line: dict[str, Any]) -> float:
    """The size of the line's longest span."""
    spans = [span for span in line.get("spans", []) if span.get("text", "").strip()]
    return float(max(spans, key=lambda s: len(s["text"]))["size"]) if spans else 0.0


def goes_on(last: dict[str, Any], first: dict[str, Any], lines: list[dict[str, Any]]) -> bool:
    """Whether line ``first`` continues the paragraph whose last line is ``last`` (see ``paragraphs``); ``lines``:
    every text line of the page, which give the right edge of the text ``last`` is set in."""
    size = line_size(last)
    if not size or abs(line_size(first) - size) > 0.3:
        return False
    x0, top, x1, bottom = last["bbox"]
    if not 0 <= first["bbox"][1] - bottom < bottom - top:
        return False
    text = "".join(span.get("text", "") for span in first.get("spans", [])).strip()
    if not text or LIST_START.match(text):
        return False
    right = max(float(line["bbox"][2]) for line in lines if line["bbox"][0] < x1 and x0 < line["bbox"][2]
                and abs(line_size(line) - size) <= 0.3)
    return bool(x1 >= right - FULL_LINE_SLACK * size)
