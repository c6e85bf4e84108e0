"""The window's panes: which show, how wide they are, and how the keyboard moves between them.

A mixin of ``MainWindow``. The chat column keeps a usable width (``CHAT_MIN``) and takes the extra room as
the window grows; the library column and the source viewer give way first. The viewer stays hidden until a
source is opened (or View > Source viewer shows it). F6 / Shift+F6 move to the next / previous pane,
Ctrl+L to the question box; Tab follows library → collections → conversations → question box → Send →
Stop → answers → viewer, re-read before each Tab so answers added since are in their place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QSplitter, QTabWidget

    from desktop_app.ui.chat_view import ChatView
    from desktop_app.ui.collections_panel import CollectionsPanel
    from desktop_app.ui.conversations_panel import ConversationsPanel
    from desktop_app.ui.first_run import DemoModelNotice
    from desktop_app.ui.library_panel import LibraryPanel
    from desktop_app.ui.source_viewer import SourceViewer
    from desktop_app.ui.watch_panel import WatchPanel
    from desktop_app.ui.widgets import ErrorBanner

CHAT_MIN, VIEWER_MIN = 420, 280  # pixels: below these the column is no longer usable (the library column's
# minimum is what its panels need, their minimum size hint)
LEFT_WIDTH, VIEWER_WIDTH = 300, 420  # pixels: what the library column and the viewer get when there is room
PANES = ("library", "collections", "conversations", "question", "answers", "viewer")  # F6 order


def tabbable(widget: QWidget) -> bool:
    return bool(widget.focusPolicy().value & Qt.FocusPolicy.TabFocus.value)


class PaneNavigation:
    if TYPE_CHECKING:  # what MainWindow provides
        banner: ErrorBanner
        notice: DemoModelNotice
        library: LibraryPanel
        collections_panel: CollectionsPanel
        conversations: ConversationsPanel
        watch_panel: WatchPanel
        side_tabs: QTabWidget
        left_column: QSplitter
        splitter: QSplitter
        chat: ChatView
        viewer: SourceViewer
        menu_actions: dict[str, QAction]

    # --- showing and sizing ---------------------------------------------------------------
    def size_panes(self) -> None:
        """Minimum widths and stretch: the chat column gets what the window gains, and loses last."""
        self.chat.setMinimumWidth(CHAT_MIN)
        self.viewer.setMinimumWidth(VIEWER_MIN)
        for index, stretch in enumerate((0, 1, 0)):
            self.splitter.setStretchFactor(index, stretch)
            self.splitter.setCollapsible(index, False)
        self.viewer.hide()
        self.splitter.setSizes([LEFT_WIDTH, 1000, 0])

    def show_library(self, shown: bool) -> None:
        """Show or hide the library column (library, collections, conversations); View > Library."""
        self.left_column.setVisible(shown)

    def show_viewer(self, shown: bool) -> None:
        """Show or hide the source viewer (View > Source viewer); shown, it takes room from the side columns."""
        if shown == (not self.viewer.isHidden()):
            return
        self.viewer.setVisible(shown)
        if shown:
            sizes = self.splitter.sizes()
            total = sum(sizes)
            left = sizes[0] if not self.left_column.isHidden() else 0
            viewer = max(VIEWER_MIN, min(VIEWER_WIDTH, total - left - CHAT_MIN))
            self.splitter.setSizes([left, total - left - viewer, viewer])

    def reveal_viewer(self) -> None:
        """Show the viewer for a source being opened (ticking View > Source viewer)."""
        self.menu_actions["show_viewer"].setChecked(True)

    # --- moving the focus -------------------------------------------------------------------
    def pane_targets(self) -> list[tuple[QWidget, QWidget]]:
        """(pane, the widget that takes the focus there) for each pane, in ``PANES`` order."""
        def shown(widget: QWidget, instead: QWidget) -> QWidget:  # an empty list is hidden behind a note
            return widget if not widget.isHidden() else instead

        library_target = shown(self.library.table, self.library.add_button)
        side = self.side_tabs.currentWidget()
        side_target = (shown(self.conversations.list, self.conversations.buttons["New"])
                       if side is self.conversations else self.watch_panel.folders)
        return [(self.library, library_target), (self.collections_panel, self.collections_panel.list),
                (self.side_tabs, side_target), (self.chat.input, self.chat.input),
                (self.chat.scroll_area, self.chat.scroll_area), (self.viewer, self.viewer.scroll_area)]

    def current_pane(self) -> int | None:
        """The index (in ``PANES``) of the pane holding the focus; None outside them."""
        focus = QApplication.focusWidget()
        if focus is None:
            return None
        for index, (pane, _target) in enumerate(self.pane_targets()):
            if focus is pane or pane.isAncestorOf(focus):
                return index
        return PANES.index("question") if self.chat.isAncestorOf(focus) else None

    def focus_pane(self, step: int) -> None:
        """Move the focus ``step`` panes on (1: F6, -1: Shift+F6), skipping hidden panes, wrapping around."""
        targets = self.pane_targets()
        count = len(targets)
        current = self.current_pane()
        if current is None:
            order = list(range(count)) if step > 0 else list(range(count - 1, -1, -1))
        else:
            order = [(current + step * k) % count for k in range(1, count)]
        for index in order:
            target = targets[index][1]
            if target.isVisible() and target.isEnabled():
                target.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return

    def focus_question(self) -> None:
        """Put the focus in the question box (Ctrl+L)."""
        self.chat.input.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def prepare_keyboard(self) -> None:
        """Keys that would stay inside a widget move between widgets instead: Tab leaves the question box
        and the library table (the arrow keys move within the table); the answers and the page scroll areas
        take the focus, so the keyboard can scroll them."""
        self.chat.input.setTabChangesFocus(True)
        self.library.table.setTabKeyNavigation(False)
        self.chat.scroll_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewer.scroll_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def chain_tab_order(self) -> None:
        """Set the Tab order: notices, library, collections, conversations, question box, Send, Stop, the
        answers (each card's controls in turn), the rest of the chat column, then the viewer."""
        window = cast("QWidget", self)
        natural: list[QWidget] = []
        widget: QWidget | None = window.nextInFocusChain()
        while widget is not None and widget is not window and widget not in natural:
            natural.append(widget)
            widget = widget.nextInFocusChain()

        def part(pane: QWidget) -> list[QWidget]:
            return [w for w in natural if (w is pane or pane.isAncestorOf(w)) and tabbable(w)]

        question = [self.chat.input, self.chat.send_button, self.chat.stop_button]
        answers = part(self.chat.scroll_area)
        rest = [w for w in part(self.chat) if w not in question and w not in answers]
        order = [*part(self.banner), *part(self.notice), *part(self.library), *part(self.collections_panel),
                 *part(self.side_tabs), *question, *answers, *rest, *part(self.viewer)]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
