"""The text of a generated English user guide for a PDF library: about 130 pages of API documentation.

Hand-written pages hold the facts that the question set (``support.questions``) and the
verification tests ask about; the pages between them are assembled, deterministically, from
descriptions of the library's other calls, so the facts sit among many passages on neighbouring
topics with the same vocabulary, as they would in a real manual.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

Page = list[tuple[str, str]]  # ("h", heading), ("p", paragraph) or ("c", code)

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


def _fact(heading: str, *paragraphs: str, code: str = "") -> tuple[str, Page]:
    blocks: Page = [("p", p) for p in paragraphs]
    if code:
        blocks.insert(1, ("c", code))
    return heading, blocks


# Pages that hold the facts the questions ask about, by page number.
FACTS: dict[int, tuple[str, Page]] = {
    5: _fact(
        "Installing the library",
        "The library is written in Python and needs Python 3.9 or newer. Install it with pip into a virtual "
        "environment; no other package is required for plain pages of text and vector graphics.",
        "An optional compiled extension, inkwell_accel, replaces the pure Python routines that measure the width "
        "of strings. Documents that set a lot of text are built about four times faster with it; the results are "
        "identical, so the extension can be left out on systems without a compiler.",
    ),
    10: _fact(
        "The coordinate system",
        "Think of a canvas as a sheet of paper on which every point is given by a pair of numbers. Unless you "
        "change it, the origin (0,0) is the lower left corner of the page. The first number grows as you move "
        "to the right and the second one grows as you move up the page, the opposite of most screen graphics.",
        "Distances are measured in points, and an A4 page is about 595 points wide and 842 points tall. "
        "Because the origin is at the bottom, text meant for the top of the page needs a large y value.",
        code="c.drawString(72, 770, 'Near the top of the page')\nc.drawString(72, 72, 'Near the bottom')",
    ),
    12: _fact(
        "Compressing page content",
        "Page content streams are written uncompressed by default, because compressing them takes time while "
        "the document is produced. When file size matters more than speed, pass pageCompression=1 to the "
        "Canvas: the file becomes smaller but takes longer to generate.",
        "Bitmap images are compressed in any case, so the setting only saves space on pages that carry a great "
        "deal of text and vector artwork.",
        code="c = Canvas('report.pdf', pageCompression=1)",
    ),
    14: _fact(
        "Drawing strings",
        "String drawing methods: canvas.drawString(x, y, text), canvas.drawRightString(x, y, text) and "
        "canvas.drawCentredString(x, y, text). Each draws a single line of text on the canvas. drawString "
        "starts the text at the point given, drawRightString ends it there, and drawCentredString centres the "
        "line on the x coordinate, which is handy for titles and page numbers.",
        "None of these methods wraps text; for several lines use a text object or a Paragraph.",
    ),
    17: _fact(
        "Finishing a page",
        "A call to showPage closes the current page and starts a new one. The graphics state does not survive "
        "it: the font, the fill and stroke colours, the line width and any transformation go back to their "
        "defaults on the new page, so set them again after every showPage.",
        "Call save once at the end to write the file; anything drawn after the last showPage forms the final "
        "page.",
    ),
    23: _fact(
        "CMYK colours",
        "There are two ways to give a CMYK colour: each of the four ink components is either a real value "
        "between 0 and 1 or an integer value between 0 and 100. Depending on which you prefer, use CMYKColor "
        "(for real values) or PCMYKColor (for integer values).",
        "Printers work in CMYK, so a document that goes to press should use these classes rather than RGB "
        "colours, which the printer has to convert.",
        code="c.setFillColor(PCMYKColor(0, 40, 100, 0))\nc.setFillColor(CMYKColor(0, 0.4, 1, 0))",
    ),
    26: _fact(
        "Transparency",
        "Fill and stroke colours can be partly see-through. Call setFillAlpha with a number from 0, fully "
        "transparent, to 1, fully opaque, and everything filled afterwards lets the content below show "
        "through; setStrokeAlpha does the same for lines.",
        "Transparency is kept in the graphics state, so restoreState ends it.",
        code="c.setFillAlpha(0.3)\nc.rect(100, 100, 200, 80, fill=1)",
    ),
    30: _fact(
        "Why use a text object",
        "Text objects give finer control over the layout of text than the canvas string methods: leading, "
        "character and word spacing and the render mode can all be changed line by line. They also produce a "
        "smaller PDF that displays faster than one made with many separate calls to drawString.",
        code="t = c.beginText(72, 700)\nt.textLines(lines)\nc.drawText(t)",
    ),
    33: _fact(
        "Superscripts and subscripts",
        "setRise moves the baseline of the following characters up or down by a number of points without "
        "moving the text cursor, so a positive rise gives superscripts such as exponents and a negative rise "
        "gives subscripts. Set the rise back to 0 to continue on the normal baseline.",
        code="t.textOut('E = mc')\nt.setRise(5)\nt.textOut('2')\nt.setRise(0)",
    ),
    38: _fact(
        "Dashed and dotted lines",
        "The setDash method breaks lines into dots or dashes. Its first argument is the length of each painted "
        "segment and the second is the length of the space after it, so canvas.setDash(1, 2) paints one unit "
        "and skips two, and canvas.setDash(6, 3) gives long dashes with short breaks. A list such as "
        "[6, 3, 1, 3] describes a dash-dot pattern.",
        "Call setDash() with no arguments to go back to solid lines.",
    ),
    42: _fact(
        "Line joins",
        "Where two segments of a path meet, the join style decides the shape of the corner. setLineJoin(0) "
        "gives a mitred, pointed corner, setLineJoin(1) a round one and setLineJoin(2) a bevelled one that is cut "
        "off flat. Round joins suit thick lines whose pointed corners would otherwise stick out.",
    ),
    49: _fact(
        "Embedding Type 1 fonts",
        "Font embedding relies on two description files. The AFM (Adobe Font Metrics) file is plain text and "
        "gives the widths, heights and bounding boxes of the glyphs; the PFB (Printer Font Binary) file holds "
        "the outlines that describe the shapes of the letters. Give both to EmbeddedType1Face and register the "
        "face before using it.",
        code="face = EmbeddedType1Face('Dark.afm', 'Dark.pfb')\nregisterTypeFace(face)",
    ),
    52: _fact(
        "Font families",
        "Registering a TrueType face makes it available by name, but the paragraph markup tags for bold and "
        "italic only know which file to switch to once a family has been declared. Call registerFontFamily with "
        "the names of the four faces, for example registerFontFamily('Vera', normal='Vera', bold='VeraBd', "
        "italic='VeraIt', boldItalic='VeraBI').",
    ),
    56: _fact(
        "Links inside the document",
        "linkAbsolute(contents, destinationname, Rect=None, addtopage=1, name=None, thickness=0, color=None, "
        "dashArray=None, **kw) makes a rectangle of the page jump to a named destination when it is clicked. "
        "Viewers draw a frame around the active area unless told otherwise: pass Border='[0 0 0]' among the "
        "keyword arguments and the area is not outlined.",
    ),
    59: _fact(
        "Encryption",
        "To protect a document, create a StandardEncryption object with a user password and an owner password "
        "and give it to the Canvas as its encrypt argument. Permissions are switched off with keyword arguments: "
        "canPrint=0 stops the reader from printing it, and canModify, canCopy and canAnnotate do the same for "
        "editing, copying text and adding notes.",
        "The standard encryption is built on the MD5 hash function and the RC4 stream cipher, with 40-bit keys "
        "unless strength=128 is given. It keeps casual readers out but is no defence against a determined "
        "attacker.",
        code="enc = StandardEncryption('user', 'owner', canPrint=0)\nc = Canvas('secret.pdf', encrypt=enc)",
    ),
    65: _fact(
        "Layers of a layout",
        "Platypus builds a document from nested parts. A DocTemplate is the outermost container; it holds one or "
        "more PageTemplates, each of which describes a kind of page by the Frames on it. Frames are the "
        "regions that receive the content, and the content is a list of Flowables, such as paragraphs, tables "
        "and images, which in the end are drawn on a canvas.",
    ),
    68: _fact(
        "Splitting flowables",
        "When a flowable does not fit in the space left in a frame, Platypus calls its split method with the "
        "available width and height. A flowable that can be divided returns a list of two or more flowables that "
        "together hold its content. One that must stay in one piece returns an empty list, [], and is then moved "
        "to the next frame as a whole.",
    ),
    74: _fact(
        "Leading",
        "Leading is the distance from one baseline to the next. A good starting point is a value about 20% "
        "larger than the font size, for example 12 points of leading for 10-point type; tighter settings make "
        "long lines hard to follow.",
        code="body = ParagraphStyle('body', fontSize=10, leading=12)",
    ),
    78: _fact(
        "Hyphenation",
        "Paragraphs break lines only at spaces unless hyphenation is enabled. Set the hyphenationLang attribute of "
        "the style, for example to 'en_GB', and install the pyphen package, which supplies the dictionaries that "
        "decide where a word may be divided. Without pyphen the setting is ignored.",
    ),
    85: _fact(
        "Creating a table",
        "Table(data, colWidths=None, rowHeights=None, style=None, splitByRow=1, repeatRows=0, repeatCols=0, "
        "rowSplitRange=None, spaceBefore=None, spaceAfter=None) builds a table from a list of rows. The "
        "repeatRows argument is the number of leading rows that are repeated at the top of each part when the "
        "table is split across frames or pages; give repeatRows=1 to repeat a header row.",
        code="t = Table(rows, repeatRows=1)\nstory.append(t)",
    ),
    88: _fact(
        "Spanning cells",
        "The SPAN command joins a rectangular range of cells into a single cell whose contents are taken from "
        "the top left cell of the range. ('SPAN', (0, 0), (1, 0)) merges the first two cells of the first row.",
    ),
    94: _fact(
        "Keeping flowables together",
        "A heading left at the foot of a frame while the paragraph it introduces starts in the next frame looks "
        "careless. Wrap the two in KeepTogether([heading, paragraph]) and Platypus moves them to the next frame "
        "together when they do not both fit.",
    ),
    97: _fact(
        "Conditional page breaks",
        "CondPageBreak(height) starts a new frame only when less than height points of space are left in the "
        "current one. Put it before a section that should not begin right at the bottom of a page.",
    ),
    103: _fact(
        "Attribute checking",
        "Every assignment to an attribute of a shape is checked against its declared type, which catches "
        "mistakes early but costs time. Set shapeChecking = 0 in rl_config, before the shapes are created, to "
        "turn the checking off. Drawings are then built about 25% faster, so it is worth doing once the code "
        "that makes them is known to work.",
    ),
    118: _fact(
        "Pie charts",
        "A Pie is placed by its x and y attributes, but these do not give the centre: they are the bottom left "
        "corner of the box that holds the pie, and width and height give the size of that box. The slices are "
        "drawn inside it, starting at startAngle and going clockwise unless direction is changed.",
    ),
    121: _fact(
        "Bar spacing",
        "In a VerticalBarChart, barSpacing sets the gap between the bars of one category and groupSpacing the "
        "gap between neighbouring categories. Both are in the same units as the bar width, so a groupSpacing of "
        "10 with bars 5 wide leaves a gap twice as wide as a bar.",
    ),
    126: _fact(
        "Example programs",
        "Several demonstration programs come with the library. The most useful is py2pdf, which reads Python "
        "source files and writes syntax-coloured PDF listings with a bookmark for every class and function, "
        "so that large modules can be browsed from the outline.",
    ),
}
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
