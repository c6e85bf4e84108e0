"""Office and text documents made for tests: DOCX and PPTX written as Office Open XML with ``zipfile``,
XLSX with openpyxl, HTML, Markdown and plain text as text.

Each document holds a heading, a paragraph with a sentence to search for, a bulleted list and a table
(Supplier / Risk / Mitigation), so every format can be checked for the same fidelity as a PDF.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HEADING = "Pump maintenance"
SECOND_HEADING = "Supplier risks"
SENTENCES = {
    "docx": "The inlet pump of the Kestrel plant is greased every 450 running hours.",
    "pptx": "Filter cartridges at the Marlow depot are swapped after 90 days.",
    "xlsx": "Oakridge Valves",
    "html": "The harbour crane brakes are tested on the first Monday of each month.",
    "md": "Backup generators at the Linden site run a load test every quarter.",
    "txt": "Visitors to the Holloway archive sign the blue ledger at the gate.",
}
BULLETS = ("Check the seals for wear", "Record the pressure reading")
TABLE = (("Supplier", "Risk", "Mitigation"), ("Acme Pumps", "Late delivery", "Second source"),
         ("Borel Plastics", "Price linked to oil", "Fixed-price contract"))

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"


def _package(path: Path, parts: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return path


def _types(defaults: str, overrides: dict[str, str]) -> str:
    items = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides.items())
    return (f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{defaults}'
            f'<Default Extension="xml" ContentType="application/xml"/>{items}</Types>')


RELS_DEFAULT = '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'


def _rels(targets: list[tuple[str, str]]) -> str:
    items = "".join(f'<Relationship Id="rId{n}" Type="{DOC_REL}/{kind}" Target="{target}"/>'
                    for n, (kind, target) in enumerate(targets, start=1))
    return f'<Relationships xmlns="{REL}">{items}</Relationships>'


DOCX_STYLES = f"""<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>
<w:rPr><w:sz w:val="22"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>
<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr>
<w:rPr><w:b/><w:sz w:val="36"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/>
<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders>
<w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/>
<w:right w:val="single" w:sz="4"/><w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/>
</w:tblBorders></w:tblPr></w:style>
</w:styles>"""

DOCX_NUMBERING = f"""<w:numbering xmlns:w="{W}"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0">
<w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>
<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"""


def _w_paragraph(text: str, style: str = "") -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def _w_table(rows: tuple[tuple[str, ...], ...]) -> str:
    cells = "".join("<w:tr>" + "".join(f'<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr>'
                                       f"{_w_paragraph(c)}</w:tc>" for c in row) + "</w:tr>" for row in rows)
    grid = "".join('<w:gridCol w:w="3000"/>' for _ in rows[0])
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>{cells}</w:tbl>")


def docx_file(path: Path, sentence: str = SENTENCES["docx"]) -> Path:
    """A Word document: a heading, a paragraph, a bulleted list, a second heading and a bordered table."""
    body = (_w_paragraph(HEADING, "Heading1") + _w_paragraph(f"{sentence} The grease is lithium based.")
            + "".join(_w_paragraph(b, "ListBullet") for b in BULLETS)
            + _w_paragraph(SECOND_HEADING, "Heading1") + _w_paragraph("Each supplier is reviewed every year.")
            + _w_table(TABLE) + _w_paragraph("Reviewed by the plant manager."))
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    return _package(path, {
        "[Content_Types].xml": _types(RELS_DEFAULT, {
            "word/document.xml": f"{main}.document.main+xml", "word/styles.xml": f"{main}.styles+xml",
            "word/numbering.xml": f"{main}.numbering+xml"}),
        "_rels/.rels": f'<Relationships xmlns="{REL}"><Relationship Id="rId1" Type="{DOC_REL}/officeDocument" '
                       'Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels": _rels([("styles", "styles.xml"), ("numbering", "numbering.xml")]),
        "word/document.xml": f'<w:document xmlns:w="{W}"><w:body>{body}<w:sectPr/></w:body></w:document>',
        "word/styles.xml": DOCX_STYLES,
        "word/numbering.xml": DOCX_NUMBERING,
    })


def _a_paragraphs(lines: list[str], bullet: bool = False) -> str:
    marker = '<a:pPr><a:buChar char="\u2022"/></a:pPr>' if bullet else ""
    return "".join(f'<a:p>{marker}<a:r><a:rPr lang="en-US"/><a:t>{escape(t)}</a:t></a:r></a:p>' for t in lines)


def _shape(number: int, body: str, placeholder: str = "") -> str:
    ph = f'<p:nvPr><p:ph type="{placeholder}"/></p:nvPr>' if placeholder else "<p:nvPr/>"
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{number}" name="Shape {number}"/><p:cNvSpPr/>{ph}</p:nvSpPr>'
            f'<p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>{body}</p:txBody></p:sp>')


def _table_frame(rows: tuple[tuple[str, ...], ...]) -> str:
    trs = "".join('<a:tr h="370840">' + "".join(f"<a:tc><a:txBody><a:bodyPr/>{_a_paragraphs([c])}</a:txBody>"
                                                 "<a:tcPr/></a:tc>" for c in row) + "</a:tr>" for row in rows)
    grid = "".join('<a:gridCol w="2743200"/>' for _ in rows[0])
    return ('<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="9" name="Table"/><p:cNvGraphicFramePr/><p:nvPr/>'
            '</p:nvGraphicFramePr><p:xfrm><a:off x="0" y="0"/><a:ext cx="8229600" cy="1483360"/></p:xfrm>'
            f'<a:graphic><a:graphicData uri="{A}/table"><a:tbl><a:tblGrid>{grid}</a:tblGrid>{trs}</a:tbl>'
            "</a:graphicData></a:graphic></p:graphicFrame>")


def slide_xml(title: str, body: str) -> str:
    return (f'<p:sld xmlns:a="{A}" xmlns:p="{P}" xmlns:r="{DOC_REL}"><p:cSld><p:spTree><p:nvGrpSpPr>'
            '<p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>'
            f'{_shape(2, _a_paragraphs([title]), "title")}{body}</p:spTree></p:cSld></p:sld>')


def pptx_file(path: Path, sentence: str = SENTENCES["pptx"]) -> Path:
    """A three-slide deck: a title slide, a slide with a paragraph and bullets, a slide with a table.

    Slides are listed in ``ppt/presentation.xml`` in an order unlike their part names (slide 2 is
    ``slide3.xml``), as a deck whose slides were moved has them.
    """
    slides = [
        slide_xml("Depot operations review", _shape(3, _a_paragraphs(["Quarterly review, second quarter"]))),
        slide_xml(HEADING, _shape(3, _a_paragraphs([sentence])) + _shape(4, _a_paragraphs(list(BULLETS), True))),
        slide_xml(SECOND_HEADING, _table_frame(TABLE)),
    ]
    parts = {"slide1.xml": slides[0], "slide3.xml": slides[1], "slide2.xml": slides[2]}
    order = ["slide1.xml", "slide3.xml", "slide2.xml"]
    ids = "".join(f'<p:sldId id="{256 + n}" r:id="rId{n + 1}"/>' for n in range(len(order)))
    main = "application/vnd.openxmlformats-officedocument.presentationml"
    files = {
        "[Content_Types].xml": _types(RELS_DEFAULT, {
            "ppt/presentation.xml": f"{main}.presentation.main+xml",
            **{f"ppt/slides/{name}": f"{main}.slide+xml" for name in parts}}),
        "_rels/.rels": f'<Relationships xmlns="{REL}"><Relationship Id="rId1" Type="{DOC_REL}/officeDocument" '
                       'Target="ppt/presentation.xml"/></Relationships>',
        "ppt/_rels/presentation.xml.rels": _rels([("slide", f"slides/{name}") for name in order]),
        "ppt/presentation.xml": f'<p:presentation xmlns:a="{A}" xmlns:p="{P}" xmlns:r="{DOC_REL}">'
                                f'<p:sldIdLst>{ids}</p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/>'
                                "</p:presentation>",
    }
    files.update({f"ppt/slides/{name}": xml for name, xml in parts.items()})
    return _package(path, files)


def xlsx_file(path: Path, rows: int = 3) -> Path:
    """A workbook with two sheets: "Notes" (a title and a line of text) and "Budget" (a title row, then a
    header in row 3 and ``rows`` data rows, the first of them Oakridge Valves; a formula in the last row)."""
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes["A1"] = "Budget workbook 2031"
    notes["A2"] = "Figures are in euros and exclude tax."
    sheet = book.create_sheet("Budget")
    sheet["A1"] = "Supplier budget"
    sheet.append([])
    sheet.append(["Supplier", "Item", "Cost"])
    names = ["Oakridge Valves", "Acme Pumps", "Borel Plastics"] + [f"Supplier {n}" for n in range(4, rows + 1)]
    for n, name in enumerate(names[:rows], start=1):
        sheet.append([name, f"part {n}", 1000 + n])
    sheet.append(["Total", "", f"=SUM(C4:C{3 + rows})"])
    book.save(path)
    return path


def html_file(path: Path, sentence: str = SENTENCES["html"]) -> Path:
    rows = "".join("<tr>" + "".join(f"<{'th' if n == 0 else 'td'}>{escape(c)}</{'th' if n == 0 else 'td'}>"
                                    for c in row) + "</tr>" for n, row in enumerate(TABLE))
    items = "".join(f"<li>{escape(b)}</li>" for b in BULLETS)
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Crane manual</title></head><body>"
        f"<h1>{HEADING}</h1><p>{escape(sentence)} The brake pads are replaced every two years.</p><ul>{items}</ul>"
        f"<h2>{SECOND_HEADING}</h2><p>Each supplier is reviewed every year.</p><table>{rows}</table>"
        "</body></html>", encoding="utf-8")
    return path


def markdown_file(path: Path, sentence: str = SENTENCES["md"]) -> Path:
    table = "\n".join("| " + " | ".join(row) + " |" + ("\n|" + "---|" * len(row) if n == 0 else "")
                      for n, row in enumerate(TABLE))
    bullets = "\n".join(f"- {b}" for b in BULLETS)
    path.write_text(f"# {HEADING}\n\n{sentence} The fuel is diesel.\n\n{bullets}\n\n## {SECOND_HEADING}\n\n"
                    f"Each supplier is reviewed every year.\n\n{table}\n", encoding="utf-8")
    return path


def text_file(path: Path, sentence: str = SENTENCES["txt"]) -> Path:
    path.write_text(f"Archive rules\n\n{sentence} Pens are provided.\n\nBags stay in the lockers.\n",
                    encoding="utf-8")
    return path


WRITERS = {"docx": docx_file, "pptx": pptx_file, "xlsx": xlsx_file, "html": html_file, "md": markdown_file,
           "txt": text_file}
