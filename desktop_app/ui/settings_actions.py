"""The window's settings actions: the dialog, and each change applied the way its description says.

A mixin of ``MainWindow``: every engine call runs on the task thread (``self.tasks``), never on the GUI thread.
An error a save raises (or a model that failed to load, which new settings may fix) stays in the banner until
a later save goes through in full; that save takes it away.
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
    from collections.abc import Callable

    from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

    from desktop_app.ui.tasks import TaskManager
    from desktop_app.ui.widgets import ErrorBanner

MODEL_FAILED = "Model: not available"


class SaveRound:
    """The parts of one save that run in the background; ``on_good`` is called once all of them succeeded."""

    def __init__(self, on_good: Callable[[], None]) -> None:
        self.pending = 0
        self.failed = False
        self.on_good = on_good

    def start(self) -> SaveRound:
        self.pending += 1
        return self

    def done(self) -> None:
        self.pending -= 1
        if self.pending == 0 and not self.failed:
            self.on_good()

    def fail(self) -> None:
        self.failed = True
        self.pending -= 1


class SettingsActions:
    if TYPE_CHECKING:  # what MainWindow provides
        tasks: TaskManager
        model_status: QLabel
        banner: ErrorBanner

        def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt's name)
        def show_error(self, error: BaseException | str) -> None: ...
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

    # --- errors a save raised, cleared by the next good save --------------------------------------------
    def _settings_errors(self) -> set[str]:
        """The banner texts that saving settings (or loading the model they name) has shown."""
        return cast("set[str]", vars(self).setdefault("_settings_error_texts", set()))

    def _settings_failed(self, error: BaseException, save: SaveRound | None = None) -> None:
        self.show_error(error)
        self._settings_errors().add(self.banner.label.text())
        if save is not None:
            save.fail()

    def _settings_saved(self) -> None:
        """Take away the banner when it still shows an error of an earlier save."""
        if self.banner.isVisible() and self.banner.label.text() in self._settings_errors():
            self.banner.hide()
        self._settings_errors().clear()

    def apply_changes(self, settings: Any, changes: dict[str, Any]) -> None:
        """Apply changed settings, each the way its description says (``SettingSpec.apply``).

        Once every part has gone through, the banner's error from an earlier save (or from a model that failed
        to load) is taken away.
        """
        if self.model_status.text() == MODEL_FAILED and self.banner.isVisible():
            self._settings_errors().add(self.banner.label.text())  # the model's failure: a save may fix it
        save = SaveRound(self._settings_saved).start()
        applied = {name: SETTING_SPECS[name].apply for name in changes}
        saved = (APPLY_AT_ONCE, APPLY_RELOAD, APPLY_RESTART)
        plain = {name: value for name, value in changes.items() if applied[name] in saved}
        if plain:
            self.apply_settings(plain, APPLY_RELOAD in (applied[name] for name in plain), save.start())
        if APPLY_REEMBED in applied.values():
            folder = changes["embedding_model_path"]
            self.change_embedding_model(Path(folder) if folder else None)
        if APPLY_ADAPTER in applied.values():
            path = changes.get("adapter_path", settings.adapter_path)
            self.set_adapter(Path(path) if path else None, changes.get("adapter_scale", settings.adapter_scale),
                             save.start())
        save.done()

    def set_adapter(self, path: Path | None, scale: float, save: SaveRound | None = None) -> None:
        """Apply, switch or remove the LoRA adapter on the loaded model, in the background (no reload)."""
        def apply(engine: Engine) -> ModelInfo:
            if path is None:
                engine.models.clear_adapter()
            else:
                engine.models.set_adapter(path, scale)
            return engine.models.load()

        def done(info: ModelInfo) -> None:
            self._model_loaded(info)
            if save is not None:
                save.done()

        def failed(error: BaseException) -> None:
            self._settings_failed(error, save)
            self.tasks.run(lambda engine: engine.models.load(), self._model_loaded, self._model_failed)

        self.model_status.setText("Model: applying the adapter…")
        self.tasks.run(apply, done, failed)

    def change_embedding_model(self, folder: Path | None) -> None:
        """Re-embed the library in the background; searches use the old model until it is done."""
        def progress(step: Any) -> None:
            self.statusBar().showMessage(f"Re-embedding the library with the new model: {step.done}/{step.total}")

        def done(_result: object) -> None:
            self.statusBar().showMessage("The library now uses the new embedding model", 8000)

        self.tasks.stream(lambda engine, token: engine.library.change_embedding_model(folder, token), progress, done,
                          self._settings_failed)

    def apply_settings(self, changes: dict[str, Any], reload_model: bool, save: SaveRound | None = None) -> None:
        """Save ``changes`` in the background, then load the model again if ``reload_model``."""
        save = save or SaveRound(self._settings_saved).start()

        def done(_settings: object) -> None:
            self.statusBar().showMessage("Settings saved", 4000)
            if reload_model:
                self._reload_model(save)
            else:
                save.done()

        self.tasks.run(lambda engine: engine.update_settings(**changes), done,
                       lambda error: self._settings_failed(error, save))

    def _reload_model(self, save: SaveRound) -> None:
        def loaded(info: ModelInfo) -> None:
            self._model_loaded(info)
            save.done()

        def failed(error: BaseException) -> None:
            self.model_status.setText(MODEL_FAILED)
            self._settings_failed(error, save)

        self.model_status.setText("Model: loading…")
        self.tasks.run(lambda engine: engine.models.load(with_embedder=True), loaded, failed)
