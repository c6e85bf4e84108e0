"""The engine facade: the one object the CLI and the window talk to.

It owns the database connection, the vector index, the embedder and the chat
model. Models load on first use, so creating an Engine is cheap. An Engine is
used by one thread at a time (the CLI's, or the window's worker thread).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from desktop_app.cancel import CancelToken
from desktop_app.engine.answer_cache import AnswerCache, Replay, answer_fingerprint, answer_payload, replay
from desktop_app.engine.answering import (
    Answer,
    AnswerDone,
    Answerer,
    AnswerEvent,
    AskOptions,
    SourcesFound,
    TokenText,
    safety_policy,
)
from desktop_app.engine.conversations import Conversation, ConversationStore, Message
from desktop_app.engine.doctor import Finding, integrity, keyword_rows, orphan_files, vector_index, vector_rows
from desktop_app.engine.faq import FaqStore
from desktop_app.engine.gguf_info import ModelFileInfo, read_info
from desktop_app.engine.language import detect_language
from desktop_app.engine.llm import LocalModel, ModelInfo, ModelSettings
from desktop_app.engine.lora import ActiveAdapter
from desktop_app.engine.model_files import locate, manifest
from desktop_app.engine.model_manager import ModelCheck, TrialRecord, check_model, list_models, load_model
from desktop_app.engine.pages import PageImage, available_file, render_page_image
from desktop_app.engine.retrieval import Retriever, SearchResult
from desktop_app.engine.settings import Settings, load_settings, save_settings
from desktop_app.engine.templates import TaskTemplate, choose_examples, load_examples, load_templates
from desktop_app.engine.templates import render as render_task
from desktop_app.errors import ModelError, NotFoundError
from desktop_app.home import ensure_home, index_dir, library_db, user_dir, user_models_dir
from desktop_app.indexer.copies import DocumentCopies
from desktop_app.indexer.database import open_database
from desktop_app.indexer.embedder import Embedder
from desktop_app.indexer.embedder_backends import BackendEmbedder, resolve_backend
from desktop_app.indexer.events import IndexEvent
from desktop_app.indexer.extract import PdfExtractor
from desktop_app.indexer.pipeline import Indexer
from desktop_app.indexer.reembed import ReembedProgress, reembed
from desktop_app.indexer.store import DocumentRow, LibraryStore
from desktop_app.indexer.vectors import VectorIndex


class Engine:
    def __init__(self, home: Path | None = None, settings: Settings | None = None) -> None:
        self.home = ensure_home(home) if home else user_dir()
        self._settings = settings or load_settings(self.home)
        self.db = open_database(library_db(self.home))
        self.store = LibraryStore(self.db)
        self._conversations = ConversationStore(self.db)
        self._embedder: Embedder | None = None
        self._vectors: VectorIndex | None = None
        self._model: LocalModel | None = None
        self._extractor: PdfExtractor | None = None
        self._model_notes: list[str] = []
        self._copies = DocumentCopies(self.home / "files")
        self._verified_files: dict[str, bool] = {}

    # --- settings -----------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, **changes: object) -> Settings:
        """Validate and persist changes; they take effect at once."""
        new = self.override_settings(**changes)
        save_settings(self.home, new)
        return new

    def override_settings(self, **changes: object) -> Settings:
        """Change settings for this session only; a changed model loads on next use."""
        if changes.get("embedding_model_path", self._settings.embedding_model_path) != \
                self._settings.embedding_model_path:
            raise ValueError("The embedding model changes through change_embedding_model(), which re-embeds "
                             "the library first.")
        new = self._settings.changed(**changes)
        if self._model is not None and self._model_settings(new) != self._model.settings:
            self._model.close()
            self._model = None
        self._settings = new
        return new

    # --- components, loaded on first use -----------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            given = Path(self._settings.embedding_model_path) if self._settings.embedding_model_path else None
            self._embedder = self._make_embedder(given)
        return self._embedder

    def change_embedding_model(
        self, folder: Path | None, cancel: CancelToken | None = None
    ) -> Iterator[ReembedProgress]:
        """Re-embed the library with the sentence-transformers model in ``folder`` (None: the bundled one).

        Searches keep using the current model until every chunk has a new
        vector; then the new model becomes the setting and the old vectors go.
        Cancelled or interrupted, it resumes where it stopped next time.
        """
        new = self._make_embedder(folder)
        _ = new.dim
        old_key = self.embedder.key
        yield from reembed(self.store, new, cancel or CancelToken())
        self._settings = self._settings.changed(embedding_model_path=str(folder) if folder else "")
        save_settings(self.home, self._settings)
        self._embedder, self._vectors = new, None
        if old_key != new.key:
            self.store.drop_vectors_except(new.key)
            for stale in index_dir(self.home).glob(f"{old_key}.*"):
                stale.unlink(missing_ok=True)

    def _make_embedder(self, folder: Path | None) -> Embedder:
        """The model in ``folder`` (None: the bundled one) on the backend the settings choose."""
        languages = None if folder else manifest()["embedding"].languages
        return BackendEmbedder(locate("embedding", user_models_dir(self.home), folder), languages,
                               resolve_backend(self._settings.embedding_backend), self.home / "cache")

    @property
    def vectors(self) -> VectorIndex:
        if self._vectors is None:
            self._vectors = VectorIndex(index_dir(self.home), self.embedder.key, self.embedder.dim)
        self._vectors.sync(self.store)
        return self._vectors

    def _model_settings(self, settings: Settings) -> ModelSettings:
        given = Path(settings.model_path) if settings.model_path else None
        return ModelSettings(
            path=locate("chat", user_models_dir(self.home), given), n_ctx=settings.n_ctx,
            n_gpu_layers=settings.n_gpu_layers, n_threads=settings.n_threads or None,
            chat_template=settings.chat_template,
        )

    def load_model(self, with_embedder: bool = False) -> ModelInfo:
        """Load the chat model now, and the embedding model too if asked.

        The window does this in the background at start, so that later work
        does not pause to import and load them.
        """
        if with_embedder:
            _ = self.embedder.dim
        model = self.model
        return ModelInfo(model.settings.path.name, str(model.settings.path), model.n_ctx, model.template_name,
                         model.adapter.label if model.adapter else "", tuple(self._model_notes))

    @property
    def model(self) -> LocalModel:
        if self._model is None:
            record = TrialRecord(self.home / "trial-loads.json")
            loaded = load_model(self._model_settings(self._settings), not self._settings.model_path, record)
            self._model, self._model_notes = loaded.model, loaded.notes
            if self._settings.adapter_path:
                try:
                    self._model.set_adapter(Path(self._settings.adapter_path), self._settings.adapter_scale)
                except ModelError as exc:
                    self._model_notes.append(f"The saved adapter was not applied: {exc}")
        return self._model

    # --- model files and adapters ---------------------------------------------------
    def model_files(self) -> list[tuple[Path, ModelFileInfo | ModelError]]:
        return list_models(user_models_dir(self.home))

    def model_file_info(self, path: Path) -> ModelFileInfo:
        """What a GGUF file holds, read without loading its weights."""
        return read_info(path)

    def check_model(self, path: Path, adapter: Path | None = None) -> ModelCheck:
        return check_model(path, self._settings.n_ctx, self._settings.n_gpu_layers, adapter)

    def set_adapter(self, path: Path, scale: float = 1.0, persist: bool = True) -> ActiveAdapter:
        """Apply a LoRA adapter to the loaded model (no reload); checked against the model first."""
        active = self.model.set_adapter(path, scale)
        self._settings = self._settings.changed(adapter_path=str(active.path), adapter_scale=active.scale)
        if persist:
            save_settings(self.home, self._settings)
        return active

    def clear_adapter(self) -> None:
        if self._model is not None:
            self._model.clear_adapter()
        self._settings = self._settings.changed(adapter_path="", adapter_scale=1.0)
        save_settings(self.home, self._settings)

    # --- library ------------------------------------------------------------------
    def index(
        self, paths: Iterable[Path], password: str | None = None, cancel: CancelToken | None = None
    ) -> Iterator[IndexEvent]:
        if self._extractor is None:
            self._extractor = PdfExtractor()
        copies = self._copies if self._settings.keep_copies else None
        indexer = Indexer(self.store, self.vectors, self.embedder, self._extractor, copies)
        yield from indexer.index(paths, password, cancel or CancelToken())

    def documents(self) -> list[DocumentRow]:
        return self.store.documents()

    def find_document(self, ref: str) -> DocumentRow:
        """A document by id, file name or title."""
        for doc in self.store.documents():
            if ref in (str(doc.id), Path(doc.path).name, doc.title):
                return doc
        raise NotFoundError(f"No document matches {ref!r}. `desktop-app docs list` shows the library.")

    def remove_document(self, document_id: int) -> DocumentRow:
        doc = self.store.document(document_id)
        if doc is None:
            raise NotFoundError(f"There is no document {document_id}.")
        vectors = self.vectors
        removed = self.store.remove_document(document_id)
        vectors.apply([], None, removed, self.store.version())
        vectors.save(self.store)
        self._copies.discard(doc.sha256)
        return doc

    def render_page(
        self, document_id: int, page: int, zoom: float = 1.5, positions: list[list[float]] | None = None
    ) -> PageImage:
        """A page as PNG with ``positions`` (from a citation) as highlight rectangles in image pixels."""
        doc = self.store.document(document_id)
        if doc is None:
            raise NotFoundError("That document has been removed from the library.")
        path, note = available_file(doc, self._copies, self._verified_files)
        return render_page_image(doc, path, note, page, zoom, positions or [])

    def document_file(self, document_id: int) -> Path | None:
        """The file to open in the system viewer: the original, or the kept copy."""
        doc = self.store.document(document_id)
        return available_file(doc, self._copies, self._verified_files)[0] if doc else None

    def doctor(self, repair: bool = False) -> list[Finding]:
        """Check SQLite, the keyword rows, the vectors, the HNSW index and stray files; repair if asked."""
        findings = [integrity(self.store)]
        if not findings[0].ok:
            return findings
        findings += keyword_rows(self.store, repair)
        findings.append(vector_rows(self.store, self.embedder, repair))
        self._vectors = None
        index = VectorIndex(index_dir(self.home), self.embedder.key, self.embedder.dim)
        findings.append(vector_index(self.store, index, repair))
        findings.append(orphan_files(self.store, self.home, self.embedder.key, repair))
        return findings

    # --- questions ----------------------------------------------------------------
    def search(self, query: str, k: int | None = None, mode: str | None = None) -> SearchResult:
        return self._retriever().search(query, k or self._settings.top_k, mode or self._settings.retrieval_mode)

    def ask(
        self, question: str, conversation_id: int | None = None, cancel: CancelToken | None = None,
        options: AskOptions | None = None,
    ) -> Iterator[AnswerEvent]:
        """Stream the answer to ``question`` as events; the last one is ``AnswerDone``.

        A plain question (no ``options``) that the safety policy lets through
        gets a curated answer when one matches, else, when it opens a
        conversation, the cached answer to the same question under the same
        library, models and settings; both come at once, without the model.
        Follow-ups never use the cache: their answer depends on the conversation.
        """
        opens = options is None and self._opens_conversation(conversation_id)
        shortcut = self._shortcut(question, opens) if options is None else None
        if shortcut is not None:
            yield from self._replay(question, conversation_id, *shortcut)
            return
        answerer = Answerer(self.store, self._conversations, self._retriever(), lambda: self.model,
                            lambda: self._settings)
        cache_as = self._answer_fingerprint() if opens and self._settings.cache_enabled else None
        for event in answerer.ask(question, conversation_id, cancel or CancelToken(), options):
            if cache_as and isinstance(event, AnswerDone) and cacheable(event.answer):
                self.answer_cache.store(question, cache_as, answer_payload(event.answer))
            yield event

    def _opens_conversation(self, conversation_id: int | None) -> bool:
        return conversation_id is None or not self._conversations.messages(conversation_id)

    def _shortcut(self, question: str, opens: bool) -> tuple[Replay, str] | None:
        """A curated answer, or a cached one for a first question, with its origin; None: ask the model."""
        question = question.strip()
        if not question or self.store.chunk_count() == 0 or \
                safety_policy(self._settings).check_question(question) is not None:
            return None
        if self._settings.faq_enabled and (curated := self.faq.match(question)) is not None:
            found = replay(curated.payload())
            return (found, "faq") if found else None
        under = self._answer_fingerprint() if opens and self._settings.cache_enabled else None
        cached = self.answer_cache.lookup(question, under) if under else None
        found = replay(cached.payload) if cached else None
        return (found, "cache") if found else None

    def _replay(
        self, question: str, conversation_id: int | None, shown: Replay, origin: str
    ) -> Iterator[AnswerEvent]:
        """A curated or cached answer as the usual events, recorded in the conversation like any answer."""
        question = question.strip()
        if conversation_id is None:
            conversation_id = self._conversations.create(question)
        self._conversations.add_message(conversation_id, "user", question, search_query=question)
        sources = shown.citations or shown.related
        meta = {"origin": origin, "origin_details": shown.details, "abstained": False,
                "cited": bool(shown.citations), "flagged_sources": shown.flagged_sources,
                "verification": shown.verification.to_dict() if shown.verification else None}
        message_id = self._conversations.add_message(conversation_id, "assistant", shown.text,
                                                     sources=[c.to_dict() for c in sources], meta=meta)
        yield SourcesFound(conversation_id, question, sources, None)
        yield TokenText(shown.text)
        yield AnswerDone(Answer(
            conversation_id, message_id, question, question, detect_language(question), shown.text,
            shown.citations, shown.related, abstained=False, stopped=False,
            unknown_citations=shown.unknown_citations, verification=shown.verification,
            flagged_sources=shown.flagged_sources, origin=origin,
        ))

    def _answer_fingerprint(self) -> str | None:
        """Everything besides the question that an answer depends on (see answer_cache.py).

        None when the chat model cannot be found: nothing is cached, and the
        answer itself reports the missing model.
        """
        settings = self._settings
        try:
            model_path = self._model.settings.path if self._model else self._model_settings(settings).path
        except ModelError:
            return None
        adapter = Path(settings.adapter_path) if settings.adapter_path else None
        return answer_fingerprint(self.store.version(), model_path, adapter, settings.adapter_scale,
                                  self.embedder.key, settings)

    # --- curated answers and the answer cache -------------------------------------------
    @property
    def faq(self) -> FaqStore:
        return FaqStore(self.db, self.embedder)

    @property
    def answer_cache(self) -> AnswerCache:
        return AnswerCache(self.db, self.embedder)

    def clear_answer_cache(self) -> int:
        """Forget every cached answer; how many there were."""
        return self.answer_cache.clear()

    def regenerate_strictly(self, conversation_id: int, cancel: CancelToken | None = None) -> Iterator[AnswerEvent]:
        """Ask the conversation's last question again with a stricter prompt (after an unsupported answer)."""
        questions = [m for m in self._conversations.messages(conversation_id) if m.role == "user"]
        if not questions:
            raise NotFoundError("This conversation has no question to answer again.")
        last = questions[-1]
        yield from self.ask(last.content, conversation_id, cancel,
                            AskOptions(search_query=last.search_query, strict=True))

    def task_templates(self) -> dict[str, TaskTemplate]:
        return load_templates(self.home)

    def run_task(
        self, name: str, values: dict[str, str], conversation_id: int | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[AnswerEvent]:
        """Run a task template; document variables name documents (id, file name or title)."""
        templates = self.task_templates()
        if name not in templates:
            raise NotFoundError(f"There is no task '{name}'. Tasks: {', '.join(sorted(templates))}.")
        task = render_task(templates[name], values)
        documents = [self.find_document(ref).id for ref in task.document_refs]
        options = AskOptions(search_query=task.query, documents=documents, examples=self._examples(task.query),
                             json_schema=values.get("schema", "") if task.template.output == "json" else "")
        yield from self.ask(task.message, conversation_id, cancel, options)

    def _examples(self, query: str) -> list[tuple[str, str]]:
        examples = load_examples(self.home)
        if not examples:
            return []
        vectors = self.embedder.encode([e["question"] for e in examples])
        chosen = choose_examples(self.embedder.encode([query])[0], vectors)
        return [(examples[i]["question"], examples[i]["answer"]) for i in chosen]

    def _retriever(self) -> Retriever:
        return Retriever(self.store, self.vectors, self.embedder, self._settings.relevance_floor)

    # --- conversations ------------------------------------------------------------
    def conversations(self) -> list[Conversation]:
        return self._conversations.all()

    def conversation(self, conversation_id: int) -> tuple[Conversation, list[Message]]:
        return self._conversations.get(conversation_id), self._conversations.messages(conversation_id)

    def new_conversation(self, title: str = "New conversation") -> int:
        return self._conversations.create(title)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self._conversations.rename(conversation_id, title)

    def delete_conversation(self, conversation_id: int) -> None:
        self._conversations.delete(conversation_id)

    def export_markdown(self, conversation_id: int) -> str:
        return self._conversations.export_markdown(conversation_id)

    def close(self) -> None:
        if self._extractor is not None:
            self._extractor.close()
        if self._vectors is not None:
            self._vectors.save(self.store)
        if self._model is not None:
            self._model.close()
            self._model = None
        self.db.conn.close()


def cacheable(answer: Answer) -> bool:
    """Only complete model answers are kept: not stopped, refused, abstained, empty or structured."""
    return not (answer.stopped or answer.refused or answer.abstained or answer.structured is not None) \
        and bool(answer.text.strip())
