"""The library commands: index (with progress), docs list and remove, and reading old documents again."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from desktop_app.cli.terminal import EXIT_FAILED_FILES, EXIT_OK, Progress, bar, file_names, interrupt_cancels
from desktop_app.engine import (
    CancelToken,
    Engine,
    FileFailed,
    FileIndexed,
    FileProgress,
    FileSkipped,
    FileStarted,
    IndexEvent,
)


def cmd_index(engine: Engine, args: argparse.Namespace) -> int:
    token = CancelToken()
    with interrupt_cancels(token):
        counts = print_index_events(
            engine.library.index([Path(p) for p in args.paths], password=args.password, cancel=token))
    return EXIT_FAILED_FILES if counts["failed"] else EXIT_OK


def print_index_events(events: Iterable[IndexEvent], again: bool = False) -> dict[str, int]:
    """Show indexing events as progress on standard error; returns how many files were indexed, skipped, failed.

    ``again``: the events come from reading stored documents again (``library.refresh``).
    """
    progress = Progress(sys.stderr)
    counts = {"indexed": 0, "skipped": 0, "failed": 0}
    current = ""
    for event in events:
        if isinstance(event, FileStarted | FileProgress):
            current = file_progress(progress, event, current)
        elif isinstance(event, FileIndexed):
            counts["indexed"] += 1
            verb = "read again" if event.refreshed else "re-indexed (changed)" if event.replaced else "indexed"
            progress.line(f"{verb}: {event.path.name}: {event.pages} pages, {event.chunks} chunks")
            for warning in event.warnings:
                progress.line(f"  note: {warning}")
        elif isinstance(event, FileSkipped):
            counts["skipped"] += 1
            progress.line(f"skipped: {event.path.name}: {event.reason}")
        elif isinstance(event, FileFailed):
            counts["failed"] += 1
            progress.line(f"failed: {event.message}")
    if again:
        progress.line(f"{counts['indexed']} read again, {counts['failed']} could not be read again")
    else:
        progress.line(f"{counts['indexed']} indexed, {counts['skipped']} skipped, {counts['failed']} failed")
    return counts


def file_progress(progress: Progress, event: FileStarted | FileProgress, current: str) -> str:
    """Show a file's start or progress on the status line; returns the "2/5 name.pdf" the next ones follow."""
    if isinstance(event, FileStarted):
        current = f"{event.position}/{event.total} {event.path.name}"
        progress.status(f"{current} reading")
    else:
        progress.status(f"{current} {event.stage} {bar(event.done, event.total)} {event.done}/{event.total}")
    return current


def refresh_library(engine: Engine) -> None:
    """Read again the documents an older extractor stored, with progress, before the library is used."""
    stale = engine.library.stale_documents()
    if not stale:
        return
    sys.stderr.write(f"{len(stale)} document(s) were indexed by an older version of the text extraction; "
                     "reading them again (once)...\n")
    token = CancelToken()
    with interrupt_cancels(token):
        print_index_events(engine.library.refresh(token), again=True)


def cmd_docs(engine: Engine, args: argparse.Namespace) -> int:
    if args.action == "remove":
        for ref in args.refs:
            print(remove_document(engine, ref, args.all_names))
        return EXIT_OK
    docs = engine.library.documents()
    if args.json:
        print(json.dumps([doc.__dict__ for doc in docs], indent=2))
    elif not docs:
        print("The library is empty. Add PDFs with: desktop-app index FILE_OR_FOLDER")
    for doc in docs if not args.json else []:
        notes = f"  ({len(doc.warnings)} note{'' if len(doc.warnings) == 1 else 's'})" if doc.warnings else ""
        also = f"  (also: {file_names(doc.other_names, doc.names)})" if doc.other_names else ""
        print(f"{doc.id:>4}  {Path(doc.path).name}  {doc.pages} pages, {doc.chunks} chunks  {doc.title}{notes}{also}")
    return EXIT_OK


def remove_document(engine: Engine, ref: str, all_names: bool) -> str:
    """Remove the name ``ref`` means, or (``all_names``, or it is the last) its document; says what went."""
    doc, name = engine.library.find_name(ref)
    others = [n for n in doc.names if n != name]
    if all_names or not others:
        engine.library.remove(doc.id)
        return f"removed: {doc.title} ({file_names(doc.names or (doc.path,), doc.names)})"
    engine.library.remove(name)
    return (f"removed the name {file_names([name], doc.names)}: {doc.title} stays in the library as "
            f"{file_names(others, doc.names)} (--all-names removes every name)")
