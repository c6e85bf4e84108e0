"""Load: index a 2,000-page PDF while questions are asked, then 20 questions in one conversation.

    .venv/bin/python benchmarks/load.py [--pages 2000] [--questions 20]

Reports peak RSS and RSS along the ingest (flat means it does not grow with
the document), the latency of searches asked between indexing steps (as the
window interleaves them on its worker thread), and, for 20 questions in a row
in one conversation, the prompt size of each turn against the context window
(memory summarisation must keep it in budget). Writes benchmarks/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pymupdf

from desktop_app.engine import AnswerDone, Engine, FileProgress, Settings

ROOT = Path(__file__).resolve().parents[1]
TOPICS = ["harbour", "tide gauge", "dredging", "ferry", "breakwater", "silt", "survey", "channel", "buoy", "pier"]
QUESTIONS = [f"What does the report say about the {t}?" for t in TOPICS] + \
            [f"And how often was the {t} checked?" for t in TOPICS]


def large_pdf(path: Path, pages: int) -> Path:
    doc = pymupdf.open()
    for number in range(pages):
        page = doc.new_page()
        topic = TOPICS[number % len(TOPICS)]
        page.insert_text((72, 80), f"Section {number + 1}: the {topic}", fontsize=15, fontname="hebo")
        body = " ".join(f"Record {number}-{i}: the {topic} was inspected on day {i + number % 28} and found in "
                        f"order; the crew noted {(number * 7 + i) % 97} items for follow-up." for i in range(9))
        page.insert_textbox(pymupdf.Rect(72, 100, 523, 780), body, fontsize=10, fontname="helv")
    doc.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    process = psutil.Process()
    with tempfile.TemporaryDirectory() as scratch:
        pdf = large_pdf(Path(scratch) / "large.pdf", args.pages)
        engine = Engine(Path(scratch) / "home", Settings())
        engine.models.load(with_embedder=True)
        rss_start = process.memory_info().rss
        samples, latencies, peak = [], [], rss_start
        started = time.perf_counter()
        for event in engine.library.index([pdf]):
            peak = max(peak, process.memory_info().rss)
            if isinstance(event, FileProgress) and event.stage == "embedding" and event.done % 320 == 0:
                samples.append((event.done, event.total, process.memory_info().rss))
                began = time.perf_counter()
                engine.search(QUESTIONS[len(latencies) % len(QUESTIONS)])
                latencies.append(time.perf_counter() - began)
        ingest_s = time.perf_counter() - started
        chunks = engine._rt.store.chunk_count()
        turns, conversation = [], None
        for question in QUESTIONS[: args.questions]:
            done = [e for e in engine.ask(question, conversation) if isinstance(e, AnswerDone)][0].answer
            conversation = done.conversation_id
            turns.append({"prompt_tokens": done.prompt_tokens, "answer_tokens": done.completion_tokens,
                          "limit": engine._rt.model.n_ctx - engine.settings.max_answer_tokens})
        engine.close()
    result = {
        "pages": args.pages, "chunks": chunks, "ingest_s": ingest_s, "rss_before_mb": rss_start / 1e6,
        "peak_rss_mb": peak / 1e6, "rss_during_ingest_mb": [(d, t, r / 1e6) for d, t, r in samples],
        "search_while_indexing_ms": {"n": len(latencies), "p50": 1000 * statistics.median(latencies),
                                     "max": 1000 * max(latencies)} if latencies else {},
        "turns": turns, "overflows": sum(1 for t in turns if t["prompt_tokens"] > t["limit"]),
    }
    print(f"{args.pages} pages, {chunks} chunks indexed in {ingest_s:.0f} s "
          f"({args.pages / ingest_s:.1f} pages/s, {chunks / ingest_s:.1f} chunks/s)")
    print(f"RSS before {result['rss_before_mb']:.0f} MB, peak {result['peak_rss_mb']:.0f} MB; along the ingest: "
          + ", ".join(f"{100 * d // max(t, 1)}% {r:.0f} MB" for d, t, r in result["rss_during_ingest_mb"][::4]))
    if latencies:
        searches = result["search_while_indexing_ms"]
        print(f"searches asked while indexing: {len(latencies)}, p50 {searches['p50']:.0f} ms, "
              f"max {searches['max']:.0f} ms")
    print(f"{len(turns)} questions in one conversation: prompt tokens "
          + ", ".join(str(t["prompt_tokens"]) for t in turns) + f" (limit {turns[0]['limit'] if turns else '-'}); "
          f"overflows: {result['overflows']}")
    out = ROOT / "benchmarks" / "results" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    sys.exit(1 if result["overflows"] else 0)


if __name__ == "__main__":
    main()
