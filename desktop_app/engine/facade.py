"""The engine facade: the one object the CLI, the window and the evaluation talk to.

It routes; the work is done below it. Questions go to the answerer
(``engine.ask``); the library, the models, conversations and curated answers
are managers on it (``engine.library``, ``engine.models``,
``engine.conversations``, ``engine.curated``), as Anki's collection hands out
its managers. Models load on first use, so creating an Engine is cheap. An
Engine is used by one thread at a time (the CLI's, or the window's worker).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_app.cancel import CancelToken
from desktop_app.engine.answering.answer import (
    Answer,
    AnswerDone,
    AnswerEvent,
    AskOptions,
    Question,
    SourcesFound,
    TokenText,
)
from desktop_app.engine.answering.answerer import Answerer
from desktop_app.engine.answering.conversations import ConversationManager
from desktop_app.engine.answering.evidence import EvidenceSelector
from desktop_app.engine.answering.tasks import (
    BUILT_IN,
    TaskTemplate,
    choose_examples,
    load_examples,
    load_templates,
)
from desktop_app.engine.answering.tasks import render as render_task
from desktop_app.engine.documents.compare import Comparison, compare_documents
from desktop_app.engine.documents.compare_aspect import AspectComparison, compare_on_aspect
from desktop_app.engine.documents.find import FindEvent, FindQuery, find_in_library
from desktop_app.engine.documents.find_answer import count_route
from desktop_app.engine.documents.sections import document_sections
from desktop_app.engine.documents.summary import DocumentSummary, Summariser, SummaryProgress
from desktop_app.engine.documents.summary_answer import summary_answer
from desktop_app.engine.language import detect_language, say
from desktop_app.engine.library.collections import CollectionManager
from desktop_app.engine.library.watch import WatchManager
from desktop_app.engine.managers import LibraryManager, ModelManager
from desktop_app.engine.models.chat import LocalModel, ModelSettings
from desktop_app.engine.retrieval.search import Retriever, SearchResult
from desktop_app.engine.runtime import Runtime
from desktop_app.engine.settings import Settings
from desktop_app.engine.shortcuts.cache import AnswerCache, answer_fingerprint
from desktop_app.engine.shortcuts.curated import FaqStore
from desktop_app.engine.shortcuts.router import Shortcuts
from desktop_app.errors import AppError, InputError, ModelError, NotFoundError
from desktop_app.store.collections import Scope
from desktop_app.store.summaries import SummaryStore


class Engine:
    def __init__(self, home: Path | None = None, settings: Settings | None = None) -> None:
        self._open(Runtime(home, settings))

    def _open(self, runtime: Runtime) -> None:
        self._rt = runtime
        self.library = LibraryManager(runtime)
        self.models = ModelManager(runtime)
        self.conversations = ConversationManager(runtime.conversations,
                                                 lambda conversation_id: runtime.kv_store().forget(conversation_id))
        self.collections = CollectionManager(runtime.db, runtime.store, lambda: runtime.vectors, runtime.copies)
        self.watch = WatchManager(runtime.db, runtime.store, self.library)

    @property
    def home(self) -> Path:
        """The data folder this engine keeps its library, settings and logs in."""
        return self._rt.home

    # --- settings -----------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._rt.settings

    def update_settings(self, **changes: object) -> Settings:
        """Validate and persist changes; they take effect at once. ``ValueError`` names a bad value."""
        new = self.override_settings(**changes)
        self._rt.save_settings(new)
        return new

    def override_settings(self, **changes: object) -> Settings:
        """Change settings for this session only; a changed model loads on next use."""
        if changes.get("embedding_model_path", self.settings.embedding_model_path) != \
                self.settings.embedding_model_path:
            raise ValueError("The embedding model changes through library.change_embedding_model(), which "
                             "re-embeds the library first.")
        new = self.settings.changed(**changes)
        self._rt.unload_model_if_changed(new)
        self._rt.settings = new
        return new

    # --- questions ----------------------------------------------------------------
    def search(self, query: str, k: int | None = None, mode: str | None = None, scope: Scope | None = None
               ) -> SearchResult:
        """The top ``k`` sources for ``query`` (default: the settings' top-k and retrieval mode), within
        ``scope`` (default: the whole library)."""
        return self._retriever().search(query, k or self.settings.top_k, mode or self.settings.retrieval_mode,
                                        scope=self.collections.resolve(scope or Scope()))

    def ask(
        self, question: str, conversation_id: int | None = None, cancel: CancelToken | None = None,
        options: AskOptions | None = None, scope: Scope | None = None,
    ) -> Iterator[AnswerEvent]:
        """Stream the answer to ``question`` as events; the last one is ``AnswerDone``.

        A plain question (no ``options``) that the safety policy lets through
        gets a curated answer when one matches, else, when it opens a
        conversation, the cached answer to the same question under the same
        library, models and settings; both come at once, without the model.
        The question searches its conversation's scope; ``scope`` is the scope
        of a new conversation (with no ``conversation_id``; ignored otherwise).
        Raises ``AppError`` for an empty question, an empty library or scope,
        or a scope whose collection was deleted.
        """
        text = question.strip()
        if conversation_id is None and scope is not None and not scope.whole_library:
            if text and not self.collections.resolve(scope):  # fails before a conversation is made
                raise AppError(say("empty_scope", detect_language(text)))
            conversation_id = self.conversations.new(text, scope)
        opens = conversation_id is None or not self._rt.conversations.messages(conversation_id)
        within = self.collections.resolve(self.conversations.scope(conversation_id)) \
            if conversation_id is not None else None
        asked = Question(text, detect_language(text), conversation_id, options or AskOptions(), opens, within)
        yield from self._answerer().ask(asked, cancel or CancelToken())

    def regenerate_strictly(self, conversation_id: int, cancel: CancelToken | None = None) -> Iterator[AnswerEvent]:
        """Ask the conversation's last question again with a stricter prompt (after an unsupported answer)."""
        questions = [m for m in self._rt.conversations.messages(conversation_id) if m.role == "user"]
        if not questions:
            raise NotFoundError("This conversation has no question to answer again.")
        last = questions[-1]
        yield from self.ask(last.content, conversation_id, cancel,
                            AskOptions(search_query=last.search_query, strict=True))

    def task_templates(self) -> dict[str, TaskTemplate]:
        return load_templates(self.home)

    def run_task(
        self, name: str, values: dict[str, str], conversation_id: int | None = None,
        cancel: CancelToken | None = None, scope: Scope | None = None,
    ) -> Iterator[SummaryProgress | AnswerEvent]:
        """Run a task template; document variables name documents (id, file name or title).

        The built-in "summarise" summarises the whole document (``summarise``), with its progress events.
        It runs in the conversation's scope, or in ``scope`` when it starts one; ``AppError`` for a named
        document outside that scope.
        """
        templates = self.task_templates()
        if name not in templates:
            raise NotFoundError(f"There is no task '{name}'. Tasks: {', '.join(sorted(templates))}.")
        task = render_task(templates[name], values)
        if templates[name] == BUILT_IN["summarise"]:
            yield from self.summarise(task.document_refs, conversation_id=conversation_id, cancel=cancel, scope=scope)
            return
        documents = [self.library.find(ref).id for ref in task.document_refs]
        self._check_in_scope(documents, conversation_id, scope)
        options = AskOptions(search_query=task.query, documents=documents, examples=self._examples(task.query),
                             json_schema=values.get("schema", "") if task.template.output == "json" else "")
        yield from self.ask(task.message, conversation_id, cancel, options, scope)

    def _check_in_scope(self, documents: list[int], conversation_id: int | None, scope: Scope | None) -> Scope:
        """The scope a task or summary runs in (its conversation's, else ``scope``); ``AppError`` when one of
        ``documents`` is outside it."""
        used = self.conversations.scope(conversation_id) if conversation_id is not None else scope or Scope()
        within = self.collections.resolve(used)
        outside = [d for d in documents if within is not None and d not in within]
        if outside:
            titles = {d.id: d.title for d in self.library.documents()}
            raise AppError(f"{', '.join(titles.get(d, str(d)) for d in outside)} is not in this conversation's "
                           f"scope ({self.collections.describe(used)}). Start a conversation in the whole library "
                           "to work on it.")
        return used

    def find(self, query: FindQuery, documents: list[int] | None = None, cancel: CancelToken | None = None
             ) -> Iterator[FindEvent]:
        """Every occurrence of ``query`` on every page of the library (or of ``documents``), streamed.

        Yields ``FindHit`` per occurrence, ``FindProgress`` now and then, and
        ``FindDone`` last (also when cancelled); see ``documents.find``.
        """
        yield from find_in_library(self._rt.store, query, documents, cancel)

    def compare(self, a_ref: str, b_ref: str, cancel: CancelToken | None = None) -> Comparison:
        """Two documents (id, file name or title) section by section, with the changes between versions.

        See ``engine.documents.compare``. Raises ``AppError`` for the same document twice or one without
        text, ``NotFoundError`` for a reference that matches no document. The embedder loads only when
        sections must be matched by their text (not all headings match).
        """
        a, b = self.library.find(a_ref), self.library.find(b_ref)
        return compare_documents(self._rt.store, a.id, b.id, lambda texts: self._rt.embedder.encode(texts), cancel)

    def compare_on_aspect(self, a_ref: str, b_ref: str, aspect: str, cancel: CancelToken | None = None
                          ) -> AspectComparison:
        """What each of two documents says about ``aspect``: its best sentences, quoted with their pages."""
        rt = self._rt
        a, b = self.library.find(a_ref), self.library.find(b_ref)
        selector = EvidenceSelector.for_question(aspect, rt.embedder, rt.settings.evidence_floor)
        with rt.quote_locator() as locate:
            return compare_on_aspect(a, b, aspect, self._retriever(), selector,
                                     locate, rt.settings.retrieval_mode, cancel)

    def summarise(
        self, documents: list[str], extractive: bool | None = None, conversation_id: int | None = None,
        cancel: CancelToken | None = None, scope: Scope | None = None,
    ) -> Iterator[SummaryProgress | AnswerEvent]:
        """Summarise whole documents (ids, file names or titles), reading every part; see ``documents.summary``.

        Yields ``SourcesFound`` (the conversation), ``SummaryProgress`` (parts
        done of all), then the summary's text (``TokenText``) and ``AnswerDone``:
        the summary, kept in a conversation, each point citing its pages. It is
        extractive (no model) with ``extractive`` or, when that is None, in
        quotes-only mode. Cancelled, it keeps the parts done; asking again goes
        on from there. Raises ``NotFoundError`` for an unknown document or
        conversation, ``AppError`` for documents without text or outside the
        conversation's scope (``scope``: that of a new conversation), and
        ``ModelError`` when the model cannot run (a failure midway is recorded
        as the answer).
        """
        rt = self._rt
        rows = list({row.id: row for row in (self.library.find(ref) for ref in documents)}.values())
        if not rows:
            raise InputError("Name a document to summarise.")
        used = self._check_in_scope([row.id for row in rows], conversation_id, scope)
        documents_sections = [(row, document_sections(rt.store, row.id)) for row in rows]
        if not any(sections for _, sections in documents_sections):
            raise AppError(f"{', '.join(row.title for row in rows)} has no text to summarise.")
        if conversation_id is not None:
            rt.conversations.get(conversation_id)  # NotFoundError names an unknown conversation
        use_model = not (rt.settings.quotes_only if extractive is None else extractive)
        model = rt.model if use_model else None
        summariser = Summariser(SummaryStore(rt.db), rt.embedder.encode, rt.embedder.key, model)
        request = "Summarise " + ", ".join(row.title for row in rows)
        conversation_id = conversation_id or rt.conversations.create(request, used.to_json())
        rt.conversations.add_message(conversation_id, "user", request, search_query=request)
        yield SourcesFound(conversation_id, request, [], None)
        try:
            for event in summariser.summarise(documents_sections, cancel or CancelToken()):
                if isinstance(event, DocumentSummary):
                    answer = rt.conversations.add_answer(
                        summary_answer(event, conversation_id, request, model.label if model else ""))
                    yield TokenText(answer.text)
                    yield AnswerDone(answer)
                else:
                    yield event
        except AppError as exc:
            note = (f"The summary stopped: {exc} The parts summarised so far are kept; summarise again to go on "
                    "from there.")
            rt.conversations.add_answer(Answer(conversation_id, 0, request, request, "en", note, [], [],
                                               abstained=True, stopped=True, origin="summary"))
            raise

    def _examples(self, query: str) -> list[tuple[str, str]]:
        examples = load_examples(self.home)
        if not examples:
            return []
        embedder = self._rt.embedder
        vectors = embedder.encode([e["question"] for e in examples])
        chosen = choose_examples(embedder.encode([query])[0], vectors)
        return [(examples[i]["question"], examples[i]["answer"]) for i in chosen]

    def _retriever(self) -> Retriever:
        rt = self._rt
        return Retriever(rt.store, rt.vectors, rt.embedder, rt.settings.relevance_floor)

    def _answerer(self) -> Answerer:
        rt = self._rt
        shortcuts = Shortcuts(self.curated, self._answer_cache(), lambda: rt.settings, self._answer_fingerprint)
        return Answerer(rt.store, rt.conversations, self._retriever(), lambda: rt.model, lambda: rt.settings,
                        shortcuts, rt.quote_locator,
                        count_route(rt.store), rt.kv_store)

    def _answer_fingerprint(self) -> str | None:
        """Everything besides the question that an answer depends on (see shortcuts/cache.py).

        None when the chat model cannot be found: nothing is cached, and the
        answer itself reports the missing model.
        """
        rt = self._rt
        settings = rt.settings
        try:
            wanted = rt.model_settings(settings)
        except ModelError:
            return None
        if not isinstance(wanted, ModelSettings):
            return None  # a server's model can change behind its address: its answers are not cached
        loaded = rt.loaded_model
        model_path = loaded.settings.path if isinstance(loaded, LocalModel) else wanted.path
        adapter = Path(settings.adapter_path) if settings.adapter_path else None
        return answer_fingerprint(rt.store.version(), model_path, adapter, settings.adapter_scale,
                                  rt.embedder.key, settings)

    # --- curated answers and the answer cache -------------------------------------------
    @property
    def curated(self) -> FaqStore:
        """Curated answers: list, add, update, remove, import, export, match."""
        return FaqStore(self._rt.db, self._rt.embedder)

    def _answer_cache(self) -> AnswerCache:
        return AnswerCache(self._rt.db, self._rt.embedder)

    def clear_answer_cache(self) -> int:
        """Forget every cached answer; how many there were."""
        return self._answer_cache().clear()

    # --- a scratch library --------------------------------------------------------
    @contextmanager
    def scratch(self, settings: Settings | None = None) -> Iterator[Engine]:
        """An engine over a new, empty library in a temporary folder, removed afterwards.

        It answers with this engine's chat model and embedder (loaded once,
        shared, and left loaded when the scratch closes), so an evaluation
        never loads a second model. Its model settings are this engine's;
        the rest come from ``settings``.
        """
        with tempfile.TemporaryDirectory(prefix="desktop-app-scratch-") as folder:
            scratch = Engine.__new__(Engine)
            scratch._open(Runtime.borrowing(self._rt, Path(folder), settings or self.settings))
            try:
                yield scratch
            finally:
                scratch.close()

    @contextmanager
    def apart(self, settings: Settings | None = None) -> Iterator[Engine]:
        """An engine over this library whose conversations and cached answers are kept apart, then dropped.

        It searches and quotes this library as it is and answers with this engine's loaded models (its model
        settings are this engine's; the rest come from ``settings``), but writes nothing here: its
        conversations, answer cache and curated answers live in a temporary database removed afterwards.
        For checks (the evaluation over the library) that must not show among the user's conversations or
        cached answers. It must not index or remove documents; used by this engine's thread only.
        """
        with tempfile.TemporaryDirectory(prefix="desktop-app-apart-") as folder:
            runtime = Runtime.borrowing(self._rt, Path(folder), settings or self.settings)
            runtime.store, runtime.copies = self._rt.store, self._rt.copies
            runtime.verified_files = self._rt.verified_files
            runtime.passwords = dict(self._rt.passwords)  # its close() clears them: a copy
            runtime._vectors = self._rt.vectors
            view = Engine.__new__(Engine)
            view._open(runtime)
            try:
                yield view
            finally:
                runtime.forget_vectors()  # the index is this engine's: the view neither saves nor closes it
                view.close()

    def close(self) -> None:
        self.watch.stop()  # the folder watcher's thread must not outlive the engine
        self._rt.close()
