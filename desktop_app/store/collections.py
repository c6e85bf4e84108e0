"""Collections (named sets of documents) and the scope a conversation searches.

A document may be in several collections; deleting a collection, or taking a
document out of one, deletes only the links (``collection_documents``), never
a document. Deleting the documents themselves is the library's business
(``LibraryManager.remove``), which callers do only for documents that no other
collection holds (``CollectionStore.exclusive_documents``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from desktop_app.errors import AppError, InputError, NotFoundError, StorageError

MAX_NAME = 80


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    created: str
    documents: int  # how many documents it holds


@dataclass(frozen=True)
class Scope:
    """What a question searches: the whole library (both fields empty), one collection, or chosen documents.

    Stored with a conversation as JSON (``to_json``/``from_json``).
    """

    collection: int | None = None
    documents: tuple[int, ...] = ()

    @property
    def whole_library(self) -> bool:
        return self.collection is None and not self.documents

    def to_json(self) -> str:
        if self.collection is not None:
            return json.dumps({"collection": self.collection})
        return json.dumps({"documents": list(self.documents)}) if self.documents else "{}"

    @classmethod
    def from_json(cls, text: str) -> Scope:
        """The scope stored as ``text``; anything unreadable is the whole library."""
        try:
            data: Any = json.loads(text or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        if isinstance(data.get("collection"), int):
            return cls(collection=data["collection"])
        docs = data.get("documents")
        if isinstance(docs, list) and all(isinstance(d, int) for d in docs):
            return cls(documents=tuple(sorted(set(docs))))
        return cls()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def carried_links(conn: sqlite3.Connection, old_ids: list[int]) -> tuple[list[int], list[int]]:
    """What a new version of documents ``old_ids`` inherits, read before they are deleted: the collections
    they are in, and the conversations whose chosen documents include one of them."""
    if not old_ids:
        return [], []
    marks = ",".join("?" * len(old_ids))
    collections = [int(r[0]) for r in conn.execute(
        f"SELECT DISTINCT collection_id FROM collection_documents WHERE document_id IN ({marks})", old_ids)]
    wanted = set(old_ids)
    conversations = [int(cid) for cid, text in conn.execute("SELECT id, scope FROM conversations WHERE scope != '{}'")
                     if wanted & set(Scope.from_json(text).documents)]
    return collections, conversations


def carry_over(conn: sqlite3.Connection, links: tuple[list[int], list[int]], old_ids: list[int], new_id: int) -> None:
    """Give document ``new_id`` (a changed file indexed again) the ``links`` its old versions ``old_ids`` had
    (``carried_links``), inside the caller's transaction: a collection keeps the file, and a conversation
    about the chosen documents keeps searching it."""
    collections, conversations = links
    conn.executemany("INSERT OR IGNORE INTO collection_documents (collection_id, document_id) VALUES (?, ?)",
                     [(c, new_id) for c in collections])
    gone = set(old_ids)
    for conversation_id in conversations:
        (text,) = conn.execute("SELECT scope FROM conversations WHERE id=?", (conversation_id,)).fetchone()
        documents = {d for d in Scope.from_json(text).documents if d not in gone} | {new_id}
        conn.execute("UPDATE conversations SET scope=? WHERE id=?",
                     (Scope(documents=tuple(sorted(documents))).to_json(), conversation_id))


def clean_name(name: str) -> str:
    """``name`` stripped; raises ``InputError`` when it is empty or longer than 80 characters."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InputError("A collection needs a name.")
    if len(cleaned) > MAX_NAME:
        raise InputError(f"A collection name can have at most {MAX_NAME} characters.")
    return cleaned


class CollectionStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _write(self, sql: str, params: tuple[Any, ...] | list[tuple[Any, ...]], many: bool = False) -> int:
        try:
            with self.db.conn:
                if many:
                    cursor = self.db.conn.executemany(sql, params)
                else:
                    cursor = self.db.conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:  # a name taken meanwhile, or a document or collection just deleted
            raise AppError(f"The collection could not be changed ({exc}); refresh the list and try again.") from exc
        except sqlite3.Error as exc:
            raise StorageError(f"The collection could not be saved: {exc}. Free disk space or make the data "
                               "folder writable.") from exc
        return int(cursor.lastrowid or 0) if not many else int(cursor.rowcount)

    def all(self) -> list[Collection]:
        """Every collection by name (case-insensitive), with its document count."""
        rows = self.db.execute(
            "SELECT c.id, c.name, c.created, COUNT(cd.document_id) FROM collections c "
            "LEFT JOIN collection_documents cd ON cd.collection_id = c.id GROUP BY c.id ORDER BY c.name COLLATE NOCASE"
        ).fetchall()
        return [Collection(int(r[0]), r[1], r[2], int(r[3])) for r in rows]

    def get(self, collection_id: int) -> Collection:
        """The collection; raises ``NotFoundError``."""
        found = [c for c in self.all() if c.id == collection_id]
        if not found:
            raise NotFoundError(f"There is no collection {collection_id} (it may have been deleted).")
        return found[0]

    def by_name(self, name: str) -> Collection:
        """The collection called ``name`` (case-insensitive); raises ``NotFoundError`` naming the ones there are."""
        wanted = " ".join(name.split()).casefold()
        collections = self.all()
        for collection in collections:
            if collection.name.casefold() == wanted:
                return collection
        known = ", ".join(c.name for c in collections) or "none yet"
        raise NotFoundError(f"There is no collection called {name!r} (collections: {known}).")

    def create(self, name: str) -> Collection:
        """A new empty collection; raises ``AppError`` when the name is empty or taken."""
        cleaned = clean_name(name)
        if any(c.name.casefold() == cleaned.casefold() for c in self.all()):
            raise AppError(f"There is already a collection called {cleaned!r}.")
        new_id = self._write("INSERT INTO collections (name, created) VALUES (?, ?)", (cleaned, now()))
        return self.get(new_id)

    def rename(self, collection_id: int, name: str) -> Collection:
        cleaned = clean_name(name)
        self.get(collection_id)
        if any(c.name.casefold() == cleaned.casefold() and c.id != collection_id for c in self.all()):
            raise AppError(f"There is already a collection called {cleaned!r}.")
        self._write("UPDATE collections SET name=? WHERE id=?", (cleaned, collection_id))
        return self.get(collection_id)

    def delete(self, collection_id: int) -> None:
        """Delete the collection and its links; its documents stay in the library."""
        self.get(collection_id)
        self._write("DELETE FROM collections WHERE id=?", (collection_id,))

    def add(self, collection_id: int, document_ids: list[int]) -> int:
        """Put documents in the collection (those already in it are left); how many links were added."""
        self.get(collection_id)
        before = self.get(collection_id).documents
        self._write("INSERT OR IGNORE INTO collection_documents (collection_id, document_id) "
                    "SELECT ?, id FROM documents WHERE id=?", [(collection_id, d) for d in document_ids], many=True)
        return self.get(collection_id).documents - before

    def remove(self, collection_id: int, document_ids: list[int]) -> int:
        """Take documents out of the collection (not out of the library); how many were in it."""
        self.get(collection_id)
        before = self.get(collection_id).documents
        self._write("DELETE FROM collection_documents WHERE collection_id=? AND document_id=?",
                    [(collection_id, d) for d in document_ids], many=True)
        return before - self.get(collection_id).documents

    def documents(self, collection_id: int) -> list[int]:
        """Ids of the collection's documents, ascending."""
        rows = self.db.execute("SELECT document_id FROM collection_documents WHERE collection_id=? "
                               "ORDER BY document_id", (collection_id,)).fetchall()
        return [int(r[0]) for r in rows]

    def memberships(self) -> dict[int, list[int]]:
        """Collection ids of every document that is in at least one collection."""
        found: dict[int, list[int]] = {}
        for doc_id, collection_id in self.db.execute(
                "SELECT document_id, collection_id FROM collection_documents ORDER BY collection_id"):
            found.setdefault(int(doc_id), []).append(int(collection_id))
        return found

    def exclusive_documents(self, collection_id: int) -> list[int]:
        """The collection's documents that no other collection holds (what deleting it with its documents
        removes from the library)."""
        rows = self.db.execute(
            "SELECT document_id FROM collection_documents WHERE collection_id=? AND document_id NOT IN "
            "(SELECT document_id FROM collection_documents WHERE collection_id != ?) ORDER BY document_id",
            (collection_id, collection_id)).fetchall()
        return [int(r[0]) for r in rows]
