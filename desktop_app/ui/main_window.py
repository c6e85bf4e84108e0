"""The main window: library, conversations, chat and source viewer, wired to the engine facade."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.engine import (
    DOCUMENT_PATTERNS,
    AnswerDone,
    Engine,
    FileFailed,
    ModelError,
    ModelInfo,
    PageImage,
    Scope,
    SourcesFound,
    SummaryProgress,
    TokenText,
    expand_paths,
)
from desktop_app.evaluation.run import evaluate
from desktop_app.ui.chat_view import ChatView
from desktop_app.ui.check_answers import CheckAnswersDialog
from desktop_app.ui.collections_actions import CollectionsActions
from desktop_app.ui.collections_panel import CollectionsPanel
from desktop_app.ui.conversations_panel import ConversationsPanel
from desktop_app.ui.documents_actions import DocumentsActions
from desktop_app.ui.faq_dialog import FaqDialog
from desktop_app.ui.library_panel import LibraryPanel
from desktop_app.ui.settings_actions import SettingsActions
from desktop_app.ui.source_viewer import SourceViewer
from desktop_app.ui.task_dialog import TaskDialog
from desktop_app.ui.tasks import Job, TaskManager
from desktop_app.ui.watch_panel import WatchPanel
from desktop_app.ui.widgets import ErrorBanner, user_message

log = logging.getLogger(__name__)
SAFE_SCHEMES = ("http", "https", "mailto")


SWITCH_TO_LOCAL = "Use the model on this computer"


class MainWindow(QMainWindow, SettingsActions, DocumentsActions, CollectionsActions):
    def __init__(self, home: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("desktop-app: ask your PDFs")
        self.setAcceptDrops(True)
        self.resize(1280, 760)
        self.conversation_id: int | None = None
        self.answer_job: Job | None = None
        self.index_jobs: list[Job] = []
        self.encrypted: list[Path] = []
        self.banner = ErrorBanner()
        self.library = LibraryPanel()
        self.scope = Scope()  # what a new conversation searches (see ``CollectionsActions``)
        self.collections_panel = CollectionsPanel(self.library)
        self.conversations = ConversationsPanel()
        self.chat = ChatView()
        self.viewer = SourceViewer()
        self.model_status = QLabel("Model: not loaded yet")
        self.model_status.setAccessibleName("Model status")
        self.statusBar().addPermanentWidget(self.model_status)
        self._layout()
        self._actions()
        self._connect()
        self.tasks = TaskManager(lambda: Engine(home), self.show_error)
        self.watch_panel = WatchPanel(self.tasks)
        self.side_tabs.addTab(self.watch_panel, "Watched folders")
        self.watch_panel.library_changed.connect(self.refresh_library)
        self.watch_panel.library_changed.connect(self.refresh_collections)
        self.refresh_library()
        self.refresh_collections()
        self.refresh_conversations()
        self.load_model()
        self.tasks.run(lambda engine: engine.library.stale_documents(), self.read_again)
        self.watch_panel.start_watching()  # catches up with changes made while closed, then watches

    # --- building -------------------------------------------------------------------
    def _layout(self) -> None:
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.library)
        left.addWidget(self.collections_panel)
        self.side_tabs = QTabWidget()  # conversations, and the watched folders once the task thread exists
        self.side_tabs.addTab(self.conversations, "Conversations")
        left.addWidget(self.side_tabs)
        left.setSizes([360, 140, 240])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(self.chat)
        main.addWidget(self.viewer)
        main.setSizes([330, 560, 390])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

    def _actions(self) -> None:
        menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (("&Add documents…", QKeySequence.StandardKey.Open, self.choose_files),
                                     ("&New conversation", QKeySequence.StandardKey.New, self.new_conversation),
                                     ("&Settings…", QKeySequence("Ctrl+,"), self.open_settings),
                                     ("Run a &task…", QKeySequence("Ctrl+T"), self.choose_task),
                                     ("&Find in documents…", QKeySequence("Ctrl+Shift+F"), self.open_find),
                                     ("Co&mpare documents…", QKeySequence("Ctrl+Shift+D"), self.open_compare),
                                     ("&Curated answers…", QKeySequence("Ctrl+K"), self.edit_faq),
                                     ("Check &answers…", QKeySequence("Ctrl+E"), self.check_answers),
                                     ("Answer again &strictly", QKeySequence("Ctrl+R"), self.regenerate_strictly),
                                     ("&Quit", QKeySequence.StandardKey.Quit, self.close)):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.addAction(action)

    def _connect(self) -> None:
        self.library.add_requested.connect(self.choose_files)
        self.library.remove_requested.connect(self.remove_documents)
        self.library.cancel_requested.connect(self.cancel_indexing)
        self.library.summarise_requested.connect(self.summarise_documents)
        self.library.find_requested.connect(self.open_find)
        self.library.compare_requested.connect(self.open_compare)
        self.library.ask_within_requested.connect(self.ask_within)
        self.library.add_to_collection_requested.connect(self.add_to_collection)
        self.collections_panel.scope_requested.connect(self.choose_scope)
        self.collections_panel.create_requested.connect(self.create_collection)
        self.collections_panel.rename_requested.connect(self.rename_collection)
        self.collections_panel.delete_requested.connect(self.delete_collection)
        self.collections_panel.list.documents_dropped.connect(self.add_to_collection)
        self.conversations.new_requested.connect(self.new_conversation)
        self.conversations.open_requested.connect(self.open_conversation)
        self.conversations.rename_requested.connect(self.rename_conversation)
        self.conversations.delete_requested.connect(self.delete_conversation)
        self.conversations.export_requested.connect(self.export_conversation)
        self.chat.send_requested.connect(self.ask)
        self.chat.stop_requested.connect(self.stop_answer)
        self.chat.citation_clicked.connect(self.viewer.open_citation)
        self.chat.link_clicked.connect(self.open_link)
        self.viewer.page_requested.connect(self.render_page)

    # --- errors -------------------------------------------------------------------
    def show_error(self, error: BaseException | str) -> None:
        message = error if isinstance(error, str) else user_message(error)
        log.warning("shown to the user: %s", message)
        server_failed = isinstance(error, ModelError) and "inference server" in message
        self.banner.show_message(message, (SWITCH_TO_LOCAL, self.use_local_model) if server_failed else None)

    # --- model ----------------------------------------------------------------------
    def load_model(self) -> None:
        self.model_status.setText("Model: loading…")
        self.tasks.run(lambda engine: engine.models.load(with_embedder=True), self._model_loaded, self._model_failed)

    def _model_loaded(self, info: ModelInfo) -> None:
        # The loaded models' many Python objects live as long as the app: moving them out of the cyclic
        # collector's reach keeps its full passes (which pause every thread, the GUI's too) short.
        gc.freeze()
        adapter = f" + adapter {info.adapter}" if info.adapter else ""
        self.model_status.setText(f"Model: {info.name}{adapter} (context {info.n_ctx}, template {info.chat_template})")
        if info.notes:
            self.show_error(" ".join(info.notes))

    def _model_failed(self, error: BaseException) -> None:
        self.model_status.setText("Model: not available")
        self.show_error(error)

    # --- library --------------------------------------------------------------------
    def refresh_library(self) -> None:
        self.tasks.run(lambda engine: engine.library.documents(), self._documents_loaded)

    def _documents_loaded(self, documents: list[Any]) -> None:
        self.library.set_documents(documents)
        self.chat.set_library_empty(not documents)

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add documents", str(Path.home()),
                                                f"Documents ({DOCUMENT_PATTERNS});;All files (*)")
        if paths:
            self.add_paths([Path(p) for p in paths])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

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
        password, ok = QInputDialog.getText(self, "Password needed", f"{path.name} is password-protected. "
                                            "Enter its password to index it:", QLineEdit.EchoMode.Password)
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

    # --- conversations -------------------------------------------------------------
    def refresh_conversations(self) -> None:
        self.tasks.run(lambda engine: engine.conversations.all(),
                       lambda items: self.conversations.set_conversations(items, self.conversation_id))

    def new_conversation(self) -> None:
        if self.answer_job is None:
            self.conversation_id = None
            self.chat.clear()
            self.conversations.list.clearSelection()
            self.show_scope_label()

    def open_conversation(self, conversation_id: int) -> None:
        if self.answer_job is not None:
            return
        self.conversation_id = conversation_id
        self.tasks.run(lambda engine: engine.conversations.get(conversation_id)[1], self.chat.show_history,
                       self.show_error)
        self.show_conversation_scope(conversation_id)

    def rename_conversation(self, conversation_id: int) -> None:
        title, ok = QInputDialog.getText(self, "Rename conversation", "New title:")
        if ok and title.strip():
            self.tasks.run(lambda engine: engine.conversations.rename(conversation_id, title.strip()),
                           lambda _r: self.refresh_conversations(), self.show_error)

    def delete_conversation(self, conversation_id: int) -> None:
        confirm = QMessageBox.question(self, "Delete conversation", "Delete this conversation? This cannot be undone.")
        if confirm == QMessageBox.StandardButton.Yes:
            if conversation_id == self.conversation_id:
                self.new_conversation()
            self.tasks.run(lambda engine: engine.conversations.delete(conversation_id),
                           lambda _r: self.refresh_conversations(), self.show_error)

    def export_conversation(self, conversation_id: int) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export conversation", str(Path.home() / "conversation.md"),
                                              "Markdown (*.md)")
        if path:
            self.tasks.run(lambda engine: Path(path).write_text(engine.conversations.export_markdown(conversation_id),
                                                                "utf-8"),
                           lambda _r: self.statusBar().showMessage(f"Exported to {path}", 5000), self.show_error)

    # --- asking ----------------------------------------------------------------------
    def ask(self, question: str) -> None:
        conversation, scope = self.conversation_id, self.scope
        self.stream_answer(question, lambda engine, token: engine.ask(question, conversation, token, None, scope))

    def stream_answer(self, shown_question: str, op: Any) -> None:
        """Show the question, then stream the answer of ``op(engine, token)`` (ask, a task, a strict retry)."""
        if self.answer_job is not None:
            return
        self.chat.add_message("user", shown_question)
        self.chat.start_answer()
        self.chat.set_busy(True)
        self.answer_job = self.tasks.stream(op, self._answer_event, self._answer_done, self._answer_failed)

    def choose_task(self) -> None:
        self.tasks.run(lambda engine: (engine.task_templates(), [d.title for d in engine.library.documents()]),
                       self._task_dialog, self.show_error)

    def _task_dialog(self, loaded: tuple[dict[str, Any], list[str]]) -> None:
        dialog = TaskDialog(loaded[0], loaded[1], self)
        if dialog.exec() != TaskDialog.DialogCode.Accepted:
            return
        name, values = dialog.selection()
        conversation, scope = self.conversation_id, self.scope
        self.stream_answer(f"{loaded[0][name].title}: {', '.join(v for v in values.values() if v)}",
                           lambda engine, token: engine.run_task(name, values, conversation, token, scope))

    def check_answers(self) -> None:
        """Measure retrieval and answers on a questions file (JSONL) over a folder of PDFs."""
        questions, _ = QFileDialog.getOpenFileName(self, "Questions file", "", "Questions (*.jsonl)")
        if not questions:
            return
        docs = QFileDialog.getExistingDirectory(self, "Folder of the PDFs the questions are about")
        if docs:
            self.run_check(Path(questions), Path(docs))

    def run_check(self, questions: Path, docs: Path) -> CheckAnswersDialog:
        dialog = CheckAnswersDialog(self)
        job = self.tasks.stream(
            lambda engine, token: evaluate(engine, questions, docs, cancel=token), dialog.on_event,
            None, self.show_error)
        dialog.rejected.connect(job.cancel)
        dialog.show()
        return dialog

    def edit_faq(self) -> None:
        FaqDialog(lambda op, done: self.tasks.run(op, done, self.show_error), self).exec()

    def regenerate_strictly(self) -> None:
        conversation = self.conversation_id
        if conversation is None:
            self.show_error("Ask a question first; then it can be answered again more strictly.")
            return
        self.stream_answer("(answer the last question again, strictly from the sources)",
                           lambda engine, token: engine.regenerate_strictly(conversation, token))

    def _answer_event(self, event: Any) -> None:
        if isinstance(event, SourcesFound):
            self.conversation_id = event.conversation_id
            self.chat.meter.set_parts(event.parts)
            self.chat.show_evidence(event.evidence)
        elif isinstance(event, TokenText):
            self.chat.append_tokens(event.text)
        elif isinstance(event, AnswerDone):
            self.chat.finish_answer(event.answer)
        elif isinstance(event, SummaryProgress):
            self.show_summary_progress(event)

    def _answer_done(self, _result: object = None) -> None:
        self.answer_job = None
        self.chat.set_busy(False)
        self.refresh_conversations()

    def _answer_failed(self, error: BaseException) -> None:
        self._answer_done()
        self.show_error(error)

    def stop_answer(self) -> None:
        if self.answer_job is not None:
            self.answer_job.cancel()

    # --- sources and links ------------------------------------------------------------
    def render_page(self, document_id: int, page: int, zoom: float, positions: list[list[float]],
                    password: str | None = None) -> None:
        self.tasks.run(lambda engine: engine.library.render_page(document_id, page, zoom, positions, password),
                       lambda image: self._show_page(image, positions), self.show_error)

    def _show_page(self, image: PageImage, positions: list[list[float]]) -> None:
        """Show the page; for a locked document, ask for its password and render it again with it."""
        self.viewer.show_page(image)
        if not image.needs_password:
            return
        password, ok = QInputDialog.getText(self, "Password needed", image.message, QLineEdit.EchoMode.Password)
        if ok and password:
            self.render_page(image.document_id, image.page, image.zoom, positions, password)

    def open_link(self, url: str) -> None:
        target = QUrl(url)
        if target.scheme() not in SAFE_SCHEMES:
            self.show_error(f"Links of this kind are not opened: {url}")
            return
        answer = QMessageBox.question(self, "Open link", f"Open this link in your browser?\n\n{url}")
        if answer == QMessageBox.StandardButton.Yes:
            QDesktopServices.openUrl(target)

    # --- closing --------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.statusBar().showMessage("Closing…")
        self.watch_panel.stop_watching()
        if not self.tasks.shutdown():
            log.warning("the engine worker did not stop in time")
        event.accept()
