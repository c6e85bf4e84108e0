"""Hybrid search latency and memory at growing library sizes (synthetic chunks).

    .venv/bin/python benchmarks/retrieval_latency.py [--sizes 1000,10000,100000] [--queries 200]

Each size runs in its own child process with a fresh temporary library. The
chunks are synthetic: ~110 pseudo-words each, drawn from a 20,000-word
vocabulary with a Zipf distribution (like natural text, so keyword posting
lists have realistic lengths), stored through ``LibraryStore.add_document``
(SQLite rows, FTS5 rows) with RANDOM unit vectors instead of embeddings, so
that 100k chunks need not be embedded. The HNSW index is then built from
SQLite the way the engine does on first use (``Engine.vectors``). Dense
results over random vectors are meaningless, but their cost is the real
cost. Queries are real: ``Engine.search`` in hybrid mode, including the
MiniLM embedding of the query text. Prints a Markdown table, writes
benchmarks/results/retrieval_latency.json and retrieval_latency.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_common import (
    RESULTS,
    Panel,
    child_result,
    current_rss_mb,
    md_table,
    peak_rss_mb,
    percentile,
    run_child,
    save_chart,
    write_results,
)

THIS = Path(__file__).resolve()
VOCABULARY = 20_000
WORDS_PER_CHUNK = 110
CHUNKS_PER_DOCUMENT = 1000
CHUNKS_PER_SECTION = 50
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "or")]


def vocabulary(rng: np.random.Generator) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < VOCABULARY:
        words["".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 5))))] = None
    return list(words)


def zipf_weights() -> np.ndarray:
    weights = 1.0 / np.arange(1, VOCABULARY + 1) ** 1.07
    return weights / weights.sum()


def synthetic_texts(rng: np.random.Generator, words: list[str], count: int) -> list[str]:
    picks = rng.choice(VOCABULARY, size=(count, WORDS_PER_CHUNK), p=zipf_weights())
    vocab = np.array(words)
    return [" ".join(row) + "." for row in vocab[picks]]


def queries(rng: np.random.Generator, words: list[str], count: int) -> list[str]:
    """Questions of 5-9 words drawn from ranks 30-5,000 (content words, neither stop-like nor unseen)."""
    return [f"what about {' '.join(words[i] for i in rng.integers(30, 5000, size=int(rng.integers(5, 10))))}?"
            for _ in range(count)]


def fill(engine: Any, size: int, rng: np.random.Generator, words: list[str]) -> None:
    from desktop_app.indexer.chunking import Chunk, Section
    from desktop_app.store.library import NewDocument

    dim, key = engine._rt.embedder.dim, engine._rt.embedder.key
    for number, start in enumerate(range(0, size, CHUNKS_PER_DOCUMENT)):
        count = min(CHUNKS_PER_DOCUMENT, size - start)
        sections = [Section(s, f"Section {s + 1}") for s in range(-(-count // CHUNKS_PER_SECTION))]
        chunks = [Chunk(i // CHUNKS_PER_SECTION, i, text, 0, ((i // 5 + 1, 72.0, 72.0, 523.0, 300.0),))
                  for i, text in enumerate(synthetic_texts(rng, words, count))]
        vectors = rng.standard_normal((count, dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        doc = NewDocument(f"synthetic-{number}", f"/synthetic/doc-{number}.pdf", f"Synthetic document {number}",
                          count // 5 + 1, 0, [])
        engine._rt.store.add_document(doc, sections, chunks, vectors, key, [])


def timed_searches(engine: Any, texts: list[str], mode: str) -> list[float]:
    times = []
    for text in texts:
        started = time.perf_counter()
        engine.search(text, k=engine.settings.top_k, mode=mode)
        times.append((time.perf_counter() - started) * 1000)
    return times


def child(size: int, count: int) -> dict[str, Any]:
    from desktop_app.engine import Engine, Settings
    from desktop_app.home import index_dir, library_db

    rng = np.random.default_rng(size)
    words = vocabulary(rng)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        engine = Engine(home, Settings())
        _ = engine._rt.embedder.dim  # load the model before timing anything
        started = time.perf_counter()
        fill(engine, size, rng, words)
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        _ = engine._rt.vectors
        build_s = time.perf_counter() - started
        texts = queries(rng, words, count)
        timed_searches(engine, texts[:5], "hybrid")
        hybrid = timed_searches(engine, texts, "hybrid")
        embed = []
        for text in texts[: count // 2]:
            begin = time.perf_counter()
            engine._rt.embedder.encode([text])
            embed.append((time.perf_counter() - begin) * 1000)
        bm25 = timed_searches(engine, texts[: count // 2], "bm25")
        dense = timed_searches(engine, texts[: count // 2], "dense")
        rss = current_rss_mb()
        engine.close()
        disk = {"sqlite_mb": library_db(home).stat().st_size / 2**20,
                "hnsw_mb": sum(p.stat().st_size for p in index_dir(home).glob("*.hnsw")) / 2**20}
    return {"size": size, "queries": count, "insert_s": insert_s, "hnsw_build_s": build_s,
            "hybrid_p50_ms": percentile(hybrid, 50), "hybrid_p95_ms": percentile(hybrid, 95),
            "bm25_p50_ms": percentile(bm25, 50), "dense_p50_ms": percentile(dense, 50),
            "query_embedding_p50_ms": percentile(embed, 50), "rss_mb": rss, "peak_rss_mb": peak_rss_mb(), **disk}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_result(child(int(sys.argv[2]), int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated chunk counts")
    parser.add_argument("--queries", type=int, default=200, help="timed hybrid queries per size")
    args = parser.parse_args()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"{size} chunks ...", file=sys.stderr, flush=True)
        results.append(run_child(THIS, [str(size), str(args.queries)]))
    print(md_table(["chunks", "hybrid p50 ms", "hybrid p95 ms", "bm25 p50 ms", "dense p50 ms",
                    "query embedding p50 ms", "RSS MB", "peak RSS MB", "SQLite MB", "HNSW MB", "insert s",
                    "HNSW build s"],
                   [[r["size"], r["hybrid_p50_ms"], r["hybrid_p95_ms"], r["bm25_p50_ms"], r["dense_p50_ms"],
                     r["query_embedding_p50_ms"], r["rss_mb"], r["peak_rss_mb"], r["sqlite_mb"], r["hnsw_mb"],
                     r["insert_s"], r["hnsw_build_s"]] for r in results]))
    sizes = [float(r["size"]) for r in results]
    chart = save_chart(RESULTS / "retrieval_latency.png", [
        Panel("Hybrid search latency (query embedding included)", "chunks", "ms", sizes,
              {"p50": [r["hybrid_p50_ms"] for r in results], "p95": [r["hybrid_p95_ms"] for r in results]}),
        Panel("Memory of the process after the searches", "chunks", "MB", sizes,
              {"RSS": [r["rss_mb"] for r in results], "peak RSS": [r["peak_rss_mb"] for r in results]}),
    ])
    path = write_results("retrieval_latency", {"vectors": "synthetic random unit vectors", "results": results})
    print(f"\nwritten to {path} and {chart}")


if __name__ == "__main__":
    main()
