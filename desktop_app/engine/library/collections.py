"""Collections as the facade hands them out (``engine.collections``), and scopes resolved to documents.

A conversation keeps its scope (``store.collections.Scope``): the whole
library, one collection, or chosen documents. ``CollectionManager.resolve``
turns it into the ids that retrieval, finds and shortcuts are limited to;
the limit is applied inside the searches (``Retriever.search``'s ``scope``),
never only in the prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlite_utils

from desktop_app.cancel import CancelToken
from desktop_app.errors import AppError, NotFoundError
from desktop_app.store.collections import Collection, CollectionStore, Scope
from desktop_app.store.copies import DocumentCopies
from desktop_app.store.library import LibraryStore
from desktop_app.store.rows import DocumentRow
from desktop_app.store.vectors import VectorIndex


@dataclass(frozen=True)
class RemovalProgress:
    """One document of a collection removed from the library (``done`` of ``total``)."""

    done: int
    total: int
    title: str


@dataclass(frozen=True)
class RemovalDone:
    """The end of ``delete_with_documents``: how many documents left the library, and how many other
    collections still needed (kept)."""

    removed: int
    kept: int
    cancelled: bool = False


class CollectionManager:
    def __init__(self, db: sqlite_utils.Database, library: LibraryStore, vectors: Callable[[], VectorIndex],
                 copies: DocumentCopies) -> None:
        """``vectors``: the vector index, loaded on first use (only deleting documents needs it)."""
        self._library = library
        self._vectors = vectors
        self._copies = copies
        self._store = CollectionStore(db)

    def all(self) -> list[Collection]:
        """Every collection by name, with its document count."""
        return self._store.all()

    def find(self, ref: str | int) -> Collection:
        """A collection by id or name (case-insensitive); raises ``NotFoundError``."""
        if isinstance(ref, int):
            return self._store.get(ref)
        try:
            return self._store.by_name(ref)
        except NotFoundError:
            if ref.strip().isdigit():
                return self._store.get(int(ref))
            raise

    def create(self, name: str) -> Collection:
        """A new empty collection; ``AppError`` for an empty or taken name."""
        return self._store.create(name)

    def rename(self, ref: str | int, name: str) -> Collection:
        return self._store.rename(self.find(ref).id, name)

    def delete(self, ref: str | int) -> Collection:
        """Delete the collection only: every document stays in the library (and in its other collections)."""
        collection = self.find(ref)
        self._store.delete(collection.id)
        return collection

    def add(self, ref: str | int, document_ids: list[int]) -> int:
        """Put library documents in the collection; how many were added (ones already in it are left)."""
        return self._store.add(self.find(ref).id, document_ids)

    def remove(self, ref: str | int, document_ids: list[int]) -> int:
        """Take documents out of the collection, not out of the library; how many were in it."""
        return self._store.remove(self.find(ref).id, document_ids)

    def documents(self, ref: str | int) -> list[DocumentRow]:
        """The collection's documents, in library order."""
        wanted = set(self._store.documents(self.find(ref).id))
        return [d for d in self._library.documents() if d.id in wanted]

    def memberships(self) -> dict[int, list[int]]:
        """Collection ids of each document that is in any collection (document id -> collection ids)."""
        return self._store.memberships()

    def delete_with_documents(self, ref: str | int, cancel: CancelToken | None = None
                              ) -> Iterator[RemovalProgress | RemovalDone]:
        """Delete the collection and remove from the library the documents no other collection holds.

        A job: one ``RemovalProgress`` per document removed, then ``RemovalDone``.
        Cancelled between documents, it stops there: the documents removed so
        far are gone, the collection and the rest stay. The vector index is
        saved once, at the end (or at the stop).
        """
        cancel = cancel or CancelToken()
        collection = self.find(ref)
        library, vectors = self._library, self._vectors()
        exclusive = self._store.exclusive_documents(collection.id)
        kept = collection.documents - len(exclusive)
        by_id = {d.id: d for d in library.documents()}
        removed = 0
        try:
            for position, doc_id in enumerate(exclusive, start=1):
                if cancel.cancelled:
                    yield RemovalDone(removed, kept, cancelled=True)
                    return
                doc = by_id.get(doc_id)
                if doc is None:
                    continue
                chunks = library.remove_document(doc_id)
                vectors.apply([], None, chunks, library.version())
                self._copies.discard(doc.sha256)
                removed += 1
                yield RemovalProgress(position, len(exclusive), doc.title)
        finally:
            vectors.save(library)
        self._store.delete(collection.id)
        yield RemovalDone(removed, kept)

    def resolve(self, scope: Scope) -> tuple[int, ...] | None:
        """The ids of the documents ``scope`` holds (None: the whole library); raises ``AppError`` when the
        scope's collection has been deleted."""
        if scope.whole_library:
            return None
        if scope.collection is not None:
            try:
                self._store.get(scope.collection)
            except NotFoundError as exc:
                raise AppError("This conversation searched a collection that has since been deleted. Start a "
                               "new conversation, in the whole library or another collection.") from exc
            return tuple(self._store.documents(scope.collection))
        present = {d.id for d in self._library.documents()}
        return tuple(d for d in scope.documents if d in present)

    def describe(self, scope: Scope) -> str:
        """A short label of ``scope`` for the window and the CLI: "Whole library", "Collection: Case A",
        or "2 chosen documents"."""
        if scope.whole_library:
            return "Whole library"
        if scope.collection is not None:
            try:
                return f"Collection: {self._store.get(scope.collection).name}"
            except NotFoundError:
                return "A deleted collection"
        titles = {d.id: d.title for d in self._library.documents()}
        named = [titles[d] for d in scope.documents if d in titles]
        return f"Document: {named[0]}" if len(named) == 1 else f"{len(named)} chosen documents"
