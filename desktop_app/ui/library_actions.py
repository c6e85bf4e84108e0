"""The window's library actions: add (by dialog, drop or a stale re-read), index with progress, cancel, remove.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QWidget

from desktop_app.engine import DOCUMENT_PATTERNS, Engine, FileFailed, expand_paths

if TYPE_CHECKING:
    from desktop_app.ui.chat_view import ChatView
    from desktop_app.ui.library_panel import LibraryPanel
    from desktop_app.ui.tasks import Job, TaskManager


class LibraryActions:
    if TYPE_CHECKING:  # what MainWindow provides
        tasks: TaskManager
        library: LibraryPanel
        chat: ChatView
        index_jobs: list[Job]
        encrypted: list[Path]

        def show_error(self, error: BaseException | str) -> None: ...

    def refresh_library(self) -> None:
        self.tasks.run(lambda engine: engine.library.documents(), self._documents_loaded)

    def _documents_loaded(self, documents: list[Any]) -> None:
        self.library.set_documents(documents)
        self.chat.set_library_empty(not documents)

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(cast("QWidget", self), "Add documents", str(Path.home()),
                                                f"Documents ({DOCUMENT_PATTERNS});;All files (*)")
        if paths:
            self.add_paths([Path(p) for p in paths])

    def add_paths(self, paths: list[Path], password: str | None = None) -> None:
        files = expand_paths(paths)
        if not files:
            self.show_error("No PDF files were found in what you added.")
            return
        self.library.queue(files)
        job = self.tasks.stream(lambda engine, token: engine.library.index(files, password, token), self._index_event,
                                self._index_done, self._index_failed)
        self.index_jobs.append(job)

    def read_again(self, stale: list[Any]) -> None:
        """Documents an older text extraction stored are read again once, with progress, cancellable."""
        if not stale:
            return
        self.library.queue([Path(doc.path) for doc in stale])
        job = self.tasks.stream(lambda engine, token: engine.library.refresh(token), self._index_event,
                                self._index_done, self._index_failed)
        self.index_jobs.append(job)

    def _index_event(self, event: Any) -> None:
        self.library.on_event(event)
        if isinstance(event, FileFailed) and event.reason == "encrypted":
            self.encrypted.append(event.path)

    def _index_done(self, _result: object = None) -> None:
        self.index_jobs = [j for j in self.index_jobs if j in self.tasks._running]
        if not self.index_jobs:
            self.library.indexing_finished()
        self.refresh_library()
        while self.encrypted:
            self._ask_password(self.encrypted.pop(0))

    def _index_failed(self, error: BaseException) -> None:
        self.show_error(error)
        self._index_done()

    def _ask_password(self, path: Path) -> None:
        password, ok = QInputDialog.getText(cast("QWidget", self), "Password needed",
                                            f"{path.name} is password-protected. Enter its password to index it:",
                                            QLineEdit.EchoMode.Password)
        if ok and password:
            self.add_paths([path], password)

    def cancel_indexing(self) -> None:
        for job in self.index_jobs:
            job.cancel()
        self.index_jobs.clear()
        self.library.indexing_finished()
        self.refresh_library()

    def remove_documents(self, targets: list[int | str]) -> None:
        """Remove documents (by id, with all their names) or single names (by path) the library panel chose."""
        def remove(engine: Engine) -> None:
            for target in targets:
                engine.library.remove(target)

        self.tasks.run(remove, lambda _r: self.refresh_library(), self.show_error)
