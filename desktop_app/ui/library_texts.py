"""What the library list says: about files that were not added, and before a removal.

Plain functions of the library's rows (``DocumentRow``) and of the list's
entries for files not in it (``Pending``), so the wording can be read and
tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOT_ADDED = "not added"  # the status of a file left when indexing was cancelled
ALREADY_ADDED = "already added"  # the status of a file whose content the library already has
LISTED = 12  # documents a removal question names one by one
SAME_CONTENT = "same content as "  # how the indexer's reason for skipping a twin starts (``FileSkipped.reason``)


@dataclass
class Pending:
    """A file on its way into the library, one that failed, or a note about one that was not added."""

    path: str
    status: str = "queued"  # "queued", "indexing", "failed", NOT_ADDED or ALREADY_ADDED
    done: int = 0
    total: int = 0
    reason: str = ""  # shown when the row is chosen: why it failed, or was not added
    skipped: str = ""  # the indexer's reason for skipping it (``FileSkipped.reason``): already in the library


def file_name(path: str) -> str:
    return Path(path).name


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def cancelled_note(path: str) -> Pending:
    """The entry for a file that indexing, cancelled, did not reach."""
    return Pending(path, NOT_ADDED, reason=f"{file_name(path)} was not added: indexing was cancelled before it was "
                                           "read. Add it again to index it.")


def title_of(note: Pending, documents: list[Any]) -> str:
    """The title of the document in ``documents`` that has ``note``'s content (found by its names), else the name
    the indexer gave for it."""
    for doc in documents:
        if note.path in (doc.path, *doc.names):
            return str(doc.title)
    shown = note.skipped.removeprefix(SAME_CONTENT).removesuffix(", already indexed")
    for doc in documents:
        if shown in (doc.path, file_name(doc.path)):
            return str(doc.title)
    return file_name(shown)


def note_text(note: Pending, documents: list[Any]) -> str:
    """What the list says about a file not in the library (failed, or not added) when its row is chosen."""
    if not note.skipped:
        return note.reason
    name, title = file_name(note.path), title_of(note, documents)
    if note.skipped.startswith(SAME_CONTENT):
        return (f"{name} was not indexed again: it has the same content as \u201c{title}\u201d, already in the "
                "library, and is kept as another name of that document.")
    if note.skipped == "already indexed":
        return f"{name} is already in the library (as \u201c{title}\u201d)."
    return f"{name} was not added: {note.skipped}."


def notes_summary(notes: list[Pending], documents: list[Any]) -> str:
    """The line under the list about the files that were not added ("" when there are none)."""
    cancelled = [n for n in notes if n.status == NOT_ADDED]
    already = [n for n in notes if n.status == ALREADY_ADDED]
    parts = []
    if len(cancelled) == 1:
        parts.append(f"{file_name(cancelled[0].path)} was not added: indexing was cancelled.")
    elif cancelled:
        parts.append(f"{plural(len(cancelled), 'file')} were not added: indexing was cancelled.")
    if len(already) == 1:
        parts.append(note_text(already[0], documents))
    elif already:
        named = ", ".join(f"{file_name(n.path)} (as \u201c{title_of(n, documents)}\u201d)" for n in already)
        parts.append(f"{plural(len(already), 'file')} were already in the library: {named}.")
    return " ".join(parts)


def removal_question(documents: list[Any], all_names: bool = False) -> str:
    """The question asked before removing ``documents`` (``DocumentRow``; ``all_names``: each with every name it
    has): what goes, named or counted and listed, and that the files on disk stay."""
    def line(doc: Any) -> str:
        if doc.other_names and not all_names:
            return f"\u201c{doc.title}\u201d: only the name {file_name(doc.path)} (its content stays for the others)"
        return f"\u201c{doc.title}\u201d ({file_name(doc.path)})"

    if len(documents) == 1:
        doc = documents[0]
        names = f" with all {len(doc.names)} of its names" if all_names and doc.other_names else ""
        head = f"Remove \u201c{doc.title}\u201d ({file_name(doc.path)}){names} from the library?"
        stays = "The files on disk stay where they are" if names else "The file on disk stays where it is"
        whose, it = "Its", "it"
    else:
        listed = [f"\u2022 {line(d)}" for d in documents[:LISTED]]
        if len(documents) > LISTED:
            listed.append(f"\u2026 and {len(documents) - LISTED} more")
        head = f"Remove {plural(len(documents), 'document')} from the library?\n\n" + "\n".join(listed)
        whose, it, stays = "Their", "them", "The files on disk stay where they are"
    return (f"{head}\n\n{whose} passages, summaries and collection memberships go, and quotes from {it} in earlier "
            f"answers can no longer be opened on the page. {stays}.")
