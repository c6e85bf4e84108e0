"""Optional LLM-as-judge: a local GGUF model grades each answer against the reference answer.

Only runs when a judge model file is given; without one the report says "not
configured" instead of showing a score. The judge sees the question, the
reference answer (or the strings it must contain) and the candidate answer,
and replies with one word. Its verdicts are as good as the judge model: the
bundled 135M model is far too weak to be trusted as a judge.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop_app.cancel import CancelToken
from desktop_app.engine.eval_scoring import QuestionRow
from desktop_app.engine.llm import Generation, LocalModel, ModelSettings

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
    rows: list[QuestionRow], model_path: Path, n_ctx: int, cancel: CancelToken,
    progress: Callable[[int, int, str], None] | None = None, n_threads: int | None = None,
) -> str:
    """Grade the asked answerable rows in place (``row.judge``); returns the line describing the judge."""
    todo = [r for r in rows if r.asked and r.answerable and (r.reference or r.must_contain)]
    model = LocalModel(ModelSettings(path=Path(model_path), n_ctx=n_ctx, n_threads=n_threads))
    try:
        for done, row in enumerate(todo):
            cancel.raise_if_cancelled()
            if progress:
                progress(done, len(todo), row.id)
            row.judge = verdict(_reply(model, row, cancel))
    finally:
        model.close()
    return f"LLM judge: {Path(model_path).name} graded {len(todo)} answers"


def _reply(model: LocalModel, row: QuestionRow, cancel: CancelToken) -> str:
    tokens, stop = model.render([{"role": "system", "content": JUDGE_SYSTEM},
                                 {"role": "user", "content": judge_prompt(row)}])
    if len(tokens) > model.n_ctx - JUDGE_TOKENS:
        return ""
    for piece in model.stream(tokens, stop, JUDGE_TOKENS, 0.0, cancel):
        if isinstance(piece, Generation):
            return piece.text
    return ""
