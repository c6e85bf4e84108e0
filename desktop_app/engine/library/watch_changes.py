"""Which watched files changed, and which have stopped changing: a watchdog observer and its notes.

The observer's thread only notes paths (``ChangeNotes``); it never reads a
file's content, the database or the index. A noted file is *settled* once
its size and modification time have stayed the same for ``settle_s``
seconds, checked each time someone asks (``ready``, ``take_settled``), so a
copy in progress is taken once, when it ends. Every method is safe from any
thread.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from desktop_app.indexer.formats import KINDS
from desktop_app.indexer.pipeline import expand_paths
from desktop_app.store.watched import Signature

TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".swp", ".lock", "~")
IGNORED_EVENTS = ("opened", "closed_no_write")  # reading a file (indexing it, say) is no change
log = logging.getLogger(__name__)


def ignored_name(name: str) -> bool:
    """Temporary and hidden files: Office lock files (~$x.docx), partial downloads, editors' swap files."""
    lower = name.lower()
    return lower.startswith(("~$", ".")) or lower.endswith(TEMP_SUFFIXES)


def indexed_suffixes() -> frozenset[str]:
    """The file name endings the indexer reads (``indexer.formats.KINDS``), lower case with the dot."""
    return frozenset(KINDS)


def watchable(path: Path, root: Path) -> bool:
    """Whether a file under ``root`` is one to index: a kind the indexer reads, no temporary or hidden name
    (nor inside a hidden folder)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    return bool(parts) and not any(ignored_name(p) for p in parts) and path.suffix.lower() in indexed_suffixes()


def signature(path: Path) -> Signature | None:
    """(size in bytes, modification time in ns) of a regular file; None when there is none at ``path``."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


def unreadable_folders(root: Path) -> list[str]:
    """Folders under ``root`` that could not be listed (permissions); ``expand_paths`` passes over them
    silently, so their files would look deleted."""
    errors: list[OSError] = []
    for _ in os.walk(root, onerror=errors.append):
        pass
    return [str(e.filename) for e in errors]


def scan(root: Path) -> dict[str, Signature]:
    """The files to index in a folder, by resolved path, with their signatures."""
    return {str(p): sig for p in expand_paths([root]) if watchable(p, root) and (sig := signature(p))}


@dataclass
class Pending:
    folder_id: int
    signature: Signature | None  # None: the file is not there (deleted or moved away)
    changed_at: float  # time.monotonic() when the signature last changed


class _Handler(FileSystemEventHandler):
    """Runs on the observer's thread: notes the paths, nothing more."""

    def __init__(self, notes: ChangeNotes) -> None:
        self._notes = notes

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.event_type in IGNORED_EVENTS:
            return
        paths = [p for p in (event.src_path, event.dest_path) if p]
        try:
            self._notes.observed([Path(os.fsdecode(p)) for p in paths], event.is_directory)
        except Exception:  # the observer's thread must outlive one odd event; the next sync catches up
            log.exception("a file-system event could not be noted")


class ChangeNotes:
    """Noted paths per watched folder (by id), and the observer that notes them while started.

    ``settle_s`` is read each time, so it can change while watching. ``on_problem(path, message)`` hears
    of a folder that cannot be watched.
    """

    def __init__(self, settle_s: Callable[[], float], on_problem: Callable[[Path, str], None]) -> None:
        self._settle_s = settle_s
        self._on_problem = on_problem
        self._lock = threading.Lock()
        self._roots: dict[int, Path] = {}
        self._pending: dict[Path, Pending] = {}
        self._rescan: set[int] = set()
        self._observer: BaseObserver | None = None
        self._watches: dict[int, ObservedWatch] = {}

    @property
    def running(self) -> bool:
        return self._observer is not None

    def start(self, roots: dict[int, Path]) -> None:
        """Watch these folders (id -> resolved path), recursively; no-op when started already."""
        if self._observer is not None:
            return
        with self._lock:
            self._roots = dict(roots)
        self._observer = Observer()
        for folder_id, root in roots.items():
            self._schedule(folder_id, root)
        self._observer.start()

    def stop(self) -> None:
        """Stop the observer (waiting for its thread) and drop every note."""
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(timeout=10)
        with self._lock:
            self._watches.clear()
            self._pending.clear()
            self._rescan.clear()

    def add_root(self, folder_id: int, root: Path) -> None:
        with self._lock:
            self._roots[folder_id] = root
        if self._observer is not None:
            self._schedule(folder_id, root)

    def remove_root(self, folder_id: int) -> None:
        """Stop watching one folder and drop its notes."""
        with self._lock:
            self._roots.pop(folder_id, None)
            self._pending = {p: v for p, v in self._pending.items() if v.folder_id != folder_id}
            self._rescan.discard(folder_id)
            watch = self._watches.pop(folder_id, None)
        if watch is not None and self._observer is not None:
            try:
                self._observer.unschedule(watch)
            except KeyError:  # the observer dropped it already (its folder was deleted)
                pass

    def _schedule(self, folder_id: int, root: Path) -> None:
        assert self._observer is not None
        try:
            watch = self._observer.schedule(_Handler(self), str(root), recursive=True)
        except OSError as exc:
            self._on_problem(root, f"{root} cannot be watched ({exc.strerror or exc}); changes in it are found at "
                             "the next sync instead.")
            return
        with self._lock:
            self._watches[folder_id] = watch

    def observed(self, paths: list[Path], is_directory: bool) -> None:
        """Note changed files; a folder created, moved or deleted inside means its watched folder is rescanned."""
        for path in paths:
            found = self._folder_of(path)
            if found is None:
                continue
            folder_id, root = found
            if is_directory:
                with self._lock:
                    self._rescan.add(folder_id)
            elif watchable(path, root):
                self.queue(path, folder_id)

    def _folder_of(self, path: Path) -> tuple[int, Path] | None:
        """The innermost watched folder holding ``path``: its id and path."""
        with self._lock:
            holders = [(len(root.parts), fid, root) for fid, root in self._roots.items() if path.is_relative_to(root)]
        if not holders:
            return None
        _, folder_id, root = max(holders)
        return folder_id, root

    def queue(self, path: Path, folder_id: int) -> None:
        """Note ``path`` as changed now (its wait to settle starts again)."""
        noted = Pending(folder_id, signature(path), time.monotonic())
        with self._lock:
            self._pending[path] = noted

    def ready(self) -> bool:
        """Whether a noted file has had no event for ``settle_s``, or a folder waits to be rescanned.

        Cheap and safe from the GUI thread: it reads no file. ``take_settled``, on the engine's thread,
        then checks each file's size and time, and a file still changing waits again.
        """
        settle = self._settle_s()
        with self._lock:
            now = time.monotonic()
            return bool(self._rescan) or any(now - item.changed_at >= settle for item in self._pending.values())

    def _settled(self, path: Path, item: Pending) -> bool:
        """Under the lock: whether ``path`` kept its size and time for ``settle_s``; a change restarts the wait."""
        now = signature(path)
        if now != item.signature:
            item.signature, item.changed_at = now, time.monotonic()
            return False
        return time.monotonic() - item.changed_at >= self._settle_s()

    def take_rescans(self) -> list[int]:
        """The folders to rescan (their notes are taken)."""
        with self._lock:
            rescans, self._rescan = sorted(self._rescan), set()
        return rescans

    def take_settled(self) -> list[tuple[Path, Pending]]:
        """The settled notes, taken out (``requeue`` puts back those not dealt with)."""
        with self._lock:
            batch = [(p, item) for p, item in self._pending.items() if self._settled(p, item)]
            for path, _ in batch:
                del self._pending[path]
        return batch

    def requeue(self, items: list[tuple[Path, Pending]]) -> None:
        """Put notes back (a newer note of the same path wins)."""
        with self._lock:
            for path, item in items:
                if item.folder_id in self._roots:
                    self._pending.setdefault(path, item)
