"""Retrieval quality per mode on a questions file: hit@1, hit@5 and MRR, plus the indexing time.

    .venv/bin/python benchmarks/retrieval_modes.py [QUESTIONS.jsonl] [PDF_FOLDER]

Indexes the PDFs into a temporary library, so it never touches the user's.
Prints a Markdown table and writes benchmarks/results/retrieval_modes.json.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from desktop_app.engine import Engine, FileFailed, Settings
from desktop_app.evaluation.retrieval import score_retrieval

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
DEFAULT_DOCS = ROOT.parent / "shared" / "eval" / "corpus"


def main() -> None:
    questions_path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_QUESTIONS
    docs = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_DOCS
    questions = [json.loads(line) for line in questions_path.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home), Settings())
        start = time.perf_counter()
        events = list(engine.library.index([docs]))
        index_s = time.perf_counter() - start
        failed = [e for e in events if isinstance(e, FileFailed)]
        rows = []
        for mode in ("bm25", "dense", "hybrid"):
            for lang in ("all", "en", "ko"):
                subset = [q for q in questions if lang == "all" or q["lang"] == lang]
                score = score_retrieval(subset, lambda q, m=mode: engine.search(q, k=5, mode=m), mode)
                rows.append({"mode": mode, "lang": lang, "questions": score.questions, "hit@1": score.hit_at_1,
                             "hit@5": score.hit_at_5, "mrr": score.mrr, "ranks": score.ranks})
        chunks = sum(d.chunks for d in engine.library.documents())
        pages = sum(d.pages for d in engine.library.documents())
        engine.close()
    print(f"indexed {pages} pages, {chunks} chunks in {index_s:.1f} s ({len(failed)} files failed)\n")
    print("| mode | questions | hit@1 | hit@5 | MRR |\n|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['mode']} ({row['lang']}) | {row['questions']} | {row['hit@1']:.2f} | {row['hit@5']:.2f} "
              f"| {row['mrr']:.2f} |")
    out = ROOT / "benchmarks" / "results" / "retrieval_modes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"index_s": index_s, "pages": pages, "chunks": chunks, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
