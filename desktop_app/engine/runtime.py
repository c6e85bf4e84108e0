"""What an engine holds: its data folder, settings, database and stores, and the models loaded on first use.

The facade and its managers share one ``Runtime``; nothing outside the
engine package sees it. A runtime can *borrow* another's models
(``Runtime.borrowing``): a scratch library (the evaluation's) then answers
with the chat model and embedder already loaded, never a second copy, and
closing it leaves them loaded.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

from desktop_app.engine.answering.conversations import ConversationStore
from desktop_app.engine.library.quotes import OpenDocuments, QuoteLocator, quote_locator
from desktop_app.engine.models.chat import ModelSettings
from desktop_app.engine.models.embedding import Embedder
from desktop_app.engine.models.embedding_backends import BackendEmbedder, passage_backend, resolve_backend
from desktop_app.engine.models.files import locate, manifest
from desktop_app.engine.models.kv_state import FOLDER as KV_FOLDER
from desktop_app.engine.models.kv_state import KvStore
from desktop_app.engine.models.loading import TrialRecord, load_model
from desktop_app.engine.models.server import ChatModel, ServerModel, ServerSettings
from desktop_app.engine.settings import (
    SERVER_KEY_ENV,
    SERVER_URL_ENV,
    SETTING_SPECS,
    Settings,
    load_settings,
    save_settings,
)
from desktop_app.errors import ModelError
from desktop_app.home import ensure_home, index_dir, library_db, user_dir, user_models_dir
from desktop_app.indexer.extract import PdfExtractor
from desktop_app.store.copies import DocumentCopies
from desktop_app.store.database import open_database
from desktop_app.store.library import LibraryStore
from desktop_app.store.vectors import VectorIndex


def server_settings(settings: Settings) -> ServerSettings | None:
    """Where the inference server is, when answers come from one: ``DESKTOP_APP_SERVER_URL`` (and
    ``DESKTOP_APP_SERVER_KEY``) for one run, else the settings' server backend; None for the local model."""
    url = os.environ.get(SERVER_URL_ENV, "").strip()
    if not url and settings.model_backend != "server":
        return None
    if not url and not settings.server_url.strip():
        raise ModelError("Answers are set to come from an inference server, but no address is set. Enter it in "
                         "Settings > Model, or choose the model file on this computer there.")
    return ServerSettings(url=url or settings.server_url, model=settings.server_model.strip(),
                          api_key=os.environ.get(SERVER_KEY_ENV, "") or settings.server_api_key,
                          ca_file=settings.server_ca_file, n_ctx=settings.n_ctx)


class Runtime:
    def __init__(self, home: Path | None = None, settings: Settings | None = None,
                 lender: Runtime | None = None) -> None:
        self.home = ensure_home(home) if home else user_dir()
        self.settings = settings or load_settings(self.home)
        self.db = open_database(library_db(self.home))
        self.store = LibraryStore(self.db)
        self.conversations = ConversationStore(self.db)
        self.copies = DocumentCopies(self.home / "files")
        self.verified_files: dict[str, bool] = {}
        self.passwords: dict[str, str] = {}
        """Passwords of encrypted documents by sha256, for this session only: never written to disk or logs."""
        self.open_documents = OpenDocuments()
        self.model_notes: list[str] = []
        self._lender = lender
        self._embedder: Embedder | None = None
        self._vectors: VectorIndex | None = None
        self._model: ChatModel | None = None
        self._extractor: PdfExtractor | None = None

    @classmethod
    def borrowing(cls, lender: Runtime, home: Path, settings: Settings) -> Runtime:
        """A runtime over the library in ``home`` that uses ``lender``'s models (its model settings win)."""
        models = {name: getattr(lender.settings, name) for name, spec in SETTING_SPECS.items()
                  if spec.group == "Model"}
        settings = settings.changed(**models)
        return cls(home, settings, lender)

    def save_settings(self, settings: Settings) -> None:
        self.settings = settings
        save_settings(self.home, settings)

    # --- models, loaded on first use ------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._lender is not None:
            return self._lender.embedder
        if self._embedder is None:
            given = Path(self.settings.embedding_model_path) if self.settings.embedding_model_path else None
            self._embedder = self.make_embedder(given)
        return self._embedder

    def make_embedder(self, folder: Path | None) -> Embedder:
        """The model in ``folder`` (None: the bundled one) on the backend the settings choose."""
        languages = None if folder else manifest()["embedding"].languages
        backend = resolve_backend(self.settings.embedding_backend)
        return BackendEmbedder(locate("embedding", user_models_dir(self.home), folder), languages, backend,
                               self.home / "cache", passage_backend(backend, self.settings.int8_passages))

    def use_embedder(self, embedder: Embedder) -> None:
        self._embedder, self._vectors = embedder, None

    @property
    def vectors(self) -> VectorIndex:
        """The HNSW index of the current embedder, brought in step with SQLite."""
        if self._vectors is None:
            self._vectors = VectorIndex(index_dir(self.home), self.embedder.key, self.embedder.dim)
        self._vectors.sync(self.store)
        return self._vectors

    def forget_vectors(self) -> None:
        self._vectors = None

    @property
    def extractor(self) -> PdfExtractor:
        if self._extractor is None:
            self._extractor = PdfExtractor()
        return self._extractor

    def model_settings(self, settings: Settings) -> ModelSettings | ServerSettings:
        """What the chat model is loaded from: the server's settings, or the model file's."""
        return server_settings(settings) or self.file_model_settings(settings)

    def file_model_settings(self, settings: Settings) -> ModelSettings:
        given = Path(settings.model_path) if settings.model_path else None
        return ModelSettings(
            path=locate("chat", user_models_dir(self.home), given), n_ctx=settings.n_ctx,
            n_gpu_layers=settings.n_gpu_layers, n_threads=settings.n_threads or None,
            chat_template=settings.chat_template, cpu_copy=settings.q8_0_copy,
        )

    @property
    def model(self) -> ChatModel:
        if self._lender is not None:
            return self._lender.model
        if self._model is None:
            wanted = self.model_settings(self.settings)
            if isinstance(wanted, ServerSettings):
                self._model, self.model_notes = ServerModel(wanted), []
                return self._model
            record = TrialRecord(self.home / "trial-loads.json")
            loaded = load_model(wanted, not self.settings.model_path, record)
            self._model, self.model_notes = loaded.model, loaded.notes
            if self.settings.adapter_path:
                try:
                    self._model.set_adapter(Path(self.settings.adapter_path), self.settings.adapter_scale)
                except ModelError as exc:
                    self.model_notes.append(f"The saved adapter was not applied: {exc}")
        return self._model

    def kv_store(self) -> KvStore:
        """Where conversations' KV caches are kept between answers (``kv_state``), at the current budget."""
        return KvStore(self.home / KV_FOLDER, self.settings.kv_disk_mb << 20)

    @property
    def loaded_model(self) -> ChatModel | None:
        """The chat model if it is loaded now (never loads it)."""
        return self._lender.loaded_model if self._lender is not None else self._model

    def unload_model(self) -> None:
        """Close the chat model (this runtime's or the lender's); it loads again on next use."""
        if self._lender is not None:
            self._lender.unload_model()
        elif self._model is not None:
            self._model.close()
            self._model = None

    def unload_model_if_changed(self, settings: Settings) -> None:
        """Close the loaded model when ``settings`` need another one; it loads again on next use."""
        if self._lender is None and self._model is not None and \
                self.model_settings(settings) != self._model.settings:
            self._model.close()
            self._model = None

    def quote_locator(self) -> AbstractContextManager[QuoteLocator]:
        """Places quotes on their pages for one answer (or one comparison, or one find), with the PDFs kept open
        between answers."""
        return quote_locator(self.store, self.copies, self.verified_files, self.passwords, self.open_documents)

    def close(self) -> None:
        self.passwords.clear()
        self.open_documents.close()
        if self._extractor is not None:
            self._extractor.close()
        if self._vectors is not None:
            self._vectors.save(self.store)
        if self._model is not None:
            self._model.close()
            self._model = None
        self.db.conn.close()
