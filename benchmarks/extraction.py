"""What reading a page costs: the plain MuPDF pass, the fidelity steps, and ruled-table analysis, in one run.

    .venv/bin/python benchmarks/extraction.py [PDF_FOLDER]

For every page of the PDFs (default: the dev corpus), in one process and
alternating per page so machine noise hits all three alike:

- ``plain``: ``page.get_text("dict", sort=True)`` and the block text, as the
  first extractor read pages;
- ``no tables``: the current page reading (hidden text, XY-cut reading order,
  folding, line joining) with table analysis switched off;
- ``current``: the whole current page reading, ruled tables included.

Prints per-page milliseconds (median and total) and the ratios to ``plain``;
writes benchmarks/results/extraction.json.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pymupdf
from bench_common import CORPUS, write_results

from desktop_app.indexer import pdf_worker, tables


def plain(doc: pymupdf.Document, number: int) -> int:
    content = doc.load_page(number).get_text("dict", sort=True)
    return sum(1 for block in content["blocks"] if block.get("type") == 0 and pdf_worker.text_block(block))


def current(doc: pymupdf.Document, number: int) -> int:
    return len(pdf_worker.page_record(doc, number)["blocks"])


def without_tables(doc: pymupdf.Document, number: int) -> int:
    finder = tables.find_data_tables
    tables.find_data_tables = lambda page: []
    try:
        return current(doc, number)
    finally:
        tables.find_data_tables = finder


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    pymupdf.TOOLS.mupdf_display_errors(False)
    ways = {"plain": plain, "no tables": without_tables, "current": current}
    times: dict[str, list[float]] = {name: [] for name in ways}
    pages = 0
    for path in sorted(folder.glob("*.pdf")):
        with pymupdf.open(path) as doc:
            for number in range(doc.page_count):
                pages += 1
                for name, read in ways.items():
                    start = time.perf_counter()
                    read(doc, number)
                    times[name].append((time.perf_counter() - start) * 1000)
    base = sum(times["plain"])
    rows = {name: {"median_ms": round(statistics.median(t), 2), "total_s": round(sum(t) / 1000, 2),
                   "ratio_to_plain": round(sum(t) / base, 2)} for name, t in times.items()}
    print(f"{pages} pages of {folder.name}\n")
    print("| page reading | median ms/page | total s | total / plain |\n|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['median_ms']} | {row['total_s']} | {row['ratio_to_plain']} |")
    write_results("extraction", {"pages": pages, "folder": folder.name, "ways": rows})


if __name__ == "__main__":
    main()
