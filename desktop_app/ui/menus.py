"""The menu bar: File, Edit, View, Tools and Help, laid out as desktop applications lay them out.

Every entry is a ``QAction`` also added to the window, so its shortcut works wherever the focus is in the
window; Help > Keyboard shortcuts is read back from these same actions. Copy and Select all act on
whatever has the focus (a text field, a selectable answer, a list or table).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QLineEdit, QPlainTextEdit, QTextEdit

from desktop_app.ui.help_dialogs import APP_NAME

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

Keys = QKeySequence.StandardKey | str | None
Entry = tuple[str, str, Keys, Callable[[], object]] | None  # (name, text, keys, slot); None: a separator


def copy_focused() -> None:
    """Copy the selection of the focused widget: text, a selectable label's text, or a list's or table's cells."""
    widget = QApplication.focusWidget()
    if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit)):
        widget.copy()
    elif isinstance(widget, QLabel) and widget.hasSelectedText():
        QApplication.clipboard().setText(widget.selectedText())
    elif isinstance(widget, QAbstractItemView):
        cells: dict[int, list[tuple[int, str]]] = {}
        for index in widget.selectedIndexes():
            cells.setdefault(index.row(), []).append((index.column(), str(index.data() or "")))
        lines = ["\t".join(text for _, text in sorted(row)) for _, row in sorted(cells.items())]
        if lines:
            QApplication.clipboard().setText("\n".join(lines))


def select_all_focused() -> None:
    """Select all of the focused text field, list or table; elsewhere nothing happens."""
    widget = QApplication.focusWidget()
    if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractItemView)):
        widget.selectAll()


def menu_entries(window: MainWindow) -> dict[str, list[Entry]]:
    """The menus' titles and entries, in order; the slots are the window's own methods."""
    return {
        "&File": [
            ("add_documents", "&Add documents…", "Ctrl+O", window.choose_files),
            ("add_folder", "Add &folder…", "Ctrl+Shift+O", lambda: window.choose_folder()),
            None,
            ("new_conversation", "&New conversation", "Ctrl+N", window.new_conversation),
            ("export_conversation", "&Export conversation…", "Ctrl+Shift+E", window.export_current_conversation),
            None,
            ("quit", "&Quit", "Ctrl+Q", window.close),
        ],
        "&Edit": [
            ("copy", "&Copy", QKeySequence.StandardKey.Copy, copy_focused),
            ("select_all", "Select &all", QKeySequence.StandardKey.SelectAll, select_all_focused),
            None,
            ("find", "&Find in documents…", "Ctrl+Shift+F", lambda: window.open_find()),
            ("faq", "C&urated answers…", "Ctrl+K", window.edit_faq),
            None,
            ("settings", "&Settings…", "Ctrl+,", window.open_settings),
        ],
        "&View": [
            ("show_library", "&Library", None, lambda: None),
            ("show_viewer", "&Source viewer", None, lambda: None),
            None,
            ("next_pane", "&Next pane", "F6", lambda: window.focus_pane(1)),
            ("previous_pane", "&Previous pane", "Shift+F6", lambda: window.focus_pane(-1)),
            ("question_box", "&Question box", "Ctrl+L", window.focus_question),
        ],
        "&Tools": [
            ("task", "Run a &task…", "Ctrl+T", window.choose_task),
            ("compare", "Co&mpare documents…", "Ctrl+Shift+D", lambda: window.open_compare()),
            ("check", "Check &answers…", "Ctrl+E", window.check_answers),
            ("strict", "Answer again &strictly", "Ctrl+R", window.regenerate_strictly),
        ],
        "&Help": [
            ("shortcuts", "&Keyboard shortcuts", "F1", window.show_shortcuts),
            ("about", f"&About {APP_NAME}", None, window.show_about),
        ],
    }


ROLES = {"quit": QAction.MenuRole.QuitRole, "settings": QAction.MenuRole.PreferencesRole,
         "about": QAction.MenuRole.AboutRole}
TOGGLES = ("show_library", "show_viewer")  # checkable: their ``toggled`` signal is the window's to connect


def build_menus(window: MainWindow) -> dict[str, QAction]:
    """Fill the window's menu bar; return each action by name (e.g. ``"add_folder"``, ``"show_viewer"``)."""
    actions: dict[str, QAction] = {}
    for title, entries in menu_entries(window).items():
        menu = window.menuBar().addMenu(title)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
                continue
            name, text, keys, slot = entry
            action = QAction(text, window)
            if keys is not None:
                action.setShortcut(QKeySequence(keys))
            action.setMenuRole(ROLES.get(name, QAction.MenuRole.NoRole))
            if name in TOGGLES:
                action.setCheckable(True)
            else:
                action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menu.addAction(action)
            window.addAction(action)
            actions[name] = action
    return actions
