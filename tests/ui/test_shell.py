"""The window's shell: column widths, menus, help, title, keyboard navigation, the demonstration-model notice."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from desktop_app.engine import Settings
from desktop_app.engine.settings import load_settings
from desktop_app.ui.first_run import notice_dismissed
from desktop_app.ui.help_dialogs import AboutDialog, ShortcutsDialog, app_version, privacy_text
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.panes import CHAT_MIN, VIEWER_MIN
from support.pdfs import harbour_report
from support.window import open_window

READY_TIMEOUT = 120_000
EXISTING_SHORTCUTS = ("Ctrl+O", "Ctrl+N", "Ctrl+,", "Ctrl+T", "Ctrl+Shift+F", "Ctrl+Shift+D", "Ctrl+K", "Ctrl+E",
                      "Ctrl+R", "Ctrl+Q")


def widths(window: MainWindow) -> tuple[int, int, int]:
    """(library column, chat, viewer) as shown; a hidden column is 0 wide."""
    return tuple(w.width() if w.isVisible() else 0  # type: ignore[return-value]
                 for w in (window.left_column, window.chat, window.viewer))


def resize(qtbot, window: MainWindow, width: int, height: int) -> tuple[int, int, int]:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height)
    QApplication.processEvents()
    return widths(window)


def focus_after(qtbot, widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
                ) -> QWidget | None:
    """Press ``key`` in ``widget`` (given the focus first, unless it is the window) and return the focus."""
    if not widget.isWindow():
        widget.setFocus()
    qtbot.keyClick(widget, key, modifier)
    return QApplication.focusWidget()


def activate(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def by_text(window: MainWindow) -> dict[str, dict[str, QAction]]:
    """Each menu's actions by plain text, menus by plain title."""
    menus: dict[str, dict[str, QAction]] = {}
    for top in window.menuBar().actions():
        menu = top.menu()
        menus[top.text().replace("&", "")] = {a.text().replace("&", ""): a for a in menu.actions()  # type: ignore
                                              if not a.isSeparator()}
    return menus


def test_the_chat_keeps_a_usable_width_and_takes_the_room_the_window_gains(qtbot, window: MainWindow) -> None:
    assert window.minimumSizeHint().width() <= 1024
    left, chat, viewer = resize(qtbot, window, 1024, 640)
    assert viewer == 0, "the viewer waits for a source to be opened"
    library_needs = window.left_column.minimumSizeHint().width()  # what its panels need, buttons unclipped
    assert chat >= 600 and left >= library_needs
    window.menu_actions["show_viewer"].setChecked(True)  # as opening a source does
    for size in ((1024, 640), (1366, 768), (1920, 1080)):
        left, chat, viewer = resize(qtbot, window, *size)
        assert chat >= CHAT_MIN and left >= library_needs and viewer >= VIEWER_MIN, (size, left, chat, viewer)
        assert chat >= max(left, viewer), (size, left, chat, viewer)
    small = resize(qtbot, window, 1366, 768)
    large = resize(qtbot, window, 1920, 1080)
    assert large[1] - small[1] >= 0.9 * (1920 - 1366), "the chat column gets what the window gains"
    assert large[0] == small[0] and large[2] == small[2]
    window.menu_actions["show_library"].setChecked(False)
    qtbot.waitUntil(lambda: not window.left_column.isVisible() and widths(window)[1] > large[1] + library_needs)
    window.menu_actions["show_library"].setChecked(True)
    window.menu_actions["show_viewer"].setChecked(False)
    qtbot.waitUntil(lambda: window.library.isVisible() and not window.viewer.isVisible())


def test_menus_hold_the_commands_where_desktop_apps_put_them(qtbot, window: MainWindow, tmp_path: Path,
                                                            monkeypatch) -> None:
    menus = by_text(window)
    assert list(menus) == ["File", "Edit", "View", "Tools", "Help"]
    assert list(menus["File"]) == ["Add documents…", "Add folder…", "New conversation", "Export conversation…", "Quit"]
    assert list(menus["Edit"]) == ["Copy", "Select all", "Find in documents…", "Curated answers…", "Settings…"]
    assert {"Library", "Source viewer", "Next pane", "Previous pane", "Question box"} <= set(menus["View"])
    assert list(menus["Tools"]) == ["Run a task…", "Compare documents…", "Check answers…", "Answer again strictly"]
    assert list(menus["Help"]) == ["Keyboard shortcuts", "About Desktop App"]
    keys = {a.shortcut().toString(QKeySequence.SequenceFormat.PortableText) for a in window.actions()}
    assert set(EXISTING_SHORTCUTS) <= keys
    assert len(window.actions()) == len({a.shortcut().toString() for a in window.actions() if not a.shortcut()
                                         .isEmpty()}) + 3, "no two actions share keys (three have none)"

    folder = tmp_path / "reports"
    (folder / "nested").mkdir(parents=True)
    harbour_report(folder / "nested" / "harbour.pdf")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    menus["File"]["Add folder…"].trigger()
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)

    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.banner.isVisible() and "Open a conversation" in window.banner.label.text()
    window.chat.input.setFocus()
    qtbot.keyClicks(window.chat.input, "selected words")
    menus["Edit"]["Select all"].trigger()
    menus["Edit"]["Copy"].trigger()
    assert QApplication.clipboard().text() == "selected words"


def test_the_title_follows_the_conversation_and_export_writes_it(qtbot, window: MainWindow, tmp_path: Path,
                                                                monkeypatch) -> None:
    assert window.windowTitle() == "", "no conversation: the system shows the app's name alone"
    made: list[int] = []
    window.tasks.run(lambda engine: engine.conversations.new("Contract questions"), made.append)
    qtbot.waitUntil(lambda: bool(made))
    window.refresh_conversations()
    qtbot.waitUntil(lambda: window.conversations.list.count() == 1)
    window.conversations.list.setCurrentRow(0)
    window.conversations.list.itemClicked.emit(window.conversations.list.item(0))
    assert window.windowTitle() == "Contract questions", "the app's name is added by the system, not repeated"
    exported = tmp_path / "out.md"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(exported), "Markdown (*.md)"))
    window.menu_actions["export_conversation"].trigger()
    qtbot.waitUntil(exported.exists, timeout=30_000)
    assert "Contract questions" in exported.read_text("utf-8")
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.windowTitle() == "" and window.conversation_id is None


def test_tab_reaches_an_answers_citations_before_the_viewer(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.add_paths([harbour_report(tmp_path / "harbour.pdf")])
    qtbot.waitUntil(lambda: window.library.status_of("Harbour Survey Report") == "ready", timeout=READY_TIMEOUT)
    window.chat.input.setPlainText("How much silt did the dredging remove?")
    window.chat.send_button.click()
    qtbot.waitUntil(lambda: window.answer_job is None, timeout=READY_TIMEOUT)
    qtbot.waitUntil(lambda: window.windowTitle().startswith("How much silt"))
    activate(qtbot, window)
    window.menu_actions["show_viewer"].setChecked(True)
    chips = window.chat.messages[-1].chip_buttons()
    assert chips, "the answer cites its sources"
    seen: list[QWidget] = [window.chat.send_button]
    while len(seen) < 60 and not window.viewer.isAncestorOf(seen[-1]):
        seen.append(focus_after(qtbot, seen[-1], Qt.Key.Key_Tab))  # type: ignore[arg-type]
    assert window.viewer.isAncestorOf(seen[-1]), [w.accessibleName() or type(w).__name__ for w in seen]
    assert chips[0] in seen, "the answer's citations come after Send and before the viewer"


def test_keyboard_shortcuts_lists_every_shortcut_read_from_the_actions(qtbot, window: MainWindow) -> None:
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: bool(window.findChildren(ShortcutsDialog)))
    dialog = window.findChildren(ShortcutsDialog)[0]
    listed = {(command, keys) for _, command, keys in dialog.rows}
    for action in window.actions():
        if not action.shortcut().isEmpty():
            native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            assert (action.text().replace("&", "").rstrip("…"), native) in listed, action.text()
    assert ("Send the question", "Enter") in listed
    dialog.reject()
    dialog.deleteLater()
    extra = QAction("Summarise &everything", window)
    extra.setShortcut(QKeySequence("Ctrl+Alt+S"))
    window.menuBar().actions()[4].menu().addAction(extra)  # type: ignore[union-attr]
    again = window.show_shortcuts()
    assert ("Help", "Summarise everything", QKeySequence("Ctrl+Alt+S").toString(
        QKeySequence.SequenceFormat.NativeText)) in again.rows
    again.reject()


def test_about_names_the_app_version_licence_model_and_what_leaves_the_computer(qtbot, window: MainWindow) -> None:
    window.menu_actions["about"].trigger()
    qtbot.waitUntil(lambda: isinstance(getattr(window, "about_dialog", None), AboutDialog))
    text = window.about_dialog.label.text()
    for expected in ("Desktop App", f"Version {app_version()}", "AGPL-3.0-or-later", "SmolLM2",
                     "run as its Q8_0 copy", "demonstration model", "Nothing leaves this computer"):
        assert expected in text, expected
    window.about_dialog.reject()
    served = privacy_text(Settings(model_backend="server", server_url="http://gpu-box:8080"))
    assert "http://gpu-box:8080" in served and "documents and the library stay on this computer" in served
    from_environment = privacy_text(Settings(), replace(window.model_info, server=True, path="http://gpu-box:8080"))
    assert "http://gpu-box:8080" in from_environment and "Nothing leaves" not in from_environment


def test_tab_f6_and_ctrl_l_move_across_the_panes(qtbot, window: MainWindow) -> None:
    activate(qtbot, window)
    window.library.filter.setFocus()
    order: list[QWidget] = [window.library.filter]
    while len(order) < 40 and order[-1] is not window.chat.scroll_area:
        order.append(focus_after(qtbot, order[-1], Qt.Key.Key_Tab))  # type: ignore[arg-type]
    expected = [window.collections_panel.list, window.conversations.buttons["New"], window.chat.input,
                window.chat.send_button, window.chat.scroll_area]
    assert all(w in order for w in expected), [w.accessibleName() or type(w).__name__ for w in order]
    assert [order.index(w) for w in expected] == sorted(order.index(w) for w in expected)
    back = focus_after(qtbot, window.chat.send_button, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert back is window.chat.input

    window.library.filter.setFocus()
    visited = [focus_after(qtbot, window, Qt.Key.Key_F6) for _ in range(5)]
    empty_library = window.library.add_button  # the table shows once there are documents
    assert visited == [window.collections_panel.list, window.conversations.buttons["New"], window.chat.input,
                       window.chat.scroll_area, empty_library], "the hidden viewer is skipped"
    assert focus_after(qtbot, window, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier) is window.chat.scroll_area
    window.menu_actions["show_viewer"].setChecked(True)
    qtbot.waitUntil(window.viewer.isVisible)
    assert focus_after(qtbot, window, Qt.Key.Key_F6) is window.viewer.scroll_area
    assert focus_after(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier) is window.chat.input


def test_panes_and_lists_have_accessible_names(window: MainWindow) -> None:
    names = {w.accessibleName() for w in (window.library, window.collections_panel, window.side_tabs, window.chat,
                                          window.viewer, window.conversations, window.watch_panel,
                                          window.conversations.list, window.collections_panel.list,
                                          window.watch_panel.folders, window.watch_panel.add_button,
                                          window.watch_panel.remove_button, window.notice)}
    assert "" not in names and len(names) == 13


def test_the_conversations_panel_says_what_to_do_when_empty(qtbot, window: MainWindow) -> None:
    panel = window.conversations
    assert panel.empty.isVisible() and not panel.list.isVisible()
    assert "No conversations yet" in panel.empty.text()
    assert [panel.buttons[n].isEnabled() for n in ("New", "Rename", "Delete", "Export")] == [True, False, False, False]


def test_the_demonstration_notice_offers_a_better_model_and_can_go_for_good(qtbot, data_home: Path, window: MainWindow,
                                                                           monkeypatch) -> None:
    assert window.model_info is not None and window.model_info.demonstration
    qtbot.waitUntil(window.notice.isVisible)
    assert "demonstration model" in window.notice.label.text() and "exact" in window.notice.label.text()
    opened: list[bool] = []
    monkeypatch.setattr(window, "open_settings", lambda: opened.append(True))
    window.notice.buttons["Use a server…"].click()
    assert opened == [True]
    window.notice.buttons["Hide"].click()
    assert not window.notice.isVisible() and not notice_dismissed(window.window_settings())
    window.notice.show()
    window.notice.buttons["Don't show again"].click()
    assert not window.notice.isVisible()
    assert notice_dismissed(window.window_settings())
    window.close()
    again = open_window(qtbot, data_home)
    checked: list[bool] = []
    again.tasks.run(lambda engine: None, lambda _r: checked.append(True))  # queued after the notice's check
    qtbot.waitUntil(lambda: bool(checked))
    assert not again.notice.isVisible()
    again.close()


def test_choose_a_model_file_saves_it_and_loads_it(qtbot, data_home: Path, window: MainWindow, tmp_path: Path,
                                                   monkeypatch) -> None:
    assert window.model_info is not None
    other = tmp_path / "Larger-Model.Q4_K_M.gguf"
    shutil.copyfile(window.model_info.path, other)  # another file (a link would resolve to the bundled one)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), "GGUF models (*.gguf)"))
    qtbot.waitUntil(window.notice.isVisible)
    window.notice.buttons["Choose a model file…"].click()
    qtbot.waitUntil(lambda: window.model_info is not None and window.model_info.path == str(other), timeout=60_000)
    assert load_settings(data_home).model_path == str(other)
    assert not window.model_info.demonstration and not window.notice.isVisible()


def test_the_window_fits_a_1024x640_screen_with_its_notices_shown(qtbot, window: MainWindow) -> None:
    window.notice.show()  # the demonstration-model notice and an error banner, both at once
    window.show_error("The model file was not found.")
    window.menu_actions["show_viewer"].setChecked(True)
    qtbot.waitUntil(lambda: window.banner.isVisible() and window.notice.isVisible())
    assert window.minimumSizeHint().height() <= 640, window.minimumSizeHint()
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1024, 640))
