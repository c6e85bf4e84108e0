"""The window's settings actions: the dialog, and each change applied the way its description says.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from desktop_app.engine import (
    APPLY_ADAPTER,
    APPLY_AT_ONCE,
    APPLY_REEMBED,
    APPLY_RELOAD,
    APPLY_RESTART,
    SETTING_SPECS,
    Engine,
    ModelInfo,
)
from desktop_app.ui.settings_dialog import SettingsDialog
from desktop_app.ui.widgets import user_message

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

    from desktop_app.ui.tasks import TaskManager


class SettingsActions:
    if TYPE_CHECKING:  # what MainWindow provides
        tasks: TaskManager
        model_status: QLabel

        def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)
        def show_error(self, error: BaseException | str) -> None: ...
        def load_model(self) -> None: ...
        def _model_loaded(self, info: ModelInfo) -> None: ...
        def _model_failed(self, error: BaseException) -> None: ...

    def use_local_model(self) -> None:
        """Answer with the model file on this computer again (the inference server's settings are kept)."""
        self.apply_settings({"model_backend": "local"}, reload_model=True)


    def open_settings(self) -> None:
        self.tasks.run(lambda engine: engine.settings, self._edit_settings)

    def _edit_settings(self, settings: Any) -> None:
        dialog = SettingsDialog(settings, cast("QWidget", self))  # the window is the dialog's parent
        self.serve_model_lists(dialog)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        self.apply_changes(settings, dialog.changes())

    def serve_model_lists(self, dialog: SettingsDialog) -> None:
        """Answer the dialog's "List models" with the server's list, fetched in the background."""
        def fetch(url: str, key: str, ca: str) -> None:
            self.tasks.run(lambda engine: engine.models.server_models(url, key, ca), dialog.show_server_models,
                           lambda error: dialog.show_server_problem(user_message(error)))

        dialog.server_models_requested.connect(fetch)

    def apply_changes(self, settings: Any, changes: dict[str, Any]) -> None:
        """Apply changed settings, each the way its description says (``SettingSpec.apply``)."""
        applied = {name: SETTING_SPECS[name].apply for name in changes}
        saved = (APPLY_AT_ONCE, APPLY_RELOAD, APPLY_RESTART)
        plain = {name: value for name, value in changes.items() if applied[name] in saved}
        if plain:
            self.apply_settings(plain, APPLY_RELOAD in (applied[name] for name in plain))
        if APPLY_REEMBED in applied.values():
            folder = changes["embedding_model_path"]
            self.change_embedding_model(Path(folder) if folder else None)
        if APPLY_ADAPTER in applied.values():
            path = changes.get("adapter_path", settings.adapter_path)
            self.set_adapter(Path(path) if path else None, changes.get("adapter_scale", settings.adapter_scale))

    def set_adapter(self, path: Path | None, scale: float) -> None:
        """Apply, switch or remove the LoRA adapter on the loaded model, in the background (no reload)."""
        def apply(engine: Engine) -> ModelInfo:
            if path is None:
                engine.models.clear_adapter()
            else:
                engine.models.set_adapter(path, scale)
            return engine.models.load()

        def failed(error: BaseException) -> None:
            self.show_error(error)
            self.tasks.run(lambda engine: engine.models.load(), self._model_loaded, self._model_failed)

        self.model_status.setText("Model: applying the adapter…")
        self.tasks.run(apply, self._model_loaded, failed)

    def change_embedding_model(self, folder: Path | None) -> None:
        """Re-embed the library in the background; searches use the old model until it is done."""
        def progress(step: Any) -> None:
            self.statusBar().showMessage(f"Re-embedding the library with the new model: {step.done}/{step.total}")

        def done(_result: object) -> None:
            self.statusBar().showMessage("The library now uses the new embedding model", 8000)

        self.tasks.stream(lambda engine, token: engine.library.change_embedding_model(folder, token), progress, done,
                          self.show_error)

    def apply_settings(self, changes: dict[str, Any], reload_model: bool) -> None:
        def done(_settings: object) -> None:
            self.statusBar().showMessage("Settings saved", 4000)
            if reload_model:
                self.load_model()

        self.tasks.run(lambda engine: engine.update_settings(**changes), done, self.show_error)
