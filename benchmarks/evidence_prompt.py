"""Where the key sentences go in the prompt: the bundled model's must_contain on the dev questions, per layout.

Answers every answerable dev question that opens a conversation (follow-ups
need their conversation) with the bundled model, once per layout, in one run:

- none: the sources and the question only (evidence off);
- before the sources: the key sentences as a block ahead of the numbered sources;
- after the question (shipped): "Answer from: "..." [n]" right after the question.

Counts the answers (or withheld drafts) that hold every ``must_contain`` string.

    .venv/bin/python benchmarks/evidence_prompt.py [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import CORPUS, QUESTIONS, md_table, write_results  # noqa: E402

from desktop_app.engine import AnswerDone, Engine, Evidence, Settings  # noqa: E402
from desktop_app.engine.answering import prompt  # noqa: E402
from desktop_app.engine.language import say  # noqa: E402
from desktop_app.evaluation.run import load_questions  # noqa: E402
from desktop_app.evaluation.scoring import contains_all  # noqa: E402

SHIPPED = prompt.user_message


def before_sources(blocks: list[str], question: str, language: str, evidence: list[Evidence] | None = None) -> str:
    """The layout measured against: the key sentences as a block ahead of the sources."""
    if not blocks or not evidence:
        return SHIPPED(blocks, question, language)
    key = "Key sentences from the sources (copy from them):\n" + "\n".join(
        f"[{e.source_number}] \"{e.quote}\"" for e in evidence)
    return (f"{key}\n\n{say('sources', language)}\n\n" + "\n\n".join(blocks)
            + f"\n\n{say('instruction', language)}\n{say('question', language)} {question}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    engine = Engine(Path(tempfile.mkdtemp(prefix="bench-evidence-prompt-")),
                    Settings(keep_copies=False, faq_enabled=False, cache_enabled=False))
    list(engine.library.index([CORPUS]))
    questions = [q for q in load_questions(QUESTIONS) if q.get("answerable", True) and not q.get("follows")]
    questions = questions[:args.limit] if args.limit else questions
    rows = []
    for name, layout, given in (("none", SHIPPED, False), ("before the sources", before_sources, True),
                                ("after the question (shipped)", SHIPPED, True)):
        prompt.user_message = layout
        engine.override_settings(evidence_in_prompt=given)
        started, hits = time.perf_counter(), 0
        for q in questions:
            answer = next(e.answer for e in engine.ask(q["question"]) if isinstance(e, AnswerDone))
            hits += contains_all(answer.withheld or answer.text, q["must_contain"])
        rows.append([name, f"{hits}/{len(questions)}", hits / len(questions), time.perf_counter() - started])
        print(rows[-1], flush=True)
    prompt.user_message = SHIPPED
    print(md_table(["key sentences", "must_contain", "share", "seconds"], rows))
    write_results("evidence_prompt", {"rows": rows})
    engine.close()


if __name__ == "__main__":
    main()
