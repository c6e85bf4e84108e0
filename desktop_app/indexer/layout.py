"""What a reader sees on a page, in the order they read it: visible lines, columns, folded characters.

Pure functions over PyMuPDF's ``page.get_text("dict")`` structures (blocks of
lines of spans, coordinates in PDF points with y growing downwards), so they
run in the PDF worker and in tests without a document.

- **Hidden text** (``hidden_reason``): spans drawn with zero opacity, in
  render mode 3 (neither filled nor stroked), clipped away, smaller than
  ``MIN_VISIBLE_SIZE`` or white where nothing darker lies under them are left
  out, because a sentence no reader can see must not steer the answer.
  Invisible text over an image is kept: that is how OCR'd scans ("searchable
  PDFs") carry their text. The tests mirror ``Document.scrub``'s hidden-text
  rule in PyMuPDF, plus size and colour.
- **Reading order** (``reading_order``): recursive XY-cut (Nagy and Seth,
  "Hierarchical representation of optically scanned documents", ICPR 1984)
  over line boxes. A region is cut at its widest gap, either a horizontal band
  no line crosses or a vertical gutter between two columns, and each part is
  read in turn: top to bottom, left to right. Lines of two columns at the
  same heights are therefore never interleaved. Within a part, lines that
  share most of their height are one row, read left to right, so a bullet
  set a point lower than its item's text is read before it, and each list
  item whose marker is a line of its own becomes a block of its own.
- **Folding** (``fold_compatibility``): ligatures, full-width forms and other
  compatibility characters become their plain letters (NFKC), except Hangul
  compatibility jamo, which NFKC would turn into conjoining jamo.
- **Joining lines** (``join_lines``): a word broken at a line end by any
  hyphen kind a word processor writes is joined back; a Korean word broken
  by a line end is joined without a space where the producer shows that it
  writes the spaces at line ends, or, where it gives no such sign, where the
  document writes that pair of syllables inside a word more often than
  across a space (``HangulJoins``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FILLED, STROKED, CLIPPED = 16, 32, 64  # MuPDF's FZ_STEXT_* character flags
MIN_VISIBLE_SIZE = 1.5  # points; text smaller than this is not read by anyone
WHITE = 0xFFFFFF
NEAR_WHITE = 0xF0  # every channel at least this bright counts as white
LINE_HYPHENS = "-\u00ad\u2010\u2011\u2027\ufe63\uff0d"
SOFT_HYPHEN = "\u00ad"
MIN_COLUMN_GAP = 4.5  # points: a narrower vertical gap is a word space, not a gutter
MIN_COLUMN_SHARE = 0.18  # each side of a gutter spans at least this share of the region's width
MIN_COLUMN_LINES = 3  # lines on each side of a gutter
SAME_ROW_SHARE = 0.6  # lines sharing this share of the shorter one's height are one row, read left to right
BULLETS = "\u2022\u25cf\u25aa\u25a0\u25e6\u2023\u2043\u2219\u00b7\u2013*-"
NOTE_MARKER = re.compile(r"^(?:\d{1,3}|[*\u2020\u2021\u00a7\u00b6]{1,3}|[a-z])$")
"""What a footnote opens with: a number, a letter or a symbol (*, \u2020, \u2021, \u00a7, \u00b6), set smaller."""
MARKER_SIZE_SHARE = 0.85  # a note's marker is set at most this share of the note's own text size
NOTE_SIZE_SHARE = 0.92  # a footnote's text is set at most this share of the page's body size
NOTE_TOP_SHARE = 0.5  # and the first note starts in the lower half of the page
FOOTER_CHARS = 40  # a line this short below the notes is the page's number or footer, not body text
LIST_MARKER = re.compile(rf"^(?:[{re.escape(BULLETS)}]|\(?\d{{1,3}}[.)]|\(?[a-zA-Z][.)])$")
"""A list item's marker standing alone, a bullet of any common kind or "3." / "b)": written as a line of its
own (``starts_item``), or left as a sentence of its own by the segmenter (``engine.answering.evidence``)."""
LIST_START = re.compile(r"^(?:\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]\s|[\u2022\-*\u2013]\s)")
"""The start of a numbered or bulleted list item's line: "3." or "(3)", "b) " or a bullet and a space."""


@dataclass
class Line:
    """One visible line: its box, its spans (PyMuPDF dicts) and the block MuPDF put it in."""

    bbox: tuple[float, float, float, float]
    spans: list[dict[str, Any]]
    block: int

    @property
    def text(self) -> str:
        return "".join(span.get("text", "") for span in self.spans)


def is_white(color: int) -> bool:
    return all((color >> shift) & 0xFF >= NEAR_WHITE for shift in (16, 8, 0))


def hidden_reason(span: dict[str, Any]) -> str:
    """Why no reader can see ``span`` ("" when they can), from its own attributes only.

    White text is only a suspect: ``visible_lines`` asks the page whether
    anything darker lies under it.
    """
    if span.get("alpha", 255) == 0:
        return "transparent"
    flags = span.get("char_flags")
    if isinstance(flags, int):
        if not flags & (FILLED | STROKED):
            return "invisible"
        if flags & CLIPPED:
            return "clipped away"
    if float(span.get("size", 0.0)) < MIN_VISIBLE_SIZE:
        return "too small to read"
    if is_white(int(span.get("color", 0))):
        return "white"
    return ""


def overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def visible_lines(
    blocks: list[dict[str, Any]], shows_ink: Callable[[tuple[float, float, float, float]], bool],
) -> tuple[list[Line], dict[str, int]]:
    """Lines of the text blocks with their hidden spans removed, and how many spans were hidden, by reason.

    ``shows_ink(bbox)`` says whether the rendered page differs from a blank one
    inside ``bbox``: it decides white text (white on a dark band is visible).
    Text hidden over an image is an OCR layer and is kept.
    """
    images = [b["bbox"] for b in blocks if b.get("type") == 1]
    lines: list[Line] = []
    hidden: dict[str, int] = {}
    for number, block in enumerate(blocks):
        if block.get("type") != 0:
            continue
        for line in block.get("lines", []):
            kept = []
            for span in line.get("spans", []):
                if not span.get("text", "").strip():
                    kept.append(span)
                    continue
                reason = hidden_reason(span)
                if reason == "white" and shows_ink(tuple(span["bbox"])):
                    reason = ""
                if reason and reason != "too small to read" and any(overlaps(span["bbox"], i) for i in images):
                    reason = ""  # an OCR text layer over its scan
                if reason:
                    hidden[reason] = hidden.get(reason, 0) + 1
                else:
                    kept.append(span)
            if any(s.get("text", "").strip() for s in kept):
                boxes = [s["bbox"] for s in kept if s.get("text", "").strip()]
                bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                        max(b[2] for b in boxes), max(b[3] for b in boxes))
                lines.append(Line(bbox, kept, number))
    return lines, hidden


def gaps(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Empty stretches between the union of ``intervals``: (start, end) pairs, in order."""
    found: list[tuple[float, float]] = []
    ordered = sorted(intervals)
    reach = ordered[0][1]
    for start, end in ordered[1:]:
        if start > reach:
            found.append((reach, start))
        reach = max(reach, end)
    return found


def column_cut(lines: list[Line]) -> float | None:
    """The x of the widest gutter that splits ``lines`` into two real columns, or None."""
    left_edge = min(line.bbox[0] for line in lines)
    width = max(line.bbox[2] for line in lines) - left_edge
    best: tuple[float, float] | None = None
    for start, end in gaps([(line.bbox[0], line.bbox[2]) for line in lines]):
        if end - start < MIN_COLUMN_GAP:
            continue
        left = [line for line in lines if line.bbox[2] <= start]
        right = [line for line in lines if line.bbox[0] >= end]
        if min(len(left), len(right)) < MIN_COLUMN_LINES:
            continue
        if min(start - left_edge, left_edge + width - end) < MIN_COLUMN_SHARE * width:
            continue
        if best is None or end - start > best[1] - best[0]:
            best = (start, end)
    return None if best is None else (best[0] + best[1]) / 2


def reading_order(lines: list[Line]) -> list[Line]:
    """``lines`` in reading order by recursive XY-cut (see the module docstring)."""
    if len(lines) <= 1:
        return list(lines)
    bands = gaps([(line.bbox[1], line.bbox[3]) for line in lines])
    widest_band = max(bands, key=lambda g: g[1] - g[0]) if bands else None
    gutter = column_cut(lines)
    if gutter is not None:
        gutter_width = min(line.bbox[0] for line in lines if line.bbox[0] >= gutter) - \
            max(line.bbox[2] for line in lines if line.bbox[2] <= gutter)
        if widest_band is None or gutter_width > widest_band[1] - widest_band[0]:
            left = [line for line in lines if line.bbox[2] <= gutter]
            right = [line for line in lines if line.bbox[2] > gutter]
            return reading_order(left) + reading_order(right)
    if widest_band is not None:
        cut = (widest_band[0] + widest_band[1]) / 2
        return reading_order([ln for ln in lines if ln.bbox[3] <= cut]) + \
            reading_order([ln for ln in lines if ln.bbox[3] > cut])
    return [line for row in rows_of(lines) for line in row]


def same_row(row: list[Line], line: Line) -> bool:
    """Whether ``line`` shares most of its height with the last line of ``row`` (a list's bullet and the
    first line of its item, a formula beside its text)."""
    last = row[-1].bbox
    shared = min(last[3], line.bbox[3]) - max(last[1], line.bbox[1])
    return shared >= SAME_ROW_SHARE * min(last[3] - last[1], line.bbox[3] - line.bbox[1])


def rows_of(lines: list[Line]) -> list[list[Line]]:
    """``lines`` grouped into the rows a reader sees, top to bottom, each row left to right.

    Sorting by the top edge alone reads a bullet drawn a point lower than its item's text after the
    item's first line ("queried for \u2022 information"), which MuPDF gives as lines of their own.
    """
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.bbox[1], ln.bbox[0])):
        if rows and same_row(rows[-1], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda ln: ln.bbox[0]) for row in rows]


def starts_item(line: Line, following: Line | None) -> bool:
    """Whether ``line`` is a list item's lone marker (a bullet or "3.") with its item's text beside it."""
    return following is not None and bool(LIST_MARKER.match(line.text.strip())) \
        and following.bbox[0] >= line.bbox[2] and same_row([line], following)


def regroup(lines: list[Line]) -> list[dict[str, Any]]:
    """Consecutive lines of one MuPDF block become one block dict again (``bbox``, ``lines``); a list item
    whose marker is a line of its own starts a block of its own, so each item is a paragraph of its own."""
    blocks: list[dict[str, Any]] = []
    previous = -1
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        if line.block != previous or not blocks or starts_item(line, following):
            blocks.append({"bbox": list(line.bbox), "lines": []})
        block = blocks[-1]
        block["lines"].append({"bbox": line.bbox, "spans": line.spans})
        box = block["bbox"]
        box[:] = [min(box[0], line.bbox[0]), min(box[1], line.bbox[1]),
                  max(box[2], line.bbox[2]), max(box[3], line.bbox[3])]
        previous = line.block
    return blocks


def note_markers(block: dict[str, Any], size: float) -> tuple[str, list[str]]:
    """The note marker the block opens with ("" if none) and those set inside its text: spans that are a
    marker (``NOTE_MARKER``) set smaller than ``size``, the block's text size, with text beside them
    ("\u00b9 See the appendix.", "as shown\u00b2 below")."""
    spans = [span for line in block.get("lines", []) for span in line.get("spans", []) if span.get("text", "").strip()]
    if len(spans) < 2:
        return "", []
    marks = [span["text"].strip() if NOTE_MARKER.match(span["text"].strip())
             and float(span.get("size", 0.0)) <= MARKER_SIZE_SHARE * size else "" for span in spans]
    return marks[0], [mark for mark in marks[1:] if mark]


def mark_notes(blocks: list[dict[str, Any]], height: float) -> None:
    """Set ``"note": True`` on a page's footnotes, given its text blocks in reading order (``text_block``
    dicts), and drop their ``"opens"`` and ``"markers"`` (``note_markers``).

    Footnotes begin with the first block in the page's lower half that opens with a smaller marker that
    the text before it also holds, set as small (the note's reference, "as shown\u00b9"), is set smaller
    than the page's body text (the size that carries most of its characters, ``NOTE_SIZE_SHARE``) and
    has no body text below it in its column (a page number or footer of up to ``FOOTER_CHARS`` may be):
    numbered code lines set small are usually followed by more text, and nothing refers to them. Every
    later block that is as small and not above it is a note too (the next notes, a note's second
    paragraph). Table rows never are. Chunking puts notes after their section's text
    (``chunking.notes_last``), so a sentence that goes on over the page is not cut by its page's notes.
    """
    sizes: dict[float, int] = {}
    for block in blocks:
        sizes[block["size"]] = sizes.get(block["size"], 0) + len(block["text"])
    body = max(sizes, key=lambda s: sizes[s]) if sizes else 0.0
    limit = NOTE_SIZE_SHARE * body

    def body_below(note: dict[str, Any]) -> bool:
        x0, top, x1 = note["bbox"][0], note["bbox"][1], note["bbox"][2]
        return any(b["size"] > limit and len(b["text"]) > FOOTER_CHARS and b["bbox"][1] >= top
                   and b["bbox"][0] < x1 and b["bbox"][2] > x0 for b in blocks)

    first = None
    referenced: set[str] = set()
    for block in blocks:
        small = block["size"] <= limit and not block["table"]
        if first is None and small and block.get("opens") in referenced \
                and block["bbox"][1] >= NOTE_TOP_SHARE * height and not body_below(block):
            first = block
        if first is not None and small and block["bbox"][1] >= first["bbox"][1] - 1:
            block["note"] = True
        referenced.update(block.pop("markers", []))
        if NOTE_MARKER.match(block["text"]) and block["size"] <= MARKER_SIZE_SHARE * body:
            referenced.add(block["text"])  # a reference MuPDF gave as a block of its own
        block.pop("opens", None)


def fold_compatibility(text: str) -> str:
    """NFKC for every character but Hangul compatibility jamo; soft hyphens dropped."""
    if text.isascii():
        return text
    text = text.replace(SOFT_HYPHEN, "")
    if not any("\u3130" <= c <= "\u318f" for c in text):
        return unicodedata.normalize("NFKC", text)
    return "".join(c if "\u3130" <= c <= "\u318f" else unicodedata.normalize("NFKC", c) for c in text)


def is_hangul(c: str) -> bool:
    return "\uac00" <= c <= "\ud7a3"


HANGUL_BREAK = re.compile(r"[\uac00-\ud7a3]$")
HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
HANGUL_PAIR_ACROSS = re.compile(r"([\uac00-\ud7a3]) (?=([\uac00-\ud7a3]))")


class HangulJoins:
    """Whether a line end between two Hangul syllables falls inside a word, judged by the document itself.

    Korean is set with spaces between words, but a line may end inside a word ("사용하" / "여"), and a
    producer that never writes the space at a line end (TeX, the Debian FAQ's, LibreOffice's PDF export) shows
    neither case. The pair of syllables meeting at the break settles it: a break inside a word joins a pair
    the same document writes inside words elsewhere ("부분", "가능"), a break between words one it writes
    across a space ("수 있", "는 스"). The pairs are counted on the lines of every page (``of``), line ends
    not counted; a pair seen inside words more often than across a space is joined (``joins``), one never seen
    keeps its space, as before. On the three Korean held-out PDFs (benchmarks/korean) 1,443 such line ends had
    no sign from their producer.
    """

    def __init__(self) -> None:
        self.inside: Counter[str] = Counter()
        self.across: Counter[str] = Counter()

    @classmethod
    def of(cls, texts: Iterable[str]) -> HangulJoins:
        """The counts of ``texts`` (pages' plain text, one line a line)."""
        joins = cls()
        for text in texts:
            joins.add(text)
        return joins

    def add(self, text: str) -> None:
        """Count the pairs of one page's plain text."""
        for line in text.splitlines():
            self.inside.update(a + b for a, b in zip(line, line[1:], strict=False) if is_hangul(a) and is_hangul(b))
            self.across.update(m.group(1) + m.group(2) for m in HANGUL_PAIR_ACROSS.finditer(line))

    def joins(self, left: str, right: str) -> bool:
        """Whether syllable ``left`` at a line end and ``right`` at the next line's start are one word."""
        return self.inside[left + right] > self.across[left + right]


LAST_WORD = re.compile(r"[^\W\d_]+-$")
FIRST_WORD = re.compile(r"^[^\W\d_]+")


def written_hyphenated(out: str, line: str, lines: list[str]) -> bool:
    """Whether the word an ASCII hyphen breaks at the end of ``out`` ("kotex-" / "logo ...") is written with that
    hyphen elsewhere in the block's ``lines`` ("\\usepackage{kotex-logo}"): then it is a compound, not a word
    broken to fit the line."""
    head, tail = LAST_WORD.search(out), FIRST_WORD.match(line)
    if head is None or tail is None:
        return False
    word = head.group(0) + tail.group(0)
    return any(word in raw for raw in lines)


def join_lines(lines: list[str], hangul: HangulJoins | None = None) -> str:
    """Join wrapped lines of one block, raw as extracted (trailing spaces kept).

    A word split by a hyphen of any kind (``LINE_HYPHENS``) at a line end,
    followed by a lower-case letter, is joined and the hyphen dropped, unless
    the block writes the word with that (ASCII) hyphen elsewhere
    (``written_hyphenated``: "kotex-logo", a compound). In a
    block whose producer writes the space at a line end (some line of it ends
    with one), a line ending in a Hangul syllable with no space after it,
    followed by a Hangul syllable, continues the same word. Producers that
    never write that space (TeX among them) give no such sign: there the
    document's own syllable pairs decide (``hangul``, see ``HangulJoins``), and
    without them any other break is a space, as for every other script.
    """
    writes_spaces = any(raw.endswith((" ", "\u3000")) for raw in lines[:-1])
    out = previous_raw = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out[-1] in LINE_HYPHENS and out[-2:-1].isalpha() and (line[:1].islower() or out[-1] == SOFT_HYPHEN):
            out = (out if out[-1] == "-" and written_hyphenated(out, line, lines) else out[:-1]) + line
        elif HANGUL_BREAK.search(out) and is_hangul(line[0]) and not previous_raw.endswith((" ", "\u3000")) \
                and (writes_spaces or (hangul is not None and hangul.joins(out[-1], line[0]))):
            out = out + line
        else:
            out = out + " " + line
        previous_raw = raw
    return out
