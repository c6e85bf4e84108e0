"""Watched folders: the list, Add folder… / Remove, and what the watcher did, newest first.

All engine work goes through the window's task manager (one worker thread).
``start_watching`` syncs the folders (changes made while the app was closed),
then starts the observer. A timer asks the watch manager, ten times a
second, whether a noted change has settled (``ready``, safe from the GUI
thread) and only then queues a ``process`` job; it also pulls the newest
activity records. ``library_changed`` fires after any job that may have
changed the library, so the window can refresh its document list.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.tasks import Job, TaskManager

POLL_MS = 100
ACTIVITY_SHOWN = 200


class WatchPanel(QWidget):
    library_changed = Signal()

    def __init__(self, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.watch: Any = None  # the engine's watch manager once started: only its thread-safe calls are used
        self.job: Job | None = None
        self.seen = 0
        self.folders = QListWidget()
        self.folders.setAccessibleName("Watched folders")
        self.folders.setAccessibleDescription("Folders whose documents the library keeps in step as they change")
        self.activity = QListWidget()
        self.activity.setAccessibleName("What the watcher did")
        self.add_button = QPushButton("Add folder…")
        self.add_button.setToolTip("Watch a folder: its documents are indexed, and kept in step as they change")
        self.add_button.setAccessibleName("Watch a folder")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Stop watching the selected folder")
        self.remove_button.setAccessibleName("Stop watching the selected folder")
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Watched folders"))
        layout.addWidget(self.folders)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Watcher activity"))
        layout.addWidget(self.activity)
        for listing in (self.folders, self.activity):  # short lists scroll, so the window fits a 640 px screen
            listing.setMinimumHeight(40)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._tick)
        self.refresh()

    # --- engine jobs ----------------------------------------------------------------
    def refresh(self) -> None:
        self.tasks.run(lambda engine: engine.watch.folders(), self._show_folders)

    def start_watching(self) -> None:
        """Sync every watched folder, then watch them while the window is open."""
        self._stream(lambda engine, token: engine.watch.sync(token), self._synced)

    def _synced(self, _result: object) -> None:
        self._finished(None)
        def start(engine: Any) -> Any:
            engine.watch.start()
            return engine.watch

        self.tasks.run(start, self._started)

    def _started(self, watch: Any) -> None:
        self.watch = watch
        self.timer.start()

    def stop_watching(self) -> None:
        self.timer.stop()
        self.tasks.run(lambda engine: engine.watch.stop())

    def add_folder(self, folder: Path, collection: str | None = None) -> None:
        """Watch ``folder`` (feeding ``collection``), then index it at once."""
        def added(result: Any) -> None:
            self.refresh()
            self._stream(lambda engine, token: engine.watch.sync(token, result.id), self._finished)

        self.tasks.run(lambda engine: engine.watch.add_folder(folder, collection or None), added)

    def remove_folder(self, path: str, forget: bool) -> None:
        self.tasks.run(lambda engine: engine.watch.remove_folder(path, forget), self._removed)

    def _removed(self, _result: object) -> None:
        self.refresh()
        self.library_changed.emit()

    def _stream(self, op: Any, done: Any) -> None:
        self.job = self.tasks.stream(op, lambda _event: None, done, self._failed)

    def _finished(self, _result: object) -> None:
        self.job = None
        self._pull_activity()
        self.refresh()
        self.library_changed.emit()

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self._pull_activity()
        show_error = getattr(self.window(), "show_error", None)
        if show_error is not None:
            show_error(error)

    def _tick(self) -> None:
        self._pull_activity()
        if self.watch is not None and self.job is None and self.watch.ready():
            self._stream(lambda engine, token: engine.watch.process(token), self._finished)

    # --- showing ---------------------------------------------------------------------
    def _show_folders(self, folders: list[Any]) -> None:
        self.folders.clear()
        for folder in folders:
            feeds = f" → {folder.collection}" if folder.collection else ""
            item = QListWidgetItem(f"{folder.path}  ({folder.documents} documents{feeds})")
            item.setData(Qt.ItemDataRole.UserRole, folder.path)
            self.folders.addItem(item)

    def _pull_activity(self) -> None:
        if self.watch is None:
            self.tasks.run(lambda engine: engine.watch.activity(self.seen), self._show_activity)
        else:
            self._show_activity(self.watch.activity(self.seen))

    def _show_activity(self, records: list[Any]) -> None:
        for record in records:
            if record.seq <= self.seen:
                continue
            self.seen = record.seq
            when = time.strftime("%H:%M:%S", time.localtime(record.time))
            item = QListWidgetItem(f"{when}  {record.action}  {record.path.name}: {record.message}")
            item.setToolTip(str(record.path))
            self.activity.insertItem(0, item)
        while self.activity.count() > ACTIVITY_SHOWN:
            self.activity.takeItem(self.activity.count() - 1)

    # --- dialogs -----------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Watch a folder")
        if not folder:
            return
        collection, ok = QInputDialog.getText(self, "Watch a folder", "Put its documents in the collection "
                                              "(leave empty for none):")
        if ok:  # Cancel here cancels the whole step, as in any two-step dialog
            self.add_folder(Path(folder), collection.strip() or None)

    def remove_selected(self) -> None:
        item = self.folders.currentItem()
        if item is None:
            return
        path = str(item.data(Qt.ItemDataRole.UserRole))
        box = QMessageBox(QMessageBox.Icon.Question, "Stop watching", f"Stop watching {path}?", parent=self)
        keep = box.addButton("Keep its documents", QMessageBox.ButtonRole.AcceptRole)
        forget = box.addButton("Remove its documents too", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() in (keep, forget):
            self.remove_folder(path, forget=box.clickedButton() is forget)
