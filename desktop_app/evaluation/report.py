"""An evaluation report as Markdown: summary tables first, then one line per question."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.evaluation.scoring import AnswerSummary, PageRef, QuestionRow, contains_all, first_rank

if TYPE_CHECKING:
    from desktop_app.evaluation.run import EvalReport

SNIPPET = 60


def rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def cell(text: str) -> str:
    """Text made safe for one table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows)]


def report_markdown(report: EvalReport) -> str:
    where = Path(report.docs_folder).name if report.docs_folder else "the library"
    lines = [f"# Evaluation of {Path(report.questions_path).name} on {where}", "", header_line(report), ""]
    lines += [f"- note: {note}" for note in report.notes]
    lines += ["", "## Retrieval (top 5; answerable questions with an expected page)", ""]
    lines += table(["mode", "lang", "questions", "hit@1", "hit@5", "MRR"],
                   [[s.mode, s.lang, str(s.questions), rate(s.hit_at_1), rate(s.hit_at_5), rate(s.mrr)]
                    for s in report.retrieval])
    lines += ["", f"## Answers ({report.answer_mode} retrieval)", ""]
    lines += answer_lines(report.answers) if report.answers else ["Answers were not run (retrieval only)."]
    if report.evidence:
        lines += ["", "## Evidence (the quotes shown first; answerable questions with expected strings)", ""]
        lines += evidence_lines(report)
    lines += ["", report.judge, "", "## Per question", ""]
    lines += question_table(report)
    return "\n".join(lines) + "\n"


def header_line(report: EvalReport) -> str:
    lib, s = report.library, report.settings
    failed = f", {len(lib['failed'])} failed" if lib.get("failed") else ""
    model = f" Model: {lib['model']}." if lib.get("model") else ""
    indexed = f"indexed in {lib['index_s']:.1f} s" if lib.get("index_s") is not None else \
        f"in the library as it is ({lib.get('whole_library', len(lib['documents']))} documents in all)"
    return (f"Library: {len(lib['documents'])} documents{failed}, {lib['pages']} pages, {lib['chunks']} chunks, "
            f"{indexed}.{model} Settings: top_k {s['top_k']}, n_ctx {s['n_ctx']}, "
            f"answer up to {s['max_answer_tokens']} tokens, temperature {s['temperature']}.")


def answer_lines(a: AnswerSummary) -> list[str]:
    paged = a.with_expected_page
    rows = [
        ["cited-page accuracy: the answer's citations include an expected page", rate(a.cited_page_accuracy),
         f"{a.cited_page_hits}/{paged}"],
        ["shown-page accuracy: citations, or the related sources shown when the answer cites none",
         rate(a.shown_page_accuracy), f"{a.shown_page_hits}/{paged}"],
        ["answerable questions whose answer cites any source",
         rate(a.cited_answers / a.answerable if a.answerable else None), f"{a.cited_answers}/{a.answerable}"],
        ["must_contain accuracy (every string, case-insensitive)", rate(a.must_contain_accuracy),
         f"{a.must_hits}/{a.must_questions}"],
        ["abstention on unanswerable (engine: nothing relevant, model not called)", rate(a.abstention),
         f"{a.abstained_unanswerable}/{a.unanswerable}"],
        ["abstention on unanswerable, or the model says the documents don't say", rate(a.abstention_incl_declined),
         f"{a.declined_unanswerable}/{a.unanswerable}"],
        ["false abstention on answerable (engine)", rate(a.false_abstention),
         f"{a.abstained_answerable}/{a.answerable}"],
        ["false abstention on answerable, or the model declines", rate(a.false_abstention_incl_declined),
         f"{a.declined_answerable}/{a.answerable}"],
        ["time to first token p50 / p95", f"{seconds(a.ttft_p50)} / {seconds(a.ttft_p95)}", f"{a.asked} asked"],
        ["total time per question p50 / p95", f"{seconds(a.total_p50)} / {seconds(a.total_p95)}", f"{a.asked} asked"],
    ]
    if a.judged:
        rows.append(["LLM judge: correct", rate(a.judge_accuracy), f"{a.judge_correct}/{a.judged}"])
    return table(["measure", "value", "count"], rows)


def evidence_lines(report: EvalReport) -> list[str]:
    rows = [[e.lang, str(e.questions), rate(e.must_at_1), rate(e.must_at_3), rate(e.page_at_1), rate(e.model_must),
             rate(e.model_must_without)] for e in report.evidence]
    return table(["lang", "questions", "quotes must_contain@1", "quotes must_contain@3", "quote page@1",
                  "model must_contain (evidence first)", "model must_contain (without)"], rows)


def pages_text(refs: list[PageRef]) -> str:
    return ", ".join(f"{Path(r.doc).stem} p.{r.page or r.pages[0]}" for r in refs if r.pages) or "-"


def rank_text(row: QuestionRow, mode: str) -> str:
    if not row.has_expected_page or mode not in row.retrieved:
        return "n/a"
    rank = first_rank(row.retrieved[mode], row)
    return str(rank) if rank else "miss"


def question_table(report: EvalReport) -> list[str]:
    header = ["id", "lang", *report.modes, "cited", "must", "abst.", "TTFT", "total", "answer"]
    rows = []
    for r in report.rows:
        must = ("yes" if contains_all(r.answer, r.must_contain) else "no") if r.asked and r.must_contain else "-"
        rows.append([r.id, r.lang, *(rank_text(r, m) for m in report.modes), cell(pages_text(r.cited)), must,
                     "yes" if r.abstained else "no" if r.asked else "-", seconds(r.ttft_s), seconds(r.total_s),
                     cell(r.answer[:SNIPPET] + ("..." if len(r.answer) > SNIPPET else ""))])
    return table(header, rows)
