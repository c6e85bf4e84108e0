"""The child side of PDF extraction: runs in its own process.

Only this module touches untrusted PDF bytes with native code (MuPDF), so a
hang or crash here kills the worker, not the app. It answers requests read
from a pipe with plain dicts and lists, which pickle cheaply.
"""

from __future__ import annotations

import re
from multiprocessing.connection import Connection
from typing import Any

BOLD_FLAG = 16
DOT_LEADER = re.compile(r"(?:\s?\.){4,}\s?")


def _limit_memory(limit_bytes: int) -> None:
    """Cap the worker's address space where the OS offers rlimits (not on Windows, where the time limit remains)."""
    try:
        import resource
    except ImportError:
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def serve(conn: Connection, memory_limit_bytes: int) -> None:
    """Answer ``(path, password)`` requests until the pipe closes."""
    if memory_limit_bytes > 0:
        _limit_memory(memory_limit_bytes)
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    while True:
        try:
            path, password = conn.recv()
        except EOFError:
            return
        try:
            result = extract(pymupdf, path, password)
        except MemoryError:
            result = {"error": "too_large", "detail": "ran out of memory"}
        except Exception as exc:  # MuPDF raises many kinds; all mean a bad file
            result = {"error": "corrupt", "detail": f"{type(exc).__name__}: {exc}"}
        conn.send(result)


def extract(pymupdf: Any, path: str, password: str | None) -> dict[str, Any]:
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:
        return {"error": "corrupt", "detail": str(exc)}
    with doc:
        if doc.needs_pass:
            if not password:
                return {"error": "encrypted", "detail": ""}
            if not doc.authenticate(password):
                return {"error": "bad_password", "detail": ""}
        if doc.page_count == 0:
            return {"error": "empty", "detail": ""}
        pages = [page_record(doc, number) for number in range(doc.page_count)]
        title = (doc.metadata or {}).get("title") or ""
        return {"title": title.strip(), "pages": pages, "repaired": bool(doc.is_repaired)}


def page_record(doc: Any, number: int) -> dict[str, Any]:
    """Text blocks of one page with position, dominant font size and boldness."""
    record: dict[str, Any] = {"number": number + 1, "blocks": [], "images": 0, "error": ""}
    try:
        page = doc.load_page(number)
        record["width"], record["height"] = page.rect.width, page.rect.height
        content = page.get_text("dict", sort=True)
    except Exception as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
        return record
    for block in content.get("blocks", []):
        if block.get("type") == 1:
            record["images"] += 1
        elif block.get("type") == 0:
            parsed = text_block(block)
            if parsed is not None:
                record["blocks"].append(parsed)
    return record


def text_block(block: dict[str, Any]) -> dict[str, Any] | None:
    lines: list[str] = []
    sizes: dict[float, int] = {}
    bold_chars = 0
    total_chars = 0
    for line in block.get("lines", []):
        spans = line.get("spans", [])
        text = "".join(span.get("text", "") for span in spans).strip()
        if text:
            lines.append(text)
        for span in spans:
            n = len(span.get("text", "").strip())
            size = round(float(span.get("size", 0.0)), 1)
            sizes[size] = sizes.get(size, 0) + n
            total_chars += n
            if span.get("flags", 0) & BOLD_FLAG:
                bold_chars += n
    if not lines or total_chars == 0:
        return None
    return {
        "bbox": [round(v, 2) for v in block["bbox"]],
        "text": DOT_LEADER.sub(" ... ", join_lines(lines)),
        "size": max(sizes, key=lambda s: sizes[s]),
        "bold": bold_chars >= 0.8 * total_chars,
    }


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines; a hyphen at a line end joins the word back."""
    out = lines[0]
    for line in lines[1:]:
        if out.endswith("-") and out[-2:-1].isalpha() and line[:1].islower():
            out = out[:-1] + line
        else:
            out = out + " " + line
    return out
