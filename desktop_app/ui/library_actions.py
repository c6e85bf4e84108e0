"""The window's library actions: add (files or a folder by dialog, a drop, or a stale re-read), index with
progress, cancel, remove.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
The Add dialogs open where the last one left off, remembered across restarts in ``window.ini`` (INI format) in
the data folder (the window's ``data_home``, else the ``DESKTOP_APP_HOME`` / platform default).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QStatusBar, QWidget

from desktop_app.engine import DOCUMENT_PATTERNS, Engine, FileFailed, FileIndexed, expand_paths
from desktop_app.home import user_dir

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

        def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)

    SETTINGS_FILE = "window.ini"
    LAST_FOLDER = "library/last_folder"

    def refresh_library(self) -> None:
        self.tasks.run(lambda engine: engine.library.documents(), self._documents_loaded)

    def _documents_loaded(self, documents: list[Any]) -> None:
        self.library.set_documents(documents)
        self.chat.set_library_empty(not documents)

    def window_settings(self) -> QSettings:
        """The window's remembered choices: ``window.ini`` (INI format) in the data folder."""
        home = cast("Path | None", getattr(self, "data_home", None)) or user_dir()
        return QSettings(str(home / self.SETTINGS_FILE), QSettings.Format.IniFormat)

    def last_folder(self) -> Path:
        """Where the Add dialogs open: the folder used last (if it still exists), else the user's home."""
        folder = str(self.window_settings().value(self.LAST_FOLDER, "", str) or "")
        return Path(folder) if folder and Path(folder).is_dir() else Path.home()

    def _remember_folder(self, folder: Path) -> None:
        settings = self.window_settings()
        settings.setValue(self.LAST_FOLDER, str(folder))
        settings.sync()

    def choose_files(self) -> None:
        """Ask for documents to add, starting in the folder used last."""
        paths, _ = QFileDialog.getOpenFileNames(cast("QWidget", self), "Add documents", str(self.last_folder()),
                                                f"Documents ({DOCUMENT_PATTERNS});;All files (*)")
        if paths:
            self._remember_folder(Path(paths[0]).parent)
            self.add_paths([Path(p) for p in paths])

    def choose_folder(self) -> None:
        """Ask for a folder and add every document in it and its subfolders (of the kinds ``DOCUMENT_PATTERNS``
        names), once: a folder to keep in step is watched instead (Watched folders)."""
        folder = QFileDialog.getExistingDirectory(cast("QWidget", self), "Add every document in a folder",
                                                  str(self.last_folder()))
        if folder:
            self._remember_folder(Path(folder).parent)  # next time its neighbours are in view
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path], password: str | None = None) -> None:
        files = expand_paths(paths)
        if not files:
            self.show_error("No documents were found in what you added. The library reads PDF, Word, PowerPoint, "
                            "Excel, HTML, Markdown and text files.")
            return
        self.library.queue(files)
        job = self.tasks.stream(lambda engine, token: engine.library.index(files, password, token), self._index_event,
                                self._index_done, self._index_failed)
        self.index_jobs.append(job)
        self.chat.set_adding(True)

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
        if isinstance(event, FileIndexed):
            self.chat.set_library_empty(False)  # the first document can be asked about
            if not self.index_jobs:  # finished just as indexing was cancelled
                self.refresh_library()
        if isinstance(event, FileFailed) and event.reason == "encrypted":
            self.encrypted.append(event.path)

    def _index_done(self, _result: object = None) -> None:
        self.index_jobs = [j for j in self.index_jobs if j in self.tasks._running]
        if not self.index_jobs:
            self.library.indexing_finished()
            self.chat.set_adding(False)
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
        self.library.indexing_finished(cancelled=True)
        self.chat.set_adding(False)
        self.refresh_library()

    def remove_documents(self, targets: list[int | str]) -> None:
        """Remove documents (by id, with all their names) or single names (by path) the library panel chose."""
        def remove(engine: Engine) -> list[tuple[int | str, str]]:
            return [(target, engine.library.remove(target).title) for target in targets]

        self.tasks.run(remove, self._removed, self._remove_failed)

    def _removed(self, done: list[tuple[int | str, str]]) -> None:
        """Say in the status bar what went (``done``: each target with its document's title)."""
        named = [f"the name {Path(t).name} of \u201c{title}\u201d" if isinstance(t, str) else f"\u201c{title}\u201d"
                 for t, title in done]
        what = named[0] if len(named) == 1 else f"{len(named)} documents"
        self.statusBar().showMessage(f"Removed {what} from the library. The files on disk were not touched.", 8000)
        self.refresh_library()

    def _remove_failed(self, error: BaseException) -> None:
        self.show_error(error)
        self.refresh_library()
