"""`desktop-app find`: every mention of a phrase, of a word in all its forms, or of a regular expression.

Hits stream to standard output as pages are read ("title, p. LABEL: …snippet
with the **match** marked…"), then the count per document, the total, and how
much was read; progress goes to standard error on a terminal. ``--json``
prints one object at the end instead. The first Ctrl-C stops the find and
reports what was found so far (exit code 130).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from desktop_app.cli.terminal import EXIT_INTERRUPTED, EXIT_OK, Progress, interrupt_cancels
from desktop_app.engine import (
    CancelToken,
    Engine,
    FindDone,
    FindHit,
    FindProgress,
    FindQuery,
    hits_csv,
    hits_markdown,
)

BOLD, PLAIN = "\x1b[1m", "\x1b[0m"


def add_find_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``find`` on the top parser's subcommands (``subparsers`` from ``add_subparsers``)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "find", help="find every mention of a phrase (or all forms of words, or a regular expression), with counts "
                     "per document; reads every page")
    p.add_argument("phrase", help="what to find: an exact phrase by default (white space matches any line break)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--words", dest="mode", action="store_const", const="words",
                      help="all forms of the words (contractor: contractors, contractor's)")
    mode.add_argument("--regex", dest="mode", action="store_const", const="regex",
                      help="PHRASE is a Python regular expression")
    p.add_argument("--case-sensitive", action="store_true", help="upper and lower case must match")
    p.add_argument("--doc", action="append", default=[], metavar="NAME",
                   help="only this document (id, file name or title); repeat for more")
    p.add_argument("--json", action="store_true", help="print one JSON object at the end instead of the hits")
    p.add_argument("--csv", metavar="FILE", help="also write the hits to this CSV file")
    p.add_argument("--markdown", metavar="FILE", help="also write a Markdown report (counts, then the hits)")
    p.set_defaults(mode="phrase", run=cmd_find)
    return p


def cmd_find(engine: Engine, args: argparse.Namespace) -> int:
    query = FindQuery(args.phrase, args.mode, args.case_sensitive)
    documents = list(dict.fromkeys(engine.library.find(ref).id for ref in args.doc)) or None
    progress = Progress(sys.stderr)
    out = sys.stdout
    hits: list[FindHit] = []
    done: FindDone | None = None
    token = CancelToken()
    with interrupt_cancels(token):
        for event in engine.find(query, documents, token):
            if isinstance(event, FindHit):
                hits.append(event)
                if not args.json:
                    progress.status("")
                    out.write(hit_line(event, out.isatty()) + "\n")
            elif isinstance(event, FindProgress):
                progress.status(f"read {event.pages_done:,} of {event.pages_total:,} pages · {event.hits:,} found")
            elif isinstance(event, FindDone):
                done = event
    progress.status("")
    assert done is not None
    if args.json:
        out.write(json.dumps(result_dict(query, hits, done), indent=2, ensure_ascii=False) + "\n")
    else:
        print_summary(query, done, out)
    write_exports(args, query, hits, done)
    return EXIT_INTERRUPTED if done.cancelled else EXIT_OK


def hit_line(hit: FindHit, tty: bool) -> str:
    """"title, p. LABEL: snippet", the match in bold on a terminal, else between ** **."""
    start, end = (BOLD, PLAIN) if tty else ("**", "**")
    marked = hit.snippet[:hit.snippet_start] + start + hit.match + end + hit.snippet[hit.snippet_end:]
    return f"{hit.document}, p. {hit.page_label}: {marked}"


def print_summary(query: FindQuery, done: FindDone, out: TextIO) -> None:
    if done.per_document:
        out.write("\nOccurrences per document:\n")
        for count in done.per_document:
            out.write(f"  {count.count:>6,}  {count.title}\n")
    stopped = "\n[stopped: the counts cover the pages read so far]" if done.cancelled else ""
    out.write(f"\n{done.total:,} occurrence(s) of \u201c{query.text}\u201d ({query.mode_label}"
              f"{', case-sensitive' if query.case_sensitive else ''}); read {done.pages_read:,} pages of "
              f"{done.documents_read:,} document(s) in {done.elapsed_s:.2f} s{stopped}\n")


def result_dict(query: FindQuery, hits: list[FindHit], done: FindDone) -> dict[str, Any]:
    """What ``find --json`` prints: the counts, and every hit with its page, printed label and snippet."""
    return {
        "query": query.text, "mode": query.mode, "case_sensitive": query.case_sensitive, "total": done.total,
        "documents": [{"document": c.title, "document_id": c.document_id, "count": c.count}
                      for c in done.per_document],
        "hits": [{"document": h.document, "document_id": h.document_id, "path": h.path, "page": h.page,
                  "page_label": h.page_label, "snippet": h.snippet, "match": h.match,
                  "snippet_start": h.snippet_start, "snippet_end": h.snippet_end} for h in hits],
        "pages_read": done.pages_read, "documents_read": done.documents_read, "cancelled": done.cancelled,
    }


def write_exports(args: argparse.Namespace, query: FindQuery, hits: list[FindHit], done: FindDone) -> None:
    if args.csv:
        rows = hits_csv(hits, Path(args.csv))
        sys.stderr.write(f"{rows:,} hits written to {args.csv}\n")
    if args.markdown:
        Path(args.markdown).write_text(hits_markdown(hits, done, query), encoding="utf-8")
        sys.stderr.write(f"report written to {args.markdown}\n")
