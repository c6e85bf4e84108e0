"""Word (DOCX) and PowerPoint (PPTX) files read as Office Open XML with the standard library, as HTML parts.

Why not python-docx and python-pptx: they need lxml (and python-pptx Pillow and XlsxWriter), about
33 MB installed, more than the installer has room for; reading the text, headings, lists and tables
takes only the XML (ECMA-376) that ``xml.etree`` parses. Runs in the PDF worker (see ``formats``).

DOCX: paragraphs whose style is "heading N" or "Title" (or carries an outline level) become headings,
paragraphs with numbering become list items, tables become tables (merged cells spanned). PPTX: one
part per slide in the presentation's order, labelled "slide N": its title a heading, its text boxes
paragraphs or bullets, its tables tables, its speaker notes at the end.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from xml.etree import ElementTree

from desktop_app.indexer.formats import Part

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DC = "{http://purl.org/dc/elements/1.1/}"
EMU_PER_POINT = 12_700
TITLE_PLACEHOLDERS = {"title", "ctrTitle"}
BULLET_PLACEHOLDERS = {"body", "obj", ""}  # text in these is bulleted unless a paragraph says otherwise
OFF = {"0", "false", "none"}


def xml(package: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    """A part of the package parsed, or None when the package has no such part."""
    try:
        data = package.read(name)
    except KeyError:
        return None
    return ElementTree.fromstring(data)


def core_title(package: zipfile.ZipFile) -> str:
    core = xml(package, "docProps/core.xml")
    found = core.find(f"{DC}title") if core is not None else None
    return (found.text or "").strip() if found is not None else ""


def escape(text: str) -> str:
    return html.escape(re.sub(r"[ \t]+", " ", text))


# --- Word -----------------------------------------------------------------------------------------------------


class WordStyles:
    """What a paragraph style means here: its heading level (0: none) and whether it numbers its paragraphs."""

    def __init__(self, package: zipfile.ZipFile) -> None:
        self.levels: dict[str, int] = {}
        self.numbered: dict[str, bool] = {}
        self.bullets: dict[str, bool] = {}  # numId -> whether its first level is a bullet (else numbers)
        styles = xml(package, "word/styles.xml")
        based: dict[str, str] = {}
        for style in styles.iter(f"{W}style") if styles is not None else ():
            sid = style.get(f"{W}styleId", "")
            named = style.find(f"{W}name")
            name = named.get(f"{W}val", "").lower() if named is not None else ""
            level = heading_level(name, style.find(f"{W}pPr"))
            self.levels[sid] = level
            self.numbered[sid] = style.find(f"{W}pPr/{W}numPr") is not None
            parent = style.find(f"{W}basedOn")
            if parent is not None:
                based[sid] = parent.get(f"{W}val", "")
        for sid in list(self.levels):
            seen, current = {sid}, based.get(sid)
            while current and current not in seen and not (self.levels[sid] or self.numbered[sid]):
                self.levels[sid] = self.levels.get(current, 0)
                self.numbered[sid] = self.numbered.get(current, False)
                seen.add(current)
                current = based.get(current)
        self.read_numbering(package)

    def read_numbering(self, package: zipfile.ZipFile) -> None:
        numbering = xml(package, "word/numbering.xml")
        if numbering is None:
            return
        formats = {}
        for abstract in numbering.iter(f"{W}abstractNum"):
            first = abstract.find(f"{W}lvl/{W}numFmt")
            formats[abstract.get(f"{W}abstractNumId")] = first.get(f"{W}val") if first is not None else "bullet"
        for num in numbering.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            kind = formats.get(ref.get(f"{W}val") if ref is not None else None, "bullet")
            self.bullets[num.get(f"{W}numId", "")] = kind in ("bullet", "none")


def heading_level(name: str, props: ElementTree.Element | None) -> int:
    """1-6 for a heading style or paragraph ("heading 2", "Title", an outline level), else 0."""
    found = re.fullmatch(r"heading\s*(\d)", name)
    if found:
        return min(int(found.group(1)), 6)
    if name in ("title", "subtitle"):
        return 1 if name == "title" else 2
    outline = props.find(f"{W}outlineLvl") if props is not None else None
    if outline is not None and outline.get(f"{W}val", "9").isdigit() and int(outline.get(f"{W}val", "9")) < 6:
        return int(outline.get(f"{W}val", "0")) + 1
    return 0


def run_html(run: ElementTree.Element) -> str:
    """A run's text (tabs as spaces, breaks as line breaks), bold where the run is."""
    pieces: list[str] = []
    for item in run:
        if item.tag == f"{W}t":
            pieces.append(escape(item.text or ""))
        elif item.tag in (f"{W}tab", f"{W}ptab"):
            pieces.append(" ")
        elif item.tag in (f"{W}br", f"{W}cr"):
            pieces.append("<br/>")
    text = "".join(pieces)
    bold = run.find(f"{W}rPr/{W}b")
    return f"<b>{text}</b>" if text.strip() and bold is not None and bold.get(f"{W}val", "1") not in OFF else text


def paragraph_html(paragraph: ElementTree.Element) -> str:
    """The runs of a paragraph in order, those inside hyperlinks, insertions and fields included (text
    boxes and deleted text left out)."""
    out: list[str] = []

    def walk(node: ElementTree.Element) -> None:
        for child in node:
            if child.tag == f"{W}r":
                out.append(run_html(child))
                walk_boxes(child)
            elif child.tag not in (f"{W}del", f"{W}pPr", f"{W}txbxContent"):
                walk(child)

    def walk_boxes(node: ElementTree.Element) -> None:
        for child in node:
            if child.tag == MC_FALLBACK:  # the same text box again, for readers without DrawingML
                continue
            if child.tag == f"{W}txbxContent":
                out.extend(" " + paragraph_html(p) for p in child.iter(f"{W}p"))
            else:
                walk_boxes(child)

    walk(paragraph)
    return "".join(out).strip()


def docx_parts(package: zipfile.ZipFile) -> tuple[str, list[Part], list[str]]:
    """(title, [one part], notes) of a Word document; raises ``KeyError`` when it has no main document part."""
    with package:
        document = ElementTree.fromstring(package.read("word/document.xml"))
        styles = WordStyles(package)
        body = document.find(f"{W}body")
        out = "".join(block_html(body, styles)) if body is not None else ""
        return core_title(package), [Part(out)] if re.sub(r"<[^>]+>", "", out).strip() else [], []


def block_html(container: ElementTree.Element, styles: WordStyles) -> list[str]:
    """Paragraphs, list items (grouped into lists) and tables of a body, a cell or a content control."""
    out: list[str] = []
    open_list = ""
    for child in container:
        item = ""
        kind = ""
        if child.tag == f"{W}p":
            item, kind = word_paragraph(child, styles)
        elif child.tag == f"{W}tbl":
            item = word_table(child, styles)
        elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins"):
            inner = child.find(f"{W}sdtContent") if child.tag == f"{W}sdt" else child
            item = "".join(block_html(inner, styles)) if inner is not None else ""
        if not item:
            continue
        if kind != open_list:
            out.append(f"</{open_list}>" if open_list else "")
            out.append(f"<{kind}>" if kind else "")
            open_list = kind
        out.append(item)
    if open_list:
        out.append(f"</{open_list}>")
    return out


def word_paragraph(paragraph: ElementTree.Element, styles: WordStyles) -> tuple[str, str]:
    """(html, list kind): a heading, a list item of "ul" or "ol", or a paragraph ("")."""
    text = paragraph_html(paragraph)
    if not text:
        return "", ""
    props = paragraph.find(f"{W}pPr")
    style = props.find(f"{W}pStyle") if props is not None else None
    sid = style.get(f"{W}val", "") if style is not None else ""
    level = heading_level("", props) or styles.levels.get(sid, 0)
    if level:
        return f"<h{level}>{text}</h{level}>", ""
    numbering = props.find(f"{W}numPr/{W}numId") if props is not None else None
    if numbering is not None and numbering.get(f"{W}val") != "0" or numbering is None and styles.numbered.get(sid):
        num_id = numbering.get(f"{W}val", "") if numbering is not None else ""
        return f"<li>{text}</li>", "ul" if styles.bullets.get(num_id, True) else "ol"
    return f"<p>{text}</p>", ""


def word_table(table: ElementTree.Element, styles: WordStyles) -> str:
    rows = []
    for row in table.iter(f"{W}tr"):
        cells = []
        for cell in row.findall(f"{W}tc"):
            props = cell.find(f"{W}tcPr")
            span = props.find(f"{W}gridSpan") if props is not None else None
            merged = props.find(f"{W}vMerge") if props is not None else None
            inner = "" if merged is not None and merged.get(f"{W}val", "continue") == "continue" else \
                "<br/>".join(paragraph_html(p) for p in cell.iter(f"{W}p") if paragraph_html(p))
            colspan = f' colspan="{span.get(f"{W}val")}"' if span is not None else ""
            cells.append(f"<td{colspan}>{inner}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table>{''.join(rows)}</table>" if rows else ""


# --- PowerPoint -----------------------------------------------------------------------------------------------


def relationships(package: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id -> target part name (resolved against ``part``'s folder) of a package part."""
    folder, name = posixpath.split(part)
    rels = xml(package, posixpath.join(folder, "_rels", f"{name}.rels"))
    found = {}
    for rel in rels.iter(f"{PR}Relationship") if rels is not None else ():
        target = rel.get("Target", "")
        found[rel.get("Id", "")] = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join(folder, target))
    return found


def pptx_parts(package: zipfile.ZipFile) -> tuple[str, list[Part], list[str]]:
    """(title, one part a slide, notes) of a presentation; raises ``KeyError`` when it has no presentation part."""
    with package:
        presentation = ElementTree.fromstring(package.read("ppt/presentation.xml"))
        rels = relationships(package, "ppt/presentation.xml")
        size = presentation.find(f"{P}sldSz")
        width = int(size.get("cx", "9144000")) / EMU_PER_POINT if size is not None else 720.0
        height = int(size.get("cy", "6858000")) / EMU_PER_POINT if size is not None else 540.0
        parts: list[Part] = []
        for number, slide_id in enumerate(presentation.iter(f"{P}sldId"), start=1):
            name = rels.get(slide_id.get(f"{R}id", ""), "")
            slide = xml(package, name) if name else None
            body = slide_html(slide, package, name) if slide is not None else ""
            parts.append(Part(body or "<p></p>", f"slide {number}", True, max(width, 360.0), max(height, 270.0)))
        if not any(re.sub(r"<[^>]+>", "", p.html).strip() for p in parts):
            return core_title(package), [], []
        return core_title(package), parts, []


def slide_html(slide: ElementTree.Element, package: zipfile.ZipFile, name: str) -> str:
    """A slide's title first, then its shapes' text and tables in the slide's order, then its speaker notes."""
    titles: list[str] = []
    body: list[str] = []
    tree = slide.find(f"{P}cSld/{P}spTree")
    for shape in tree.iter() if tree is not None else ():
        if shape.tag == f"{P}sp":
            placeholder = shape.find(f"{P}nvSpPr/{P}nvPr/{P}ph")
            kind = placeholder.get("type", "") if placeholder is not None else None
            text = shape.find(f"{P}txBody")
            if text is None:
                continue
            if kind in TITLE_PLACEHOLDERS:
                titles.append(" ".join(t for t in (drawing_text(p) for p in text.findall(f"{A}p")) if t))
            else:
                body.append(text_body_html(text, kind in BULLET_PLACEHOLDERS))
        elif shape.tag == f"{A}tbl":
            body.append(drawing_table(shape))
    notes = notes_text(package, name)
    heading = f"<h1>{escape(' '.join(t for t in titles if t))}</h1>" if any(titles) else ""
    tail = f"<p><i>Speaker notes:</i> {escape(notes)}</p>" if notes else ""
    return heading + "".join(body) + tail


def drawing_text(paragraph: ElementTree.Element) -> str:
    pieces = []
    for item in paragraph:
        if item.tag in (f"{A}r", f"{A}fld"):
            pieces.append(item.findtext(f"{A}t") or "")
        elif item.tag == f"{A}br":
            pieces.append("\n")
    return "".join(pieces).strip()


def text_body_html(body: ElementTree.Element, bulleted: bool) -> str:
    """A text box's paragraphs: bullets where the paragraph (or, in a body placeholder, the layout) has them."""
    out: list[str] = []
    in_list = False
    for paragraph in body.findall(f"{A}p"):
        text = drawing_text(paragraph)
        if not text:
            continue
        props = paragraph.find(f"{A}pPr")
        marked = props is not None and (props.find(f"{A}buChar") is not None or props.find(f"{A}buAutoNum") is not None)
        plain = props is not None and props.find(f"{A}buNone") is not None
        item = marked or bulleted and not plain
        if item != in_list:
            out.append("<ul>" if item else "</ul>")
            in_list = item
        line = escape(text).replace("\n", "<br/>")
        out.append(f"<li>{line}</li>" if item else f"<p>{line}</p>")
    return "".join(out) + ("</ul>" if in_list else "")


def drawing_table(table: ElementTree.Element) -> str:
    rows = []
    for row in table.findall(f"{A}tr"):
        cells = []
        for cell in row.findall(f"{A}tc"):
            if cell.get("hMerge") in ("1", "true") or cell.get("vMerge") in ("1", "true"):
                cells.append("<td></td>")
                continue
            span = f' colspan="{cell.get("gridSpan")}"' if cell.get("gridSpan") else ""
            text = "<br/>".join(escape(t) for t in (drawing_text(p) for p in cell.iter(f"{A}p")) if t)
            cells.append(f"<td{span}>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table>{''.join(rows)}</table>" if rows else ""


def notes_text(package: zipfile.ZipFile, slide: str) -> str:
    """The speaker notes of a slide (its notes page's body placeholder), "" when it has none."""
    target = next((t for t in relationships(package, slide).values() if "notesSlide" in t), "")
    notes = xml(package, target) if target else None
    texts: list[str] = []
    for shape in notes.iter(f"{P}sp") if notes is not None else ():
        placeholder = shape.find(f"{P}nvSpPr/{P}nvPr/{P}ph")
        if placeholder is not None and placeholder.get("type") == "body":
            texts.extend(t for t in (drawing_text(p) for p in shape.iter(f"{A}p")) if t)
    return " ".join(texts)
