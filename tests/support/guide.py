"""The text of a generated English user guide for a PDF library: about 130 pages of API documentation.

Hand-written pages hold the facts that the question set (``support.questions``) and the
verification tests ask about; the pages between them are assembled, deterministically, from
descriptions of the library's other calls, so the facts sit among many passages on neighbouring
topics with the same vocabulary, as they would in a real manual.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from support.guide_facts import FACTS, Page

TITLE = "Inkwell PDF Library User Guide"
FOOTER = "Inkwell PDF Library User Guide, version 4.2"


@dataclass(frozen=True)
class Call:
    name: str
    args: str
    does: str  # a verb phrase: what the call does
    topic: str  # plural noun phrase: what it is used for


@dataclass(frozen=True)
class Chapter:
    title: str
    first_page: int
    calls: tuple[Call, ...]


def _calls(*rows: tuple[str, str, str, str]) -> tuple[Call, ...]:
    return tuple(Call(*row) for row in rows)


CHAPTERS = (
    Chapter("Introduction", 3, _calls(
        ("Canvas", "filename, pagesize=A4", "creates the drawing surface that every page is painted on",
         "single-page reports"),
        ("SimpleDocTemplate", "filename, **kw", "lays out a story of flowables over as many pages as needed",
         "long documents"),
        ("setAuthor", "name", "records the author in the document information dictionary", "document metadata"),
        ("setTitle", "title", "stores the title that viewers show in their window bar", "document metadata"),
        ("setSubject", "subject", "stores a one-line description of the document", "document metadata"),
        ("getSampleStyleSheet", "", "returns a style sheet with ready-made paragraph styles", "quick prototypes"),
    )),
    Chapter("Drawing on the Canvas", 9, _calls(
        ("setPageSize", "size", "changes the size of the pages that follow", "mixed page formats"),
        ("translate", "dx, dy", "moves the origin of the coordinate system", "repeated layouts"),
        ("rotate", "theta", "turns the coordinate system by theta degrees counter-clockwise", "angled labels"),
        ("scale", "x, y", "stretches or shrinks the units along each axis", "drawings at another scale"),
        ("saveState", "", "pushes the current graphics state onto a stack", "temporary changes"),
        ("restoreState", "", "pops the graphics state saved by the matching saveState", "temporary changes"),
        ("drawImage", "image, x, y, width=None, height=None", "places a bitmap image on the page", "logos and photos"),
        ("rect", "x, y, width, height, stroke=1, fill=0", "draws a rectangle with its corner at x, y", "boxes"),
        ("roundRect", "x, y, width, height, radius", "draws a rectangle with rounded corners", "buttons and panels"),
        ("circle", "x_cen, y_cen, r", "draws a circle around a centre point", "markers"),
        ("grid", "xlist, ylist", "draws a grid of lines at the given positions", "layout sketches"),
        ("stringWidth", "text, fontName, fontSize", "measures the width of a string in points", "text fitting"),
    )),
    Chapter("Colours", 21, _calls(
        ("setFillColorRGB", "r, g, b", "sets the fill colour from red, green and blue fractions", "screen colours"),
        ("setStrokeColorRGB", "r, g, b", "sets the colour used for lines and outlines", "rules and borders"),
        ("setFillGray", "gray", "sets a shade of grey between black and white as the fill", "print proofs"),
        ("Color", "red, green, blue, alpha=1", "holds a colour value that styles and charts accept", "styles"),
        ("toColor", "value", "turns a name, a hex string or a tuple into a colour object", "configuration files"),
        ("setFillOverprint", "flag", "lets the fill overprint the inks underneath", "press output"),
        ("CMYKColorSep", "c, m, y, k, spotName", "describes a separated spot colour with a name", "brand colours"),
    )),
    Chapter("Text Objects", 29, _calls(
        ("beginText", "x=0, y=0", "starts a text object at the given position", "blocks of text"),
        ("textLine", "text", "writes one line and moves down by the leading", "multi-line text"),
        ("textLines", "stuff, trim=1", "writes several lines from one string", "addresses and lists"),
        ("setCharSpace", "charSpace", "adds extra space between characters", "letter-spaced headings"),
        ("setWordSpace", "wordSpace", "adds extra space between words", "justified text"),
        ("setHorizScale", "horizScale", "stretches or condenses the glyphs horizontally", "narrow columns"),
        ("setTextRenderMode", "mode", "chooses whether glyphs are filled, stroked, clipped or invisible",
         "outlined lettering"),
        ("drawText", "textobject", "paints a finished text object onto the canvas", "blocks of text"),
    )),
    Chapter("Lines, Paths and Shapes", 37, _calls(
        ("setLineWidth", "width", "sets the width of stroked lines in points", "hairlines and rules"),
        ("setLineCap", "mode", "chooses how the ends of open lines are drawn", "line ends"),
        ("setMiterLimit", "limit", "limits how far a sharp corner may stick out", "acute angles"),
        ("beginPath", "", "returns a new path object to build shapes from segments", "custom shapes"),
        ("moveTo", "x, y", "starts a new subpath at a point", "custom shapes"),
        ("lineTo", "x, y", "adds a straight segment to the path", "polygons"),
        ("curveTo", "x1, y1, x2, y2, x3, y3", "adds a Bezier curve with two control points", "smooth outlines"),
        ("drawPath", "path, stroke=1, fill=0", "paints a finished path", "custom shapes"),
        ("clipPath", "path, stroke=1, fill=0", "restricts later drawing to the inside of a path", "masks"),
        ("wedge", "x1, y1, x2, y2, startAng, extent", "draws a pie-slice shape", "sector diagrams"),
    )),
    Chapter("Fonts", 47, _calls(
        ("setFont", "psfontname, size, leading=None", "selects the font and size for text that follows",
         "body text"),
        ("registerFont", "font", "makes a font object known by its name", "custom typefaces"),
        ("TTFont", "name, filename", "loads a TrueType file and subsets it when the document is saved",
         "custom typefaces"),
        ("getRegisteredFontNames", "", "lists the names of all fonts registered so far", "debugging"),
        ("UnicodeCIDFont", "face", "uses an Asian font that the viewer supplies", "Japanese and Korean text"),
        ("EmbeddedType1Face", "afmFile, pfbFile", "reads the metrics and outlines of a Type 1 face",
         "custom typefaces"),
        ("getAvailableFonts", "", "lists the standard fonts every viewer provides", "portable output"),
    )),
    Chapter("Links, Outlines and Security", 55, _calls(
        ("bookmarkPage", "key, fit='Fit'", "names a destination on the current page", "cross references"),
        ("addOutlineEntry", "title, key, level=0", "adds an entry to the outline tree shown beside the page",
         "navigation"),
        ("linkURL", "url, rect, relative=0", "makes an area of the page open a web address", "web references"),
        ("showOutline", "", "asks the viewer to open the outline pane", "navigation"),
        ("setKeywords", "keywords", "stores search keywords in the document information", "document metadata"),
        ("setPageTransition", "effectname, duration", "chooses a slide-show effect for the page", "presentations"),
    )),
    Chapter("Page Layout with Platypus", 63, _calls(
        ("BaseDocTemplate", "filename, pageTemplates=[], **kw", "holds page templates and builds the document",
         "custom layouts"),
        ("PageTemplate", "id, frames, onPage", "describes one kind of page with its frames", "custom layouts"),
        ("Frame", "x1, y1, width, height, leftPadding=6", "is a region of the page that flowables fill",
         "columns"),
        ("build", "flowables, onFirstPage, onLaterPages", "lays the story out and writes the file",
         "long documents"),
        ("wrap", "availWidth, availHeight", "tells a flowable how much room there is and asks its size",
         "custom flowables"),
        ("drawOn", "canvas, x, y", "paints a flowable at a position", "custom flowables"),
        ("NextPageTemplate", "name", "switches to another page template from the next page on",
         "chapter openings"),
        ("afterFlowable", "flowable", "is called after each flowable is placed", "tables of contents"),
    )),
    Chapter("Paragraphs", 73, _calls(
        ("Paragraph", "text, style, bulletText=None", "sets a block of marked-up text with line breaking",
         "body text"),
        ("ParagraphStyle", "name, parent=None, **kw", "collects font, size, spacing and alignment settings",
         "consistent typography"),
        ("spaceBefore", "points", "adds vertical space above a paragraph", "headings"),
        ("firstLineIndent", "points", "indents the first line of a paragraph", "book-style text"),
        ("alignment", "TA_LEFT", "chooses left, right, centred or justified lines", "justified text"),
        ("bulletFontName", "name", "sets the font used for the bullet of a list item", "bulleted lists"),
        ("wordWrap", "'CJK'", "allows lines to break between any two Asian characters", "Asian text"),
        ("ListFlowable", "items, bulletType='bullet'", "builds a numbered or bulleted list", "bulleted lists"),
    )),
    Chapter("Tables", 83, _calls(
        ("TableStyle", "commands", "collects the styling commands of a table", "table styling"),
        ("setStyle", "tblstyle", "applies a table style after the table was created", "table styling"),
        ("GRID", "(col0, row0), (col1, row1), width, colour", "draws lines around every cell in a range",
         "ruled tables"),
        ("BACKGROUND", "(col0, row0), (col1, row1), colour", "fills a range of cells with a colour",
         "shaded rows"),
        ("ALIGN", "(col0, row0), (col1, row1), 'RIGHT'", "aligns cell contents horizontally", "number columns"),
        ("VALIGN", "(col0, row0), (col1, row1), 'MIDDLE'", "aligns cell contents vertically", "tall rows"),
        ("LongTable", "data, **kw", "is a table tuned for very many rows", "large listings"),
        ("ROWBACKGROUNDS", "(col0, row0), (col1, row1), colours", "cycles background colours over rows",
         "striped rows"),
    )),
    Chapter("Other Flowables", 93, _calls(
        ("Spacer", "width, height", "adds empty space to the story", "vertical rhythm"),
        ("PageBreak", "", "ends the current page", "chapter starts"),
        ("Image", "filename, width=None, height=None", "places a picture in the flow of text", "illustrations"),
        ("Preformatted", "text, style", "keeps line breaks and spacing exactly as given", "code listings"),
        ("XPreformatted", "text, style", "keeps line breaks but allows inline markup", "annotated code"),
        ("HRFlowable", "width='80%', thickness=1", "draws a horizontal rule across the frame", "section dividers"),
        ("KeepInFrame", "maxWidth, maxHeight, content, mode='shrink'", "fits content into a fixed box",
         "forms"),
    )),
    Chapter("Graphics", 101, _calls(
        ("Drawing", "width, height", "is a container of shapes that can be rendered in several formats",
         "diagrams"),
        ("Group", "*elements", "collects shapes so they can be moved and transformed together", "diagrams"),
        ("Rect", "x, y, width, height", "is a rectangle shape with stroke and fill attributes", "diagrams"),
        ("String", "x, y, text", "is a piece of text placed in a drawing", "labels"),
        ("PolyLine", "points", "is an open line through a list of points", "sketches"),
        ("renderPDF", "drawing, canvas, x, y", "draws a drawing onto a canvas", "embedding diagrams"),
        ("renderPM", "drawing, fmt='PNG'", "turns a drawing into a bitmap image", "web graphics"),
        ("renderSVG", "drawing, fn", "writes a drawing as an SVG file", "web graphics"),
    )),
    Chapter("Charts", 113, _calls(
        ("VerticalBarChart", "", "draws bars that grow upwards from a category axis", "sales figures"),
        ("HorizontalLineChart", "", "draws lines across categories", "trends"),
        ("LinePlot", "", "draws lines through x, y data points", "measurements"),
        ("Legend", "", "explains the colours of a chart's series", "multi-series charts"),
        ("XCategoryAxis", "", "spaces category labels along the x axis", "bar charts"),
        ("YValueAxis", "", "scales values along the y axis and draws its ticks", "bar charts"),
        ("ScatterPlot", "", "draws markers at x, y positions", "correlations"),
        ("Doughnut", "", "draws a ring divided into slices", "proportions"),
    )),
    Chapter("Tools and Examples", 125, _calls(
        ("pdfmetrics", "", "holds the registry of fonts and their widths", "font handling"),
        ("rl_config", "", "holds library-wide settings read at import time", "configuration"),
        ("inkwell_accel", "", "speeds up the measuring of text widths", "large documents"),
        ("testutils", "", "offers helpers for the library's own test suite", "testing"),
    )),
)

VALUES = ("0", "0.5", "1", "2", "3", "6", "10", "12", "18", "24", "36", "72", "144", "0.25", "0.75")
CODE_NAMES = ("c", "canv", "doc", "story", "style", "frame", "table", "drawing")


def _call_sentences(call: Call, other: Call, rng: random.Random) -> list[str]:
    first_arg = call.args.split(",")[0].split("=")[0].strip("*' ()") or "it"
    options = [
        f"{call.name} takes {call.args or 'no arguments'} and {call.does}.",
        f"Use {call.name} for {call.topic}; it {call.does}.",
        f"The {call.name} call {call.does}, which is what most {call.topic} need.",
    ]
    extra = [
        f"If {first_arg} is left out, the value {rng.choice(VALUES)} is used, which suits most {call.topic}.",
        f"A call to {call.name} only affects what is drawn after it, so make it before the content it should "
        f"apply to.",
        f"See also {other.name}, which {other.does}.",
        "Values are given in points, 1/72 of an inch, unless they are multiplied by a constant such as cm or "
        "inch from the units module.",
        f"When {call.name} receives a value it cannot use, it raises a ValueError that names the argument, "
        f"so mistakes show up while the document is built rather than in the viewer.",
        f"For {call.topic} that repeat on every page, make the call from the page template's onPage function "
        f"instead of repeating it in the story.",
        f"Combining {call.name} with {other.name} is common in {other.topic}; the order of the two calls "
        f"does not matter.",
        f"The settings made by {call.name} are part of the graphics state, so a saveState and restoreState pair "
        f"around the call limits its effect to the drawing in between.",
        f"Nothing is written to the file until the document is saved, so calling {call.name} many times costs "
        f"little.",
        f"In the test suite, {call.name} is checked with {rng.choice(VALUES)} and {rng.choice(VALUES)} as "
        f"sample values.",
    ]
    return [rng.choice(options), *rng.sample(extra, 4)]


def _code(call: Call, rng: random.Random) -> str:
    name = rng.choice(CODE_NAMES)
    args = ", ".join(rng.choice(VALUES) for _ in range(min(3, call.args.count(",") + 1))) if call.args else ""
    return "\n".join([
        f"{name} = make_{name}('example-{rng.randint(1, 99)}.pdf')",
        f"{name}.{call.name}({args})" if call.name[0].islower() else f"item = {call.name}({args})",
        f"{name}.save()" if name in ("c", "canv") else f"{name}.append(item)",
    ])


def filler_blocks(chapter: Chapter, rng: random.Random, calls: int = 4) -> Page:
    """Paragraphs and a code example about ``calls`` of the chapter's calls."""
    blocks: Page = []
    for call in rng.sample(chapter.calls, calls):
        other = rng.choice([c for c in chapter.calls if c is not call])
        blocks.append(("p", " ".join(_call_sentences(call, other, rng))))
        if rng.random() < 0.5:
            blocks.append(("c", _code(call, rng)))
    return blocks


PAGES = 130


def contents_page() -> Page:
    lines = "\n".join(f"{n}  {chapter.title} {'.' * (60 - len(chapter.title))} {chapter.first_page}"
                      for n, chapter in enumerate(CHAPTERS, start=1))
    return [("h", "Contents"), ("c", lines)]


def guide_pages() -> list[Page]:
    """Every page of the guide, in order; the same text on every call."""
    rng = random.Random(20310314)
    pages: list[Page] = [[("h", TITLE), ("p", "Version 4.2. A guide to making PDF documents from Python, from "
                                              "single pages drawn by hand to long documents laid out by Platypus.")],
                         contents_page()]
    for number in range(3, PAGES + 1):
        index = max(i for i, c in enumerate(CHAPTERS) if c.first_page <= number)
        chapter = CHAPTERS[index]
        section = number - chapter.first_page + 1
        if section == 1:
            heading = f"Chapter {index + 1}: {chapter.title}"
        else:
            name = FACTS[number][0] if number in FACTS else chapter.calls[section % len(chapter.calls)].name
            heading = f"{index + 1}.{section - 1} {name}"
        if number in FACTS:
            pages.append([("h", heading), *FACTS[number][1], *filler_blocks(chapter, rng, calls=2)])
        else:
            pages.append([("h", heading), *filler_blocks(chapter, rng)])
    return pages
