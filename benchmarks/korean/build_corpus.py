"""Build the Korean benchmark corpus: three PDF manuals made from Debian's Korean documentation packages.

    .venv/bin/python benchmarks/korean/build_corpus.py [OUT_FOLDER] [--debs FOLDER]

OUT_FOLDER defaults to /tmp/korean-corpus. The .deb files are looked for in
``--debs`` (default /tmp/korean-debs) and fetched there with ``apt-get
download PACKAGE=VERSION`` when missing (Debian 12 "bookworm" archive). The
page numbers in ``questions.jsonl`` belong to the PDFs built from exactly
these package versions: a different checksum is reported, and pages may move.

Sources (all from Debian 12's archive):

* debian-faq-ko.pdf: package debian-faq-ko 11.1, usr/share/doc/debian/FAQ/ko/*.ko.html,
  chapters in the order of index.ko.html. Licence: the Debian FAQ's own notice
  (verbatim and modified copies and translations may be distributed; see the
  package's copyright file).
* libreoffice-calc-guide-ko.pdf: package libreoffice-help-ko 4:7.4.7-1+deb12u14,
  usr/share/libreoffice/help/ko/text/scalc/guide/*.html in the order of
  main.html. Licence: MPL-2.0 (parts Apache-2.0).
* gimp-help-ko.pdf: package gimp-help-ko 2.10.34-2, the pages of
  usr/share/gimp/2.0/help/ko/ listed in GIMP_PAGES (chosen for being mostly
  translated). Licence: GFDL-1.2 or later, no invariant sections
  (gimp-help-common's copyright file).

The HTML is reduced to headings, paragraphs, lists, tables and code (no
images, navigation, "related topics" or macOS-only key names) and laid out on
A4 pages with PyMuPDF's Story (its built-in Droid Sans Fallback font supplies
the Hangul glyphs), each chapter or topic group starting a new page, with a
page number in the footer. Text extracted from these PDFs keeps the spaces
between words.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import re
import subprocess
import sys
import tarfile
from html.parser import HTMLParser
from pathlib import Path

import pymupdf

PACKAGES = {
    # package: (version, file name apt-get download gives, sha256 of that file)
    "debian-faq-ko": ("11.1", "debian-faq-ko_11.1_all.deb",
                      "1e010227c0e7497b836e195beedcda60f3e9b8856f19f211cbbdc5e91b4a5d7a"),
    "libreoffice-help-ko": ("4:7.4.7-1+deb12u14", "libreoffice-help-ko_4%3a7.4.7-1+deb12u14_all.deb",
                            "7ef2d854e9ed58e6bf861cfa9fa2579555233f9df874baf327fcb07ccd190669"),
    "gimp-help-ko": ("2.10.34-2", "gimp-help-ko_2.10.34-2_all.deb",
                     "c8094280b19d858cc32b6d9278d7d6126bf41c05f6fcc45d2c07ee41b68f750b"),
}

FAQ_DIR = "usr/share/doc/debian/FAQ/ko/"
CALC_DIR = "usr/share/libreoffice/help/ko/text/scalc/guide/"
GIMP_DIR = "usr/share/gimp/2.0/help/ko/"

# Groups of GIMP help pages (each group starts a new page); pages whose text is mostly Korean.
GIMP_PAGES = [
    ("시작하기", ["gimp-fire-up.html", "gimp-first-steps.html", "gimp-concepts-main-windows.html",
               "gimp-image-window.html", "gimp-concepts-docks.html", "gimp-concepts-undo.html",
               "gimp-concepts-shortcuts.html", "gimp-using-setup-tile-cache.html"]),
    ("빠른 따라하기", ["gimp-tutorial-quickie-scale.html", "gimp-tutorial-quickie-crop.html",
                  "gimp-tutorial-quickie-jpeg.html", "gimp-tutorial-quickie-change-mode.html",
                  "gimp-tutorial-straight-lines.html"]),
    ("브러시, 패턴, 그레이디언트, 글꼴", ["gimp-using-brushes.html", "gimp-creating-brush-quickly.html",
                                 "gimp-using-variable-size-brush.html", "gimp-concepts-patterns.html",
                                 "gimp-concepts-gradients.html", "gimp-using-fonts.html", "font-problems.html"]),
    ("디지털 카메라 사진 다루기", ["gimp-imaging-photos.html"]),
    ("GIMP의 역사", ["gimp-introduction-history-2-2.html", "gimp-introduction-history-2-4.html",
                  "gimp-introduction-history-2-6.html"]),
]

CSS = """
body { font-family: sans-serif; font-size: 10pt; line-height: 1.45; }
h1 { font-size: 17pt; margin-top: 6pt; margin-bottom: 10pt; }
h2 { font-size: 13pt; margin-top: 12pt; margin-bottom: 6pt; }
h3, h4 { font-size: 11pt; margin-top: 10pt; margin-bottom: 4pt; }
p { margin-top: 3pt; margin-bottom: 5pt; }
pre { font-family: monospace; font-size: 8.5pt; }
td, th { font-size: 9pt; border: 0.5pt solid #888; padding: 2pt; }
"""

KEEP = {"h1", "h2", "h3", "h4", "h5", "p", "ul", "ol", "li", "pre", "code", "b", "strong", "em", "i", "table",
        "thead", "tbody", "tr", "td", "th", "dl", "dt", "dd", "br", "blockquote", "sub", "sup", "div"}
DROP_TAGS = {"script", "style", "head", "title", "noscript", "svg", "object", "header", "aside", "nav", "button",
             "input", "label", "img", "meta", "link", "figure-break"}
DROP_CLASSES = {"navheader", "navfooter", "toc", "relatedtopics", "MAC", "noteicon", "debug", "indexterm",
                "reportbug", "list-of-figures", "list-of-tables"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
        "wbr"}


class Simplifier(HTMLParser):
    """Keep structural tags and text; drop navigation, images and the subtrees named in DROP_*."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            self.skip += tag not in VOID
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if tag in DROP_TAGS or classes & DROP_CLASSES or a.get("id") in ("SearchFrame", "DonationFrame"):
            self.skip = int(tag not in VOID)
            return
        if tag in KEEP:
            self.out.append(f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skip and tag == "br":
            self.out.append("<br/>")

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= tag not in VOID
            return
        if tag in KEEP and tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(html.escape(data, quote=False))


def simplify(page: str) -> str:
    match = re.search(r"(?s)<body[^>]*>(.*)</body>", page)
    body = match.group(1) if match else page
    parser = Simplifier()
    parser.feed(body)
    parser.close()
    return "".join(parser.out)


def calc_body(page: str) -> str:
    """The help text of a LibreOffice help page (its DisplayArea), simplified."""
    start = page.find('<div id="DisplayArea"')
    end = page.find('<div id="SearchFrame"')
    return simplify(page[start:end] if start >= 0 and end > start else page)


def deb_files(deb: Path, prefix: str, names: set[str] | None = None) -> dict[str, bytes]:
    """Files under ``prefix`` in the data archive of a .deb (an ar archive holding data.tar.xz)."""
    blob = deb.read_bytes()
    if not blob.startswith(b"!<arch>\n"):
        raise ValueError(f"{deb} is not a .deb")
    pos = 8
    while pos + 60 <= len(blob):
        name = blob[pos:pos + 16].decode().strip().rstrip("/")
        size = int(blob[pos + 48:pos + 58].decode().strip())
        data = blob[pos + 60:pos + 60 + size]
        pos += 60 + size + (size % 2)
        if name.startswith("data.tar"):
            files: dict[str, bytes] = {}
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                for member in tar:
                    path = member.name.removeprefix("./")
                    if member.isfile() and path.startswith(prefix) and (names is None or path in names):
                        files[path[len(prefix):]] = tar.extractfile(member).read()  # type: ignore[union-attr]
            return files
    raise ValueError(f"{deb} has no data.tar")


def get_deb(package: str, debs: Path, packages: dict[str, tuple[str, str, str]] = PACKAGES) -> Path:
    """The .deb of ``package`` at the version ``packages`` pins, downloaded into ``debs`` when missing."""
    version, file_name, sha256 = packages[package]
    path = debs / file_name
    if not path.exists():
        debs.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=debs, check=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        print(f"warning: {path.name} has sha256 {digest}, not the {sha256} the questions were written on",
              file=sys.stderr)
    return path


def render(title: str, parts: list[str], out: Path) -> int:
    """Lay out ``parts`` (simplified HTML, each starting a new page) under a title page; returns the page count."""
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    media = pymupdf.paper_rect("a4")
    where = media + (56, 56, -56, -64)
    for body in [f"<h1>{html.escape(title)}</h1>", *parts]:
        story = pymupdf.Story(html=body, user_css=CSS)
        more = True
        while more:
            device = writer.begin_page(media)
            more, _ = story.place(where)
            story.draw(device)
            writer.end_page()
    writer.close()
    doc = pymupdf.open("pdf", buffer.getvalue())
    for number, page in enumerate(doc, start=1):
        page.insert_text((media.width / 2 - 8, media.height - 34), f"- {number} -", fontsize=8, fontname="helv")
    doc.set_metadata({"title": title, "producer": "benchmarks/korean/build_corpus.py"})
    doc.subset_fonts()
    doc.save(out, garbage=3, deflate=True)
    pages = doc.page_count
    doc.close()
    return pages


def faq(files: dict[str, bytes]) -> list[str]:
    index = files["index.ko.html"].decode()
    chapters = list(dict.fromkeys(re.findall(r'href="([a-z-]+\.ko\.html)"', index)))
    return [simplify(files[name].decode()) for name in chapters if name != "index.ko.html" and name in files]


def calc(files: dict[str, bytes]) -> list[str]:
    main = files["main.html"].decode()
    listed = [n for n in dict.fromkeys(re.findall(r'href="ko/text/scalc/guide/([a-z_0-9]+\.html)', main))
              if n in files and n != "main.html"]
    rest = sorted(n for n in files if n.endswith(".html") and n not in listed and n != "main.html")
    names = listed + rest
    # Topics flow on, ten to a group, each group starting a new page.
    return ["".join(calc_body(files[n].decode()) for n in names[i:i + 10]) for i in range(0, len(names), 10)]


def gimp(files: dict[str, bytes]) -> list[str]:
    return [f"<h1>{html.escape(title)}</h1>" + "".join(simplify(files[n].decode()) for n in names)
            for title, names in GIMP_PAGES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="/tmp/korean-corpus", type=Path)
    parser.add_argument("--debs", default="/tmp/korean-debs", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    builds = [
        ("debian-faq-ko", FAQ_DIR, "데비안 GNU/리눅스 FAQ", faq, "debian-faq-ko.pdf"),
        ("libreoffice-help-ko", CALC_DIR, "LibreOffice Calc 사용 안내", calc, "libreoffice-calc-guide-ko.pdf"),
        ("gimp-help-ko", GIMP_DIR, "GNU 이미지 처리 프로그램 GIMP 사용자 설명서 (발췌)", gimp, "gimp-help-ko.pdf"),
    ]
    for package, prefix, title, parts, name in builds:
        files = deb_files(get_deb(package, args.debs), prefix)
        pages = render(title, parts(files), args.out / name)
        print(f"{name}: {pages} pages, {(args.out / name).stat().st_size // 1024} KiB (from {package})")


if __name__ == "__main__":
    main()
