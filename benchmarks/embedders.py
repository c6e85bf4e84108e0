"""Faster embedding backends for the bundled MiniLM weights: ingest speed and dev-set retrieval against fp32.

    .venv/bin/python benchmarks/embedders.py [--backends torch,torch-bf16,torch-int8,onnx,onnx-int8] [--rounds 3]

All in one process and one run, so the ratios share the machine's load.
Speed: the corpus chunk texts (extracted and chunked as the pipeline does,
with their document and section titles) are embedded in the pipeline's batches
(token_batches), every backend once per round in a rotating order; chunks/s is the
median over rounds, and the speed-up is the median of the per-round ratios to
"torch" (fp32). Quality: for each backend a temporary library is indexed with
it (documents and queries both embedded by it), then ``score_retrieval`` on
the dev questions, top 5. The rule for a new default: ingest at least 2x
faster AND dev hybrid hit@5 lower by at most 0.01. Writes
benchmarks/results/embedders.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_common import CORPUS, QUESTIONS, md_table, median, write_results

from desktop_app.cancel import CancelToken
from desktop_app.engine import Engine, Settings
from desktop_app.engine.models.embedding_backends import BackendEmbedder, EncoderBackend, load_backend
from desktop_app.engine.models.files import locate, manifest
from desktop_app.engine.settings import EMBEDDING_BACKENDS
from desktop_app.errors import ModelError
from desktop_app.evaluation.retrieval import score_retrieval
from desktop_app.evaluation.run import load_questions
from desktop_app.indexer.chunking import chunk_document
from desktop_app.indexer.early import token_batches
from desktop_app.indexer.extract import PdfExtractor
from desktop_app.indexer.pipeline import embedding_text, expand_paths

MIXED = "torch, int8 passages"
"""The row of fp32 questions against passages indexed by the int8 copy (its speed is the int8 copy's)."""
SPEEDUP_RULE = 2.0
HIT5_RULE = 0.01


def corpus_texts() -> list[str]:
    extractor = PdfExtractor()
    texts: list[str] = []
    try:
        for path in expand_paths([CORPUS]):
            doc = extractor.extract(path, None, CancelToken())
            sections, chunks = chunk_document(doc.blocks, doc.page_count)
            titles = {s.ord: s.title for s in sections}
            texts += [embedding_text(c.text, titles[c.section_ord], doc.title) for c in chunks]
    finally:
        extractor.close()
    return texts


def encode_in_slices(backend: EncoderBackend, texts: list[str]) -> tuple[float, np.ndarray]:
    """Seconds to embed ``texts`` in the pipeline's batches (``token_batches``), and the vectors in text order."""
    started = time.perf_counter()
    vectors = np.zeros((len(texts), backend.dim), dtype=np.float32)
    for batch in token_batches(backend.token_counts(texts)):
        vectors[batch] = backend.encode([texts[i] for i in batch], len(batch))
    return time.perf_counter() - started, vectors


def load_all(names: list[str], model_dir: Path, cache: Path) -> tuple[dict[str, EncoderBackend], dict[str, Any]]:
    loaded, info = {}, {}
    for name in names:
        started = time.perf_counter()
        try:
            loaded[name] = load_backend(model_dir, name, cache)
            loaded[name].encode(["warm up"] * 4)
            info[name] = {"load_s": time.perf_counter() - started}
        except (ModelError, ImportError) as exc:
            info[name] = {"unavailable": str(exc)}
    return loaded, info


def speed(loaded: dict[str, EncoderBackend], texts: list[str], rounds: int) -> dict[str, Any]:
    names = list(loaded)
    seconds: dict[str, list[float]] = {n: [] for n in names}
    vectors: dict[str, np.ndarray] = {}
    for number in range(rounds):
        for name in names[number % len(names):] + names[:number % len(names)]:
            print(f"round {number + 1}: {name}", file=sys.stderr, flush=True)
            elapsed, vectors[name] = encode_in_slices(loaded[name], texts)
            seconds[name].append(elapsed)
    reference = vectors["torch"]
    result = {}
    for name in names:
        cosine = (vectors[name] * reference).sum(axis=1)
        result[name] = {"seconds": seconds[name], "chunks_per_s": len(texts) / median(seconds[name]),
                        "speedup": median([t / s for t, s in zip(seconds["torch"], seconds[name], strict=True)]),
                        "cosine_min": float(cosine.min()), "cosine_mean": float(cosine.mean())}
    return result


def retrieval(name: str, model_dir: Path, cache: Path, questions: list[dict[str, Any]],
              passages: str | None = None) -> dict[str, Any]:
    """Index the corpus with backend ``name`` (``passages`` for the passages, when given) into a temporary
    library; dev-set scores per mode."""
    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home), Settings(keep_copies=False))
        # The embedder is given before first use, so any backend can be tried (benchmark only).
        engine._rt._embedder = BackendEmbedder(model_dir, manifest()["embedding"].languages, name, cache,
                                               passages)
        _ = engine._rt.embedder.dim
        started = time.perf_counter()
        list(engine.library.index([CORPUS]))
        index_s = time.perf_counter() - started
        scores = {mode: score_retrieval(questions, lambda q, m=mode: engine.search(q, k=5, mode=m), mode)
                  for mode in ("hybrid", "dense")}
        engine.close()
    return {"index_s": index_s, **{f"{m}_{k}": getattr(s, k) for m, s in scores.items()
                                   for k in ("hit_at_1", "hit_at_5", "mrr")}}


def verdict(row: dict[str, Any], reference: dict[str, Any]) -> str:
    if row["name"] == "torch":
        return "fp32 reference"
    if row["name"] == MIXED:
        return "default without native bf16 (int8_passages): it keeps the stored vectors and fp32 questions"
    fast = row["speedup"] >= SPEEDUP_RULE
    close = reference["hybrid_hit_at_5"] - row["hybrid_hit_at_5"] <= HIT5_RULE + 1e-9
    return "meets the rule" if fast and close else \
        f"no: {'speed-up < 2x' if not fast else ''}{' and ' if not fast and not close else ''}" \
        f"{'hit@5 drops > 0.01' if not close else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default=",".join(EMBEDDING_BACKENDS))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    names = [n for n in args.backends.split(",") if n]
    if "torch" not in names:
        names.insert(0, "torch")
    with tempfile.TemporaryDirectory() as tmp:
        model_dir, cache = locate("embedding", Path(tmp)), Path(tmp) / "onnx"
        texts = corpus_texts()
        loaded, info = load_all(names, model_dir, cache)
        speeds = speed(loaded, texts, args.rounds)
        questions = load_questions(QUESTIONS)
        rows = [{"name": n, **info[n], **speeds[n], **retrieval(n, model_dir, cache, questions)} for n in loaded]
        if "torch-int8" in loaded:  # the app's default on CPUs without native bf16: fp32 questions, int8 passages
            rows.append({"name": MIXED, **info["torch-int8"], **speeds["torch-int8"],
                         **retrieval("torch", model_dir, cache, questions, "torch-int8")})
    reference = rows[0]
    for row in rows:
        row["decision"] = verdict(row, reference)
    print(f"{len(texts)} corpus chunks, {args.rounds} rounds; speed-up = median of per-round time ratios to torch\n")
    print(md_table(["backend", "chunks/s", "speed-up vs fp32", "cosine to fp32 min / mean", "index corpus s",
                    "hybrid hit@1", "hybrid hit@5", "hybrid MRR", "dense hit@5", "dense MRR", "load s", "rule"],
                   [[r["name"], r["chunks_per_s"], r["speedup"], f"{r['cosine_min']:.4f} / {r['cosine_mean']:.4f}",
                     r["index_s"], r["hybrid_hit_at_1"], r["hybrid_hit_at_5"], r["hybrid_mrr"], r["dense_hit_at_5"],
                     r["dense_mrr"], r["load_s"], r["decision"]] for r in rows]))
    for name, detail in info.items():
        if "unavailable" in detail:
            print(f"\n{name}: unavailable ({detail['unavailable']})")
    path = write_results("embedders", {"chunks": len(texts), "rounds": args.rounds, "rows": rows, "info": info})
    print(f"\nwritten to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
