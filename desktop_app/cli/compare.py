"""`desktop-app compare A B [--aspect X]`: two documents section by section, or on one aspect.

Without ``--aspect``: the aligned sections with the pages of both and, for two
versions of one document, every changed, added and removed passage with its
pages. With ``--aspect``: what each document says about it, quoted with pages,
then (unless ``--quotes-only``) the model's comparison through the "compare"
task, streamed. Exit codes as for ``ask``: 3 when neither document says
anything about the aspect.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from desktop_app.cli.terminal import (
    EXIT_NOT_COVERED,
    EXIT_OK,
    citation_dict,
    evidence_dict,
    interrupt_cancels,
    print_answer,
)
from desktop_app.engine import (
    Answer,
    AnswerDone,
    AspectComparison,
    CancelToken,
    Change,
    Comparison,
    DocumentRow,
    Engine,
    Passage,
    TokenText,
    comparison_markdown,
)


def add_compare_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("compare", help="compare two documents (or two versions of one) section by section, "
                                              "or on one aspect")
    p.add_argument("a", help="the first document: id, file name or title")
    p.add_argument("b", help="the second document")
    p.add_argument("--aspect", help="compare what each document says about this (a topic, e.g. \"warranty\")")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument("--markdown", metavar="FILE", help="also write the comparison as Markdown to FILE")
    p.add_argument("--quotes-only", action="store_true",
                   help="with --aspect: the quotes from each document only, without the model's comparison")
    p.set_defaults(run=cmd_compare)


def cmd_compare(engine: Engine, args: argparse.Namespace) -> int:
    token = CancelToken()
    with interrupt_cancels(token):
        comparison = engine.compare(args.a, args.b, token)
        aspect = engine.compare_on_aspect(args.a, args.b, args.aspect, token) if args.aspect else None
    out = sys.stdout
    answer: Answer | None = None
    if not args.json:
        print_heading(comparison, out)
        if aspect is None:
            print_sections(comparison, out)
        else:
            print_aspect(aspect, out)
    if aspect is not None and aspect.covered and not args.quotes_only:
        answer = model_comparison(engine, comparison, aspect.aspect, None if args.json else out)
    if args.json:
        out.write(json.dumps(comparison_dict(comparison, aspect, answer), indent=2, ensure_ascii=False) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(comparison_markdown(comparison, aspect), encoding="utf-8")
        sys.stderr.write(f"(written to {args.markdown})\n")
    return EXIT_NOT_COVERED if aspect is not None and not aspect.covered else EXIT_OK


def print_heading(comparison: Comparison, out: TextIO) -> None:
    out.write(f"A: {named(comparison.a)}\nB: {named(comparison.b)}\n")
    if comparison.versions:
        out.write(f"Two versions of one document: {comparison.shared:.0%} of their words are the same.\n")
    else:
        out.write(f"Different documents: {comparison.shared:.0%} of their words in common.\n")


def named(document: DocumentRow) -> str:
    return f"{document.title} ({Path(document.path).name}, {document.pages} pages)"


def print_sections(comparison: Comparison, out: TextIO) -> None:
    """The aligned sections with the pages of both; for versions, their changes and the summary line."""
    out.write("\n")
    for number, pair in enumerate(comparison.pairs, start=1):
        pages = f"A {pair.a_where or '(none)'} | B {pair.b_where or '(none)'}"
        if comparison.versions:
            state = f"{len(pair.changes)} change{'s' if len(pair.changes) != 1 else ''}" if pair.changes else "same"
        elif pair.a and pair.b:
            state = f"{pair.similarity:.0%} in common"
        else:
            state = "only in A" if pair.a else "only in B"
        out.write(f"{number:>3}. {pair.title}  ({pages})  {state}\n")
        for change in pair.changes if comparison.versions else []:
            out.write(f"       {change_line(change)}\n")
    if comparison.versions:
        out.write(f"\n{comparison.summary()}\n")
    else:
        out.write(f"\n{len(comparison.pairs)} aligned sections; not versions of one document, so no changes are "
                  "listed (--aspect X compares what each says about X).\n")


def change_line(change: Change) -> str:
    """"changed p. 3 → p. 3: “old” → “new”", "added p. 4: “new”" (B's page), "removed p. 5: “old”" (A's)."""
    if change.kind == "changed":
        return (f"changed {change.before_where} \u2192 {change.after_where}: \u201c{change.before_text}\u201d "
                f"\u2192 \u201c{change.after_text}\u201d")
    if change.kind == "added":
        return f"added {change.after_where}: \u201c{change.after_text}\u201d"
    return f"removed {change.before_where}: \u201c{change.before_text}\u201d"


def print_aspect(aspect: AspectComparison, out: TextIO) -> None:
    """Each document's quotes about the aspect, with pages (or that it says nothing about it)."""
    out.write(f"\nWhat each says about \u201c{aspect.aspect}\u201d:\n")
    for side, document, quotes in (("A", aspect.a, aspect.a_quotes), ("B", aspect.b, aspect.b_quotes)):
        out.write(f"\n{side}: {document.title}\n")
        if not quotes:
            out.write("  (says nothing about it)\n")
        for quote in quotes:
            out.write(f"  \u201c{quote.quote}\u201d\n      {quote.where()}\n")


def model_comparison(engine: Engine, comparison: Comparison, aspect: str, out: TextIO | None) -> Answer:
    """The "compare" task's answer, streamed to ``out`` as it comes (None: silently)."""
    values = {"document_a": comparison.a.path, "document_b": comparison.b.path, "aspect": aspect}
    token = CancelToken()
    answer: Answer | None = None
    if out is not None:
        out.write("\nThe model's comparison:\n")
    with interrupt_cancels(token):
        for event in engine.run_task("compare", values, None, token):
            if isinstance(event, TokenText) and out is not None:
                out.write(event.text)
                out.flush()
            elif isinstance(event, AnswerDone):
                answer = event.answer
    assert answer is not None
    if out is not None:
        print_answer(answer, out, streamed=True)
    return answer


def comparison_dict(comparison: Comparison, aspect: AspectComparison | None, answer: Answer | None
                    ) -> dict[str, Any]:
    """The comparison as ``compare --json`` prints it (every pair's changes, whether or not versions)."""
    data: dict[str, Any] = {
        "a": document_dict(comparison.a), "b": document_dict(comparison.b), "versions": comparison.versions,
        "shared": comparison.shared, "counts": comparison.counts(),
        "sections": [{"a_title": pair.a.title if pair.a else None, "b_title": pair.b.title if pair.b else None,
                      "a_pages": list(pair.a.pages) if pair.a else [], "b_pages": list(pair.b.pages) if pair.b else [],
                      "similarity": pair.similarity, "changes": [change_dict(c) for c in pair.changes]}
                     for pair in comparison.pairs],
    }
    if aspect is not None:
        data["aspect"] = {"aspect": aspect.aspect, "a": [evidence_dict(e) for e in aspect.a_quotes],
                          "b": [evidence_dict(e) for e in aspect.b_quotes],
                          "answer": None if answer is None else {
                              "text": answer.text, "abstained": answer.abstained,
                              "citations": [citation_dict(c) for c in answer.citations]}}
    return data


def document_dict(document: DocumentRow) -> dict[str, Any]:
    return {"id": document.id, "title": document.title, "path": document.path, "pages": document.pages}


def change_dict(change: Change) -> dict[str, Any]:
    return {"kind": change.kind, "before": [passage_dict(p) for p in change.before],
            "after": [passage_dict(p) for p in change.after], "words": [list(piece) for piece in change.words]}


def passage_dict(passage: Passage) -> dict[str, Any]:
    return {"text": passage.text, "page": passage.page, "page_label": passage.page_label}
