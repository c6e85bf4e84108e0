"""`desktop-app collections`: named sets of documents, and the scope `ask` and `chat` search.

``collections list`` shows each collection with its document count;
``show NAME`` its documents; ``create NAME``; ``add NAME DOC...`` and
``remove NAME DOC...`` (DOC: a document's id, file name or title; removing
takes it out of the collection only); ``rename NAME NEW``; ``delete NAME``
deletes the collection and keeps its documents, ``delete NAME
--with-documents`` also removes from the library the documents no other
collection holds, with progress (Ctrl-C stops between documents).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop_app.cli.terminal import EXIT_INTERRUPTED, EXIT_OK, Progress, bar, interrupt_cancels
from desktop_app.engine import CancelToken, Engine, InputError, RemovalDone, RemovalProgress, Scope

ACTIONS = ("list", "show", "create", "add", "remove", "rename", "delete")


def add_collections_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``collections`` on the top parser's subcommands (``subparsers`` from ``add_subparsers``)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "collections", help="named sets of documents: list, show, create, add, remove, rename, delete")
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("name", nargs="?", help="the collection's name (or id)")
    p.add_argument("items", nargs="*", metavar="DOC_OR_NAME",
                   help="add/remove: documents (id, file name or title); rename: the new name")
    p.add_argument("--with-documents", action="store_true",
                   help="with delete: also remove from the library the documents no other collection holds")
    p.set_defaults(run=cmd_collections)
    return p


def add_scope_arguments(p: argparse.ArgumentParser) -> None:
    """``--collection NAME`` and ``--doc NAME`` for a command that asks (``ask``, ``chat``)."""
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--collection", metavar="NAME", help="search only this collection's documents")
    scope.add_argument("--doc", action="append", default=[], metavar="NAME",
                       help="search only this document (id, file name or title); repeat for more")


def scope_of(engine: Engine, args: argparse.Namespace) -> Scope | None:
    """The scope ``--collection``/``--doc`` ask for; None: the whole library (or the conversation's own).

    Raises ``InputError`` with ``--conversation`` too: a conversation keeps the scope it was started in."""
    if getattr(args, "conversation", None) is not None and (getattr(args, "collection", None) or
                                                             getattr(args, "doc", None)):
        raise InputError("--collection and --doc start a new conversation in that scope; conversation "
                       f"{args.conversation} keeps its own scope. Leave out --conversation, or the scope.")
    if getattr(args, "collection", None):
        return Scope(collection=engine.collections.find(args.collection).id)
    if getattr(args, "doc", None):
        return Scope(documents=tuple(sorted({engine.library.find(ref).id for ref in args.doc})))
    return None


def cmd_collections(engine: Engine, args: argparse.Namespace) -> int:
    action, name, items = args.action, args.name, args.items
    needs = {"show": 1, "create": 1, "add": 2, "remove": 2, "rename": 2, "delete": 1}.get(action, 0)
    if len([a for a in [name, *items] if a]) < needs:
        raise InputError(f"collections {action} needs " + {
            1: "a collection name.", 2: "a collection name and " + ("a new name." if action == "rename" else
                                                                  "one or more documents.")}[needs])
    out = sys.stdout
    if action == "list":
        collections = engine.collections.all()
        if not collections:
            print("No collections yet. `desktop-app collections create NAME` makes one.")
        for c in collections:
            print(f"{c.id:>4}  {c.name}  ({c.documents} document{'s' if c.documents != 1 else ''})")
    elif action == "show":
        collection = engine.collections.find(name)
        print(f"{collection.name}: {collection.documents} document(s)")
        for doc in engine.collections.documents(collection.id):
            print(f"{doc.id:>4}  {doc.title}  ({doc.path})")
    elif action == "create":
        print(f"Created collection {engine.collections.create(name).name!r}.")
    elif action in ("add", "remove"):
        collection = engine.collections.find(name)
        ids = list(dict.fromkeys(engine.library.find(ref).id for ref in items))
        if action == "add":
            count = engine.collections.add(collection.id, ids)
            print(f"Added {count} document(s) to {collection.name!r} ({len(ids) - count} already in it).")
        else:
            count = engine.collections.remove(collection.id, ids)
            print(f"Took {count} document(s) out of {collection.name!r}; they stay in the library.")
    elif action == "rename":
        print(f"Renamed to {engine.collections.rename(name, ' '.join(items)).name!r}.")
    elif args.with_documents:
        return delete_with_documents(engine, name, out)
    else:
        gone = engine.collections.delete(name)
        print(f"Deleted collection {gone.name!r}; its {gone.documents} document(s) stay in the library.")
    return EXIT_OK


def delete_with_documents(engine: Engine, name: str, out: Any) -> int:
    collection = engine.collections.find(name)
    token = CancelToken()
    progress = Progress(sys.stderr)
    with interrupt_cancels(token):
        for event in engine.collections.delete_with_documents(collection.id, token):
            if isinstance(event, RemovalProgress):
                progress.status(f"{bar(event.done, event.total)} {event.done}/{event.total} removed: {event.title}")
            elif isinstance(event, RemovalDone):
                progress.status("")
                if event.cancelled:
                    out.write(f"Stopped: {event.removed} document(s) removed; the collection and the rest stay.\n")
                    return EXIT_INTERRUPTED
                out.write(f"Deleted collection {collection.name!r}: {event.removed} document(s) removed from the "
                          f"library, {event.kept} kept (another collection holds them).\n")
    return EXIT_OK
