"""Stored summaries of the parts of documents, so a whole-document summary is made once per document version.

A part's key is the sha256 of the method (the model and prompt version, or
the extractive method) and the part's text: a changed document has new keys,
so its old summaries are never reused; they go with the document.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime

import sqlite_utils

from desktop_app.store.library import storage_guard


def summary_key(method: str, text: str) -> str:
    return hashlib.sha256(f"{method}\n{text}".encode()).hexdigest()


class SummaryStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def get(self, key: str) -> str | None:
        row = self.db.conn.execute("SELECT text FROM section_summaries WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, document_id: int, method: str, text: str) -> None:
        """Keep one part's summary; raises ``StorageError`` when it cannot be written (the summary goes on)."""
        try:
            with self.db.conn:
                self.db.conn.execute(
                    "INSERT OR REPLACE INTO section_summaries (key, document_id, method, text, created)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (key, document_id, method, text, datetime.now(UTC).isoformat(timespec="seconds")))
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc

    def count(self, document_id: int) -> int:
        return int(self.db.conn.execute("SELECT count(*) FROM section_summaries WHERE document_id=?",
                                        (document_id,)).fetchone()[0])
