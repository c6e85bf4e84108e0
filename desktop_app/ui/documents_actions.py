"""The window's whole-document work: summarise documents whole, find every mention, compare two documents.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
A summary streams like an answer (with its progress in the status bar) and is kept in a conversation; find and
compare open their own dialogs, whose hits and citations open the page with the text highlighted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desktop_app.engine import DocumentRow, Engine, Scope, SummaryProgress
from desktop_app.ui.compare_dialog import CompareDialog
from desktop_app.ui.find_dialog import FindDialog

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from desktop_app.ui.library_panel import LibraryPanel
    from desktop_app.ui.source_viewer import SourceViewer
    from desktop_app.ui.tasks import TaskManager


class DocumentsActions:
    if TYPE_CHECKING:  # what MainWindow provides
        tasks: TaskManager
        library: LibraryPanel
        viewer: SourceViewer
        conversation_id: int | None
        scope: Scope

        def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)
        def show_error(self, error: BaseException | str) -> None: ...
        def stream_answer(self, shown_question: str, op: Any) -> None: ...

    def summarise_documents(self, documents: list[DocumentRow]) -> None:
        """Summarise the documents whole, as an answer in the current conversation (see ``Engine.summarise``)."""
        refs = [str(d.id) for d in documents]
        conversation, scope = self.conversation_id, self.scope  # a new conversation keeps the chosen scope
        titles = ", ".join(d.title for d in documents)
        self.stream_answer(f"Summarise {titles} (every part)",
                           lambda engine, token: engine.summarise(refs, None, conversation, token, scope))

    def show_summary_progress(self, event: SummaryProgress) -> None:
        stage = "reading part" if event.stage == "reading" else "combining"
        self.statusBar().showMessage(f"Summarising: {stage} {event.done} of {event.total}"
                                     f"{f' ({event.title})' if event.title else ''}. Stop ends it and keeps "
                                     "what is done.", 5000)

    def open_find(self, documents: list[DocumentRow] | None = None) -> FindDialog:
        """The non-modal "Find in documents" dialog, scoped to ``documents`` when given."""
        selected = [(d.id, d.title) for d in documents or self.library.selected_documents()]
        dialog = FindDialog(self.tasks, selected, self.library)
        if documents:  # "Find in these…" from the library: the scope is those documents
            dialog.scope.setCurrentIndex(dialog.scope.count() - 1)
        dialog.open_hit.connect(self.open_text)
        dialog.show()
        return dialog

    def open_compare(self, documents: list[DocumentRow] | None = None) -> CompareDialog:
        """The "Compare documents" dialog, with the two chosen documents (or those selected) picked."""
        chosen = documents or self.library.selected_documents()
        everything = [(d.id, d.title) for d in self.library.documents]
        dialog = CompareDialog(self.tasks, everything, [d.id for d in chosen[:2]], self.library)
        dialog.open_page.connect(self.open_text)
        dialog.show()
        return dialog

    def open_text(self, document_id: int, page: int, text: str) -> None:
        """Open a page in the viewer with ``text`` highlighted where it is on that page."""
        def locate(engine: Engine) -> list[list[float]]:
            return engine.library.text_rects(document_id, page, text) if text else []

        self.tasks.run(locate, lambda rects: self.viewer.open_citation(
            {"document_id": document_id, "page": page, "positions": rects}), self.show_error)
