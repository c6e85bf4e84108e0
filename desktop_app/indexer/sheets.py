"""Excel workbooks (XLSX) as HTML parts: each sheet a table of its used cells, read with openpyxl.

A sheet's leading rows with at most one filled cell (a title, a note) become paragraphs under a
heading naming the sheet; the first row with two or more filled cells is the table's header, repeated
at the top of every page of ``ROWS_PER_PAGE`` rows. Each row starts with a "Cells" column giving its
cell range ("A4:C4"), so a table row read back names where it is (``cell_range``), whichever chunk it
lands in. Formulas show their value as last saved, or the formula where the file holds no value.
Hidden sheets are left out and named in a note, as hidden PDF text is.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from desktop_app.indexer.formats import PAGE, Part

ROWS_PER_PAGE = 40
MAX_CELLS = 500_000  # cells read from one workbook; the rest is left out with a note
GUTTER = "Cells"
COLUMN_WIDTH = 110.0  # points a column is given on the page
CELLS = re.compile(r"^(?:Cells: )?([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)(?:;| \||$)")


def cell_range(lines: Iterable[str]) -> str:
    """The cells a chunk's table rows cover, "A4:C9", from their "Cells" column; "" when none names its cells."""
    found = [m for m in (CELLS.match(line.strip()) for line in lines) if m]
    if not found:
        return ""
    rows = [int(m.group(2)) for m in found]
    return f"{found[0].group(1)}{min(rows)}:{found[0].group(3)}{max(rows)}"


def shown(value: Any, number_format: str = "General") -> str:
    """A cell's value as text: whole numbers without ".0", percentages as such, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | int):
        if "%" in (number_format or ""):
            return f"{value * 100:.10g}%"
        if isinstance(value, int) or value.is_integer():
            return str(int(value))
        return f"{value:.10g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ", "minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def sheet_rows(values: Any, formulas: Any, budget: int) -> Iterator[tuple[int, dict[int, str]]]:
    """(row number, {column number: text}) of each row with a filled cell, up to ``budget`` cells visited.

    Empty cells count too: read-only openpyxl pads every row to the sheet's declared width, so a wrong or
    huge dimension costs time whether or not the cells hold anything."""
    for row, formula_row in zip(values.iter_rows(), formulas.iter_rows(), strict=False):
        cells: dict[int, str] = {}
        number = 0
        for cell, formula in zip(row, formula_row, strict=False):
            budget -= 1
            if budget < 0:
                return
            if getattr(cell, "row", None) is None:
                continue
            number = cell.row
            text = shown(cell.value, getattr(cell, "number_format", "General"))
            if not text and isinstance(formula.value, str) and formula.value.startswith("="):
                text = formula.value
            if text:
                cells[cell.column] = text
        if cells:
            yield number, cells


def workbook_parts(path: Path, package: zipfile.ZipFile) -> tuple[str, list[Part], list[str]]:
    """(title, parts, notes) of a workbook: each visible sheet from a new page, its pages labelled with its name."""
    package.close()  # opened only to check it is a sound package of a sane size
    import openpyxl

    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    parts: list[Part] = []
    notes: list[str] = []
    budget = MAX_CELLS
    try:
        for name in values.sheetnames:
            sheet = values[name]
            if getattr(sheet, "sheet_state", "visible") != "visible":
                notes.append(f"sheet {name} is hidden and was left out")
                continue
            if not hasattr(sheet, "iter_rows"):
                continue  # a chart sheet
            rows = list(sheet_rows(sheet, formulas[name], budget))
            budget -= sum(len(cells) for _, cells in rows)
            if budget <= 0:
                notes.append(f"the workbook has more than {MAX_CELLS:,} filled cells; sheet {name} and any after "
                             "it were indexed only in part")
            parts.extend(sheet_parts(name, rows))
            if budget <= 0:
                break
        title = values.properties.title or ""
    finally:
        values.close()
        formulas.close()
    return title, parts, notes


def sheet_parts(name: str, rows: list[tuple[int, dict[int, str]]]) -> list[Part]:
    """One sheet's pages: a heading and its leading notes, then its table ``ROWS_PER_PAGE`` rows a page."""
    if not rows:
        return []
    from openpyxl.utils import get_column_letter

    start = next((n for n, (_, cells) in enumerate(rows) if len(cells) >= 2), len(rows))
    lead = "".join(f"<p>{html.escape(next(iter(cells.values())))}</p>" for _, cells in rows[:start])
    heading = f"<h1>{html.escape(name)}</h1>{lead}"
    if start == len(rows):
        return [Part(heading, name)]
    table = rows[start:]
    first = min(c for _, cells in table for c in cells)
    last = max(c for _, cells in table for c in cells)
    letters = get_column_letter(first), get_column_letter(last)
    header = "".join(f"<th>{html.escape(rows[start][1].get(c, ''))}</th>" for c in range(first, last + 1))
    width = min(max(PAGE[0], 2 * 50 + 70 + COLUMN_WIDTH * (last - first + 1)), 14_400.0)
    parts = []
    for at in range(1, max(len(table), 2), ROWS_PER_PAGE):
        body = "".join(
            f"<tr><td>{letters[0]}{number}:{letters[1]}{number}</td>"
            + "".join(f"<td>{html.escape(cells.get(c, ''))}</td>" for c in range(first, last + 1)) + "</tr>"
            for number, cells in table[at:at + ROWS_PER_PAGE])
        top = heading if at == 1 else ""
        parts.append(Part(f"{top}<table><tr><th>{GUTTER}</th>{header}</tr>{body}</table>", name, True, width,
                          PAGE[1]))
    return parts
