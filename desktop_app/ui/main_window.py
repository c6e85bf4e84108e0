"""The main window: library, conversations, chat and source viewer, wired to the engine facade."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent
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
    Conversation,
    Engine,
    ModelError,
    ModelInfo,
    PageImage,
    Scope,
    Settings,
)
from desktop_app.ui.answer_actions import AnswerActions
from desktop_app.ui.chat_view import ChatView
from desktop_app.ui.collections_actions import CollectionsActions
from desktop_app.ui.collections_panel import CollectionsPanel
from desktop_app.ui.conversations_panel import ConversationsPanel
from desktop_app.ui.documents_actions import DocumentsActions
from desktop_app.ui.first_run import DemoModelNotice, notice_dismissed, remember_notice_dismissed
from desktop_app.ui.help_dialogs import AboutDialog, ShortcutsDialog, shortcut_rows
from desktop_app.ui.library_actions import LibraryActions
from desktop_app.ui.library_panel import LibraryPanel
from desktop_app.ui.menus import build_menus
from desktop_app.ui.panes import PaneNavigation
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
                 CollectionsActions, PaneNavigation):
    def __init__(self, home: Path | None = None) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.data_home = home  # where the window's remembered choices live (``window_settings``)
        self.resize(1280, 760)
        self.conversation_id: int | None = None
        self.conversation_titles: dict[int, str] = {}
        self.model_info: ModelInfo | None = None
        self.answer_job: Job | None = None
        self.index_jobs: list[Job] = []
        self.encrypted: list[Path] = []
        self.banner = ErrorBanner()
        self.notice = DemoModelNotice()
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
        self.menu_actions = build_menus(self)
        self._connect()
        self.tasks = TaskManager(lambda: Engine(home), self.show_error)
        self.watch_panel = WatchPanel(self.tasks)
        self.watch_panel.setAccessibleName("Watched folders panel")
        self.side_tabs.addTab(self.watch_panel, "Watched folders")
        self.watch_panel.library_changed.connect(self.refresh_library)
        self.watch_panel.library_changed.connect(self.refresh_collections)
        self.prepare_keyboard()
        self.chain_tab_order()
        self.show_title()
        self.refresh_library()
        self.refresh_collections()
        self.refresh_conversations()
        self.load_model()
        self.tasks.run(lambda engine: engine.library.stale_documents(), self.read_again)
        self.watch_panel.start_watching()  # catches up with changes made while closed, then watches

    # --- building -------------------------------------------------------------------
    def _layout(self) -> None:
        self.left_column = QSplitter(Qt.Orientation.Vertical)
        self.left_column.addWidget(self.library)
        self.left_column.addWidget(self.collections_panel)
        self.side_tabs = QTabWidget()  # conversations, and the watched folders once the task thread exists
        self.side_tabs.addTab(self.conversations, "Conversations")
        self.left_column.addWidget(self.side_tabs)
        self.left_column.setSizes([360, 140, 240])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left_column)
        self.splitter.addWidget(self.chat)
        self.splitter.addWidget(self.viewer)
        self.size_panes()
        for pane, name in ((self.library, "Library panel"), (self.collections_panel, "Collections panel"),
                           (self.side_tabs, "Conversations and watched folders"), (self.chat, "Chat"),
                           (self.viewer, "Source viewer")):
            pane.setAccessibleName(name)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _connect(self) -> None:
        self.menu_actions["show_library"].setChecked(True)
        self.menu_actions["show_library"].toggled.connect(self.show_library)
        self.menu_actions["show_viewer"].toggled.connect(self.show_viewer)
        self.notice.choose_model_requested.connect(self.choose_model_file)
        self.notice.use_server_requested.connect(lambda: self.open_settings())
        self.notice.never_again_requested.connect(self.dismiss_notice_for_good)
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
        self.model_info = info
        adapter = f" + adapter {info.adapter}" if info.adapter else ""
        copy = f"{info.runs_as} copy, " if info.runs_as else ""
        self.model_status.setText(f"Model: {info.name}{adapter} ({copy}context {info.n_ctx}, "
                                  f"template {info.chat_template})")
        if info.notes:
            self.show_error(" ".join(info.notes))
        if not info.demonstration:
            self.notice.hide()
        else:
            self.notice.setVisible(not notice_dismissed(self.window_settings()))

    def choose_model_file(self) -> None:
        """Ask for a GGUF model file; answer with it from now on (the setting is saved, the model reloaded)."""
        path, _ = QFileDialog.getOpenFileName(self, "Choose a model file", str(Path.home()), "GGUF models (*.gguf)")
        if path:
            self.notice.hide()
            self.apply_settings({"model_path": path, "model_backend": "local"}, reload_model=True)

    def dismiss_notice_for_good(self) -> None:
        """Hide the demonstration-model notice, now and after restarts (remembered in the data folder)."""
        self.notice.hide()
        remember_notice_dismissed(self.window_settings())

    # --- help -------------------------------------------------------------------------
    def show_shortcuts(self) -> ShortcutsDialog:
        """Help > Keyboard shortcuts: every shortcut of the window, read from its actions as they are now."""
        dialog = ShortcutsDialog(shortcut_rows(self.menuBar(), self.actions()), self)
        dialog.open()
        return dialog

    def show_about(self) -> None:
        """Help > About, once the settings are read (they say whether an inference server is used)."""
        self.tasks.run(lambda engine: engine.settings, self._show_about, self.show_error)

    def _show_about(self, settings: Settings) -> None:
        self.about_dialog = AboutDialog(self.model_info, settings, self)
        self.about_dialog.open()

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
        self.tasks.run(lambda engine: engine.conversations.all(), self._conversations_loaded)

    def _conversations_loaded(self, conversations: list[Conversation]) -> None:
        self.conversations.set_conversations(conversations, self.conversation_id)
        self.conversation_titles = {c.id: c.title for c in conversations}
        self.show_title()

    def show_title(self) -> None:
        """The window's title is the open conversation's; the app's name is added by the system (it is the
        application's display name), so it is not repeated here. No conversation: no title of its own."""
        self.setWindowTitle(self.conversation_titles.get(self.conversation_id, "New conversation")
                            if self.conversation_id is not None else "")

    def new_conversation(self) -> None:
        if self.answer_job is None:
            self.conversation_id = None
            self.chat.clear()
            self.conversations.list.clearSelection()
            self.conversations.list.setCurrentRow(-1)
            self.show_scope_label()
            self.show_title()

    def open_conversation(self, conversation_id: int) -> None:
        if self.answer_job is not None:
            return
        self.conversation_id = conversation_id
        self.show_title()
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

    def export_current_conversation(self) -> None:
        """File > Export conversation…: the open conversation, as Markdown."""
        if self.conversation_id is None:
            self.show_error("Open a conversation (or ask a question) first; then it can be exported.")
        else:
            self.export_conversation(self.conversation_id)

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
        self.reveal_viewer()
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

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802,A002 (Qt's names)
        self.chain_tab_order()  # answers added since the last Tab take their place before the viewer
        return super().focusNextPrevChild(next)

    # --- closing --------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.statusBar().showMessage("Closing…")
        self.watch_panel.stop_watching()
        if not self.tasks.shutdown():
            log.warning("the engine worker did not stop in time")
        event.accept()
