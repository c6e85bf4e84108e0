"""PDFs made with PyMuPDF for tests: structured, encrypted, scanned, corrupt, garbled, and two long manuals."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pymupdf

from support import guide, hangul_manual
from support.hangul_manual import shift_ascii

Page = list[tuple[str, str]]  # ("h", heading), ("p", paragraph) or ("c", code)
BOTTOM = 780.0  # lowest text line on an A4 page; the footer goes below it


def write_pdf(path: Path, pages: list[Page], title: str = "", footer: str = "", font: str = "helv") -> Path:
    """One A4 page per entry of ``pages``; a block that does not fit on its page is an error, not lost text."""
    doc = pymupdf.open()
    for number, content in enumerate(pages, start=1):
        page = doc.new_page(width=595, height=842)
        y = 72.0
        for kind, text in content:
            if kind == "h":
                page.insert_text((72, y + 16), text, fontsize=16, fontname="hebo" if font == "helv" else font)
                y += 34
                continue
            size, name = (10, font) if kind == "p" else (9, "cour")
            height = min(400.0, BOTTOM - y)
            left = page.insert_textbox(pymupdf.Rect(72, y, 523, y + height), text, fontsize=size, fontname=name)
            if left < 0:
                raise ValueError(f"page {number} of {path.name} overflows at: {text[:60]!r}")
            y += height - left + 14
        if footer:
            page.insert_text((72, 810), f"{footer}    Page {number}", fontsize=8, fontname="helv")
    if title:
        doc.set_metadata({"title": title})
    doc.save(path)
    doc.close()
    return path


LOREM = (
    "The survey team recorded water levels at each station twice a day during the dry season. "
    "Readings were taken with a calibrated gauge and entered into the field log before noon and before dusk. "
)


def harbour_report(path: Path) -> Path:
    """A three-page report with headings and facts on known pages."""
    return write_pdf(
        path,
        [
            [("h", "Harbour Survey 2031"), ("p", "This report describes the harbour survey carried out by the "
              "Aldermoor port authority. " + LOREM * 2)],
            [("h", "Tide Gauges"), ("p", "The northern breakwater gauge is model TG-7 and it was calibrated on "
              "14 March 2031. Its readings drift by less than 3 millimetres per month. " + LOREM)],
            [("h", "Dredging"), ("p", "Dredging of the eastern channel removed 41,500 cubic metres of silt. "
              "The dredger Kestrel worked only at night to keep the channel open for ferries. " + LOREM)],
        ],
        title="Harbour Survey Report",
    )


def garden_notes(path: Path) -> Path:
    return write_pdf(
        path,
        [[("h", "Greenhouse Notes"), ("p", "Tomato seedlings are transplanted when they have four true leaves. "
           "The greenhouse heater switches on below 9 degrees Celsius. Basil is sown every three weeks.")]],
        title="Greenhouse Notes",
    )


def encrypted_pdf(path: Path, password: str) -> Path:
    source = harbour_report(Path(tempfile.mkdtemp()) / path.name)
    doc = pymupdf.open(source)
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password + "-owner")
    doc.close()
    return path


def scanned_pdf(path: Path) -> Path:
    """A page that only holds an image of text: no text layer."""
    doc = pymupdf.open()
    page = doc.new_page()
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 100), False)
    pixmap.clear_with(200)
    page.insert_image(pymupdf.Rect(72, 72, 472, 272), pixmap=pixmap)
    doc.save(path)
    doc.close()
    return path


def garbled_pdf(path: Path) -> Path:
    """Text that extracts as private-use code points, as with a broken font encoding."""
    doc = pymupdf.open()
    page = doc.new_page()
    junk = "".join(chr(0xE000 + (i * 7) % 400) for i in range(300))
    page.insert_textbox(pymupdf.Rect(72, 72, 523, 400), junk, fontsize=10, fontname="helv")
    doc.save(path)
    doc.close()
    return path


def empty_pdf(path: Path) -> Path:
    """A well-formed PDF whose page tree holds no pages (PyMuPDF refuses to write one)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def corrupt_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    return path


def not_a_pdf(path: Path) -> Path:
    path.write_text("just some notes, saved with the wrong extension\n")
    return path


def korean_manual(path: Path) -> Path:
    """A two-page Korean document whose text has no spaces between words, as Korean TeX PDFs often do."""
    doc = pymupdf.open()
    pages = [
        ("설치안내", "이프로그램은관리자권한없이설치할수있으며설치폴더는사용자가직접고를수있다."
                    "설치가끝나면바탕화면에바로가기가만들어진다."),
        ("색인과검색", "문서를창에끌어다놓으면색인이시작되고진행률이표시된다."
                     "암호가걸린문서는암호를물어본다음색인한다.검색결과에는문서이름과쪽번호가함께나온다."),
    ]
    for heading, body in pages:
        page = doc.new_page()
        page.insert_text((72, 90), heading, fontname="korea", fontsize=18)
        page.insert_textbox(pymupdf.Rect(72, 120, 523, 700), body, fontname="korea", fontsize=11)
    doc.save(path)
    doc.close()
    return path


def korean_garbled(path: Path) -> Path:
    """One page of Korean text whose Latin words come out shifted into Hangul by a broken font."""
    doc = pymupdf.open()
    page = doc.new_page()
    body = ("ko" + shift_ascii(".TeX") + "은한국어" + shift_ascii("(Hangul)") + "조판을위한" + shift_ascii("plain TeX")
            + "패키지군을아울러부르는말이다" + shift_ascii(".") + "한국텍학회" + shift_ascii("(KTUG)")
            + "에서공식적으로개발을후원하고배포를담당하고있다" + shift_ascii("."))
    page.insert_textbox(pymupdf.Rect(72, 72, 523, 700), body * 3, fontname="korea", fontsize=11)
    doc.save(path)
    doc.close()
    return path


SHIFTING_CMAP = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Shifted def "
                 "1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <00> <FF> <C900> endbfrange "
                 "endcmap CMapName currentdict /CMap defineresource pop end end")
"""A ToUnicode map that sends every character code of a font into the Hangul block U+C900 ("." -> "줮")."""
BROKEN_FONT_LINES = [
    [("ko", "이 꾸러미의 이름은"), ("la", "ko.TeX"), ("ko", "이고 중간에 점을 찍어 쓴다.")],
    [("ko", "로고 명령을 쓰려면"), ("la", "\\usepackage{kotex-logo}"), ("ko", "를 먼저 선언한다.")],
    [("ko", "문서의 글꼴은 바탕체가 기본이며 필요하면 다른 글꼴로 바꿀 수 있다.")],
]


def korean_broken_latin_font(path: Path) -> Path:
    """A Korean page whose Latin words are set in a font with a broken ToUnicode map, as Korean TeX PDFs have
    it: the page shows "ko.TeX", the text layer reads "쥫쥯줮쥔쥥쥘" (``SHIFTING_CMAP``). The Korean text,
    "중간에" included (중 is in the same block), comes from a working font."""
    doc = pymupdf.open()
    page = doc.new_page()
    for row, line in enumerate(BROKEN_FONT_LINES):
        x = 72.0
        for kind, text in line:
            font = "korea" if kind == "ko" else "helv"
            page.insert_text((x, 100 + 20 * row), text, fontname=font, fontsize=11)
            x += pymupdf.get_text_length(text, fontname=font, fontsize=11)
    cmap = doc.get_new_xref()
    doc.update_object(cmap, "<<>>")
    doc.update_stream(cmap, SHIFTING_CMAP.encode())
    for xref, _, _, base, *_ in page.get_fonts():
        if base == "Helvetica":
            doc.xref_set_key(xref, "ToUnicode", f"{cmap} 0 R")
    doc.save(path)
    doc.close()
    return path


def user_guide(path: Path) -> Path:
    """A 130-page English manual of a PDF library: headings, paragraphs, code, a running footer."""
    return write_pdf(path, guide.guide_pages(), title=guide.TITLE, footer=guide.FOOTER)


def hangul_manual_pdf(path: Path) -> Path:
    """An 18-page Korean manual; most pages have Latin text shifted into Hangul by a broken font encoding."""
    return write_pdf(path, hangul_manual.manual_pages(), title=hangul_manual.TITLE, font="korea")
