"""`desktop-app watch`: folders whose PDFs (and other documents) are indexed as they are added, changed or deleted.

``watch add FOLDER [--collection NAME]`` watches a folder and indexes it now;
``watch list`` shows the folders; ``watch remove FOLDER [--forget]`` stops
watching (``--forget`` also takes its documents out of the library, unless
another name needs them); ``watch sync`` brings the library in step with
every watched folder (changes made while nothing was watching); ``watch run``
syncs, then watches in the foreground until Ctrl-C. What the watcher did is
printed one line per file on standard output ("12:03:07  indexed  /path/a.pdf:
3 pages, 5 chunks"); progress goes to standard error on a terminal. Exit
code 1 when a file could not be indexed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.cli.library import file_progress
from desktop_app.cli.terminal import EXIT_FAILED_FILES, EXIT_OK, Progress, interrupt_cancels
from desktop_app.engine import Cancelled, CancelToken, Engine, FileProgress, FileStarted

if TYPE_CHECKING:
    from desktop_app.engine.library.watch import WatchActivity, WatchEvent, WatchManager

POLL_S = 0.25


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``watch`` on the top parser's subcommands (``subparsers`` from ``add_subparsers``)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "watch", help="watched folders: their new and changed documents are indexed, deleted ones removed")
    actions = p.add_subparsers(dest="watch_action", required=True, metavar="{add,list,remove,sync,run}")
    add = actions.add_parser("add", help="watch a folder and index it now")
    add.add_argument("folder")
    add.add_argument("--collection", metavar="NAME", help="put its documents in this collection (made if new)")
    add.add_argument("--no-sync", action="store_true", help="only record the folder; index it at the next sync")
    actions.add_parser("list", help="the watched folders, with their files, documents and collection")
    remove = actions.add_parser("remove", help="stop watching a folder (its documents stay unless --forget)")
    remove.add_argument("folder", help="the folder's path or its id from `watch list`")
    remove.add_argument("--forget", action="store_true",
                        help="also remove its documents from the library, unless another name or folder needs them")
    actions.add_parser("sync", help="index what changed in the watched folders since they were last looked at")
    run = actions.add_parser("run", help="sync, then watch in the foreground until Ctrl-C, printing what happens")
    run.add_argument("--settle", type=float, metavar="SECONDS",
                     help="how long a file must stay unchanged before it is indexed (default 2)")
    p.set_defaults(run=cmd_watch)
    return p


def cmd_watch(engine: Engine, args: argparse.Namespace) -> int:
    watch: WatchManager = engine.watch
    action = args.watch_action
    if action == "add":
        folder = watch.add_folder(Path(args.folder), args.collection)
        feeds = f" (its documents go to the collection {folder.collection})" if folder.collection else ""
        print(f"watching {folder.path}{feeds}")
        if args.no_sync:
            return EXIT_OK
        return synced(watch, lambda token: watch.sync(token, folder.id))
    if action == "list":
        print_folders(watch)
        return EXIT_OK
    if action == "remove":
        return remove(watch, args.folder, args.forget)
    if action == "sync":
        return synced(watch, watch.sync)
    return run_foreground(watch, args.settle)


def print_folders(watch: WatchManager) -> None:
    folders = watch.folders()
    if not folders:
        print("No folder is watched. `desktop-app watch add FOLDER` adds one.")
    for folder in folders:
        feeds = f", collection {folder.collection}" if folder.collection else ""
        waiting = folder.files - folder.documents
        failed = f" ({waiting} could not be indexed)" if waiting else ""
        print(f"{folder.id:>4}  {folder.path}  {folder.files} files, {folder.documents} in the library{failed}"
              f"{feeds}")


def remove(watch: WatchManager, ref: str, forget: bool) -> int:
    folder, removed = watch.remove_folder(ref, forget)
    print(f"stopped watching {folder.path}")
    if forget:
        gone = sum(r.gone for r in removed)
        print(f"{len(removed)} file name(s) removed from the library; {gone} document(s) left it "
              f"({len(removed) - gone} stay under other names)")
    elif folder.documents:
        print(f"its {folder.documents} document(s) stay in the library (`watch remove --forget` removes them)")
    return EXIT_OK


def synced(watch: WatchManager, sync: Any) -> int:
    """Run ``sync(token)`` with progress and a line per file done; exit code 1 if a file failed."""
    token = CancelToken()
    seen = last_seq(watch)
    with interrupt_cancels(token):
        done = follow(watch, sync(token), seen, Progress(sys.stderr))
    counts = Counter(a.action for a in done)
    print(f"{counts['indexed']} indexed, {counts['updated']} updated, {counts['removed']} removed, "
          f"{counts['skipped'] + counts['waiting']} skipped, {counts['failed']} failed")
    return EXIT_FAILED_FILES if counts["failed"] else EXIT_OK


def follow(watch: WatchManager, events: Iterable[WatchEvent], after: int, progress: Progress) -> list[WatchActivity]:
    """Show ``events`` as progress and print each activity record made meanwhile; the records printed."""
    printed: list[WatchActivity] = []
    current = ""
    for event in events:
        if isinstance(event, FileStarted | FileProgress):
            current = file_progress(progress, event, current)
        printed += print_activity(watch, printed[-1].seq if printed else after, progress)
    printed += print_activity(watch, printed[-1].seq if printed else after, progress)
    progress.status("")
    return printed


def print_activity(watch: WatchManager, after: int, progress: Progress) -> list[WatchActivity]:
    records = watch.activity(after)
    for record in records:
        progress.status("")
        sys.stdout.write(activity_line(record) + "\n")
    sys.stdout.flush()
    return records


def activity_line(record: WatchActivity) -> str:
    """"HH:MM:SS  action  path: message", the time local."""
    return f"{time.strftime('%H:%M:%S', time.localtime(record.time))}  {record.action:<8} {record.path}: " \
           f"{record.message}"


def last_seq(watch: WatchManager) -> int:
    records = watch.activity()
    return records[-1].seq if records else 0


def run_foreground(watch: WatchManager, settle: float | None) -> int:
    """Sync, then watch until Ctrl-C: each settled change is indexed and printed as it happens."""
    if settle is not None:
        watch.settle_s = max(0.0, settle)
    token = CancelToken()
    progress = Progress(sys.stderr)
    seen = last_seq(watch)
    with interrupt_cancels(token):
        try:
            seen = max([seen] + [a.seq for a in follow(watch, watch.sync(token), seen, progress)])
            watch.start()
            folders = len(watch.folders())
            progress.line(f"watching {folders} folder(s); Ctrl-C stops")
            while not token.cancelled:
                seen = max([seen] + [a.seq for a in follow(watch, watch.process(token), seen, progress)])
                time.sleep(POLL_S)
        except Cancelled:
            pass
        finally:
            watch.stop()
    print_activity(watch, seen, progress)
    progress.line("stopped watching")
    return EXIT_OK
