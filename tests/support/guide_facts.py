"""The hand-written pages of the generated user guide (``support.guide``): the facts that the question set
(``support.questions``) and the verification tests ask about, by page number."""

from __future__ import annotations

Page = list[tuple[str, str]]  # ("h", heading), ("p", paragraph) or ("c", code)


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
