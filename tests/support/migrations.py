"""A library database as it was before one migration, to test that migration on rows written the old way."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from desktop_app.store import migrations
from desktop_app.store.database import open_database


def database_before(path: Path, migration: str) -> sqlite_utils.Database:
    """The database at ``path`` with every shipped migration applied but ``migration`` (its name), which the
    next ``open_database`` of ``path`` applies. The caller writes its old rows, commits and closes it."""
    shipped = migrations.MIGRATIONS
    assert migration in [m.__name__ for m in shipped], f"no migration {migration}"
    migrations.MIGRATIONS = [m for m in shipped if m.__name__ != migration]
    try:
        return open_database(path)
    finally:
        migrations.MIGRATIONS = shipped


def insert_document(db: sqlite_utils.Database, title: str, pages: int, chunks: list[tuple[int, int, str, int]]
                    ) -> None:
    """Document 1 ("/docs/a.pdf") with one untitled section and ``chunks`` (page_start, page_end, text, overlap;
    in order), written with SQL alone: no row another table would get through the store."""
    db.conn.execute("INSERT INTO documents (sha256, path, title, pages, size, added) VALUES "
                    "('aa', '/docs/a.pdf', ?, ?, 1, '2030-01-01')", (title, pages))
    db.conn.execute("INSERT INTO sections (document_id, ord, title) VALUES (1, 0, '')")
    db.conn.executemany(
        "INSERT INTO chunks (document_id, section_id, ord, page_start, page_end, text, overlap, positions)"
        " VALUES (1, 1, ?, ?, ?, ?, ?, '[]')", [(n, *chunk) for n, chunk in enumerate(chunks)])
