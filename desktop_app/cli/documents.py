"""Whole-document commands: ``summarise`` reads every part of the documents it is given."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop_app.cli.terminal import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    Progress,
    answer_dict,
    bar,
    interrupt_cancels,
    print_answer,
)
from desktop_app.engine import Answer, AnswerDone, CancelToken, Engine, SummaryProgress


def add_summary_parser(sub: Any) -> None:
    p = sub.add_parser("summarise", aliases=["summarize"],
                       help="summarise whole documents, reading every part (map-reduce), each point citing pages")
    p.add_argument("documents", nargs="+", help="document id, file name or title")
    p.add_argument("--extractive", action="store_true",
                   help="key sentences of each part, without the model (the default in quotes-only mode)")
    p.add_argument("--conversation", type=int, help="keep the summary in this conversation")
    p.add_argument("--json", action="store_true", help="print the summary as JSON at the end")
    p.add_argument("--markdown", help="also write the summary to this Markdown file")
    p.set_defaults(run=cmd_summarise)


def cmd_summarise(engine: Engine, args: argparse.Namespace) -> int:
    token = CancelToken()
    progress = Progress(sys.stderr)
    answer: Answer | None = None
    with interrupt_cancels(token):
        for event in engine.summarise(args.documents, True if args.extractive else None, args.conversation, token):
            if isinstance(event, SummaryProgress):
                stage = "reading parts" if event.stage == "reading" else "combining"
                progress.status(f"{stage} {bar(event.done, event.total)} {event.done}/{event.total} {event.title}")
            elif isinstance(event, AnswerDone):
                answer = event.answer
    if progress.tty:
        progress.line("")
    assert answer is not None
    if args.json:
        sys.stdout.write(json.dumps(answer_dict(answer), indent=2, ensure_ascii=False) + "\n")
    else:
        print_answer(answer, sys.stdout, streamed=False)
        details = answer.origin_details
        sys.stderr.write(f"({details['parts']} of {details['total_parts']} parts, {details['reused_parts']} reused "
                         f"from earlier summaries, {answer.timings.get('summary_s', 0.0):.1f} s, conversation "
                         f"{answer.conversation_id})\n")
    if args.markdown:
        Path(args.markdown).write_text(summary_markdown(answer), encoding="utf-8")
    return EXIT_INTERRUPTED if answer.stopped else EXIT_OK


def summary_markdown(answer: Answer) -> str:
    """The summary with its numbered sources listed under it."""
    sources = "\n".join(f"[{c.number}] {c.document_title}, {c.where()}" for c in answer.citations)
    return f"# {answer.question}\n\n{answer.text}\n\n## Sources\n\n{sources}\n"
