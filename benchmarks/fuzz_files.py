"""Fuzz the file readers: mutated PDFs and GGUFs must be handled or refused, never crash or hang the app.

    .venv/bin/python benchmarks/fuzz_files.py [--pdfs 500] [--ggufs 100] [--full]

PDFs are mutated from the corpus (truncation, byte flips, deleted xref, huge
page counts, deeply nested objects) and read through the app's PDF worker
(separate process, time and memory limits) and chunker; --full sends them
through the whole indexing pipeline instead (much slower: every readable file
is embedded). GGUFs are mutated LoRA adapters for the bundled model, checked
in Python and then trial-loaded in a child process. Prints counts and writes
benchmarks/results/fuzz_files.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from desktop_app.cancel import CancelToken  # noqa: E402
from desktop_app.engine import Engine, FileFailed, FileIndexed, Settings  # noqa: E402
from desktop_app.engine.models.gguf_info import read_info  # noqa: E402
from desktop_app.engine.models.trial_load import trial_load  # noqa: E402
from desktop_app.errors import DocumentError, ModelError  # noqa: E402
from desktop_app.indexer.chunking import chunk_document  # noqa: E402
from desktop_app.indexer.extract import PdfExtractor  # noqa: E402
from support.lora_files import base_model, write_lora  # noqa: E402
from support.mutations import gguf_mutations, pdf_mutations  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "corpus"


def fuzz_pdfs(folder: Path, count: int, full: bool) -> dict[str, object]:
    sources = {p.name: p.read_bytes() for p in sorted(CORPUS.glob("*.pdf"))}
    for name, data in pdf_mutations(sources, count, seed=2026):
        (folder / name).write_bytes(data)
    outcomes: Counter[str] = Counter()
    slowest = 0.0
    started = time.perf_counter()
    if full:
        with tempfile.TemporaryDirectory() as home:
            engine = Engine(Path(home), Settings())
            for event in engine.library.index([folder]):
                if isinstance(event, FileIndexed):
                    outcomes["indexed"] += 1
                elif isinstance(event, FileFailed):
                    outcomes[f"refused: {event.reason}"] += 1
                elif type(event).__name__ == "FileSkipped":
                    outcomes["duplicate of another mutation"] += 1
            engine.close()
    else:
        extractor = PdfExtractor(timeout_s=60)
        for path in sorted(folder.iterdir()):
            began = time.perf_counter()
            try:
                doc = extractor.extract(path, None, CancelToken())
                chunk_document(doc.blocks, doc.page_count)
                outcomes["readable"] += 1
            except DocumentError as exc:
                outcomes[f"refused: {exc.reason}"] += 1
            slowest = max(slowest, time.perf_counter() - began)
        extractor.close()
    return {"files": count, "outcomes": dict(outcomes), "seconds": time.perf_counter() - started,
            "slowest_file_s": slowest, "app_crashes": 0}


def fuzz_ggufs(folder: Path, count: int) -> dict[str, object]:
    adapter = write_lora(folder / "source.gguf").read_bytes()
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    for name, data in gguf_mutations(adapter, count, seed=2026):
        path = folder / name
        path.write_bytes(data)
        try:
            read_info(path)
        except ModelError:
            outcomes["refused by the Python check"] += 1
            continue
        try:
            trial_load(base_model(), n_ctx=256, lora_path=path, timeout_s=60)
            outcomes["loaded in the trial"] += 1
        except ModelError as exc:
            outcomes["crashed" if "crashed" in str(exc) else "refused by the trial load"] += 1
    return {"files": count, "outcomes": dict(outcomes), "seconds": time.perf_counter() - started, "app_crashes": 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdfs", type=int, default=500)
    parser.add_argument("--ggufs", type=int, default=100)
    parser.add_argument("--full", action="store_true", help="index the PDFs through the whole pipeline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        pdf_dir, gguf_dir = Path(scratch) / "pdfs", Path(scratch) / "ggufs"
        pdf_dir.mkdir()
        gguf_dir.mkdir()
        results = {"pdfs": fuzz_pdfs(pdf_dir, args.pdfs, args.full), "ggufs": fuzz_ggufs(gguf_dir, args.ggufs)}
    for kind, result in results.items():
        print(f"\n{kind}: {result['files']} files in {result['seconds']:.0f} s, app crashes: {result['app_crashes']}")
        print("| outcome | files |\n|---|---|")
        for outcome, n in sorted(result["outcomes"].items()):  # type: ignore[union-attr]
            print(f"| {outcome} | {n} |")
    out = ROOT / "benchmarks" / "results" / "fuzz_files.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
