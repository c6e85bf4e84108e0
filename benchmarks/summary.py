"""Whole-document summary of the ReportLab user guide: time and coverage, extractive and with the bundled model.

    .venv/bin/python benchmarks/summary.py [PDF]

Indexes the PDF (default: the dev corpus's reportlab-userguide.pdf) into a
temporary library with the default settings, then summarises it, in one run:

- ``extractive``: key sentences of each part (no model);
- ``model``: the bundled chat model's map-reduce summary, with a progress line;
- ``model again``: the same request once more, which reuses every stored part summary.

For each: seconds, parts read of all, and coverage, the share of the
document's sections whose pages the summary cites: in the part-by-part list
(every part, by construction) and in the overview alone; and for the model's
summaries, their check (``answering.verification``): how many names, numbers,
identifiers and quoted strings they state, and which of them the parts they
cite do not hold. Writes benchmarks/results/summary.json.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench_common import CORPUS, md_table, write_results

from desktop_app.engine import Answer, AnswerDone, Engine, SummaryProgress
from desktop_app.engine.documents.sections import document_sections


def summarise(engine: Engine, ref: str, extractive: bool) -> tuple[Answer, float]:
    started = time.perf_counter()
    answer = None
    for event in engine.summarise([ref], extractive):
        if isinstance(event, SummaryProgress):
            print(f"\r  {event.stage} {event.done}/{event.total}   ", end="", file=sys.stderr, flush=True)
        elif isinstance(event, AnswerDone):
            answer = event.answer
    print(file=sys.stderr)
    assert answer is not None
    return answer, time.perf_counter() - started


def coverage(answer: Answer, sections: list[set[int]], overview_only: bool) -> float:
    """The share of sections with a page cited (in the overview only, or anywhere in the summary)."""
    text = answer.text.split("Part by part")[0] if overview_only else answer.text
    numbers = {int(n) for part in text.split("[")[1:] for n in part.split("]")[0].split(",") if n.strip().isdigit()}
    pages = {p for c in answer.citations if c.number in numbers for p in c.pages}
    return sum(1 for s in sections if s & pages) / len(sections)


def main() -> None:
    pdf = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS / "reportlab-userguide.pdf"
    rows = []
    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home))
        started = time.perf_counter()
        list(engine.library.index([pdf]))
        doc = engine.library.documents()[0]
        print(f"indexed {doc.pages} pages in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        sections = [set(s.pages) for s in document_sections(engine._rt.store, doc.id)]
        for label, extractive in (("extractive", True), ("model", False), ("model again", False)):
            answer, seconds = summarise(engine, str(doc.id), extractive)
            details, checked = answer.origin_details, answer.verification
            rows.append({"method": label, "seconds": round(seconds, 1), "parts": details["parts"],
                         "total_parts": details["total_parts"], "reused_parts": details["reused_parts"],
                         "sections": len(sections), "coverage_all": round(coverage(answer, sections, False), 3),
                         "coverage_overview": round(coverage(answer, sections, True), 3),
                         "claims": checked.claims if checked else None,
                         "grounding": round(checked.score, 3) if checked else None,
                         "not_found": checked.unsupported_tokens if checked else None,
                         "overview": answer.text.split("Part by part")[0].strip()})
        engine.close()
    print(md_table(["method", "s", "parts read", "reused", "sections", "sections cited", "cited by overview",
                    "claims checked", "grounding"],
                   [[r["method"], r["seconds"], f"{r['parts']}/{r['total_parts']}", r["reused_parts"],
                     r["sections"], r["coverage_all"], r["coverage_overview"], r["claims"], r["grounding"]]
                    for r in rows]))
    for row in rows[:2]:
        print(f"\n{row['method']}:\n{row['overview'][:1500]}")
        if row["not_found"]:
            print(f"not found in the parts cited: {', '.join(row['not_found'][:30])}")
    print(f"\nwritten to {write_results('summary', {'pdf': pdf.name, 'rows': rows})}")


if __name__ == "__main__":
    main()
