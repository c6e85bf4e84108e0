"""Help > Keyboard shortcuts and Help > About.

The shortcuts list is read from the window's own actions each time it opens (menu by menu, then any
action of the window outside the menus), so a new command with a shortcut appears in it unaided. The
keys the question box and the panes handle themselves follow, under "Question box" and "Moving around".
"""

from __future__ import annotations

import html
from importlib import metadata

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app import __version__
from desktop_app.engine import ModelInfo, Settings

APP_NAME = "Desktop App"  # the name the window, the menus and the installers show
DISTRIBUTION = "desktop-app"  # the package's name in its metadata
LICENCE = "AGPL-3.0-or-later"
KEYS_HANDLED_BY_WIDGETS = (
    ("Question box", "Send the question", "Enter"),
    ("Question box", "New line in the question", "Shift+Enter"),
    ("Question box", "Stop the answer", "Esc"),
    ("Moving around", "Next control", "Tab"),
    ("Moving around", "Previous control", "Shift+Tab"),
)


def plain(text: str) -> str:
    """A menu text as read aloud: mnemonics (&) and the trailing ellipsis removed."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def keys_text(action: QAction) -> str:
    """The action's shortcuts as the platform writes them ("Ctrl+O", "F6, Shift+F6"); "" if none."""
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts() if not s.isEmpty())


def shortcut_rows(menu_bar: QMenuBar, window_actions: list[QAction]) -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every action with a shortcut: the menus' in menu order, then the window's others.

    Submenus are walked too (their rows name the top menu). Separators and actions without keys are left out.
    """
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(title: str, actions: list[QAction]) -> None:
        for action in actions:
            seen.add(id(action))
            submenu = action.menu()
            if isinstance(submenu, QMenu):
                walk(title, submenu.actions())
            elif not action.isSeparator() and keys_text(action):
                rows.append((title, plain(action.text()), keys_text(action)))

    for top in menu_bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(plain(top.text()), menu.actions())
    rows += [("Window", plain(a.text()), keys_text(a)) for a in window_actions
             if id(a) not in seen and not a.isSeparator() and keys_text(a)]
    return rows


class ShortcutsDialog(QDialog):
    """A read-only table of ``rows`` (menu, command, keys) followed by the keys widgets handle themselves."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = [*rows, *KEYS_HANDLED_BY_WIDGETS]
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels(["Where", "Command", "Keys"])
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, values in enumerate(self.rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        with_close_button(self, self.table)
        self.resize(520, 560)


def app_version() -> str:
    """The installed package's version (its metadata), else the version the source declares."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return __version__


def app_licence() -> str:
    """The licence from the package metadata (``License-Expression``), else the project's own."""
    try:
        return (metadata.metadata(DISTRIBUTION).get_all("License-Expression") or [LICENCE])[0]
    except metadata.PackageNotFoundError:
        return LICENCE


def with_close_button(dialog: QDialog, content: QWidget) -> None:
    """Lay ``dialog`` out as ``content`` above a Close button."""
    close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    close.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(content)
    layout.addWidget(close)


def privacy_text(settings: Settings | None, info: ModelInfo | None = None) -> str:
    """What leaves the computer: nothing, unless answers come from an inference server (the loaded model's
    ``server`` flag says so even when the server was given for this run only, by environment variable)."""
    if info is not None and info.server:
        address = html.escape(info.path)
    elif settings is not None and settings.model_backend == "server":
        address = html.escape(settings.server_url or "the address set in Settings")
    else:
        address = ""
    if address:
        return (f"Answers come from the inference server at {address}: each question is sent to it with the "
                "passages it needs. Your documents and the library stay on this computer.")
    return ("Nothing leaves this computer: your documents, questions and answers stay here. Only if you set an "
            "inference server in Settings are questions sent to it, with the passages they need.")


def model_text(info: ModelInfo | None) -> str:
    if info is None:
        return "Model: not loaded yet"
    demonstration = " (the small demonstration model: its answers are often wrong)" if info.demonstration else ""
    adapter = f" with adapter {info.adapter}" if info.adapter else ""
    copy = f", run as its {info.runs_as} copy" if info.runs_as else ""
    return f"Model: {html.escape(info.name)}{copy}{adapter}{demonstration}"


class AboutDialog(QDialog):
    """The app's name, version, licence, loaded model, and what (if anything) leaves the computer."""

    def __init__(self, info: ModelInfo | None, settings: Settings | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.label = QLabel(
            f"<h2>{APP_NAME}</h2><p>Version {html.escape(app_version())}</p>"
            "<p>Answers questions about your documents, with the page each answer comes from.</p>"
            f"<p>Licence: {html.escape(app_licence())}</p><p>{model_text(info)}</p>"
            f"<p>{privacy_text(settings, info)}</p>")
        self.label.setWordWrap(True)
        self.label.setAccessibleName(f"About {APP_NAME}")
        with_close_button(self, self.label)
        self.resize(460, 0)
