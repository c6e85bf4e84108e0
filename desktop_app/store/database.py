"""Open the library database: WAL, foreign keys, owner-only file, migrated."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from desktop_app.errors import StorageError
from desktop_app.store.migrations import migrate


def open_database(path: Path) -> sqlite_utils.Database:
    """One connection, used by one thread at a time (the engine's)."""
    try:
        path.touch(mode=0o600, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        db = sqlite_utils.Database(conn)
        migrate(db)
    except sqlite3.DatabaseError as exc:
        raise StorageError(
            f"The library database {path} cannot be opened ({exc}). "
            "Check that the data folder is writable and the disk is not full; "
            "`desktop-app doctor` can check it."
        ) from exc
    except OSError as exc:
        raise StorageError(f"The data folder cannot be written ({exc.strerror}): {path.parent}") from exc
    for suffix in ("", "-wal", "-shm"):
        restrict(Path(f"{path}{suffix}"))
    return db


def restrict(path: Path) -> None:
    if path.exists() and os.name == "posix":
        path.chmod(0o600)
