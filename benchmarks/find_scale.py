"""Exhaustive find over a large library: time to the first hit and to the complete list, per mode.

    .venv/bin/python benchmarks/find_scale.py [--pages 10000] [--documents 20] [--seed 7]

Builds a temporary library of ``--pages`` pages in ``--documents`` documents
straight through ``LibraryStore.add_document`` (page texts only: no chunks,
no vectors, no PDFs), each page ~2,600 characters of pseudo-English in
blocks of wrapped lines, then plants known occurrences on random pages: the
phrase "force majeure" (a third of them split across a line end), the word
"contractor" in several forms, and identifiers "TG-<n>" for the regular
expression. Each find runs ``find_in_library`` over the whole library, as
``Engine.find`` does, and must return exactly the planted count; a last
find of the most frequent word ("the") measures a find with very many
hits (a snippet and an event each). Prints a
Markdown table and writes benchmarks/results/find_scale.json. The target
(issue "exhaustive find"): first hits within 1 s, the complete list within
10 s, over 10,000 pages.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_common import md_table, write_results

from desktop_app.engine.documents.find import FindDone, FindHit, FindQuery, find_in_library
from desktop_app.store.database import open_database
from desktop_app.store.library import LibraryStore, NewDocument

WORDS = ("the of and to in a is that for it as was with be by on not he this are or his from at which but have an "
         "they you were her she there been one all we their has would when what if more no out so said can who "
         "its about into them only other time some could these two may then do first any my now such like our "
         "over man me even most made after also did many before must through back years where much your way well "
         "down should because each just those people how too little state good very make world still own see men "
         "work long get here between both life being under never day same another know while last might us great "
         "old year off come since against go came right used take three supplier contract delivery payment notice "
         "party obligation clause schedule warranty inspection termination liability insurance premium").split()
CHARS_PER_PAGE = 2600
LINE = 90  # characters per wrapped line
CASES = (  # (label, query, what is planted: (text, split text) per occurrence)
    ("phrase", FindQuery("force majeure"), ("force majeure", "Force\nMajeure")),
    ("words", FindQuery("contractor", "words"), ("contractor", "contractors", "Contractor's")),
    ("regex", FindQuery(r"\bTG-\d{1,4}\b", "regex"), ("TG-7", "TG-1204")),
)

FREQUENT = FindQuery("the")


def page_text(rng: random.Random, planted: list[str]) -> str:
    """Blocks of wrapped lines (one block a line of the stored text, lines joined by spaces as extraction
    does), with ``planted`` strings at random word positions."""
    words: list[str] = []
    size = 0
    while size < CHARS_PER_PAGE:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    for text in planted:
        words.insert(rng.randrange(len(words)), text)
    blocks, block = [], []
    for word in words:
        block.append(word)
        if rng.random() < 0.012:
            blocks.append(" ".join(block))
            block = []
    blocks.append(" ".join(block))
    return "\n".join(blocks)


def build(store: LibraryStore, pages: int, documents: int, rng: random.Random) -> dict[str, int]:
    """The library, with each case's occurrences planted on about one page in 40; returns the planted counts."""
    planted = {label: 0 for label, _, _ in CASES}
    per_document = pages // documents
    for d in range(documents):
        texts = []
        for _ in range(per_document):
            here = []
            for label, _, forms in CASES:
                if rng.random() < 1 / 40:
                    count = rng.randint(1, 3)
                    here += [rng.choice(forms) for _ in range(count)]
                    planted[label] += count
            texts.append(page_text(rng, here))
        doc = NewDocument(sha256=f"{d:064x}", path=f"/bench/report-{d:03d}.pdf", title=f"Report {d:03d}",
                          pages=per_document, size=0, warnings=[], page_texts=tuple(texts))
        store.add_document(doc, [], [], np.zeros((0, 384), dtype=np.float32), "none", [])
    return planted


def measure(store: LibraryStore, query: FindQuery) -> tuple[float, float, FindDone]:
    started = time.perf_counter()
    first = None
    for event in find_in_library(store, query):
        if isinstance(event, FindHit) and first is None:
            first = time.perf_counter() - started
        elif isinstance(event, FindDone):
            return first if first is not None else float("nan"), time.perf_counter() - started, event
    raise AssertionError("the find ended without FindDone")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="desktop-app-find-") as folder:
        db = open_database(Path(folder) / "library.sqlite3")
        store = LibraryStore(db)
        started = time.perf_counter()
        planted = build(store, args.pages, args.documents, rng)
        built_s = time.perf_counter() - started
        rows, results = [], []
        for label, query, _ in CASES:
            first_s, complete_s, done = measure(store, query)
            assert done.total == planted[label], (label, done.total, planted[label])
            rows.append([label, query.text, done.total, done.pages_read, round(first_s, 3), round(complete_s, 2)])
            results.append({"mode": label, "query": query.text, "occurrences": done.total,
                            "pages_read": done.pages_read, "first_hit_s": first_s, "complete_s": complete_s})
        first_s, complete_s, done = measure(store, FREQUENT)  # many hits: the cost of snippets and events
        rows.append(["phrase (frequent word)", FREQUENT.text, done.total, done.pages_read, round(first_s, 3),
                     round(complete_s, 2)])
        results.append({"mode": "phrase", "query": FREQUENT.text, "occurrences": done.total,
                        "pages_read": done.pages_read, "first_hit_s": first_s, "complete_s": complete_s})
        db.conn.close()
    print(f"{args.pages:,} pages in {args.documents} documents, built in {built_s:.1f} s\n")
    print(md_table(["mode", "query", "occurrences", "pages read", "first hit (s)", "complete (s)"], rows))
    print(f"\ncommand: .venv/bin/python benchmarks/find_scale.py --pages {args.pages} --documents {args.documents} "
          f"--seed {args.seed}")
    path = write_results("find_scale", {"pages": args.pages, "documents": args.documents, "results": results})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
