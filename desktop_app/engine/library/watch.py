"""Watched folders: new and changed files are indexed, deleted ones leave the library.

Two ways in, one path out. ``WatchManager.sync`` compares each folder on
disk with what was recorded (``store.watched``), for changes made while the
app was closed. While it runs, ``start`` puts a watchdog observer on every
folder; its thread only notes which paths changed (nothing else), and
``process`` indexes those whose size and modification time have not
changed for ``settle_s`` seconds (a copy in progress is indexed once, when
it ends). Both index through the library's usual path (``library.index``)
and remove a deleted file's name with ``library.remove``, so a document
stays while another of its names needs it.

Threads: ``sync``, ``process``, ``start``, ``stop``, ``add_folder``,
``remove_folder`` and ``folders`` touch the database and the vector index,
so callers run them on the thread that owns the engine (the window's
worker, the CLI's main thread), like every other engine call; no indexing
ever runs on the observer's thread. ``activity``, ``ready``, ``running``
and ``settle_s`` are safe from any thread: the window polls ``ready`` and
then queues a ``process`` job on its worker. A ``sync`` or ``process``
started while another is still going (interleaved jobs on one worker)
does nothing (``process``) or raises ``AppError`` (``sync``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import sqlite_utils

from desktop_app.cancel import CancelToken
from desktop_app.engine.library.watch_changes import ChangeNotes, Pending, scan, signature, unreadable_folders
from desktop_app.errors import AppError, NotFoundError
from desktop_app.indexer.events import FileFailed, FileIndexed, FileSkipped, IndexEvent
from desktop_app.store.collections import CollectionStore
from desktop_app.store.library import DocumentRow, LibraryStore
from desktop_app.store.watched import Signature, WatchedFolder, WatchedStore, compare

ACTIVITY_KEPT = 500


@dataclass(frozen=True)
class FileRemoved:
    """A watched file was deleted (or moved out of its folder): its name left the library.

    ``gone`` says whether the document went with it; it stays while another of its names needs it.
    """

    path: Path
    document_id: int
    title: str
    gone: bool


WatchEvent = IndexEvent | FileRemoved


@dataclass(frozen=True)
class WatchActivity:
    """One thing the watcher did, for the window and the terminal to show."""

    seq: int  # grows by one per record; pass the last one seen to ``activity`` for the newer ones
    time: float  # when, in seconds since the epoch
    path: Path
    action: str  # "indexed", "updated", "removed", "skipped", "waiting" or "failed"
    message: str


class Library(Protocol):
    """What the watcher needs of the library (``engine.library``)."""

    def index(self, paths: Iterable[Path], password: str | None = None,
              cancel: CancelToken | None = None) -> Iterator[IndexEvent]: ...

    def remove(self, target: int | str) -> DocumentRow: ...


class WatchManager:
    """Watched folders of one library: see the module's docstring for which calls go on which thread.

    ``settle_s``: how long (seconds) a file's size and modification time must stay the same before it is
    indexed (default 2; tests use less).
    """

    def __init__(self, db: sqlite_utils.Database, store: LibraryStore, library: Library,
                 settle_s: float = 2.0) -> None:
        self._watched = WatchedStore(db)
        self._collections = CollectionStore(db)
        self._store = store
        self._library = library
        self.settle_s = settle_s
        self._notes = ChangeNotes(lambda: self.settle_s, lambda path, message: self._note(path, "failed", message))
        self._lock = threading.Lock()
        self._activity: deque[WatchActivity] = deque(maxlen=ACTIVITY_KEPT)
        self._seq = 0
        self._busy = False

    # --- folders ------------------------------------------------------------------
    def folders(self) -> list[WatchedFolder]:
        """Every watched folder, by path, with its file and document counts and collection."""
        return self._watched.folders()

    def add_folder(self, folder: Path, collection: str | None = None) -> WatchedFolder:
        """Watch ``folder`` (feeding the collection named ``collection``, made if there is none yet).

        Nothing is indexed yet: run ``sync`` (for this folder: ``sync(folder_id=...)``). Raises ``AppError``
        when the folder does not exist or is watched already.
        """
        root = folder.expanduser().resolve()
        if not root.is_dir():
            raise AppError(f"{root} is not a folder. Choose an existing folder to watch.")
        if self._watched.folder_at(str(root)) is not None:
            raise AppError(f"{root} is watched already. `desktop-app watch list` shows the watched folders.")
        added = self._watched.add_folder(str(root), self._collection_id(collection) if collection else None)
        self._notes.add_root(added.id, root)
        return added

    def _collection_id(self, name: str) -> int:
        try:
            return self._collections.by_name(name).id
        except NotFoundError:
            return self._collections.create(name).id

    def find_folder(self, ref: str) -> WatchedFolder:
        """A watched folder by path (as typed, or resolved) or id; ``NotFoundError`` if none matches."""
        for folder in self.folders():
            if ref in (folder.path, str(folder.id)) or folder.path == str(Path(ref).expanduser().resolve()):
                return folder
        raise NotFoundError(f"{ref} is not a watched folder. `desktop-app watch list` shows them.")

    def remove_folder(self, ref: str, forget: bool = False) -> tuple[WatchedFolder, list[FileRemoved]]:
        """Stop watching a folder (path or id); its documents stay in the library unless ``forget``.

        With ``forget``, each of its files' names leaves the library, unless another watched folder
        records it too; a document goes only with its last name. Returns the folder as it was and the
        removals. Raises ``NotFoundError`` for a folder that is not watched.
        """
        folder = self.find_folder(ref)
        self._notes.remove_root(folder.id)
        removed: list[FileRemoved] = []
        if forget:
            for path in self._watched.files(folder.id):
                if not self._watched.recorded_elsewhere(path, folder.id):
                    removed += self._remove_name(folder.id, path)
        self._watched.remove_folder(folder.id)
        return folder, removed

    # --- activity (any thread) ------------------------------------------------------
    def activity(self, after: int = 0) -> list[WatchActivity]:
        """What the watcher did (the last 500 records at most), oldest first; only records newer than
        ``after`` (a ``WatchActivity.seq``)."""
        with self._lock:
            return [a for a in self._activity if a.seq > after]

    def _note(self, path: Path, action: str, message: str) -> None:
        with self._lock:
            self._seq += 1
            self._activity.append(WatchActivity(self._seq, time.time(), path, action, message))

    # --- sync: what changed on disk since it was recorded ---------------------------
    def sync(self, cancel: CancelToken | None = None, folder_id: int | None = None) -> Iterator[WatchEvent]:
        """Bring the library in step with every watched folder (or the one with ``folder_id``), as events.

        New and changed files are indexed (``FileStarted``, ``FileProgress``, then ``FileIndexed``,
        ``FileSkipped`` or ``FileFailed``), then deleted ones removed (``FileRemoved``). A file modified
        in the last ``settle_s`` seconds is waited for (at most that long); one still changing is skipped
        ("still being written") and left to the observer or the next sync. A folder that is missing (an
        unplugged drive) is reported with ``FileFailed`` and its documents are kept. Raises ``Cancelled``
        between steps (what was done is kept) and ``AppError`` while another sync or ``process`` runs.
        """
        token = cancel or CancelToken()
        if self._busy:
            raise AppError("The watched folders are being brought up to date already; wait for that to finish.")
        self._busy = True
        try:
            for folder in self.folders():
                if folder_id is None or folder.id == folder_id:
                    yield from self._sync_folder(folder, token)
        finally:
            self._busy = False

    def _sync_folder(self, folder: WatchedFolder, token: CancelToken) -> Iterator[WatchEvent]:
        root = Path(folder.path)
        if not root.is_dir():
            message = f"The watched folder {root} is missing (moved, or on a drive not connected); its documents " \
                      "are kept. Reconnect it, or stop watching it."
            self._note(root, "failed", message)
            yield FileFailed(root, "missing", message)
            return
        on_disk = scan(root)
        recorded = self._watched.files(folder.id)
        if recorded and not on_disk:  # an empty mount point looks like a folder whose files were all deleted
            message = f"The watched folder {root} is empty now (a drive or share not connected?); its " \
                      "documents are kept. If you deleted its files, stop watching it with --forget."
            self._note(root, "failed", message)
            yield FileFailed(root, "missing", message)
            return
        changed, gone = compare(recorded, on_disk)
        if unreadable := unreadable_folders(root):  # their files are not gone, only out of sight
            message = f"{len(unreadable)} folder(s) in {root} could not be read ({unreadable[0]}); nothing was " \
                      "removed from the library this time."
            self._note(root, "failed", message)
            yield FileFailed(root, "unreadable", message)
            gone = []
        ready, writing = self._wait_for_fresh({p: on_disk[p] for p in changed}, token)
        for path in writing:
            self._notes.queue(Path(path), folder.id)
            self._note(Path(path), "waiting", "still being written: indexed once it stops changing")
            yield FileSkipped(Path(path), "still being written: indexed once it stops changing")
        yield from self._index(folder.id, ready, token)
        for path in gone:
            token.raise_if_cancelled()
            yield from self._remove_name(folder.id, path)

    def _wait_for_fresh(self, files: dict[str, Signature], token: CancelToken
                        ) -> tuple[dict[str, Signature], list[str]]:
        """Split files into those to index now and those still being written.

        Files modified less than ``settle_s`` ago are looked at again once that much time has passed
        since the newest modification; those that changed meanwhile are still being written.
        """
        settle_ns = int(self.settle_s * 1e9)
        newest = max((sig[1] for sig in files.values()), default=0)
        wait_s = min(self.settle_s, (newest + settle_ns - time.time_ns()) / 1e9)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            token.raise_if_cancelled()
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        if wait_s <= 0:
            return files, []
        now = {p: signature(Path(p)) for p in files}
        ready = {p: sig for p, sig in now.items() if sig is not None and sig == files[p]}
        return ready, sorted(p for p in files if p not in ready and now[p] is not None)

    # --- indexing and removing one folder's files -------------------------------------
    def _index(self, folder_id: int, files: dict[str, Signature], token: CancelToken) -> Iterator[WatchEvent]:
        if not files:
            return
        before = self._watched.files(folder_id)
        for event in self._library.index([Path(p) for p in files], cancel=token):
            yield event
            path = str(event.path)
            if isinstance(event, FileIndexed | FileSkipped | FileFailed) and path in files:
                self._settle_file(folder_id, path, files[path], event, path in before)

    def _settle_file(self, folder_id: int, path: str, sig: Signature,
                     event: FileIndexed | FileSkipped | FileFailed, known: bool) -> None:
        """Record what indexing ``path`` came to, put its document in the folder's collection, and note it."""
        doc = self._document_named(path)
        self._watched.record(folder_id, path, sig, doc.id if doc else None)
        if doc is not None and not isinstance(event, FileFailed):
            self._feed_collection(folder_id, doc.id)
        if isinstance(event, FileIndexed):
            action = "updated" if known or event.replaced else "indexed"
            self._note(event.path, action, f"{event.pages} pages, {event.chunks} chunks")
        elif isinstance(event, FileFailed):
            kept = " (the earlier version stays in the library)" if doc else ""
            self._note(event.path, "failed", event.message + kept)
        elif event.reason != "already indexed":
            self._note(event.path, "skipped", event.reason)

    def _document_named(self, path: str) -> DocumentRow | None:
        return next((d for d in self._store.documents() if path in (d.names or (d.path,))), None)

    def _feed_collection(self, folder_id: int, document_id: int) -> None:
        folder = self._watched.folder(folder_id)
        if folder is not None and folder.collection_id is not None:
            try:
                self._collections.add(folder.collection_id, [document_id])
            except NotFoundError:  # the collection was deleted meanwhile
                pass

    def _remove_name(self, folder_id: int, path: str) -> list[FileRemoved]:
        """Forget ``path``'s record and take its name out of the library (its document goes with its last name)."""
        self._watched.forget_file(folder_id, path)
        try:
            doc = self._library.remove(path)
        except NotFoundError:  # removed from the library by hand already
            return []
        gone = self._store.document(doc.id) is None
        self._note(Path(path), "removed", "removed from the library" if gone else
                   "this name was removed; the document stays under its other names")
        return [FileRemoved(Path(path), doc.id, doc.title, gone)]

    # --- the observer -----------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the observer is started (any thread)."""
        return self._notes.running

    def start(self) -> None:
        """Watch every watched folder for changes until ``stop`` (no-op when started already).

        Changes are only noted; ``process`` indexes them. A folder that cannot be watched (missing,
        or the system's limit of watches reached) is noted in ``activity`` and left out.
        """
        self._notes.start({f.id: Path(f.path) for f in self.folders()})

    def stop(self) -> None:
        """Stop watching (waits for the observer's thread); changes not indexed yet are found by the next ``sync``."""
        self._notes.stop()

    def ready(self) -> bool:
        """Whether ``process`` has work now: a noted file settled, or a folder to rescan (any thread)."""
        return self._notes.ready()

    def process(self, cancel: CancelToken | None = None) -> Iterator[WatchEvent]:
        """Index the noted files that have settled and remove the deleted ones, as events (see ``sync``).

        Files still changing stay noted for a later call. Call it on the engine's thread whenever
        ``ready`` says so (or just every second or so). Raises ``Cancelled`` between files; the files not
        done yet stay noted.
        """
        if self._busy:
            return
        token = cancel or CancelToken()
        self._busy = True
        try:
            for folder_id in self._notes.take_rescans():
                self._queue_changes(folder_id)
            batch = self._notes.take_settled()
            done: set[Path] = set()
            try:
                yield from self._apply(batch, done, token)
            finally:
                self._notes.requeue([(p, item) for p, item in batch if p not in done])
        finally:
            self._busy = False

    def _queue_changes(self, folder_id: int) -> None:
        """Note every file of the folder that differs from its record (after a folder moved in or out)."""
        folder = self._watched.folder(folder_id)
        if folder is None or not Path(folder.path).is_dir():
            return
        changed, gone = compare(self._watched.files(folder_id), scan(Path(folder.path)))
        for path in changed + gone:
            self._notes.queue(Path(path), folder_id)

    def _apply(self, batch: list[tuple[Path, Pending]], done: set[Path], token: CancelToken
               ) -> Iterator[WatchEvent]:
        """Index the files there (new names first, so a renamed file keeps its document), then remove the gone
        ones; each path dealt with is added to ``done``."""
        present: dict[int, dict[str, Signature]] = {}
        for path, item in batch:
            record = self._watched.file(item.folder_id, str(path))
            if item.signature is not None and (record is None or record.signature != item.signature):
                present.setdefault(item.folder_id, {})[str(path)] = item.signature
            elif item.signature is not None:
                done.add(path)
        for folder_id, files in present.items():
            for event in self._index(folder_id, files, token):
                if isinstance(event, FileIndexed | FileSkipped | FileFailed):
                    done.add(event.path)
                yield event
        for path, item in batch:
            if item.signature is None:
                token.raise_if_cancelled()
                done.add(path)
                if self._watched.file(item.folder_id, str(path)) is not None:
                    yield from self._remove_name(item.folder_id, str(path))

