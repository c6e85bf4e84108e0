"""Ingest speed: pages/s and chunks/s end to end through Engine.index, against raw embedding of the same chunks.

    .venv/bin/python benchmarks/ingest.py [--pages 2000] [--skip-large] [--fp32-passages]
    .venv/bin/python benchmarks/ingest.py --pages 1000 --int8-batch-tokens 4096,1024 [--rounds 2]

Two inputs: the corpus PDFs, and one large PDF generated with PyMuPDF
(``--pages`` pages of paragraphs under headings). For each, one child process
indexes it into a temporary library with the default settings (the embedding
model, and the int8 copy that embeds passages where the backend is fp32, are
loaded first and not timed; the time spent inside ``Embedder.encode_passages``
is recorded) and writes out the chunk texts exactly as the embedder saw them;
a second child embeds those texts with the same SentenceTransformer as the
pipeline batches them (``token_batches``: similar lengths, at most 4,096
padded tokens a batch), then in one ``encode`` call with batches of 32
(sentence-transformers sorts all texts by length first, so batches pad little):
"ratio token batches/raw" compares the two in one process, and the peak RSS
after the first shows what token batches need. The indexing child reads the
peak RSS of its PDF worker from /proc before closing it; "all processes" is
the sum of the peaks. ``--fp32-passages`` also indexes each input with
``int8_passages`` off, in the same run, for the ratio of the two. Prints a
Markdown table and writes benchmarks/results/ingest.json.

``--int8-batch-tokens`` instead indexes only the generated PDF, once per
budget of padded tokens for the int8 copy's batches (``INT8_BATCH_TOKENS``)
and round, the budgets alternating, and prints chunks/s and peak RSS of each
(benchmarks/results/ingest_batch_tokens.json).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import (
    CORPUS,
    child_result,
    md_table,
    peak_rss_mb,
    run_child,
    write_results,
)

THIS = Path(__file__).resolve()
WORDS = {
    "adj": "annual coastal regional quarterly northern revised secondary municipal seasonal principal external "
           "technical provisional structural average measured".split(),
    "noun": "survey harbour gauge channel report budget council station reading sample contract tender dredger "
            "breakwater schedule inspection pipeline reservoir turbine permit audit ledger ferry terminal".split(),
    "verb": "records exceeds replaces requires describes reduces confirms extends delays funds monitors "
            "supplies".split(),
    "prep": "for within across beyond under after before during near".split(),
}


def sentence(rng: random.Random) -> str:
    w = {k: rng.choice(v) for k, v in WORDS.items()}
    n = rng.randint(2, 980)
    return (f"The {w['adj']} {w['noun']} {w['verb']} the {rng.choice(WORDS['noun'])} {w['prep']} the "
            f"{rng.choice(WORDS['adj'])} {rng.choice(WORDS['noun'])} by {n} units in section {rng.randint(1, 99)}.")


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))


def generate_pdf(path: Path, pages: int, seed: int = 7) -> Path:
    """A report of ``pages`` A4 pages: a chapter heading every 8 pages, a section heading and paragraphs on each."""
    import pymupdf

    rng = random.Random(seed)
    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page(width=595, height=842)
        y = 72.0
        if number % 8 == 0:
            page.insert_text((72, y + 18), f"Chapter {number // 8 + 1}: {rng.choice(WORDS['noun']).title()} "
                             "operations", fontsize=18, fontname="hebo")
            y += 40
        page.insert_text((72, y + 14), f"{number + 1}.1 {rng.choice(WORDS['adj']).title()} "
                         f"{rng.choice(WORDS['noun'])} notes", fontsize=13, fontname="hebo")
        y += 30
        while y < 640:
            rect = pymupdf.Rect(72, y, 523, 770)
            left = page.insert_textbox(rect, paragraph(rng), fontsize=10, fontname="helv")
            if left < 0:
                break
            y = rect.y1 - left + 12
        page.insert_text((280, 810), str(number + 1), fontsize=9, fontname="helv")
    doc.set_metadata({"title": f"Generated harbour operations report ({pages} pages)"})
    doc.save(path)
    doc.close()
    return path


def child_pipeline(folder: Path, texts_out: Path, int8_passages: bool, int8_batch_tokens: int | None = None
                   ) -> dict[str, Any]:
    import json

    from desktop_app.engine import Engine, FileFailed, FileIndexed, Settings
    from desktop_app.engine.models import embedding_backends
    from desktop_app.indexer.pipeline import embedding_text

    if int8_batch_tokens is not None:
        embedding_backends.INT8_BATCH_TOKENS = int8_batch_tokens

    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home), Settings(int8_passages=int8_passages))
        started = time.perf_counter()
        engine._rt.embedder.encode_passages(["warm up"])
        load_s = time.perf_counter() - started
        embed_s = [0.0]
        original = engine._rt.embedder.encode_passages

        def timed(texts: list[str], batch_size: int = 32) -> Any:
            begin = time.perf_counter()
            try:
                return original(texts, batch_size)
            finally:
                embed_s[0] += time.perf_counter() - begin

        engine._rt.embedder.encode_passages = timed  # type: ignore[method-assign]
        started = time.perf_counter()
        events = list(engine.library.index([folder]))
        index_s = time.perf_counter() - started
        failed = [f"{e.path.name}: {e.message}" for e in events if isinstance(e, FileFailed)]
        indexed = [e for e in events if isinstance(e, FileIndexed)]
        ids = [cid for cid, _ in engine._rt.store.iter_chunk_texts()]
        rows = [row for start in range(0, len(ids), 500) for row in engine._rt.store.chunks(ids[start:start + 500])]
        rows.sort(key=lambda r: (r.document_id, r.ord))
        texts = [embedding_text(r.text, r.section_title, r.document_title) for r in rows]
        texts_out.write_text(json.dumps(texts))
        helpers = helper_peaks_mb()
        engine.close()
    return {"pages": sum(e.pages for e in indexed), "chunks": sum(e.chunks for e in indexed), "failed": failed,
            "model_load_s": load_s, "index_s": index_s, "embed_s_inside": embed_s[0],
            "peak_rss_mb": peak_rss_mb(), "helpers_peak_rss_mb": helpers,
            "all_processes_peak_rss_mb": peak_rss_mb() + sum(helpers.values())}


def helper_peaks_mb() -> dict[str, float]:
    """Peak RSS of each live child process (the PDF worker), read from /proc before they are closed."""
    import psutil

    peaks = {}
    for child in psutil.Process().children(recursive=True):
        try:
            status = Path(f"/proc/{child.pid}/status").read_text()
        except OSError:
            continue
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        peaks[f"{child.pid} {' '.join(child.cmdline())[-60:]}"] = kib / 1024
    return peaks


def child_raw(texts_file: Path) -> dict[str, Any]:
    import json

    from desktop_app.engine.models.embedding import load_sentence_transformer, token_counts
    from desktop_app.engine.models.files import locate
    from desktop_app.indexer.early import token_batches

    texts = json.loads(texts_file.read_text())
    with tempfile.TemporaryDirectory() as models:
        model = load_sentence_transformer(locate("embedding", Path(models)))
    model.encode(texts[:32], batch_size=32)
    loaded_mb = peak_rss_mb()
    started = time.perf_counter()
    for batch in token_batches(token_counts(model.tokenizer, texts, model.max_seq_length)):
        model.encode([texts[i] for i in batch], batch_size=len(batch), normalize_embeddings=True,
                     convert_to_numpy=True, show_progress_bar=False)
    token_s, token_peak_mb = time.perf_counter() - started, peak_rss_mb()
    started = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    raw_s = time.perf_counter() - started
    return {"chunks": len(texts), "raw_s": raw_s, "token_batches_s": token_s, "loaded_peak_rss_mb": loaded_mb,
            "token_batches_peak_rss_mb": token_peak_mb, "peak_rss_mb": peak_rss_mb()}


def measure(name: str, folder: Path, work: Path, fp32_too: bool) -> dict[str, Any]:
    texts = work / f"{name.split()[0]}-texts.json"
    print(f"indexing {name} ...", file=sys.stderr, flush=True)
    pipeline = run_child(THIS, ["pipeline", str(folder), str(texts), "int8"])
    fp32 = None
    if fp32_too:
        print(f"indexing {name} with fp32 passages ...", file=sys.stderr, flush=True)
        fp32 = run_child(THIS, ["pipeline", str(folder), str(work / "fp32-texts.json"), "fp32"])
        fp32["chunks_per_s"] = fp32["chunks"] / fp32["index_s"]
        fp32["ratio_over_default"] = fp32["index_s"] / pipeline["index_s"]
    print(f"raw embedding {pipeline['chunks']} chunks ...", file=sys.stderr, flush=True)
    raw = run_child(THIS, ["raw", str(texts)])
    return {"input": name, "pipeline": pipeline, "raw": raw, "fp32_passages": fp32,
            "pages_per_s": pipeline["pages"] / pipeline["index_s"],
            "chunks_per_s": pipeline["chunks"] / pipeline["index_s"], "raw_chunks_per_s": raw["chunks"] / raw["raw_s"],
            "ratio_pipeline_over_raw": pipeline["index_s"] / raw["raw_s"],
            "ratio_encode_inside_over_raw": pipeline["embed_s_inside"] / raw["raw_s"],
            "ratio_token_batches_over_raw": raw["token_batches_s"] / raw["raw_s"]}


def compare_batch_tokens(pages: int, budgets: list[int], rounds: int) -> None:
    """Index the generated PDF with each budget for the int8 copy's batches, alternating, ``rounds`` times."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "large").mkdir()
        generate_pdf(work / "large" / "generated.pdf", pages)
        for round_number in range(1, rounds + 1):
            for budget in budgets:
                print(f"round {round_number}: {budget} tokens ...", file=sys.stderr, flush=True)
                r = run_child(THIS, ["pipeline", str(work / "large"), str(work / "texts.json"), "int8", str(budget)])
                rows.append({"round": round_number, "int8_batch_tokens": budget, "chunks": r["chunks"],
                             "index_s": r["index_s"], "chunks_per_s": r["chunks"] / r["index_s"],
                             "all_processes_peak_rss_mb": r["all_processes_peak_rss_mb"]})
    print(md_table(["round", "int8 batch tokens", "chunks", "index s", "chunks/s", "peak RSS MB (all processes)"],
                   [list(row.values()) for row in rows]))
    print(f"written to {write_results('ingest_batch_tokens', {'pages': pages, 'runs': rows})}")


def table(results: list[dict[str, Any]]) -> str:
    rows = [[r["input"], r["pipeline"]["pages"], r["pipeline"]["chunks"], r["pipeline"]["index_s"], r["pages_per_s"],
             r["chunks_per_s"], r["pipeline"]["embed_s_inside"], r["raw"]["raw_s"], r["raw_chunks_per_s"],
             r["ratio_pipeline_over_raw"], r["ratio_encode_inside_over_raw"], r["raw"]["token_batches_s"],
             r["ratio_token_batches_over_raw"], r["pipeline"]["peak_rss_mb"],
             sum(r["pipeline"]["helpers_peak_rss_mb"].values()), r["pipeline"]["all_processes_peak_rss_mb"],
             r["raw"]["token_batches_peak_rss_mb"], r["raw"]["peak_rss_mb"]] for r in results]
    return md_table(["input", "pages", "chunks", "index s", "pages/s", "chunks/s", "encode s inside index",
                     "raw encode s", "raw chunks/s", "time ratio index/raw", "ratio encode-inside/raw",
                     "raw in token batches s", "ratio token batches/raw", "peak RSS MB (indexing)",
                     "peak RSS MB (PDF worker)", "peak RSS MB (all processes)",
                     "peak RSS MB (raw, token batches)", "peak RSS MB (raw, then batches of 32)"], rows)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, args = sys.argv[2], sys.argv[3:]
        child_result(child_pipeline(Path(args[0]), Path(args[1]), args[2] == "int8",
                                    int(args[3]) if len(args) > 3 else None) if kind == "pipeline" else
                     child_raw(Path(args[0])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="pages of the generated PDF (default 2000)")
    parser.add_argument("--skip-large", action="store_true", help="only the corpus PDFs")
    parser.add_argument("--fp32-passages", action="store_true",
                        help="also index with int8_passages off (fp32 passages), for the ratio")
    parser.add_argument("--int8-batch-tokens", help="comma-separated budgets to compare on the generated PDF alone")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of --int8-batch-tokens (default 2)")
    args = parser.parse_args()
    if args.int8_batch_tokens:
        compare_batch_tokens(args.pages, [int(b) for b in args.int8_batch_tokens.split(",")], args.rounds)
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results.append(measure("corpus (2 PDFs)", CORPUS, work, args.fp32_passages))
        generated = None
        if not args.skip_large:
            (work / "large").mkdir()
            started = time.perf_counter()
            pdf = generate_pdf(work / "large" / "generated.pdf", args.pages)
            generated = {"pages": args.pages, "generate_s": time.perf_counter() - started,
                         "size_mb": pdf.stat().st_size / 2**20}
            results.append(measure(f"generated {args.pages}-page PDF", work / "large", work, args.fp32_passages))
    print(table(results))
    compared = [r for r in results if r["fp32_passages"]]
    if compared:
        print("\nThe same inputs indexed with int8_passages off (fp32 passages), in this run:\n")
        print(md_table(["input", "index s, fp32 passages", "chunks/s, fp32 passages", "time ratio fp32/default",
                        "peak RSS MB (all processes), fp32 passages"],
                       [[r["input"], r["fp32_passages"]["index_s"], r["fp32_passages"]["chunks_per_s"],
                         r["fp32_passages"]["ratio_over_default"], r["fp32_passages"]["all_processes_peak_rss_mb"]]
                        for r in compared]))
    path = write_results("ingest", {"results": results, "generated_pdf": generated})
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
