"""The stored text of every page: written with its document, replaced with it, gone with it, and back-filled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sqlite_utils

from desktop_app.store.database import open_database
from desktop_app.store.library import Chunk, LibraryStore, NewDocument
from support.migrations import database_before, insert_document


class Heading:
    ord = 0
    title = "Intro"


def add(store: LibraryStore, sha: str, pages: tuple[str, ...]) -> int:
    chunk = Chunk(0, 0, "chunk text", 0, ((1, 0.0, 0.0, 10.0, 10.0),))
    doc = NewDocument(sha, f"/docs/{sha}.pdf", sha, len(pages), 10, [], page_texts=pages)
    doc_id, _, _ = store.add_document(doc, [Heading()], [chunk], np.ones((1, 4), dtype=np.float32), "m", [])
    return doc_id


def test_page_texts_come_with_their_document_and_go_with_it(db: sqlite_utils.Database) -> None:
    store = LibraryStore(db)
    a = add(store, "a", ("first page", "", "third page"))
    b = add(store, "b", ("only page",))
    assert [(p.document_id, p.page, p.text) for p in store.page_texts()] == [
        (a, 1, "first page"), (a, 3, "third page"), (b, 1, "only page")]
    assert [p.page for p in store.page_texts([b])] == [1]
    store.rewrite_document(a, NewDocument("a", "/docs/a.pdf", "a", 1, 10, [], page_texts=("new text",)),
                           [Heading()], [Chunk(0, 0, "x", 0, ((1, 0.0, 0.0, 1.0, 1.0),))],
                           np.ones((1, 4), dtype=np.float32), "m")
    assert [(p.page, p.text) for p in store.page_texts([a])] == [(1, "new text")]
    store.remove_document(a)
    assert [p.document_id for p in store.page_texts()] == [b]


def test_m008_fills_page_texts_from_the_chunks_of_existing_documents(tmp_path: Path) -> None:
    old = database_before(tmp_path / "old.sqlite3", "m008_page_texts")
    insert_document(old, "A", 2, [(1, 1, "Alpha one.", 0), (1, 2, "one.\nBeta two.", 5), (2, 2, "Gamma three.", 0)])
    old.conn.commit()
    old.conn.close()
    db = open_database(tmp_path / "old.sqlite3")
    assert [(p.page, p.text) for p in LibraryStore(db).page_texts()] == [(1, "Alpha one.\nBeta two."),
                                                                         (2, "Gamma three.")]
