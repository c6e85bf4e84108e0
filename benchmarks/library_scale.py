"""A library of 1,000 documents: the window's panels, the name filter, a scoped question, deleting a collection.

    .venv/bin/python benchmarks/library_scale.py [--documents 1000] [--seed 3]

Builds a library of ``--documents`` one-page "case notes" (~120 words of
pseudo-English with a planted fact each). By default they go straight into
the store (``LibraryStore.add_document``, one chunk each, random unit
vectors: quick, and what is measured below does not depend on how the
vectors were made); with ``--index`` they are written as PDFs and indexed
through ``Engine.library.index`` as a user's drop would (slow: the embedder
runs per file; indexing speed is ``benchmarks/ingest.py``'s business). Then,
in one run:

- the window (Qt offscreen, the real ``MainWindow``) from construction until
  the library panel lists every document and the collection list is filled;
- filtering the library panel by name (one keystroke's ``textChanged``);
- a question in the whole library and in a collection of 500, retrieval only
  (``Engine.search``), median of 5;
- deleting that collection with its 500 documents as a job
  (``CollectionManager.delete_with_documents``), with the progress events.

Targets (issue "library at work scale"): panels open in under a second,
filtering is instant, removing a collection of 500 runs as a job with
progress. Prints a Markdown table and writes benchmarks/results/library_scale.json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pymupdf
from bench_common import md_table, write_results

from desktop_app.engine import Engine, FileIndexed, RemovalDone, RemovalProgress, Scope
from desktop_app.indexer.extract import EXTRACTOR_VERSION
from desktop_app.store.rows import Chunk, NewDocument

WORDS = ("survey harbour tide gauge report channel dredging vessel crew night shift inspection pump filter "
         "maintenance schedule supplier contract delivery warranty notice clause payment risk log station "
         "reading calibration drift month week team site operator record").split()


def write_note(path: Path, number: int, rng: random.Random) -> None:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    text = f"Case note {number:04d}\n\n{note_text(number, rng)}"
    page.insert_textbox(pymupdf.Rect(72, 72, 523, 770), text, fontsize=10)
    doc.set_metadata({"title": f"Case note {number:04d}"})
    doc.save(path)
    doc.close()


def note_text(number: int, rng: random.Random) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(110))
    return (f"The inspector of case {number:04d} measured a drift of {number % 97} millimetres at station "
            f"{number}. {body}.")


def store_notes(engine: Engine, count: int, rng: random.Random) -> list[int]:
    """``count`` case notes stored straight through the library store; their document ids."""
    rt = engine._rt  # a benchmark's seam: the store and the embedder's key and size
    key, dim = rt.embedder.key, rt.embedder.dim
    ids = []
    for number in range(count):
        text = note_text(number, rng)
        vector = np.random.default_rng(number).standard_normal((1, dim)).astype(np.float32)
        vector /= np.linalg.norm(vector)
        doc = NewDocument(f"{number:064x}", f"/notes/note-{number:04d}.pdf", f"Case note {number:04d}", 1, 2000,
                          [], EXTRACTOR_VERSION, page_texts=(text,))
        doc_id, _, _ = rt.store.add_document(doc, [SimpleNamespace(ord=0, title=f"Case note {number:04d}")],
                                             [Chunk(0, 0, text, 0, ((1, 72.0, 72.0, 523.0, 200.0),))], vector, key,
                                             [])
        ids.append(doc_id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--index", action="store_true", help="write PDFs and index them (slow) instead")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        folder, home = Path(tmp) / "notes", Path(tmp) / "home"
        folder.mkdir()
        for number in range(args.documents if args.index else 0):
            write_note(folder / f"note-{number:04d}.pdf", number, rng)
        engine = Engine(home)
        started = time.perf_counter()
        if args.index:
            ids = sorted(e.document_id for e in engine.library.index([folder]) if isinstance(e, FileIndexed))
        else:
            ids = store_notes(engine, args.documents, rng)
        index_s = time.perf_counter() - started
        indexed = ids
        half = engine.collections.create("First half")
        engine.collections.add(half.id, ids[: len(ids) // 2])
        engine.collections.create("Empty")
        question = "What drift did the inspector of case 0042 measure?"
        library_s, scoped_s = [], []
        for _ in range(5):
            t = time.perf_counter()
            engine.search(question)
            library_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            found = engine.search(question, scope=Scope(collection=half.id))
            scoped_s.append(time.perf_counter() - t)
        assert all(s.first.document_id in set(ids[: len(ids) // 2]) for s in found.sources)
        engine.close()

        from PySide6.QtWidgets import QApplication

        from desktop_app.ui.main_window import MainWindow

        app = QApplication.instance() or QApplication([])
        t = time.perf_counter()
        window = MainWindow(home)
        window.show()
        while len(window.library.documents) < len(indexed) or window.collections_panel.list.count() < 3:
            app.processEvents()
            time.sleep(0.001)
        window_s = time.perf_counter() - t
        t = time.perf_counter()
        window.library.filter.setText("note-0042")
        filter_s = time.perf_counter() - t
        shown = sum(not window.library.table.isRowHidden(r) for r in range(window.library.table.rowCount()))
        window.library.filter.clear()
        window.close()
        window.tasks.shutdown()

        engine = Engine(home)
        progress = 0
        t = time.perf_counter()
        first_progress_s = None
        done = None
        for event in engine.collections.delete_with_documents("First half"):
            if isinstance(event, RemovalProgress):
                progress += 1
                first_progress_s = first_progress_s or time.perf_counter() - t
            elif isinstance(event, RemovalDone):
                done = event
        delete_s = time.perf_counter() - t
        left = len(engine.library.documents())
        engine.close()
    assert done is not None and done.removed == len(ids) // 2 and left == len(ids) - len(ids) // 2
    rows = [
        ("build the library" + (" (indexing generated PDFs)" if args.index else " (straight into the store)"),
         f"{index_s:.1f} s", f"{len(indexed)} documents"),
        ("window: library panel and collections listed", f"{window_s:.2f} s", f"{len(indexed)} rows, 2 collections"),
        ("filter the library by name", f"{filter_s * 1000:.1f} ms", f"{shown} row shown"),
        ("question, whole library (retrieval, median of 5)", f"{statistics.median(library_s) * 1000:.0f} ms", ""),
        ("question, collection of 500 (retrieval, median of 5)", f"{statistics.median(scoped_s) * 1000:.0f} ms",
         "sources only from the collection"),
        ("delete the collection with its 500 documents", f"{delete_s:.1f} s",
         f"{progress} progress events, first after {(first_progress_s or 0) * 1000:.0f} ms"),
    ]
    print(md_table(["step", "time", "notes"], rows))
    path = write_results("library_scale", {
        "documents": len(indexed), "indexed_pdfs": args.index, "index_s": index_s, "window_s": window_s,
        "filter_s": filter_s,
        "search_library_s": library_s, "search_collection_s": scoped_s, "delete_collection_s": delete_s,
        "progress_events": progress, "first_progress_s": first_progress_s})
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
