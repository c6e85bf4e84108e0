"""Optional LLM-as-judge: a local GGUF model grades each answer against the reference answer.

Only runs when a judge model file is given; without one the report says "not
configured" instead of showing a score. The judge sees the question, the
reference answer (or the strings it must contain) and the candidate answer,
and replies with one word. Its verdicts are as good as the judge model: the
bundled 135M model is far too weak to be trusted as a judge.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from desktop_app.engine import CancelToken, Engine
from desktop_app.evaluation.scoring import QuestionRow

NOT_CONFIGURED = "LLM judge: not configured (give a judge model file to grade answers against the reference)"
JUDGE_TOKENS = 8
JUDGE_SYSTEM = (
    "You grade answers to questions about documents. Compare the candidate answer with the reference answer. "
    "Reply with exactly one word: CORRECT if the candidate states the same facts as the reference, "
    "otherwise INCORRECT."
)


def judge_prompt(row: QuestionRow) -> str:
    reference = row.reference or "It must mention: " + ", ".join(row.must_contain)
    return (f"Question: {row.question}\n\nReference answer: {reference}\n\n"
            f"Candidate answer: {row.answer or '(empty)'}\n\nVerdict (CORRECT or INCORRECT):")


def verdict(text: str) -> str:
    """'correct', 'incorrect' or 'unclear' from the judge's reply."""
    words = text.strip().upper()
    if words.startswith("INCORRECT") or words.startswith("NOT CORRECT"):
        return "incorrect"
    if words.startswith("CORRECT"):
        return "correct"
    return "unclear"


def judge_rows(
    engine: Engine, rows: list[QuestionRow], model_path: Path, cancel: CancelToken,
) -> Generator[tuple[int, int, str], None, str]:
    """Grade the asked answerable rows in place (``row.judge``), yielding (done, total, row id) as it goes.

    Returns the line describing the judge. The judge model is loaded through
    ``engine.models.other_model``, which unloads the chat model meanwhile, so
    only one model is in memory; the chat model loads again on next use.
    """
    todo = [r for r in rows if r.asked and r.answerable and (r.reference or r.must_contain)]
    with engine.models.other_model(Path(model_path)) as complete:
        for done, row in enumerate(todo):
            cancel.raise_if_cancelled()
            yield done, len(todo), row.id
            messages = [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": judge_prompt(row)}]
            row.judge = verdict(complete(messages, JUDGE_TOKENS, cancel))
    return f"LLM judge: {Path(model_path).name} graded {len(todo)} answers"
