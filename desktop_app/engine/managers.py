"""The managers the facade hands out: the library and the models, over the engine's runtime."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from desktop_app.cancel import CancelToken
from desktop_app.engine.library.doctor import Finding, integrity, keyword_rows, orphan_files, vector_index, vector_rows
from desktop_app.engine.library.pages import PageImage, available_file, locked_message, render_page_image
from desktop_app.engine.models.chat import Generation, LocalModel, ModelInfo, ModelSettings
from desktop_app.engine.models.files import bundled_file, manifest
from desktop_app.engine.models.gguf_info import ModelFileInfo, read_info
from desktop_app.engine.models.loading import ModelCheck, check_model, list_models
from desktop_app.engine.models.lora import ActiveAdapter
from desktop_app.engine.models.server import ServerModel, ServerSettings, server_model_names
from desktop_app.engine.runtime import Runtime
from desktop_app.errors import InputError, ModelError, NotFoundError
from desktop_app.home import index_dir, user_models_dir
from desktop_app.indexer.events import FileIndexed, IndexEvent
from desktop_app.indexer.pipeline import Indexer, stale_documents
from desktop_app.indexer.reembed import ReembedProgress, reembed
from desktop_app.store.library import DocumentRow
from desktop_app.store.vectors import VectorIndex


def name_key(name: str) -> str:
    """A name as it is compared: Unicode NFC, every run of white space of any kind one plain space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", name).split())


class LibraryManager:
    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime

    def index(
        self, paths: Iterable[Path], password: str | None = None, cancel: CancelToken | None = None
    ) -> Iterator[IndexEvent]:
        """Index files and folders as a stream of events (see ``desktop_app.indexer.events``).

        A ``password`` that indexed a document is kept in memory for this session, so its pages and
        quotes can be shown; it is never written anywhere.
        """
        rt = self._rt
        copies = rt.copies if rt.settings.keep_copies else None
        indexer = Indexer(rt.store, rt.vectors, rt.embedder, rt.extractor, copies)
        for event in indexer.index(paths, password, cancel or CancelToken()):
            if password and isinstance(event, FileIndexed) and (doc := rt.store.document(event.document_id)):
                rt.passwords[doc.sha256] = password
            yield event

    def documents(self) -> list[DocumentRow]:
        return self._rt.store.documents()

    def stale_documents(self) -> list[DocumentRow]:
        """Documents an older extractor stored; ``refresh`` reads them again."""
        return stale_documents(self._rt.store)

    def refresh(self, cancel: CancelToken | None = None) -> Iterator[IndexEvent]:
        """Read again, in place and with progress events, every document an older extractor stored.

        Each keeps its id, so conversations' citations still open it; one whose
        file is gone keeps its stored text (``FileFailed`` says so). See
        ``Indexer.refresh``.
        """
        rt = self._rt
        indexer = Indexer(rt.store, rt.vectors, rt.embedder, rt.extractor, rt.copies)
        yield from indexer.refresh(rt.passwords, cancel or CancelToken())

    def chunk_count(self) -> int:
        return self._rt.store.chunk_count()

    def find(self, ref: str) -> DocumentRow:
        """A document by id, file name (of any of its names) or title; ``NotFoundError`` if none matches.

        Names match whatever Unicode form and white-space kind they were
        typed in: "café report.pdf" finds a file whose name has a decomposed
        accent (as macOS writes names) or a no-break space.
        """
        return self.find_name(ref)[0]

    def find_name(self, ref: str) -> tuple[DocumentRow, str]:
        """The document ``ref`` finds (as ``find`` does) and which of its names it means.

        That is the name whose whole path ``ref`` is (as typed, or relative to the working folder), else
        whose file name it is; an id or a title means the document's shown name (``DocumentRow.path``). Raises
        ``NotFoundError`` when nothing matches and ``InputError`` when a file name or title is shared by
        several documents (two "notes.md" in different folders), naming each by id and path: acting on
        either one then would be a guess.
        """
        wanted = name_key(ref)
        documents = self._rt.store.documents()
        by_id = [doc for doc in documents if str(doc.id) == wanted]
        if by_id:
            return by_id[0], by_id[0].path
        typed = {wanted, name_key(str(Path(ref).expanduser().resolve()))}
        whole = [(doc, n) for doc in documents for n in doc.names or (doc.path,) if name_key(n) in typed]
        named = whole or [(doc, n) for doc in documents for n in doc.names or (doc.path,)
                          if name_key(Path(n).name) == wanted]
        titled = [(doc, doc.path) for doc in documents if name_key(doc.title) == wanted]
        matches: dict[int, tuple[DocumentRow, str]] = {}
        for doc, name in [*named, *titled]:
            matches.setdefault(doc.id, (doc, name))
        if len(matches) == 1:
            return next(iter(matches.values()))
        if not matches:
            raise NotFoundError(f"No document matches {ref!r}. `desktop-app docs list` shows the library.")
        listed = "; ".join(f"{doc.id} ({name})" for doc, name in matches.values())
        raise InputError(f"{len(matches)} documents match {ref!r}: {listed}. Give the id or the whole path of the "
                         "one you mean.")

    def remove(self, target: int | str) -> DocumentRow:
        """Remove a document with all its names (``target``: its id), or one of its names (a path from
        ``DocumentRow.names``); returns the document as it was. ``NotFoundError`` if there is no such one.

        The same bytes indexed under several file names are one document.
        Removing one name keeps its chunks, vectors and private copy while
        another name remains (it is then shown under a remaining name);
        removing its last name removes it all.
        """
        rt = self._rt
        doc = next((d for d in rt.store.documents() if target in (d.id, *d.names)), None)
        if doc is None:
            raise NotFoundError(f"There is no document {target}." if isinstance(target, int) else
                                f"No document has the name {target}. `desktop-app docs list` shows the library.")
        if isinstance(target, int):
            removed, gone = rt.store.remove_document(doc.id), True
        else:
            change = rt.store.remove_name(doc.id, target)
            removed, gone = list(change.chunks), bool(change.removed)
        rt.vectors.apply([], None, removed, rt.store.version())
        rt.vectors.save(rt.store)
        if gone:
            rt.copies.discard(doc.sha256)
        return doc

    def text_rects(self, document_id: int, page: int, text: str) -> list[list[float]]:
        """Where ``text`` is on a page: a rectangle per line of each occurrence ([page, x0, y0, x1, y1] in PDF
        points, as citations give them), for highlighting a find's hit or a comparison's sentence."""
        rt = self._rt
        with rt.quote_locator() as locator:
            return locator.on_page(document_id, page, text)

    def render_page(
        self, document_id: int, page: int, zoom: float = 1.5, positions: list[list[float]] | None = None,
        password: str | None = None,
    ) -> PageImage:
        """A page as PNG with ``positions`` (from a citation) as highlight rectangles in image pixels.

        An encrypted document opens with ``password``, else with the one kept from indexing or an
        earlier call; a password that opens it is kept in memory for the session. Without one that
        works the image is empty, with ``needs_password`` set and a message saying what to do.
        """
        rt = self._rt
        doc = rt.store.document(document_id)
        if doc is None:
            raise NotFoundError("That document has been removed from the library.")
        path, note = available_file(doc, rt.copies, rt.verified_files)
        known = rt.passwords.get(doc.sha256)
        image = render_page_image(doc, path, note, page, zoom, positions or [], password or known)
        if password and image.png:
            rt.passwords[doc.sha256] = password
        elif known and not password and image.needs_password:  # the file changed and the kept one is stale
            del rt.passwords[doc.sha256]
            image = replace(image, message=locked_message(doc, None))
        return image

    def document_file(self, document_id: int) -> Path | None:
        """The file to open in the system viewer: the original, or the kept copy."""
        doc = self._rt.store.document(document_id)
        return available_file(doc, self._rt.copies, self._rt.verified_files)[0] if doc else None

    def doctor(self, repair: bool = False) -> list[Finding]:
        """Check SQLite, the keyword rows, the vectors, the HNSW index and stray files; repair if asked."""
        rt = self._rt
        findings = [integrity(rt.store)]
        if not findings[0].ok:
            return findings
        findings += keyword_rows(rt.store, repair)
        findings.append(vector_rows(rt.store, rt.embedder, repair))
        rt.forget_vectors()
        index = VectorIndex(index_dir(rt.home), rt.embedder.key, rt.embedder.dim)
        findings.append(vector_index(rt.store, index, repair))
        findings.append(orphan_files(rt.store, rt.home, rt.embedder.key, repair))
        return findings

    def embedding_model_folder(self) -> Path:
        """The folder of the sentence-transformers model the library is embedded with."""
        return self._rt.embedder.model_dir

    def change_embedding_model(
        self, folder: Path | None, cancel: CancelToken | None = None
    ) -> Iterator[ReembedProgress]:
        """Re-embed the library with the sentence-transformers model in ``folder`` (None: the bundled one).

        Searches keep using the current model until every chunk has a new
        vector; then the new model becomes the setting and the old vectors go.
        Cancelled or interrupted, it resumes where it stopped next time.
        """
        rt = self._rt
        new = rt.make_embedder(folder)
        _ = new.dim
        old_key = rt.embedder.key
        yield from reembed(rt.store, new, cancel or CancelToken())
        rt.save_settings(rt.settings.changed(embedding_model_path=str(folder) if folder else ""))
        rt.use_embedder(new)
        if old_key != new.key:
            rt.store.drop_vectors_except(new.key)
            for stale in index_dir(rt.home).glob(f"{old_key}.*"):
                stale.unlink(missing_ok=True)


class ModelManager:
    def __init__(self, runtime: Runtime) -> None:
        self._rt = runtime

    def load(self, with_embedder: bool = False) -> ModelInfo:
        """Load the chat model now (and the embedding model if asked); what was loaded.

        The window does this in the background at start, so that later work
        does not pause to import and load them. Raises ``ModelError``.
        """
        if with_embedder:
            self.load_embedder()
        return self.info()

    def load_embedder(self) -> None:
        """Load the embedding model now, so that timed work after it does not include loading it."""
        _ = self._rt.embedder.dim

    def busy(self) -> bool:
        """Whether the chat model is in the middle of an answer (a stream paused between pieces counts)."""
        model = self._rt.loaded_model
        return model is not None and model.streaming

    def server_models(self, url: str, api_key: str = "", ca_file: str = "") -> list[str]:
        """The model names an inference server lists, for choosing one in settings; ``ModelError`` says why not."""
        return server_model_names(ServerSettings(url, api_key=api_key, ca_file=ca_file))

    def info(self) -> ModelInfo:
        """The loaded chat model (loading it first if needed)."""
        model = self._rt.model
        where = model.settings.root if isinstance(model, ServerModel) else str(model.settings.path)
        bundled = bundled_file(manifest()["chat"])
        demonstration = isinstance(model, LocalModel) and bundled is not None and \
            Path(model.settings.path).resolve() == bundled.resolve()
        return ModelInfo(model.label, where, model.n_ctx, model.template_name,
                         model.adapter.label if model.adapter else "", tuple(self._rt.model_notes), demonstration,
                         isinstance(model, ServerModel), model.weights.copy if isinstance(model, LocalModel) else "")

    def files(self) -> list[tuple[Path, ModelFileInfo | ModelError]]:
        """The bundled model and the user's GGUF files, each with what it holds or why it cannot be read."""
        return list_models(user_models_dir(self._rt.home))

    def file_info(self, path: Path) -> ModelFileInfo:
        """What a GGUF file holds, read without loading its weights."""
        return read_info(path)

    def check(self, path: Path, adapter: Path | None = None) -> ModelCheck:
        """Structure, adapter fit, memory and a trial load in a child process; ``ModelError`` when it fails."""
        settings = self._rt.settings
        return check_model(path, settings.n_ctx, settings.n_gpu_layers, adapter)

    def set_adapter(self, path: Path, scale: float = 1.0, persist: bool = True) -> ActiveAdapter:
        """Apply a LoRA adapter to the loaded model (no reload); checked against the model first."""
        rt = self._rt
        active = rt.model.set_adapter(path, scale)
        settings = rt.settings.changed(adapter_path=str(active.path), adapter_scale=active.scale)
        if persist:
            rt.save_settings(settings)
        else:
            rt.settings = settings
        return active

    @contextmanager
    def other_model(self, path: Path) -> Iterator[Callable[[list[dict[str, str]], int, CancelToken], str]]:
        """Another GGUF model for a side job (an evaluation's judge), as a completion function.

        The chat model is unloaded first and loads again on next use, so only
        one model is ever in memory. The function takes chat messages, a token
        limit and a cancel token, and returns the reply ("" when the messages
        do not fit the context). Raises ``ModelError`` for a broken file, or while an answer streams.
        """
        if self.busy():
            raise ModelError("The model is busy with an answer. Wait for it to finish, then try again.")
        settings = self._rt.settings
        self._rt.unload_model()
        model = LocalModel(ModelSettings(path=path, n_ctx=settings.n_ctx, n_threads=settings.n_threads or None))

        def complete(messages: list[dict[str, str]], max_tokens: int, cancel: CancelToken) -> str:
            tokens, stop = model.render(messages)
            if len(tokens) > model.n_ctx - max_tokens:
                return ""
            for piece in model.stream(tokens, stop, max_tokens, 0.0, cancel):
                if isinstance(piece, Generation):
                    return piece.text
            return ""

        try:
            yield complete
        finally:
            model.close()

    def clear_adapter(self) -> None:
        rt = self._rt
        if (model := rt.loaded_model) is not None:
            model.clear_adapter()
        rt.save_settings(rt.settings.changed(adapter_path="", adapter_scale=1.0))
