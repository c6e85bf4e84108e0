"""Calibrate abstention on the dev questions: retrieval floor and grounding threshold.

    .venv/bin/python benchmarks/abstention.py                 # answer all dev questions, then sweep
    .venv/bin/python benchmarks/abstention.py --sweep-only    # sweep the last run's answers again

Indexes the corpus into a temporary library and asks every dev question in a
fresh conversation (a follow-up question in its predecessor's) with the default settings, except that the grounding
threshold is 0 (so every answer is kept and scored), curated answers and the
answer cache are off. For each answer it records whether retrieval already
abstained, the verification's grounding score and claim count, whether the
answer is correct by the question's ``must_contain`` words, and whether the
answering page was among the sources. The sweep then applies each candidate
threshold offline (an answer with at least one checkable claim and a score
below the threshold abstains) and counts, per threshold: unanswerable
questions that abstain (wanted), answerable ones that abstain (false
abstentions), and of those how many had a correct answer (the costly ones).
Writes benchmarks/results/abstention.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import CORPUS, QUESTIONS, RESULTS, md_table, write_results

from desktop_app.engine import AnswerDone, Engine, Settings
from desktop_app.engine.eval_run import load_questions

THRESHOLDS = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def correct(answer: str, must_contain: list[str]) -> bool | None:
    if not must_contain:
        return None
    text = answer.lower()
    return all(word.lower() in text for word in must_contain)


def answer_all() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home), Settings(faq_enabled=False, cache_enabled=False, abstain_below_grounding=0.0))
        list(engine.index([CORPUS]))
        engine.load_model()
        conversations: dict[str, int] = {}
        for question in load_questions(QUESTIONS):
            start = time.perf_counter()
            conversation = conversations.get(question.get("follows") or "")
            answer = next(e.answer for e in engine.ask(question["question"], conversation)
                          if isinstance(e, AnswerDone))
            conversations[question["id"]] = answer.conversation_id
            pages = {c.page for c in answer.citations + answer.related} | \
                {p for c in answer.citations + answer.related for p in c.pages}
            check = answer.verification
            rows.append({
                "id": question["id"], "lang": question.get("lang"), "answerable": question["answerable"],
                "retrieval_abstained": answer.abstained, "grounding": check.score if check else None,
                "claims": check.claims if check else 0,
                "unsupported": check.unsupported_tokens if check else [],
                "correct": correct(answer.text, question.get("must_contain") or []),
                "page_in_sources": question.get("page") in pages if question["answerable"] else None,
                "seconds": round(time.perf_counter() - start, 2), "answer": answer.text,
            })
            print(f"{question['id']}: grounding {rows[-1]['grounding']}, claims {rows[-1]['claims']}, "
                  f"correct {rows[-1]['correct']}", flush=True)
        engine.close()
    return rows


def abstains(row: dict[str, Any], threshold: float) -> bool:
    if row["retrieval_abstained"]:
        return True
    return row["claims"] > 0 and row["grounding"] is not None and row["grounding"] < threshold


def sweep(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    table = []
    for t in THRESHOLDS:
        wrongly = [r for r in answerable if abstains(r, t)]
        table.append({
            "threshold": t,
            "unanswerable_abstained": sum(abstains(r, t) for r in unanswerable), "unanswerable": len(unanswerable),
            "answerable_abstained": len(wrongly), "answerable": len(answerable),
            "abstained_but_correct": sum(1 for r in wrongly if r["correct"]),
            "abstained_and_incorrect": sum(1 for r in wrongly if r["correct"] is False),
            "kept_incorrect": sum(1 for r in answerable if not abstains(r, t) and r["correct"] is False),
        })
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep-only", action="store_true", help="reuse benchmarks/results/abstention.json")
    args = parser.parse_args()
    if args.sweep_only:
        rows = json.loads((RESULTS / "abstention.json").read_text())["rows"]
    else:
        rows = answer_all()
    table = sweep(rows)
    print(md_table(["grounding threshold", "unanswerable abstain", "answerable abstain (false)",
                    "of those, correct answers", "of those, incorrect", "answerable kept but incorrect"],
                   [[r["threshold"], f"{r['unanswerable_abstained']}/{r['unanswerable']}",
                     f"{r['answerable_abstained']}/{r['answerable']}", r["abstained_but_correct"],
                     r["abstained_and_incorrect"], r["kept_incorrect"]] for r in table]))
    print("\n" + md_table(["id", "answerable", "grounding", "claims", "unsupported", "correct", "page in sources"],
                          [[r["id"], r["answerable"], r["grounding"], r["claims"], ", ".join(r["unsupported"][:4]),
                            r["correct"], r["page_in_sources"]] for r in rows]))
    path = write_results("abstention", {"rows": rows, "sweep": table})
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
