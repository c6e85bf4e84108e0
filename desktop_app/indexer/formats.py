"""Office and text documents rendered as PDF, so the PDF pipeline indexes them and the viewer shows them.

Every kind goes through HTML and MuPDF's layout engine (``pymupdf.Story``) with one style sheet, so
headings keep their sizes (heading detection works), lists keep their bullets, and tables are drawn
with ruled cells (table detection finds their rows and names each cell by its header):

- DOCX and PPTX: their XML read with the standard library (``indexer.office``); one page per slide.
- XLSX: openpyxl (``indexer.sheets``); each sheet starts a page, pages are labelled with its name.
- HTML as it is; Markdown through markdown-it-py (CommonMark with tables); plain text by paragraphs.

The PDF carries its page labels ("slide 3", "Budget") and its title, so a PDF read again later (the
kept copy) gives the same places. Rendering runs in the PDF worker process (``pdf_worker``): a file
that hangs or exhausts memory costs that worker, not the app. Errors: ``FormatError``.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = {".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".xlsx": "xlsx", ".xlsm": "xlsx", ".html": "html",
         ".htm": "html", ".md": "md", ".markdown": "md", ".txt": "txt"}
"""File name endings the indexer reads, and the format each is (``documents.format``)."""
PATTERNS = " ".join(f"*{ending}" for ending in KINDS)
"""The endings as a file dialog's filter wants them: "*.pdf *.docx ..."."""
KIND_NAMES = "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), HTML, Markdown (.md) and plain text (.txt)"
PDF_MAGIC = b"%PDF-"
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # compound files: password-protected OOXML, old .doc/.xls/.ppt
PAGE = (595.0, 842.0)  # A4 in PDF points
MARGIN = 50.0
MAX_HEIGHT = 14_400.0  # the largest page a PDF reader is required to show, in points
MAX_UNPACKED = 512 * 1024 * 1024  # bytes a zip-based document may unpack to (a zip bomb is refused)
STYLE = """
body {font-family: sans-serif; font-size: 10pt; line-height: 1.3;}
h1 {font-size: 18pt; font-weight: bold; margin: 12pt 0 6pt 0;}
h2 {font-size: 15pt; font-weight: bold; margin: 10pt 0 5pt 0;}
h3, h4, h5, h6 {font-size: 12.5pt; font-weight: bold; margin: 8pt 0 4pt 0;}
p {margin: 0 0 6pt 0;}
table {border-collapse: collapse; margin: 4pt 0 8pt 0;}
td, th {border: 0.6pt solid #666666; padding: 2pt 4pt; vertical-align: top; text-align: left;}
th {font-weight: bold;}
pre, code {font-family: monospace; font-size: 9pt;}
"""


class FormatError(Exception):
    """A document that cannot be rendered: ``reason`` is a key of ``extract.MESSAGES``, ``detail`` says why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Part:
    """HTML that starts a new page. ``label``: the label of its pages ("" for none); ``one_page``: its page
    grows to hold it all (a slide, a block of sheet rows) instead of flowing onto more pages."""

    html: str
    label: str = ""
    one_page: bool = False
    width: float = PAGE[0]
    height: float = PAGE[1]


@dataclass
class Rendered:
    """A document as PDF bytes, with notes for the user (rows left out, ...)."""

    pdf: bytes
    notes: list[str] = field(default_factory=list)


def format_of(path: Path) -> str | None:
    """The format of ``path`` by its name's ending, else "pdf" for a file that starts as a PDF; None if unknown.

    Raises nothing: a file that cannot be read is left for the reader to report.
    """
    kind = KINDS.get(path.suffix.lower())
    if kind is not None:
        return kind
    try:
        with path.open("rb") as handle:
            return "pdf" if PDF_MAGIC in handle.read(1024) else None
    except OSError:
        return None


def unsupported_message(path: Path) -> str:
    return f"{path.name} is not a kind of file this app reads; it reads {KIND_NAMES}"


def render(path: Path, kind: str) -> Rendered:
    """``path`` (of format ``kind``, not "pdf") as a PDF; raises ``FormatError`` (or ``MemoryError``)."""
    title, parts, notes = read_parts(path, kind)
    if not parts:
        raise FormatError("no_text")
    return Rendered(write_pdf(parts, title or path.stem), notes)


def read_parts(path: Path, kind: str) -> tuple[str, list[Part], list[str]]:
    """(title, parts, notes) of a document; raises ``FormatError``."""
    from desktop_app.indexer import office, sheets

    readers: dict[str, Callable[[Path], tuple[str, list[Part], list[str]]]] = {
        "docx": lambda p: office.docx_parts(open_package(p, "a Word document")),
        "pptx": lambda p: office.pptx_parts(open_package(p, "a PowerPoint presentation")),
        "xlsx": lambda p: sheets.workbook_parts(p, open_package(p, "an Excel workbook")),
        "html": html_parts, "md": markdown_parts, "txt": text_parts,
    }
    try:
        return readers[kind](path)
    except FormatError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, IndexError,
            UnicodeError, SyntaxError) as exc:  # XML parse errors are SyntaxErrors
        raise FormatError("corrupt", f"{type(exc).__name__}: {exc}") from exc


def open_package(path: Path, what: str) -> zipfile.ZipFile:
    """An Office file's zip package; raises ``FormatError`` for one that is not a zip or unpacks too large."""
    with path.open("rb") as file:
        if file.read(len(OLE_MAGIC)) == OLE_MAGIC:  # an encrypted OOXML file is an OLE compound file
            raise FormatError("office_protected")
    try:
        package = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise FormatError("corrupt", f"not {what}: it is not an Office Open XML package") from exc
    if sum(info.file_size for info in package.infolist() if info.filename.endswith((".xml", ".rels"))) > MAX_UNPACKED:
        package.close()  # pictures and videos are not read, so only the XML parts count
        raise FormatError("too_large", "its text parts unpack to more than 512 MB")
    return package


def decode_text(data: bytes) -> str:
    """Text of unknown encoding: UTF-8 (or UTF-16 with its byte order mark), else charset-normalizer's guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        guess = from_bytes(data).best()
        if guess is not None:
            return str(guess)
    except ImportError:
        pass
    return data.decode("cp1252", errors="replace")


def html_parts(path: Path) -> tuple[str, list[Part], list[str]]:
    source = decode_text(path.read_bytes())
    found = re.search(r"<title[^>]*>(.*?)</title>", source, re.IGNORECASE | re.DOTALL)
    title = html.unescape(found.group(1)).strip() if found else ""
    return title, [Part(source)] if source.strip() else [], []


def markdown_parts(path: Path) -> tuple[str, list[Part], list[str]]:
    from markdown_it import MarkdownIt

    source = decode_text(path.read_bytes())
    return "", [Part(MarkdownIt("commonmark").enable("table").render(source))] if source.strip() else [], []


def text_parts(path: Path) -> tuple[str, list[Part], list[str]]:
    """Plain text: paragraphs (split at blank lines) whose lines keep their breaks."""
    source = decode_text(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p for p in re.split(r"\n\s*\n", source) if p.strip()]
    body = "".join("<p>" + "<br/>".join(html.escape(line) for line in p.strip("\n").split("\n")) + "</p>"
                   for p in paragraphs)
    return "", [Part(body)] if body else [], []


def write_pdf(parts: list[Part], title: str) -> bytes:
    """The parts laid out as PDF pages, each part from a new page; the PDF's page labels and title set."""
    import pymupdf

    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    labels: list[dict[str, Any]] = []
    pages = 0
    for part in parts:
        start = pages
        pages += write_part(pymupdf, writer, part)
        if part.label and (not labels or labels[-1]["prefix"] != part.label or labels[-1]["end"] != start):
            labels.append({"startpage": start, "prefix": part.label, "style": "", "firstpagenum": 1, "end": pages})
        elif part.label:
            labels[-1]["end"] = pages
    writer.close()
    pdf = pymupdf.open("pdf", buffer.getvalue())
    with pdf:
        if labels:
            pdf.set_page_labels([{k: v for k, v in rule.items() if k != "end"} for rule in labels])
        pdf.set_metadata({"title": title, "producer": "desktop-app (MuPDF)"})
        data: bytes = pdf.tobytes(garbage=3, deflate=True)
    return data


def write_part(pymupdf: Any, writer: Any, part: Part) -> int:
    """Lay out one part on as many pages as it needs (one, grown to fit, for a ``one_page`` part); the count."""
    width = part.width - 2 * MARGIN
    height = part.height
    if part.one_page:
        fit = pymupdf.Story(html=part.html, user_css=STYLE).fit_height(width, height_min=part.height - 2 * MARGIN,
                                                                         height_max=MAX_HEIGHT - 2 * MARGIN)
        height = fit.rect.height + 2 * MARGIN + 1 if fit.big_enough else MAX_HEIGHT
    story = pymupdf.Story(html=part.html, user_css=STYLE)
    page = pymupdf.Rect(0, 0, part.width, height)
    count, more = 0, True
    while more:
        device = writer.begin_page(page)
        more, _ = story.place(page + (MARGIN, MARGIN, -MARGIN, -MARGIN))
        story.draw(device)
        writer.end_page()
        count += 1
    return count
