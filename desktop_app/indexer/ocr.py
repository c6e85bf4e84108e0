"""OCR of scanned pages through MuPDF's built-in Tesseract, in the PDF worker process.

MuPDF carries the Tesseract engine; what has to be installed is Tesseract's
language data (``*.traineddata``): Debian's ``tesseract-ocr-eng`` and
``tesseract-ocr-kor``, or the UB Mannheim installer on Windows. Without it,
``tessdata()`` is None and scanned pages stay unread with a message saying how
to install it. ``DESKTOP_APP_NO_OCR=1`` turns OCR off (the tests use it to see
that message on a machine that has Tesseract).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from desktop_app.indexer.pdf_worker import text_block

NO_OCR_ENV = "DESKTOP_APP_NO_OCR"
LANGUAGES = ("eng", "kor")
# Measured on a generated A4 page scanned at 200 DPI (2 cores, eng+kor): 200 DPI took
# 3.5-6.5 s a page, 300 DPI 10-80% longer; English was read without a miss at both,
# Korean sentences 55/64 at 200 and 57/64 at 300 (200 better at 10-12 pt, 300 at 8 pt).
OCR_DPI = 200
# Where the UB Mannheim installer and Linux distributions put the data when PATH does not say.
KNOWN_FOLDERS = (
    r"C:\Program Files\Tesseract-OCR\tessdata",
    os.path.expandvars(r"%LOCALAPPDATA%\Programs\Tesseract-OCR\tessdata"),
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


def tessdata() -> str | None:
    """The folder holding Tesseract's language data, or None when OCR is off or not installed.

    Looked up once per process: ``TESSDATA_PREFIX``, the usual install folders, then
    ``pymupdf.get_tessdata()`` (which runs the ``tesseract`` program on PATH, so it comes
    last). A folder counts only if it holds English or Korean data. Never raises.
    """
    if os.environ.get(NO_OCR_ENV, "") not in ("", "0"):
        return None
    return _find_tessdata()


@functools.cache
def _find_tessdata() -> str | None:
    for folder in (os.environ.get("TESSDATA_PREFIX", ""), *KNOWN_FOLDERS):
        if folder and ocr_languages(folder):
            return folder
    try:
        import pymupdf

        folder = pymupdf.get_tessdata()
    except Exception:  # get_tessdata raises when Tesseract is not installed
        return None
    return folder if isinstance(folder, str) and ocr_languages(folder) else None


def ocr_languages(tessdata: str) -> list[str]:
    """The languages among English and Korean (Tesseract codes, e.g. ``["eng", "kor"]``) with data in ``tessdata``."""
    try:
        return [lang for lang in LANGUAGES if (Path(tessdata) / f"{lang}.traineddata").is_file()]
    except OSError:
        return []


def ocr_page_blocks(pymupdf: Any, page: Any, tessdata: str, languages: list[str]) -> list[dict[str, Any]]:
    """OCR the whole of ``page`` rendered at ``OCR_DPI`` and return its text blocks.

    Blocks have ``pdf_worker.text_block``'s shape: ``{"bbox": [x0, y0, x1, y1]`` in
    PDF points of the page (origin top left), ``"text"``, ``"size"`` (the dominant
    font size in points, as Tesseract's word heights give it), ``"bold": False}``.
    Takes about 4-7 s for a full page on two cores. Raises what MuPDF raises when
    the page cannot be rendered or Tesseract fails (e.g. a damaged language file).
    """
    textpage = page.get_textpage_ocr(
        flags=pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES,
        language="+".join(languages), dpi=OCR_DPI, full=True, tessdata=tessdata,
    )
    content = page.get_text("dict", textpage=textpage, sort=True)
    blocks: list[dict[str, Any]] = []
    for block in content.get("blocks", []):
        if block.get("type") == 0 and (parsed := text_block(block)) is not None:
            blocks.append({**parsed, "bold": False})
    return blocks
