"""The main window: library, conversations, chat and source viewer, wired to the engine facade."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

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
    Engine,
    ModelError,
    ModelInfo,
    PageImage,
    Scope,
)
from desktop_app.ui.answer_actions import AnswerActions
from desktop_app.ui.chat_view import ChatView
from desktop_app.ui.collections_actions import CollectionsActions
from desktop_app.ui.collections_panel import CollectionsPanel
from desktop_app.ui.conversations_panel import ConversationsPanel
from desktop_app.ui.documents_actions import DocumentsActions
from desktop_app.ui.library_actions import LibraryActions
from desktop_app.ui.library_panel import LibraryPanel
from desktop_app.ui.settings_actions import SettingsActions
from desktop_app.ui.source_viewer import SourceViewer
from desktop_app.ui.tasks import Job, TaskManager
from desktop_app.ui.tools_actions import ToolsActions
from desktop_app.ui.watch_panel import WatchPanel
from desktop_app.ui.widgets import ErrorBanner, user_message

log = logging.getLogger(__name__)
SAFE_SCHEMES = ("http", "https", "mailto")


SWITCH_TO_LOCAL = "Use the model on this computer"


class MainWindow(QMainWindow, LibraryActions, AnswerActions, ToolsActions, SettingsActions, DocumentsActions,
                 CollectionsActions):
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

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

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
