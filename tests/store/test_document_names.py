"""Document names in the store: the same bytes under several paths are one document that stays while a name does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sqlite_utils

from desktop_app.store.database import open_database
from desktop_app.store.library import Chunk, LibraryStore, NewDocument
from support.migrations import database_before


class Heading:
    ord = 0
    title = "Intro"


def store_document(store: LibraryStore, sha: str, path: str, replaces: list[int] | None = None) -> int:
    chunk = Chunk(0, 0, f"text of {sha}", 0, ((1, 0.0, 0.0, 10.0, 10.0),))
    doc = NewDocument(sha, path, f"Title {sha}", 1, 10, [])
    doc_id, _, _ = store.add_document(doc, [Heading()], [chunk], np.ones((1, 4), dtype=np.float32), "m",
                                      replaces or [])
    return doc_id


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "document_names", "chunks", "vectors", "chunks_fts")}


def test_m007_gives_every_existing_document_its_path_as_its_one_name(tmp_path: Path) -> None:
    old = database_before(tmp_path / "old.sqlite3", "m007_document_names")
    old.conn.execute("INSERT INTO documents (sha256, path, title, pages, size, added) VALUES "
                     "('aa', '/docs/a.pdf', 'A', 1, 1, '2030-01-01'), ('bb', '/docs/b.pdf', 'B', 1, 1, '2030-01-02')")
    old.conn.commit()
    old.conn.close()

    db = open_database(tmp_path / "old.sqlite3")
    try:
        docs = LibraryStore(db).documents()
        assert [(d.path, d.names, d.other_names) for d in docs] == [
            ("/docs/a.pdf", ("/docs/a.pdf",), ()), ("/docs/b.pdf", ("/docs/b.pdf",), ())]
        assert db.execute("SELECT added FROM document_names ORDER BY path").fetchall() == [("2030-01-01",),
                                                                                           ("2030-01-02",)]
    finally:
        db.conn.close()


def test_a_document_stays_while_any_name_remains(db: sqlite_utils.Database) -> None:
    store = LibraryStore(db)
    doc_id = store_document(store, "aa", "/docs/a.pdf")
    version = store.version()
    assert store.add_name(doc_id, "/docs/a (1).pdf").removed == ()
    assert store.version() == version + 1
    assert store.document(doc_id).names == ("/docs/a.pdf", "/docs/a (1).pdf")

    change = store.remove_name(doc_id, "/docs/a.pdf")
    assert change.removed == () and change.chunks == ()
    doc = store.document(doc_id)
    assert doc is not None and doc.path == "/docs/a (1).pdf" and doc.names == ("/docs/a (1).pdf",)
    assert counts(db) == {"documents": 1, "document_names": 1, "chunks": 1, "vectors": 1, "chunks_fts": 1}
    assert store.chunks([1])[0].document_path == "/docs/a (1).pdf"

    change = store.remove_name(doc_id, "/docs/a (1).pdf")
    assert [d.id for d in change.removed] == [doc_id] and len(change.chunks) == 1
    assert counts(db) == {"documents": 0, "document_names": 0, "chunks": 0, "vectors": 0, "chunks_fts": 0}


def test_removing_a_document_removes_all_its_names(db: sqlite_utils.Database) -> None:
    store = LibraryStore(db)
    doc_id = store_document(store, "aa", "/docs/a.pdf")
    store.add_name(doc_id, "/docs/a (1).pdf")
    store.remove_document(doc_id)
    assert counts(db)["document_names"] == 0 and store.documents() == []


def test_new_bytes_under_a_twin_name_move_that_name_and_keep_the_old_content(db: sqlite_utils.Database) -> None:
    store = LibraryStore(db)
    old = store_document(store, "aa", "/docs/a.pdf")
    store.add_name(old, "/docs/a (1).pdf")
    assert store.documents_by_path("/docs/a.pdf") == []  # the old document has another name: nothing is replaced
    new = store_document(store, "cc", "/docs/a.pdf", [d.id for d in store.documents_by_path("/docs/a.pdf")])
    kept, changed = store.document(old), store.document(new)
    assert kept is not None and kept.names == ("/docs/a (1).pdf",) and kept.path == "/docs/a (1).pdf"
    assert changed is not None and changed.names == ("/docs/a.pdf",)
    assert [d.id for d in store.documents_by_path("/docs/a.pdf")] == [new]


def test_a_name_taken_by_other_bytes_removes_the_document_it_was_the_last_name_of(db: sqlite_utils.Database) -> None:
    store = LibraryStore(db)
    first = store_document(store, "aa", "/docs/a.pdf")
    second = store_document(store, "bb", "/docs/b.pdf")
    change = store.add_name(second, "/docs/a.pdf")  # a.pdf now holds b.pdf's bytes
    assert [d.sha256 for d in change.removed] == ["aa"] and len(change.chunks) == 1
    assert store.document(first) is None
    assert store.document(second).names == ("/docs/b.pdf", "/docs/a.pdf")
    assert counts(db) == {"documents": 1, "document_names": 2, "chunks": 1, "vectors": 1, "chunks_fts": 1}
