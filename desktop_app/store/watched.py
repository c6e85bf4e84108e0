"""Watched folders and what was indexed from each (tables ``watched_folders`` and ``watched_files``, m009).

A watched folder is indexed on its own: new and changed files are indexed,
deleted ones leave the library. ``watched_files`` keeps, per folder, the
state (size in bytes, modification time in ns) each file had when it was last
indexed, or last failed to be, so a sync after the app was closed finds what
changed (``compare``). Removing a folder forgets its records, never a
document: dropping documents is the library's business.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from desktop_app.errors import AppError, StorageError

Signature = tuple[int, int]
"""A file's state as compared: (size in bytes, modification time in ns)."""


@dataclass(frozen=True)
class WatchedFolder:
    id: int
    path: str  # resolved, absolute
    collection_id: int | None
    collection: str  # the collection's name; "" when the folder feeds none
    added: str  # ISO 8601, UTC
    files: int  # files recorded from it (indexed, or failed and waiting for a change)
    documents: int  # of those, the ones with a document in the library


@dataclass(frozen=True)
class WatchedFile:
    folder_id: int
    path: str
    size: int
    mtime_ns: int
    document_id: int | None  # None: it failed to index (retried once it changes), or its document is gone

    @property
    def signature(self) -> Signature:
        return self.size, self.mtime_ns


def compare(recorded: Mapping[str, WatchedFile], on_disk: Mapping[str, Signature]) -> tuple[list[str], list[str]]:
    """What a folder's sync must do: (paths new or changed since recorded, recorded paths no longer on disk).

    Both lists are sorted; a path is changed when its size or modification time differs.
    """
    changed = sorted(p for p, sig in on_disk.items() if p not in recorded or recorded[p].signature != sig)
    gone = sorted(p for p in recorded if p not in on_disk)
    return changed, gone


FOLDER_SELECT = """
SELECT f.id, f.path, f.collection_id, COALESCE(c.name, ''), f.added,
       (SELECT count(*) FROM watched_files w WHERE w.folder_id = f.id),
       (SELECT count(*) FROM watched_files w WHERE w.folder_id = f.id AND w.document_id IS NOT NULL)
FROM watched_folders f LEFT JOIN collections c ON c.id = f.collection_id
"""


class WatchedStore:
    """Reads and writes the two tables; every write is one transaction. ``StorageError`` when one fails."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        try:
            with self.db.conn:
                cursor = self.db.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise StorageError(f"The watched folders could not be saved ({exc}). Free disk space and check that "
                               "the data folder is writable.") from exc
        return int(cursor.lastrowid or 0)

    def folders(self) -> list[WatchedFolder]:
        """Every watched folder, by path."""
        return [WatchedFolder(*row) for row in self.db.execute(f"{FOLDER_SELECT} ORDER BY f.path").fetchall()]

    def folder(self, folder_id: int) -> WatchedFolder | None:
        row = self.db.execute(f"{FOLDER_SELECT} WHERE f.id = ?", (folder_id,)).fetchone()
        return WatchedFolder(*row) if row else None

    def folder_at(self, path: str) -> WatchedFolder | None:
        """The folder watched at exactly ``path`` (resolved), if any."""
        row = self.db.execute(f"{FOLDER_SELECT} WHERE f.path = ?", (path,)).fetchone()
        return WatchedFolder(*row) if row else None

    def add_folder(self, path: str, collection_id: int | None = None) -> WatchedFolder:
        """Watch ``path`` (resolved, absolute), feeding ``collection_id`` if given; ``AppError`` if already watched."""
        if self.folder_at(path) is not None:
            raise AppError(f"{path} is already watched. `desktop-app watch list` shows the watched folders.")
        added = datetime.now(UTC).isoformat(timespec="seconds")
        folder_id = self._write("INSERT INTO watched_folders (path, collection_id, added) VALUES (?, ?, ?)",
                                (path, collection_id, added))
        found = self.folder(folder_id)
        assert found is not None
        return found

    def set_collection(self, folder_id: int, collection_id: int | None) -> None:
        self._write("UPDATE watched_folders SET collection_id = ? WHERE id = ?", (collection_id, folder_id))

    def remove_folder(self, folder_id: int) -> None:
        """Stop recording the folder; its files' records go with it, its documents stay."""
        self._write("DELETE FROM watched_folders WHERE id = ?", (folder_id,))

    def files(self, folder_id: int) -> dict[str, WatchedFile]:
        """The folder's recorded files by path."""
        rows = self.db.execute("SELECT folder_id, path, size, mtime_ns, document_id FROM watched_files "
                               "WHERE folder_id = ? ORDER BY path", (folder_id,)).fetchall()
        return {row[1]: WatchedFile(*row) for row in rows}

    def file(self, folder_id: int, path: str) -> WatchedFile | None:
        row = self.db.execute("SELECT folder_id, path, size, mtime_ns, document_id FROM watched_files "
                              "WHERE folder_id = ? AND path = ?", (folder_id, path)).fetchone()
        return WatchedFile(*row) if row else None

    def record(self, folder_id: int, path: str, signature: Signature, document_id: int | None) -> None:
        """Remember the state ``path`` was indexed (``document_id``) or failed (None) at."""
        size, mtime_ns = signature
        self._write("INSERT OR REPLACE INTO watched_files (folder_id, path, size, mtime_ns, document_id) "
                    "VALUES (?, ?, ?, ?, ?)", (folder_id, path, size, mtime_ns, document_id))

    def forget_file(self, folder_id: int, path: str) -> None:
        self._write("DELETE FROM watched_files WHERE folder_id = ? AND path = ?", (folder_id, path))

    def recorded_elsewhere(self, path: str, folder_id: int) -> bool:
        """Whether another watched folder (a nested or overlapping one) records ``path`` too."""
        row = self.db.execute("SELECT 1 FROM watched_files WHERE path = ? AND folder_id != ? LIMIT 1",
                              (path, folder_id)).fetchone()
        return row is not None
