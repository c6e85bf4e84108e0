"""The terminal side of the command line: streamed answers, their sources and checks, progress lines,
and Ctrl-C as a cancel."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from desktop_app.engine import (
    ORIGIN_LABELS,
    Answer,
    AnswerDone,
    CancelToken,
    Citation,
    Engine,
    Evidence,
    SourcesFound,
    TokenText,
)

EXIT_OK, EXIT_FAILED_FILES, EXIT_USAGE, EXIT_NOT_COVERED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
"""The exit codes a script can rely on (see ``cli.commands``)."""


@contextmanager
def interrupt_cancels(token: CancelToken) -> Iterator[None]:
    """The first Ctrl-C cancels the running job; a second one interrupts as usual."""
    def handler(signum: int, frame: FrameType | None) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Progress:
    """One status line on a terminal; plain lines otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def status(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + text[:120])
            self.stream.flush()

    def line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K")
        self.stream.write(text + "\n")
        self.stream.flush()


def bar(done: int, total: int, width: int = 24) -> str:
    filled = int(width * done / total) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def print_citations(title: str, citations: list[Citation], out: TextIO) -> None:
    if not citations:
        return
    out.write(f"\n{title}\n")
    for c in citations:
        snippet = " ".join(c.passage.split())[:160]
        out.write(f"  [{c.number}] {c.document_title}, {c.where()}  ({c.document_path})\n      \"{snippet}...\"\n")


def print_evidence(evidence: list[Evidence], out: TextIO) -> None:
    """The quotes that answer the question, before the model's wording."""
    if not evidence:
        return
    out.write("From the documents:\n")
    for item in evidence:
        runs_on = " (the sentence runs on to the next page)" if item.crosses_page else ""
        out.write(f"  \u201c{item.quote}\u201d\n      [{item.source_number}] {item.document_title}, "
                  f"{item.where()}{runs_on}\n")
    out.write("\n")


WORDING = "The model's answer, in its own words:\n"


def print_answer_footer(answer: Answer, out: TextIO) -> None:
    if answer.stopped:
        out.write("\n[stopped by the safety policy]" if answer.stopped_by == "policy" else "\n[stopped]")
    out.write("\n")
    if answer.origin in ORIGIN_LABELS:
        out.write(f"({ORIGIN_LABELS[answer.origin]}: no model call)\n")
    if answer.reading_note:
        out.write(f"({answer.reading_note})\n")
    for decision in answer.safety if not answer.refused else []:
        out.write(f"Policy: {decision['action']}: {decision['reason']}\n")
    if answer.withheld:
        out.write("(the draft above is withheld: it is not supported by the sources)\n")
        print_verification(answer, out)
        print_citations("Closest passages (the draft is not supported by them):", answer.related, out)
        return
    if answer.abstained:
        print_citations(answer.closest_label, answer.related, out)
        return
    print_citations("Sources:", answer.citations, out)
    print_citations("Related (the answer cites no source):", answer.related, out)
    if answer.unknown_citations:
        out.write(f"  note: the answer cites {answer.unknown_citations}, which match no source\n")
    for number, reasons in answer.flagged_sources.items():
        out.write(f"  note: source [{number}] contains {' and '.join(reasons)}; it was given to the model as quoted "
                  "data only\n")
    print_verification(answer, out)


def print_verification(answer: Answer, out: TextIO) -> None:
    checked = answer.verification
    if checked is None or checked.claims == 0:
        return
    if not checked.unsupported:
        out.write(f"\nCheck: all {checked.claims} names, numbers and identifiers were found in the sources.\n")
        return
    out.write(f"\nCheck: grounding {checked.score:.0%}; not found in the sources:\n")
    for sentence in checked.unsupported:
        out.write(f"  - {', '.join(sentence.unsupported)}  in \"{sentence.text[:120]}\"\n")


def stream_answer(engine: Engine, question: str, conversation_id: int | None, as_json: bool,
                  events: Callable[[CancelToken], Iterator[Any]] | None = None) -> Answer:
    """Print an answer as it streams (``events`` replaces a plain ask: tasks, strict regeneration)."""
    token = CancelToken()
    out = sys.stdout
    answer: Answer | None = None
    quoted = False
    with interrupt_cancels(token):
        for event in (events or (lambda t: engine.ask(question, conversation_id, t)))(token):
            if isinstance(event, SourcesFound) and not as_json:
                print_evidence(event.evidence, out)
                quoted = bool(event.evidence)
            elif isinstance(event, TokenText) and not as_json:
                if quoted:
                    out.write(WORDING)
                    quoted = False
                out.write(event.text)
                out.flush()
            elif isinstance(event, AnswerDone):
                answer = event.answer
    assert answer is not None
    if as_json:
        out.write(json.dumps(answer_dict(answer), indent=2, ensure_ascii=False) + "\n")
    else:
        print_answer(answer, out, streamed=True)
    return answer


def print_answer(answer: Answer, out: TextIO, streamed: bool) -> None:
    """An answer as the terminal shows it, live (its text and quotes have ``streamed`` already) or reopened."""
    if not streamed:
        print_evidence(answer.evidence, out)
        if answer.evidence and answer.origin != "quotes":
            out.write(WORDING)
    quotes = answer.origin == "quotes" and bool(answer.evidence)  # its text is the quotes printed above
    if answer.withheld:
        out.write("\n\n" + answer.text if streamed else answer.withheld + "\n\n" + answer.text)
    elif answer.abstained or answer.refused or not (streamed or quotes):
        out.write(answer.text)
    print_answer_footer(answer, out)


def answer_dict(answer: Answer) -> dict[str, Any]:
    data = dict(answer.__dict__)
    data["citations"] = [citation_dict(c) for c in answer.citations]
    data["related"] = [citation_dict(c) for c in answer.related]
    data["given"] = [citation_dict(c) for c in answer.given]  # every passage the model was given
    data["verification"] = answer.verification.to_dict() if answer.verification else None
    data["evidence"] = [evidence_dict(e) for e in answer.evidence]
    return data


def citation_dict(citation: Citation) -> dict[str, Any]:
    """A citation as ``ask --json`` gives it; ``page_label`` is the printed label (the number where none)."""
    return {**citation.to_dict(), "page_label": citation.page_label or str(citation.page)}


def evidence_dict(evidence: Evidence) -> dict[str, Any]:
    """A quote as ``ask --json`` gives it: the document by title, with its file, page, label and rectangles."""
    return {"quote": evidence.quote, "document": evidence.document_title, "document_id": evidence.document_id,
            "path": evidence.document_path, "page": evidence.page, "page_label": evidence.page_label or
            str(evidence.page), "pages": evidence.pages, "rects": evidence.rects, "score": evidence.score,
            "source": evidence.source_number}


def file_names(paths: Iterable[str], among: Iterable[str] = ()) -> str:
    """Paths as the terminal names documents: the file name, or the whole path where another of ``among``
    (a document's names) has the same file name."""
    names = [Path(p).name for p in among]
    return ", ".join(p if names.count(Path(p).name) > 1 else Path(p).name for p in paths)


def format_size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size < 1e9 else f"{size / 1e9:.2f} GB"
