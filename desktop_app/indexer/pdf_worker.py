"""The child side of PDF extraction: runs in its own process.

Only this module touches untrusted PDF bytes with native code (MuPDF), so a
hang or crash here kills the worker, not the app; Office and text documents
are rendered to PDF here too (``formats``), for the same reason. It answers
requests read from a pipe with plain dicts and lists, which pickle cheaply.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from desktop_app.indexer import formats, layout, quality, spacing, tables

BOLD_FLAG = 16
TABLE_BLOCKS = 1_000_000  # block numbers of table rows: far above MuPDF's own
DOT_LEADER = re.compile(r"(?:\s?\.){4,}\s?")
HANGUL_SAMPLE_PAGES = 20
"""Pages read for Hangul before the whole document's syllable pairs are counted (``hangul_joins``)."""


def _limit_memory(limit_bytes: int) -> None:
    """Cap the worker's address space where the OS offers rlimits (not on Windows, where the time limit remains)."""
    try:
        import resource
    except ImportError:
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def serve(conn: Connection, memory_limit_bytes: int) -> None:
    """Answer ``(path, password, format)`` requests until the pipe closes (see ``read``).

    Ctrl-C in a terminal signals the whole process group: the worker ignores it, so the app, which cancels
    the job, does not see the file's reader die and blame the file.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_limit_bytes > 0:
        _limit_memory(memory_limit_bytes)
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    while True:
        try:
            path, password, kind = conn.recv()
        except EOFError:
            return
        try:
            result = read(pymupdf, path, password, kind,
                          lambda done, total, record, title: conn.send(("page", done, total, record, title)))
        except MemoryError:
            result = {"error": "too_large", "detail": "ran out of memory"}
        except Exception as exc:  # MuPDF raises many kinds; all mean a bad file
            result = {"error": "corrupt", "detail": f"{type(exc).__name__}: {exc}"}
        conn.send(result)


Report = Callable[[int, int, dict[str, Any], str], None]


def read(
    pymupdf: Any, path: str, password: str | None, kind: str, report: Report | None = None,
) -> dict[str, Any]:
    """``extract`` of a PDF, or of the PDF a document of another ``kind`` renders to (``formats.render``).

    A rendered document's record also holds ``"rendered"`` (the PDF's bytes) and ``"notes"`` (strings).
    """
    if kind == "pdf":
        return extract(pymupdf, path, password, report)
    try:
        rendered = formats.render(Path(path), kind)
    except formats.FormatError as exc:
        return {"error": exc.reason, "detail": exc.detail}
    result = extract(pymupdf, path, None, report, rendered.pdf)
    if "error" not in result:
        result.update(rendered=rendered.pdf, notes=rendered.notes)
    return result


def extract(
    pymupdf: Any, path: str, password: str | None, report: Report | None = None, data: bytes | None = None,
) -> dict[str, Any]:
    """The document's pages as plain records, or ``{"error": reason, "detail": ...}``.

    Reads ``data`` (PDF bytes) when given, else the file at ``path``. With ``report``, each page's
    record is handed to ``report(done, total, record, title)`` as soon as it is read (the parent's time
    limit counts per page, and it can chunk and embed the first pages while later ones are read)
    and the result's ``"pages"`` is empty, so a long document is never held here whole; without
    it, the records are in ``"pages"``.
    """
    try:
        doc = pymupdf.open(stream=data, filetype="pdf") if data is not None else pymupdf.open(path, filetype="pdf")
    except Exception as exc:
        return {"error": "corrupt", "detail": str(exc)}
    with doc:
        if doc.needs_pass:
            if not password:
                return {"error": "encrypted", "detail": ""}
            if not doc.authenticate(password):
                return {"error": "bad_password", "detail": ""}
        if doc.page_count == 0:
            return {"error": "empty", "detail": ""}
        title = ((doc.metadata or {}).get("title") or "").strip()
        pages = []
        hangul = hangul_joins(doc)
        for number in range(doc.page_count):
            record = page_record(doc, number, hangul)
            if report is None:
                pages.append(record)
            else:
                report(number + 1, doc.page_count, record, title)
        return {"title": title, "pages": pages, "repaired": bool(doc.is_repaired)}


def hangul_joins(doc: Any) -> layout.HangulJoins | None:
    """The syllable pairs of the whole document (``layout.HangulJoins``) when its first
    ``HANGUL_SAMPLE_PAGES`` pages hold Hangul, else None; page by page, so a long document is not held whole.
    Reading every page's plain text first took 0.06 s for a 56-page Korean PDF, where reading its pages as
    blocks took 0.12 s. A page that lacks spaces is read as glyph boxes here and again for its record (the
    counts must be whole before the first page is joined, and holding every page's boxes would hold a long
    document whole): 0.08 s against 0.10 s for the records of kotex-doc.pdf's 18 pages."""
    def text(number: int) -> str:
        try:
            page = doc.load_page(number)
            plain = str(page.get_text())
            if not spacing.lacks_spaces(plain):
                return plain
            return plain_text(text_blocks(page))
        except Exception:  # the page's own record reports it
            return ""

    sample = [text(number) for number in range(min(doc.page_count, HANGUL_SAMPLE_PAGES))]
    if not any(map(layout.HANGUL_SYLLABLE.search, sample)):
        return None
    joins = layout.HangulJoins.of(sample)
    for number in range(len(sample), doc.page_count):
        joins.add(text(number))
    return joins


def page_record(doc: Any, number: int, hangul: layout.HangulJoins | None = None) -> dict[str, Any]:
    """Visible text blocks of one page in reading order, with position, dominant font size and boldness.

    Also the page's printed label, how many spans were left out as hidden,
    by reason (see ``layout.visible_lines``), and how many characters of Latin
    text shifted into Hangul by a broken font encoding were read back
    (``quality.unshift_spans``). Footnote blocks carry ``"note": True`` (``layout.mark_notes``).
    """
    record: dict[str, Any] = {"number": number + 1, "blocks": [], "images": 0, "error": "", "label": "",
                              "hidden": {}, "ocr": False, "unshifted": 0}
    try:
        page = doc.load_page(number)
        record["width"], record["height"] = page.rect.width, page.rect.height
        record["label"] = page.get_label() or ""
        blocks = text_blocks(page, record)
        lines, record["hidden"] = layout.visible_lines(blocks, lambda bbox: shows_ink(page, bbox))
    except Exception as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
        return record
    lines = with_table_rows(page, number + 1, lines)
    record["images"] = sum(1 for block in blocks if block.get("type") == 1)
    for block in layout.regroup(layout.reading_order(lines)):
        parsed = text_block(block, hangul)
        if parsed is not None:
            record["blocks"].append(parsed)
    ocr_fill(record, page)
    layout.mark_notes(record["blocks"], record["height"])  # OCR'd blocks too: it drops the markers text_block adds
    return record


def text_blocks(page: Any, record: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The page's blocks as PyMuPDF's "dict" gives them, with Latin text a broken font encoding shifted into Hangul
    read back (``quality.unshift_spans``; how many characters, in ``record["unshifted"]``). Where that text lacks
    spaces (``spacing.lacks_spaces``), the spans' text is made again from the glyph boxes, with a space at each
    gap between words (``spacing.space_by_gaps``). There, and on a page whose lines MuPDF gives as blocks of their
    own (``spacing.lines_as_blocks``), the lines are put back into their paragraphs (``spacing.paragraphs``)."""
    blocks: list[dict[str, Any]] = page.get_text("dict").get("blocks", [])
    spaced = spacing.lacks_spaces(plain_text(blocks))
    if spaced:
        blocks = page.get_text("rawdict").get("blocks", [])
    unshifted = quality.unshift_spans([span for block in blocks for line in block.get("lines", [])
                                       for span in line.get("spans", [])])
    if record is not None:
        record["unshifted"] = unshifted
    if spaced:
        spacing.space_by_gaps(blocks)
    if spaced or spacing.lines_as_blocks(blocks):
        blocks = spacing.paragraphs(blocks)
    return blocks


def plain_text(blocks: list[dict[str, Any]]) -> str:
    """The text of PyMuPDF "dict" ``blocks``, a line a line."""
    return "\n".join("".join(span.get("text", "") for span in line.get("spans", []))
                     for block in blocks for line in block.get("lines", []))


def ocr_fill(record: dict[str, Any], page: Any) -> None:
    """Read a page that has images but no text by OCR, when Tesseract's data is installed (see ``ocr``).

    Sets ``record["blocks"]`` and ``record["ocr"] = True`` when OCR finds text;
    a page OCR cannot read is left as it was (no text, so noted as scanned).
    """
    if record["blocks"] or not record["images"]:
        return
    from desktop_app.indexer import ocr  # imports this module: not at the top

    folder = ocr.tessdata()
    languages = ocr.ocr_languages(folder) if folder else []
    if folder is None or not languages:
        return
    import pymupdf

    try:
        blocks = ocr.ocr_page_blocks(pymupdf, page, folder, languages)
    except Exception:  # MemoryError included: one page OCR cannot read is not a bad file
        return
    record["blocks"], record["ocr"] = blocks, bool(blocks)


def with_table_rows(page: Any, page_number: int, lines: list[layout.Line]) -> list[layout.Line]:
    """``lines`` with each data table's lines replaced by one line per row (see ``tables``).

    A row line carries ``table`` ("page.table") in its span, which ``text_block`` passes on.
    A page whose tables cannot be analysed keeps its lines as they are.
    """
    try:
        found = tables.find_data_tables(page)
    except Exception:  # table analysis is an extra: the page's text stays
        return lines
    for index, table in enumerate(found):
        inside = [ln for ln in lines if layout.overlaps(ln.bbox, table["bbox"])]
        size = sorted(s.get("size", 0.0) for ln in inside for s in ln.spans)[len(inside) // 2] if inside else 10.0
        lines = [ln for ln in lines if not layout.overlaps(ln.bbox, table["bbox"])]
        for row_number, row in enumerate(table["rows"]):
            span = {"text": row["text"], "size": size, "flags": 0, "bbox": tuple(row["bbox"]),
                    "table": f"{page_number}.{index + 1}"}
            lines.append(layout.Line(tuple(row["bbox"]), [span], TABLE_BLOCKS + 1000 * index + row_number))
    return lines


def shows_ink(page: Any, bbox: tuple[float, float, float, float]) -> bool:
    """Whether the rendered page has more than one colour inside ``bbox`` (then text drawn there can be seen)."""
    import pymupdf

    clip = pymupdf.Rect(bbox) * page.rotation_matrix & page.rect  # text boxes are unrotated; pixmaps are not
    if clip.is_empty:
        return False
    pixmap = page.get_pixmap(clip=clip, matrix=pymupdf.Matrix(2, 2), colorspace=pymupdf.csGRAY, alpha=False)
    samples = pixmap.samples
    return bool(samples) and min(samples) < max(samples) - 40


def text_block(block: dict[str, Any], hangul: layout.HangulJoins | None = None) -> dict[str, Any] | None:
    """A block's text with its lines joined (``layout.join_lines``, Korean line ends by ``hangul``), its box,
    dominant font size, boldness, table (if a table row) and the note markers it opens with and holds
    (``layout.note_markers``)."""
    lines: list[str] = []
    sizes: dict[float, int] = {}
    bold_chars = 0
    total_chars = 0
    for line in block.get("lines", []):
        spans = line.get("spans", [])
        text = "".join(span.get("text", "") for span in spans)
        if text.strip():
            lines.append(text)
        for span in spans:
            n = len(span.get("text", "").strip())
            size = round(float(span.get("size", 0.0)), 1)
            sizes[size] = sizes.get(size, 0) + n
            total_chars += n
            if span.get("flags", 0) & BOLD_FLAG:
                bold_chars += n
    if not lines or total_chars == 0:
        return None
    table = next((str(span["table"]) for line in block.get("lines", []) for span in line.get("spans", [])
                  if "table" in span), "")
    size = max(sizes, key=lambda s: sizes[s])
    opens, markers = layout.note_markers(block, size)
    joined = lines[0] if table else DOT_LEADER.sub(" ... ", layout.fold_compatibility(layout.join_lines(lines, hangul)))
    return {
        "bbox": [round(v, 2) for v in block["bbox"]],
        "text": joined,
        "size": size,
        "bold": bold_chars >= 0.8 * total_chars,
        "table": table,
        "opens": opens,
        "markers": markers,
    }
