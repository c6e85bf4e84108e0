"""Draw the app icon and write installer/assets/desktop-app.png (256 px), -48.png and desktop-app.ico.

    .venv/bin/python installer/make_icons.py

The files are committed; run this again only to change the icon. Drawn with
PyMuPDF (a page as a canvas), so no image library is needed. The .ico holds
PNG images (16 to 256 px), which Windows reads since Vista.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pymupdf

ASSETS = Path(__file__).resolve().parent / "assets"
BLUE, WHITE, GREY, AMBER = (0.13, 0.33, 0.62), (1, 1, 1), (0.62, 0.68, 0.76), (0.96, 0.62, 0.09)


def draw(size: int) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=64, height=64)
    shape = page.new_shape()
    shape.draw_rect(pymupdf.Rect(2, 2, 62, 62), radius=0.18)
    shape.finish(color=None, fill=BLUE)
    # A page with a folded corner.
    shape.draw_polyline([(17, 11), (39, 11), (47, 19), (47, 53), (17, 53), (17, 11)])
    shape.finish(color=None, fill=WHITE, closePath=True)
    shape.draw_polyline([(39, 11), (39, 19), (47, 19)])
    shape.finish(color=None, fill=GREY, closePath=True)
    for y in (25, 31, 37):
        shape.draw_line((22, y), (42, y))
    shape.finish(color=GREY, width=2.4, lineCap=1)
    # The citation mark: an amber tab pointing at a line of the page.
    shape.draw_rect(pymupdf.Rect(12, 40, 30, 50), radius=0.25)
    shape.finish(color=None, fill=AMBER)
    shape.draw_polyline([(15, 45), (19, 48.5), (27, 41.5)])
    shape.finish(color=WHITE, width=2.2, lineCap=1, lineJoin=1, closePath=False)
    shape.commit()
    pixmap = page.get_pixmap(matrix=pymupdf.Matrix(size / 64, size / 64), alpha=True, clip=page.rect)
    return pixmap.tobytes("png")


def write_ico(path: Path, images: dict[int, bytes]) -> None:
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, data = b"", b""
    for size, png in sorted(images.items()):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    path.write_bytes(header + entries + data)


def main() -> None:
    ASSETS.mkdir(exist_ok=True)
    (ASSETS / "desktop-app.png").write_bytes(draw(256))
    (ASSETS / "desktop-app-48.png").write_bytes(draw(48))
    write_ico(ASSETS / "desktop-app.ico", {size: draw(size) for size in (16, 32, 48, 256)})


if __name__ == "__main__":
    main()
