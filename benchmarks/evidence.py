"""Evidence selection on a question set: how often the chosen sentences hold the answer, and how fast.

Indexes ``--docs`` (default ../shared/eval/corpus) into a temporary library,
retrieves the sources of every question of ``--questions`` (default the dev
questions) as an answer would (hybrid, the default top-k), and
scores every candidate sentence by each feature of
``engine.answering.evidence``. It then reports, per language:

- must_contain@1 / @3: the best sentence (the best three) hold every string a
  right answer must contain;
- page@1: the best sentence is on the page that answers the question;
- the best sentence cosine of answerable and unanswerable questions (what the
  abstention floor compares);
- the quotes of follow-ups that repeat those of the answer they follow (the
  app discounts them, ``evidence.SHOWN_DISCOUNT``);

for the shipped weights and a grid of others (for a language the embedder
does not cover the cosine is 0, so there the grid's "dense" does not count),
and the time selection takes (placing the quotes on their pages included), p50
and p95, as the app does it (the PDFs kept open between answers) and, in turn on
each question, with the PDFs opened for each answer, beside the time retrieval
takes (the question's vector is then already remembered by the embedder from the
scoring pass, as it is in an answer from the answer-cache lookup).
``--filler-pages N`` also indexes a generated N-page report
(``ingest.generate_pdf``; 1,600 pages make about 10,000 chunks), so both are
timed on a large library (the filler's quotes count as misses). ``--misses``
lists the questions whose best quotes miss, each with its best quote and page.

    .venv/bin/python benchmarks/evidence.py [--grid] [--misses] [--questions JSONL] [--docs FOLDER]
        [--filler-pages N] [--embedding-backend auto|torch|...]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import CORPUS, QUESTIONS, md_table, percentile, write_results  # noqa: E402
from ingest import generate_pdf  # noqa: E402

from desktop_app.engine import Engine, Settings  # noqa: E402
from desktop_app.engine.answering import evidence as ev  # noqa: E402
from desktop_app.engine.library.quotes import quote_locator  # noqa: E402
from desktop_app.engine.models.embedding_backends import resolve_backend  # noqa: E402
from desktop_app.evaluation.run import load_questions, question_rows  # noqa: E402
from desktop_app.evaluation.scoring import contains_all  # noqa: E402


def own_words(row: Any) -> str:
    """A follow-up's own words when it is searched joined to the question before it, as the app scores it; else ""."""
    return row.question if row.search_query != row.question else ""


def features(engine: Engine, query: str, top_k: int, own: str = "") -> dict[str, Any]:
    """Candidates of ``query``'s sources with each feature, unweighted, and the weights the app would use
    (without the embedding cosine for a language the embedder does not cover); ``own``: see ``own_words``."""
    selector = ev.EvidenceSelector.for_question(query, engine._rt.embedder, engine.settings.evidence_floor)
    found = ev.candidates(engine.search(query, top_k).sources)
    return {"found": found, "table": ev.features(query, found, selector.encode, own), "weights": selector.weights}


def choose(f: dict[str, Any], weights: dict[str, float] | None, shown: frozenset[str] = frozenset(),
           discount: float = ev.SHOWN_DISCOUNT) -> list[tuple[float, Any]]:
    """The evidence with ``weights``, or with the app's (None); ``shown``: the quotes of the answer a follow-up
    follows, as the app passes them, which count at ``discount`` of their score."""
    return ev.best(f["found"], ev.combine(f["found"], f["table"], weights or f["weights"]), shown, discount)


def score_rows(rows: list[Any], feats: dict[str, dict[str, Any]], weights: dict[str, float] | None, engine: Engine,
               with_pages: bool, discount: float = ev.SHOWN_DISCOUNT) -> dict[str, dict[str, Any]]:
    """must_contain@1/@3, page@1, best scores and the quotes a follow-up repeated from the answer it follows
    (the rows in order, as a conversation asks them) per language."""
    out: dict[str, dict[str, Any]] = {}
    rt = engine._rt
    given: dict[str, frozenset[str]] = {}
    with rt.quote_locator() as locate:
        for row in rows:
            shown = given.get(row.follows, frozenset()) if row.follows else frozenset()
            chosen = choose(feats[row.id], weights, shown, discount)
            given[row.id] = frozenset(c.text for _, c in chosen)
            stats = out.setdefault(row.lang, {"n": 0, "must1": 0, "must3": 0, "page1": 0, "paged": 0,
                                              "best_answerable": [], "best_unanswerable": [], "repeated": 0})
            stats["repeated"] += len(given[row.id] & shown)
            cosine = max(feats[row.id]["table"]["closest"], default=0.0)  # what the abstention floor compares
            stats["best_answerable" if row.answerable else "best_unanswerable"].append(round(cosine, 3))
            if not row.answerable or not row.must_contain:
                continue
            stats["n"] += 1
            must1 = bool(chosen) and contains_all(chosen[0][1].text, row.must_contain)
            must3 = contains_all(" ".join(c.text for _, c in chosen), row.must_contain)
            stats["must1"] += must1
            stats["must3"] += must3
            page1 = None
            if with_pages and chosen and row.pages:
                stats["paged"] += 1
                top = ev.evidence_for(chosen[0][1], chosen[0][0], locate)
                page1 = Path(top.document_path).name == row.doc and top.page in row.pages
                stats["page1"] += page1
            if not (must1 and must3 and page1 is not False):
                stats.setdefault("misses", []).append({
                    "id": row.id, "must_contain@1": must1, "must_contain@3": must3, "page@1": page1,
                    "pages": row.pages, "quote": f"p{top.page}: {top.quote[:100]}" if page1 is not None else ""})
    return out


def timing(engine: Engine, rows: list[Any]) -> dict[str, float | None]:
    """Milliseconds per question for retrieval, and for selection and placing with the sources retrieved: as the
    app does it (the PDFs kept open between answers, ``quotes.OpenDocuments``) and with the PDFs opened for each
    answer, the two in turn on every question (which goes first alternates)."""
    rt = engine._rt
    took: dict[bool, list[float]] = {True: [], False: []}
    searched: list[float] = []
    for index, row in enumerate(rows):
        started = time.perf_counter()
        sources = engine.search(row.search_query).sources
        searched.append(time.perf_counter() - started)
        for kept in (True, False) if index % 2 else (False, True):
            started = time.perf_counter()
            selector = ev.EvidenceSelector.for_question(row.search_query, rt.embedder, engine.settings.evidence_floor)
            with rt.quote_locator() if kept else quote_locator(rt.store, rt.copies, rt.verified_files) as locate:
                selector.select(row.search_query, sources, locate, own=own_words(row))
            took[kept].append(time.perf_counter() - started)
    return {"p50_ms": 1000 * (percentile(took[True], 50) or 0), "p95_ms": 1000 * (percentile(took[True], 95) or 0),
            "opened_each_p50_ms": 1000 * (percentile(took[False], 50) or 0),
            "opened_each_p95_ms": 1000 * (percentile(took[False], 95) or 0),
            "retrieval_p50_ms": 1000 * (percentile(searched, 50) or 0),
            "retrieval_p95_ms": 1000 * (percentile(searched, 95) or 0)}


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = []
    for lang, s in sorted(results.items()):
        n = s["n"] or 1
        lines.append([lang, s["n"], s["must1"] / n, s["must3"] / n,
                      s["page1"] / s["paged"] if s["paged"] else None,
                      min(s["best_answerable"], default=None), ", ".join(map(str, sorted(s["best_unanswerable"]))),
                      s["repeated"]])
    return md_table(["lang", "questions", "must_contain@1", "must_contain@3", "page@1", "lowest best cosine "
                     "(answerable)", "best cosine of each unanswerable", "follow-up quotes repeated"], lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true", help="also try a grid of weights")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="questions in the dev-set format")
    parser.add_argument("--docs", type=Path, default=CORPUS, help="the folder of the documents they ask about")
    parser.add_argument("--misses", action="store_true",
                        help="list the questions whose best quotes miss, with the best quote and its page")
    parser.add_argument("--filler-pages", type=int, default=0, help="also index a generated report this long")
    parser.add_argument("--embedding-backend", default="auto",
                        help="the embedding_backend setting (auto: bf16 where the CPU computes it natively, else "
                             "fp32 with passages indexed by the int8 copy; torch: the latter anywhere)")
    args = parser.parse_args()
    os.environ.setdefault("DESKTOP_APP_HOME", tempfile.mkdtemp(prefix="bench-evidence-"))
    home = Path(os.environ["DESKTOP_APP_HOME"])
    engine = Engine(home, Settings(keep_copies=False, embedding_backend=args.embedding_backend))
    paths = [args.docs]
    if args.filler_pages:
        paths.append(generate_pdf(home / "filler-report.pdf", args.filler_pages))
    started = time.perf_counter()
    list(engine.library.index(paths))
    chunks = engine._rt.db["chunks"].count
    print(f"Library: {chunks} chunks, indexed in {time.perf_counter() - started:.0f} s; embedding backend "
          f"{resolve_backend(args.embedding_backend)}\n")
    rows = question_rows(load_questions(args.questions))
    feats = {row.id: features(engine, row.search_query, engine.settings.top_k, own_words(row)) for row in rows}
    shipped = score_rows(rows, feats, None, engine, with_pages=True)
    print(f"Shipped weights {ev.WEIGHTS}; without the embedding cosine (a language the embedder does not "
          f"cover) {ev.LEXICAL_WEIGHTS}:\n{table(shipped)}\n")
    if args.misses:
        for lang, stats in sorted(shipped.items()):
            for miss in stats.get("misses", []):
                print(f"{lang} {miss['id']} expected p{miss['pages']}: must_contain@1 {miss['must_contain@1']}, "
                      f"@3 {miss['must_contain@3']}, page@1 {miss['page@1']}; {miss['quote']!r}")
        print()
    undiscounted = score_rows(rows, feats, None, engine, with_pages=True, discount=1.0)
    print(f"Without the discount of follow-ups' repeated quotes (SHOWN_DISCOUNT {ev.SHOWN_DISCOUNT} above):\n"
          f"{table(undiscounted)}\n")
    grid: list[dict[str, Any]] = []
    if args.grid:
        for dense, keywords, retrieval, neighbour in itertools.product(
                (0.3, 0.45, 0.55, 0.7, 1.0), (0.0, 0.2, 0.35, 0.5), (0.0, 0.05, 0.1, 0.2, 0.3), (0.0, 0.3, 0.6, 0.9)):
            weights = {"dense": dense, "keywords": keywords, "retrieval": retrieval, "neighbour": neighbour}
            if not any(weights.values()):
                continue
            weights["procedure"], weights["name"] = ev.WEIGHTS["procedure"], ev.WEIGHTS["name"]  # as shipped
            res = score_rows(rows, feats, weights, engine, with_pages=True)
            n = sum(s["n"] for s in res.values())
            grid.append({"weights": weights, "must1": sum(s["must1"] for s in res.values()) / n,
                         "must3": sum(s["must3"] for s in res.values()) / n,
                         "page1": sum(s["page1"] for s in res.values()) / sum(s["paged"] for s in res.values())})
        grid.sort(key=lambda g: (-g["must3"], -g["page1"], -g["must1"]))
        print(md_table(["dense", "keywords", "retrieval", "neighbour", "must_contain@1", "must_contain@3", "page@1"],
                       [[*list(g["weights"].values())[:4], g["must1"], g["must3"], g["page1"]] for g in grid[:12]]))
    times = timing(engine, rows)
    print(f"\nSelection and placing per question: p50 {times['p50_ms']:.0f} ms, p95 {times['p95_ms']:.0f} ms; with "
          f"the PDFs opened for each answer, in the same run: p50 {times['opened_each_p50_ms']:.0f} ms, p95 "
          f"{times['opened_each_p95_ms']:.0f} ms (retrieval before it: p50 {times['retrieval_p50_ms']:.0f} ms, "
          f"p95 {times['retrieval_p95_ms']:.0f} ms; {chunks} chunks)")
    write_results("evidence", {"questions": args.questions.name, "docs": args.docs.name,
                               "embedding_backend": resolve_backend(args.embedding_backend),
                               "filler_pages": args.filler_pages, "chunks": chunks, "weights": ev.WEIGHTS,
                               "lexical_weights": ev.LEXICAL_WEIGHTS,
                               "shipped": shipped, "undiscounted": undiscounted, "grid": grid, "timing": times})
    engine.close()


if __name__ == "__main__":
    main()
