"""Ruled tables: found by PyMuPDF, kept only when they look like data, indexed row by row with their header.

A table row becomes one line of text that names every cell by its column's
header, "Supplier: Borel Plastics; Risk: Price linked to oil index;
Mitigation: Fixed-price contract", so a row never loses its header, whichever
chunk it lands in, and a wrapped cell never drifts into the next row.
A table without a usable header row gives its cells joined by " | ".

``find_data_tables`` runs in the PDF worker; ``row_cells`` reads a row line
back into (header, value) pairs for showing it as a table.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from desktop_app.indexer import layout

MIN_ROWS = 2  # the header row and one row of data
MIN_COLUMNS = 2
MIN_FILLED_SHARE = 0.6  # of the cells below the header
MAX_HEADER_CHARS = 40
CELL_SEPARATOR = "; "
NAME_SEPARATOR = ": "
PLAIN_SEPARATOR = " | "


def cell_text(cell: str | None) -> str:
    """A cell's lines joined as the body text's are (hyphens, Korean), compatibility characters folded."""
    return layout.fold_compatibility(layout.join_lines((cell or "").splitlines())).strip()


def usable_header(names: list[str]) -> bool:
    return all(names) and all(len(n) <= MAX_HEADER_CHARS for n in names) and \
        not all(n.replace(".", "").isdigit() for n in names) and len(set(names)) == len(names)


def header_row(rows: list[list[str]]) -> int:
    """The index of the header row: the first row, or the second under a title spanning the table; -1 if none."""
    if usable_header(rows[0]):
        return 0
    if len(rows) > 2 and sum(1 for c in rows[0] if c) == 1 and usable_header(rows[1]):
        return 1
    return -1


def row_text(header: list[str] | None, cells: list[str]) -> str:
    """One row as indexed: "Name: value; Name: value", or "value | value" with no header."""
    if header is None:
        return PLAIN_SEPARATOR.join(c for c in cells if c)
    return CELL_SEPARATOR.join(f"{name}{NAME_SEPARATOR}{value}" for name, value in zip(header, cells, strict=True)
                               if value)


def row_cells(text: str) -> list[tuple[str, str]]:
    """A row line read back into (header, value) pairs; [] when it is not a "Name: value; ..." row."""
    pairs: list[tuple[str, str]] = []
    for part in text.split(CELL_SEPARATOR):
        name, found, value = part.partition(NAME_SEPARATOR)
        if found and 0 < len(name) <= MAX_HEADER_CHARS:
            pairs.append((name, value))
        elif pairs:  # a value that itself holds "; "
            pairs[-1] = (pairs[-1][0], pairs[-1][1] + CELL_SEPARATOR + part)
        else:
            return []
    return pairs if len(pairs) >= MIN_COLUMNS - 1 else []


def may_hold_a_ruled_table(page: Any) -> bool:
    """Whether the page draws at least three horizontal and three vertical edges (a 2x2 grid's least).

    Reads ``page.get_cdrawings()`` (about 0.5 ms a page) so that ``find_tables``
    (about 40 ms a page) runs only where a ruled table can be.
    """
    horizontal: set[int] = set()
    vertical: set[int] = set()
    for drawing in page.get_cdrawings():
        for item in drawing.get("items", ()):
            if item[0] == "l":
                (x0, y0), (x1, y1) = item[1], item[2]
                if abs(y1 - y0) < 1:
                    horizontal.add(round(y0))
                elif abs(x1 - x0) < 1:
                    vertical.add(round(x0))
            elif item[0] == "re":
                x0, y0, x1, y1 = item[1]
                horizontal.update((round(y0), round(y1)))
                vertical.update((round(x0), round(x1)))
        if len(horizontal) >= MIN_ROWS + 1 and len(vertical) >= MIN_COLUMNS + 1:
            return True
    return False


def find_data_tables(page: Any) -> list[dict[str, Any]]:
    """The page's ruled tables that hold data: each ``{"bbox", "rows": [{"bbox", "text"}], "size"}``.

    Uses ``page.find_tables()`` (PyMuPDF's port of pdfplumber's table finder,
    line strategy); tables with fewer than ``MIN_ROWS`` rows or
    ``MIN_COLUMNS`` columns, or mostly empty cells (boxed code, charts), are
    not tables for this purpose. Raises what PyMuPDF raises.
    """
    if not may_hold_a_ruled_table(page):
        return []
    with contextlib.redirect_stdout(io.StringIO()):  # PyMuPDF prints an advertisement for another package
        found = page.find_tables()
    tables = []
    for table in found.tables:
        if table.row_count < MIN_ROWS or table.col_count < MIN_COLUMNS:
            continue
        rows = [[cell_text(c) for c in row] for row in table.extract()]
        body = rows[1:]
        cells = [c for row in body for c in row]
        if not cells or sum(1 for c in cells if c) < MIN_FILLED_SHARE * len(cells):
            continue
        if not any(ch.isalpha() for c in cells for ch in c):
            continue
        boxes = [tuple(r.bbox) for r in table.rows]
        first = header_row(rows)
        header = rows[first] if first >= 0 else None
        kept = [(box, row_text(None if n < first else header, row))
                for n, (box, row) in enumerate(zip(boxes, rows, strict=True)) if n != first]
        tables.append({"bbox": list(table.bbox), "rows": [{"bbox": list(b), "text": t} for b, t in kept if t]})
    return tables
