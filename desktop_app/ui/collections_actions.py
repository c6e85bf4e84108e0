"""The window's collections and scope: which documents a conversation searches.

A mixin of ``MainWindow``. ``scope`` is what a new conversation searches: the
whole library, the collection clicked in the collections panel, or the
documents chosen with "Ask about these only" in the library's context menu.
A conversation keeps the scope it was started in (the engine stores it); the
line above the question box names it. Every engine call runs on the task
thread (``self.tasks``); deleting a collection with its documents is a job with
a progress dialog and Cancel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QInputDialog, QMessageBox, QProgressDialog, QWidget

from desktop_app.engine import Collection, DocumentRow, Engine, RemovalDone, RemovalProgress, Scope
from desktop_app.ui.collections_panel import WHOLE_LIBRARY

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from desktop_app.ui.chat_view import ChatView
    from desktop_app.ui.collections_panel import CollectionsPanel
    from desktop_app.ui.library_panel import LibraryPanel
    from desktop_app.ui.tasks import Job, TaskManager


class CollectionsActions:
    if TYPE_CHECKING:  # what MainWindow provides
        tasks: TaskManager
        library: LibraryPanel
        collections_panel: CollectionsPanel
        chat: ChatView
        conversation_id: int | None
        answer_job: Job | None
        scope: Scope

        def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)
        def show_error(self, error: BaseException | str) -> None: ...
        def new_conversation(self) -> None: ...
        def refresh_library(self) -> None: ...
        def refresh_conversations(self) -> None: ...

    def _parent(self) -> QWidget:
        assert isinstance(self, QWidget)
        return self

    def refresh_collections(self) -> None:
        self.tasks.run(lambda engine: engine.collections.all(), self._collections_loaded, self.show_error)

    def _collections_loaded(self, collections: list[Collection]) -> None:
        self.collections_panel.set_collections(collections, self.scope.collection)
        self.library.collection_choices = [(c.id, c.name) for c in collections]

    def choose_scope(self, collection_id: int) -> None:
        """Start a new conversation searching the collection (``WHOLE_LIBRARY``: everything)."""
        if self.answer_job is not None:
            self.statusBar().showMessage("Wait for the answer (or Stop it) before searching elsewhere.", 5000)
            return
        if collection_id == WHOLE_LIBRARY:
            self._start_in(Scope(), "Whole library")
        else:
            self._start_in(Scope(collection=collection_id),
                           f"Collection: {self.collections_panel.name_of(collection_id)}")

    def ask_within(self, documents: list[DocumentRow]) -> None:
        """Start a new conversation searching only ``documents``."""
        if self.answer_job is not None or not documents:
            return
        label = f"Document: {documents[0].title}" if len(documents) == 1 else f"{len(documents)} chosen documents"
        self._start_in(Scope(documents=tuple(sorted(d.id for d in documents))), label)

    def _start_in(self, scope: Scope, label: str) -> None:
        self.scope = scope
        self.new_conversation()
        self.chat.set_scope(label)
        self.statusBar().showMessage(f"New conversation searching: {label}", 5000)

    def show_conversation_scope(self, conversation_id: int) -> None:
        self.tasks.run(lambda engine: engine.collections.describe(engine.conversations.scope(conversation_id)),
                       self.chat.set_scope, self.show_error)

    def create_collection(self, documents: list[int] | None = None) -> None:
        name, ok = QInputDialog.getText(self._parent(), "New collection", "Name of the new collection:")
        if not ok or not name.strip():
            return

        def create(engine: Engine) -> Collection:
            collection = engine.collections.create(name)
            if documents:
                engine.collections.add(collection.id, documents)
            return collection

        self.tasks.run(create, lambda _c: self.refresh_collections(), self.show_error)

    def rename_collection(self, collection_id: int) -> None:
        old = self.collections_panel.name_of(collection_id)
        name, ok = QInputDialog.getText(self._parent(), "Rename collection", "New name:", text=old)
        if ok and name.strip() and name.strip() != old:
            self.tasks.run(lambda engine: engine.collections.rename(collection_id, name),
                           lambda _c: self._renamed(collection_id), self.show_error)

    def _renamed(self, collection_id: int) -> None:
        self.refresh_collections()
        if self.scope.collection == collection_id and self.conversation_id is None:
            self.show_scope_label()

    def show_scope_label(self) -> None:
        self.tasks.run(lambda engine: engine.collections.describe(self.scope), self.chat.set_scope, self.show_error)

    def add_to_collection(self, collection_id: int, document_ids: list[int]) -> None:
        name = self.collections_panel.name_of(collection_id)

        def added(count: int) -> None:
            already = len(document_ids) - count
            self.statusBar().showMessage(f"Added {count} document(s) to \u201c{name}\u201d"
                                         f"{f' ({already} already in it)' if already else ''}.", 5000)
            self.refresh_collections()

        self.tasks.run(lambda engine: engine.collections.add(collection_id, document_ids), added, self.show_error)

    def delete_collection(self, collection_id: int) -> None:
        name = self.collections_panel.name_of(collection_id)
        box = QMessageBox(QMessageBox.Icon.Question, "Delete collection",
                          f"Delete the collection \u201c{name}\u201d? Its documents stay in the library unless you "
                          "also remove the ones no other collection holds.", parent=self._parent())
        only = box.addButton("Delete collection only", QMessageBox.ButtonRole.AcceptRole)
        also = box.addButton("Also remove its documents", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is only:
            self.tasks.run(lambda engine: engine.collections.delete(collection_id),
                           lambda _c: self._collection_gone(collection_id), self.show_error)
        elif box.clickedButton() is also:
            self.delete_collection_with_documents(collection_id)

    def delete_collection_with_documents(self, collection_id: int) -> QProgressDialog:
        """Remove the collection's own documents from the library as a job, with progress and Cancel."""
        dialog = QProgressDialog("Removing documents…", "Cancel", 0, 0, self._parent())
        dialog.setWindowTitle("Delete collection")
        dialog.setMinimumDuration(0)

        def on_event(event: Any) -> None:
            if isinstance(event, RemovalProgress):
                dialog.setMaximum(event.total)
                dialog.setValue(event.done)
                dialog.setLabelText(f"Removed {event.done} of {event.total}: {event.title}")
            elif isinstance(event, RemovalDone):
                said = (f"Stopped after removing {event.removed} document(s); the collection stays."
                        if event.cancelled else f"Collection deleted: {event.removed} document(s) removed, "
                        f"{event.kept} kept for other collections.")
                self.statusBar().showMessage(said, 8000)

        def finished(_result: object = None) -> None:
            dialog.reset()
            self._collection_gone(collection_id)
            self.refresh_library()

        def failed(error: BaseException) -> None:
            dialog.reset()
            self.show_error(error)

        job = self.tasks.stream(lambda engine, token: engine.collections.delete_with_documents(collection_id, token),
                                on_event, finished, failed)
        dialog.canceled.connect(job.cancel)
        dialog.show()
        return dialog

    def _collection_gone(self, collection_id: int) -> None:
        if self.scope.collection == collection_id:
            self.scope = Scope()
            if self.conversation_id is None:
                self.chat.set_scope("Whole library")
        self.refresh_collections()
