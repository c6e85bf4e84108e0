"""Calibrate abstention on the dev questions: retrieval floor and grounding threshold.

    .venv/bin/python benchmarks/abstention.py                 # answer all dev questions, then sweep
    .venv/bin/python benchmarks/abstention.py --sweep-only    # sweep the last run's answers again

Answers every dev question once through ``run_eval`` (the corpus indexed into
a temporary library, a follow-up asked in its predecessor's conversation,
curated answers and the answer cache off) with the default settings except a
grounding threshold of 0, so every answer is kept and its check recorded
(``grounding``, ``claims``). The sweep then applies each candidate threshold
offline (an answer with at least one checkable claim and a score below the
threshold abstains) and counts, per threshold: unanswerable questions that
abstain (wanted), answerable ones that abstain (false abstentions), and of
those how many had a correct answer (all ``must_contain`` words; the costly
ones). Writes benchmarks/results/abstention.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench_common import CORPUS, QUESTIONS, RESULTS, md_table, write_results

from desktop_app.engine import Engine, Settings
from desktop_app.evaluation.run import run_eval
from desktop_app.evaluation.scoring import QuestionRow, contains_all, on_expected_page, row_from_dict

THRESHOLDS = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def correct(row: QuestionRow) -> bool | None:
    return contains_all(row.answer, row.must_contain) if row.must_contain else None


def page_shown(row: QuestionRow) -> bool | None:
    return any(on_expected_page(c, row) for c in row.cited + row.related) if row.has_expected_page else None


def answer_all() -> list[QuestionRow]:
    with tempfile.TemporaryDirectory(prefix="desktop-app-bench-") as home:
        engine = Engine(Path(home), Settings(abstain_below_grounding=0.0))
        try:
            report = run_eval(engine, QUESTIONS, CORPUS, modes=[],
                              progress=lambda e: print(f"{e.stage} {e.done}/{e.total} {e.detail}", flush=True))
        finally:
            engine.close()
    return report.rows


def abstains(row: QuestionRow, threshold: float) -> bool:
    """Abstained at retrieval (no threshold can change that), or a checked answer grounded below ``threshold``."""
    if row.abstained:
        return True
    return row.claims > 0 and row.grounding is not None and row.grounding < threshold


def sweep(rows: list[QuestionRow]) -> list[dict[str, Any]]:
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    table = []
    for t in THRESHOLDS:
        wrongly = [r for r in answerable if abstains(r, t)]
        table.append({
            "threshold": t,
            "unanswerable_abstained": sum(abstains(r, t) for r in unanswerable), "unanswerable": len(unanswerable),
            "answerable_abstained": len(wrongly), "answerable": len(answerable),
            "abstained_but_correct": sum(1 for r in wrongly if correct(r)),
            "abstained_and_incorrect": sum(1 for r in wrongly if correct(r) is False),
            "kept_incorrect": sum(1 for r in answerable if not abstains(r, t) and correct(r) is False),
        })
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep-only", action="store_true", help="reuse benchmarks/results/abstention.json")
    args = parser.parse_args()
    if args.sweep_only:
        rows = [row_from_dict(r) for r in json.loads((RESULTS / "abstention.json").read_text())["rows"]]
    else:
        rows = answer_all()
    table = sweep(rows)
    print(md_table(["grounding threshold", "unanswerable abstain", "answerable abstain (false)",
                    "of those, correct answers", "of those, incorrect", "answerable kept but incorrect"],
                   [[r["threshold"], f"{r['unanswerable_abstained']}/{r['unanswerable']}",
                     f"{r['answerable_abstained']}/{r['answerable']}", r["abstained_but_correct"],
                     r["abstained_and_incorrect"], r["kept_incorrect"]] for r in table]))
    print("\n" + md_table(["id", "answerable", "grounding", "claims", "unsupported", "correct", "page in sources"],
                          [[r.id, r.answerable, r.grounding, r.claims, ", ".join(r.unsupported[:4]), correct(r),
                            page_shown(r)] for r in rows]))
    path = write_results("abstention", {"rows": [asdict(r) for r in rows], "sweep": table})
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
