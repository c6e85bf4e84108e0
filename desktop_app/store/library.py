"""Documents, chunks, vectors and keyword rows in SQLite: the source of truth.

A document is one set of bytes (its sha256); its names (``document_names``)
are the file paths those bytes were indexed under, and it stays while any
remains. Every multi-row write happens in one transaction, so a document is
either fully stored or not at all. ``library_state.version`` grows with every write,
which lets the HNSW cache tell whether it is in step.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import numpy as np
import sqlite_utils

from desktop_app.errors import StorageError
from desktop_app.store.collections import carried_links, carry_over
from desktop_app.store.keywords import KeywordIndex
from desktop_app.store.rows import (
    Chunk,
    ChunkRow,
    DocumentRow,
    NameChange,
    NewDocument,
    PageText,
    SectionHeading,
    chunk_row,
    document_row,
)

__all__ = ["Chunk", "ChunkRow", "DocumentRow", "LibraryStore", "NameChange", "NewDocument", "PageText",
           "SectionHeading"]


DOCUMENT_COLUMNS = "d.id, d.sha256, d.path, d.title, d.pages, d.size, d.added, d.warnings, d.extractor, " \
                   "d.page_labels, d.ocr_pages, d.format"
CHUNK_SELECT = """
SELECT c.id, c.document_id, c.section_id, c.ord, c.page_start, c.page_end, c.text, c.overlap,
       c.positions, d.title, d.path, s.title, c.kind, d.page_labels, d.ocr_pages, d.format
FROM chunks c JOIN documents d ON d.id = c.document_id JOIN sections s ON s.id = c.section_id
"""


def storage_guard(exc: sqlite3.Error) -> StorageError:
    """A failed write, said so the user knows the likely cause and that nothing earlier was lost."""
    return StorageError(f"The library could not be saved ({exc}). Free disk space and check that the data folder "
                        "is writable, then try again; nothing stored earlier was changed.")


class LibraryStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.keywords = KeywordIndex(db)

    def version(self) -> int:
        return int(self.db.execute("SELECT value FROM library_state WHERE key='version'").fetchone()[0])

    def _bump(self) -> None:
        self.db.conn.execute("UPDATE library_state SET value = value + 1 WHERE key='version'")

    def documents(self) -> list[DocumentRow]:
        rows = self.db.execute(
            f"SELECT {DOCUMENT_COLUMNS}, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) FROM documents d"
            " ORDER BY d.id"
        ).fetchall()
        names = self._names()
        return [document_row(row, names.get(row[0], ())) for row in rows]

    def _names(self) -> dict[int, tuple[str, ...]]:
        """Each document's names: its shown path first, then the others in the order they were added."""
        found: dict[int, list[str]] = {}
        for document_id, path in self.db.execute(
            "SELECT n.document_id, n.path FROM document_names n JOIN documents d ON d.id = n.document_id"
            " ORDER BY n.document_id, n.path != d.path, n.added, n.rowid"
        ).fetchall():
            found.setdefault(document_id, []).append(path)
        return {k: tuple(v) for k, v in found.items()}

    def document(self, document_id: int) -> DocumentRow | None:
        return next((d for d in self.documents() if d.id == document_id), None)

    def document_by_hash(self, sha256: str) -> DocumentRow | None:
        return next((d for d in self.documents() if d.sha256 == sha256), None)

    def documents_by_path(self, path: str) -> list[DocumentRow]:
        """The documents that new bytes at ``path`` replace: those whose only name is ``path``.

        Indexing a changed file replaces its document, unless the document has
        other names (the same bytes indexed under another file name): then it
        keeps its content for those names, and ``add_document`` moves just
        ``path`` to the new document. Whether the files of those names still
        hold the old bytes is not checked here: a name stays until the user
        removes it or its file is indexed with other bytes, and the private
        copy keeps the content viewable meanwhile, so nothing is lost silently.
        """
        return [d for d in self.documents() if d.names == (path,)]

    def add_document(
        self, doc: NewDocument, sections: Sequence[SectionHeading], chunks: list[Chunk],
        vectors: np.ndarray, model: str, replaces: list[int],
    ) -> tuple[int, list[int], list[int]]:
        """Store a document whole, removing the versions it replaces in the same transaction.

        The new document takes over the collections of the versions it replaces
        (and of the document that had its file name), and the conversations that
        chose them search it instead (``collections.carry_over``). Returns the
        new document id, the new chunk ids and the removed chunk ids.
        """
        try:
            with self.db.conn:
                self.db.conn.execute("BEGIN IMMEDIATE")
                named = [r[0] for r in self.db.conn.execute("SELECT document_id FROM document_names WHERE path=?",
                                                             (doc.path,))]
                links = carried_links(self.db.conn, list(dict.fromkeys([*replaces, *named])))
                removed = [cid for old in replaces for cid in self._delete_document(old)]
                doc_id = self._insert_document(doc)
                self._insert_page_texts(doc_id, doc.page_texts)
                claimed = self._claim_name(doc_id, doc.path)
                removed += claimed.chunks
                carry_over(self.db.conn, links, [*replaces, *(d.id for d in claimed.removed)], doc_id)
                chunk_ids = self._insert_content(doc_id, doc.title, sections, chunks, vectors, model)
                self._bump()
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc
        return doc_id, chunk_ids, removed

    def rewrite_document(
        self, document_id: int, doc: NewDocument, sections: Sequence[SectionHeading], chunks: list[Chunk],
        vectors: np.ndarray, model: str,
    ) -> tuple[list[int], list[int]]:
        """Replace a document's sections, chunks and vectors with a new extraction of the same file, in one transaction.

        The document keeps its id, file, hash and date added (so stored citations
        still open it); its title, pages, notes, extractor version, page labels
        and OCR'd pages become ``doc``'s. Vectors of other embedding models are
        dropped with the old chunks. Returns the new and the removed chunk ids.
        """
        try:
            with self.db.conn:
                self.db.conn.execute("BEGIN IMMEDIATE")
                removed = [r[0] for r in self.db.conn.execute("SELECT id FROM chunks WHERE document_id=?",
                                                              (document_id,))]
                self.keywords.remove(removed)
                self.db.conn.execute("DELETE FROM chunks WHERE document_id=?", (document_id,))
                self.db.conn.execute("DELETE FROM sections WHERE document_id=?", (document_id,))
                self.db.conn.execute("DELETE FROM page_texts WHERE document_id=?", (document_id,))
                self._insert_page_texts(document_id, doc.page_texts)
                self.db.conn.execute(
                    "UPDATE documents SET title=?, pages=?, warnings=?, extractor=?, page_labels=?, ocr_pages=?"
                    " WHERE id=?",
                    (doc.title, doc.pages, json.dumps(doc.warnings), doc.extractor, json.dumps(list(doc.page_labels)),
                     json.dumps(list(doc.ocr_pages)), document_id),
                )
                added = self._insert_content(document_id, doc.title, sections, chunks, vectors, model)
                self._bump()
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc
        return added, removed

    def _insert_content(
        self, doc_id: int, title: str, sections: Sequence[SectionHeading], chunks: list[Chunk], vectors: np.ndarray,
        model: str,
    ) -> list[int]:
        """Sections, chunks (with their keyword rows) and vectors of one document; returns the chunk ids."""
        section_ids = self._insert_sections(doc_id, sections)
        chunk_ids = self._insert_chunks(doc_id, title, section_ids, sections, chunks)
        self.db.conn.executemany(
            "INSERT INTO vectors (chunk_id, model, vector) VALUES (?, ?, ?)",
            [(cid, model, v.astype(np.float32).tobytes()) for cid, v in zip(chunk_ids, vectors, strict=True)],
        )
        return chunk_ids

    def _insert_document(self, doc: NewDocument) -> int:
        cursor = self.db.conn.execute(
            "INSERT INTO documents (sha256, path, title, pages, size, added, warnings, extractor, page_labels,"
            " ocr_pages, format) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (doc.sha256, doc.path, doc.title, doc.pages, doc.size,
             datetime.now(UTC).isoformat(timespec="seconds"), json.dumps(doc.warnings), doc.extractor,
             json.dumps(list(doc.page_labels)), json.dumps(list(doc.ocr_pages)), doc.format),
        )
        return int(cursor.lastrowid or 0)

    def _insert_page_texts(self, doc_id: int, texts: Sequence[str]) -> None:
        self.db.conn.executemany("INSERT INTO page_texts (document_id, page, text) VALUES (?, ?, ?)",
                                 [(doc_id, n, text) for n, text in enumerate(texts, start=1) if text])

    def page_texts(self, document_ids: Sequence[int] | None = None) -> Iterator[PageText]:
        """The indexed text of every page (of ``document_ids``, else of the whole library), by document id and page.

        Pages with no text are left out. Rows are read lazily, so the first
        pages of a large library arrive at once.
        """
        if document_ids is None:
            rows = self.db.conn.execute("SELECT document_id, page, text FROM page_texts ORDER BY document_id, page")
        else:
            marks = ",".join("?" * len(document_ids))
            rows = self.db.conn.execute(
                f"SELECT document_id, page, text FROM page_texts WHERE document_id IN ({marks})"
                " ORDER BY document_id, page", list(document_ids))
        for document_id, page, text in rows:
            yield PageText(document_id, page, text)

    def document_chunks(self, document_id: int) -> list[ChunkRow]:
        """Every chunk of a document in reading order."""
        rows = self.db.conn.execute(f"{CHUNK_SELECT} WHERE c.document_id=? ORDER BY c.ord", (document_id,))
        return [chunk_row(r) for r in rows]

    def _insert_sections(self, doc_id: int, sections: Sequence[SectionHeading]) -> dict[int, int]:
        ids = {}
        for section in sections:
            cursor = self.db.conn.execute(
                "INSERT INTO sections (document_id, ord, title) VALUES (?,?,?)", (doc_id, section.ord, section.title)
            )
            ids[section.ord] = int(cursor.lastrowid or 0)
        return ids

    def _insert_chunks(
        self, doc_id: int, title: str, section_ids: dict[int, int], sections: Sequence[SectionHeading],
        chunks: list[Chunk],
    ) -> list[int]:
        section_titles = {s.ord: s.title for s in sections}
        ids = []
        for chunk in chunks:
            pages = chunk.pages
            cursor = self.db.conn.execute(
                "INSERT INTO chunks (document_id, section_id, ord, page_start, page_end, text, overlap, positions,"
                " kind) VALUES (?,?,?,?,?,?,?,?,?)",
                (doc_id, section_ids[chunk.section_ord], chunk.ord, pages[0], pages[-1], chunk.text,
                 chunk.overlap, json.dumps(chunk.positions), chunk.kind),
            )
            chunk_id = int(cursor.lastrowid or 0)
            self.keywords.add(chunk_id, chunk.text, f"{title} {section_titles[chunk.section_ord]}")
            ids.append(chunk_id)
        return ids

    def remove_document(self, document_id: int) -> list[int]:
        try:
            with self.db.conn:
                self.db.conn.execute("BEGIN IMMEDIATE")
                removed = self._delete_document(document_id)
                self._bump()
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc
        return removed

    def _delete_document(self, document_id: int) -> list[int]:
        ids = [r[0] for r in self.db.conn.execute("SELECT id FROM chunks WHERE document_id=?", (document_id,))]
        self.keywords.remove(ids)
        self.db.conn.execute("DELETE FROM documents WHERE id=?", (document_id,))
        return ids

    def add_name(self, document_id: int, path: str) -> NameChange:
        """Record ``path`` as another name of a document whose bytes it holds too (one transaction).

        ``path`` stops being a name of any other document, since its file no
        longer holds that one's bytes; a document so left with no name is
        removed, as indexing a changed file replaces its document.
        """
        try:
            with self.db.conn:
                self.db.conn.execute("BEGIN IMMEDIATE")
                change = self._claim_name(document_id, path)
                self._bump()
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc
        return change

    def remove_name(self, document_id: int, path: str) -> NameChange:
        """Remove one name of a document; the document goes with its last name (one transaction).

        While another name remains, the chunks and vectors stay, and a document
        shown under ``path`` is shown under its earliest remaining name.
        """
        try:
            with self.db.conn:
                self.db.conn.execute("BEGIN IMMEDIATE")
                before = {d.id: d for d in self.documents()}
                self.db.conn.execute("DELETE FROM document_names WHERE document_id=? AND path=?", (document_id, path))
                change = self._settle([document_id], before)
                self._bump()
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc
        return change

    def _claim_name(self, document_id: int, path: str) -> NameChange:
        """Make ``path`` a name of ``document_id`` alone, inside the caller's transaction."""
        before = {d.id: d for d in self.documents()}
        holders = [r[0] for r in self.db.conn.execute(
            "SELECT document_id FROM document_names WHERE path=? AND document_id!=?", (path, document_id))]
        self.db.conn.execute("DELETE FROM document_names WHERE path=? AND document_id!=?", (path, document_id))
        self.db.conn.execute("INSERT OR IGNORE INTO document_names (document_id, path, added) VALUES (?,?,?)",
                             (document_id, path, datetime.now(UTC).isoformat(timespec="seconds")))
        return self._settle(holders, before)

    def _settle(self, document_ids: list[int], before: dict[int, DocumentRow]) -> NameChange:
        """After names went: remove the documents with none left; the others show a name they still have."""
        removed: list[DocumentRow] = []
        chunks: list[int] = []
        for document_id in document_ids:
            left = [r[0] for r in self.db.conn.execute(
                "SELECT path FROM document_names WHERE document_id=? ORDER BY added, rowid", (document_id,))]
            if not left and document_id in before:
                chunks += self._delete_document(document_id)
                removed.append(before[document_id])
            elif left:
                self.db.conn.execute("UPDATE documents SET path=? WHERE id=? AND path NOT IN"
                                     " (SELECT path FROM document_names WHERE document_id=?)",
                                     (left[0], document_id, document_id))
        return NameChange(tuple(removed), tuple(chunks))

    def chunks(self, ids: list[int]) -> list[ChunkRow]:
        """Rows for the given ids, in the order given; unknown ids are left out."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"{CHUNK_SELECT} WHERE c.id IN ({marks})", ids).fetchall()
        by_id = {row[0]: chunk_row(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def neighbours(self, chunk: ChunkRow, before: int, after: int) -> list[ChunkRow]:
        """Chunks of the same section around ``chunk``, in reading order."""
        rows = self.db.execute(
            f"{CHUNK_SELECT} WHERE c.section_id=? AND c.ord BETWEEN ? AND ? ORDER BY c.ord",
            (chunk.section_id, chunk.ord - before, chunk.ord + after),
        ).fetchall()
        return [chunk_row(row) for row in rows]

    def keyword_search(self, query: str, limit: int, documents: Sequence[int] | None = None
                       ) -> list[tuple[int, float]]:
        """BM25 keyword search: (chunk id, score), best first, within ``documents`` when given (see
        ``KeywordIndex.search``)."""
        return self.keywords.search(query, limit, documents)

    def chunk_ids_of(self, documents: Sequence[int]) -> list[int]:
        """Ids of every chunk of ``documents``, ascending."""
        rows = self.db.execute("SELECT id FROM chunks WHERE document_id IN (SELECT value FROM json_each(?)) "
                               "ORDER BY id", (json.dumps(sorted(set(documents))),)).fetchall()
        return [int(r[0]) for r in rows]

    def vectors(self, model: str, ids: list[int] | None = None) -> tuple[list[int], np.ndarray]:
        if ids is None:
            rows = self.db.execute("SELECT chunk_id, vector FROM vectors WHERE model=? ORDER BY chunk_id", (model,))
        else:
            marks = ",".join("?" * len(ids))
            rows = self.db.execute(
                f"SELECT chunk_id, vector FROM vectors WHERE model=? AND chunk_id IN ({marks})", (model, *ids)
            )
        pairs = rows.fetchall()
        if not pairs:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.stack([np.frombuffer(blob, dtype=np.float32) for _, blob in pairs])
        return [int(cid) for cid, _ in pairs], matrix

    def chunks_without_vectors(self, model: str) -> list[ChunkRow]:
        rows = self.db.execute(
            f"{CHUNK_SELECT} WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id AND v.model = ?)"
            " ORDER BY c.id", (model,),
        ).fetchall()
        return [chunk_row(row) for row in rows]

    def add_vectors(self, chunk_ids: list[int], vectors: np.ndarray, model: str) -> None:
        """Vectors of another embedding model for existing chunks (one transaction)."""
        try:
            with self.db.conn:
                self.db.conn.executemany(
                    "INSERT OR REPLACE INTO vectors (chunk_id, model, vector) VALUES (?, ?, ?)",
                    [(cid, model, v.astype(np.float32).tobytes()) for cid, v in zip(chunk_ids, vectors, strict=True)],
                )
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc

    def drop_vectors_except(self, model: str) -> None:
        try:
            with self.db.conn:
                self.db.conn.execute("DELETE FROM vectors WHERE model != ?", (model,))
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc

    def vector_count(self, model: str) -> int:
        return int(self.db.execute("SELECT count(*) FROM vectors WHERE model=?", (model,)).fetchone()[0])

    def index_record(self, model: str) -> tuple[int, int] | None:
        """(library version, vector count) the saved HNSW index of ``model`` was written at."""
        rows = dict(self.db.execute(
            "SELECT key, value FROM library_state WHERE key IN (?, ?)", (f"hnsw:{model}:version", f"hnsw:{model}:count")
        ).fetchall())
        if len(rows) != 2:
            return None
        return int(rows[f"hnsw:{model}:version"]), int(rows[f"hnsw:{model}:count"])

    def set_index_record(self, model: str, version: int, count: int) -> None:
        try:
            with self.db.conn:
                self.db.conn.executemany(
                    "INSERT OR REPLACE INTO library_state (key, value) VALUES (?, ?)",
                    [(f"hnsw:{model}:version", version), (f"hnsw:{model}:count", count)],
                )
        except sqlite3.Error as exc:
            raise storage_guard(exc) from exc

    def chunk_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def iter_chunk_texts(self) -> Iterator[tuple[int, str]]:
        yield from self.db.execute("SELECT id, text FROM chunks ORDER BY id")
