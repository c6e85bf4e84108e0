"""Answer a question: one path from the question to its stored answer.

Safety policy, then a shortcut (curated or cached answer), then retrieval,
the evidence (the sentences that answer, quoted), the prompt, the model's
stream, citations and verification; every answer, whatever produced it, is
stored by ``ConversationStore.add_answer``. With quotes only, the evidence is
the answer and the model is not called.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import Any

from desktop_app.cancel import CancelToken, StopCondition
from desktop_app.engine.answering.answer import (
    Answer,
    AnswerDone,
    AnswerEvent,
    AnswerPhase,
    Counted,
    EmptyLibraryError,
    Question,
    Shortcut,
    ShortcutSource,
    SourcesFound,
    TokenText,
)
from desktop_app.engine.answering.citations import Citation, citation_for, resolve
from desktop_app.engine.answering.conversations import Conversation, ConversationStore
from desktop_app.engine.answering.evidence import Evidence, EvidenceSelector, Locate
from desktop_app.engine.answering.memory import Turn, focus_query, fold_history, is_follow_up, standalone_query
from desktop_app.engine.answering.prompt import BuiltPrompt, PromptBuilder, carry_over, renumber, without_echo
from desktop_app.engine.answering.tasks import parse_json_answer
from desktop_app.engine.answering.verification import verify
from desktop_app.engine.language import detect_language, say
from desktop_app.engine.models.chat import Generation, LocalModel
from desktop_app.engine.models.kv_state import KvStore
from desktop_app.engine.models.server import ChatModel
from desktop_app.engine.retrieval.search import Retriever, SearchResult, Source
from desktop_app.engine.retrieval.whole import whole_document_sources
from desktop_app.engine.safety.policy import Decision, OutputFilter, Policy
from desktop_app.engine.settings import Settings
from desktop_app.errors import AppError, InputError
from desktop_app.store.library import ChunkRow, LibraryStore

MEMORY_SHARE = 0.25  # of the model's window, at most, for the summary of folded turns (and whole documents)
HISTORY_SHARE = 0.8  # of the window, at most, for earlier turns kept as the model read them, sources and all
MESSAGE_SHARE = 0.6
"""Of the window, at most, for a new question's user message (its sources, the question, the key sentences), so
the turn fits in ``HISTORY_SHARE`` with its answer and a follow-up finds room beside it instead of folding it and
reading everything again; whole documents are not held to it (README, Performance)."""
log = logging.getLogger(__name__)

STRICT_NOTE = ("\n- Be strict: every sentence must come from a cited source. Copy numbers, names and identifiers "
               "exactly as the sources write them. If a source does not say it, do not say it.")


class Answerer:
    """Answers questions against one library; ``model`` and ``settings`` are read when needed."""

    def __init__(
        self, store: LibraryStore, conversations: ConversationStore, retriever: Retriever,
        model: Callable[[], ChatModel], settings: Callable[[], Settings], shortcuts: ShortcutSource | None = None,
        locator: Callable[[], AbstractContextManager[Locate | None]] = lambda: nullcontext(None),
        counts: Callable[[Question, CancelToken], Counted | None] | None = None,
        kv: Callable[[], KvStore] | None = None,
    ) -> None:
        """``locator``: opens what places a quote on its page (``engine.library.quotes``); none: quotes are
        shown without rectangles, on their passage's main page. ``counts``: answers a question that asks for
        a count or every mention by reading every page (``documents.find_answer.count_route``), else None.
        ``kv``: where conversations' KV caches are kept between answers (``models.kv_state``), else None."""
        self.store = store
        self.conversations = conversations
        self.retriever = retriever
        self.model = model
        self.settings = settings
        self.shortcuts = shortcuts
        self.locator = locator
        self.counts = counts
        self.kv = kv

    def ask(self, question: Question, cancel: CancelToken) -> Iterator[AnswerEvent]:
        """Stream the answer as events; the last one is ``AnswerDone`` with the stored answer.

        Raises ``InputError`` for an empty question or one without a letter or digit, ``EmptyLibraryError`` (an
        ``AppError``) for an empty library (nothing is stored then). A model
        answer yields ``SourcesFound`` when retrieval ends, ``TokenText`` as it
        is written, ``AnswerPhase("checking")`` while it is checked against the
        sources, then ``AnswerDone``.
        """
        if not question.text:
            raise InputError("The question is empty. Type a question about your documents.")
        if not any(c.isalnum() for c in question.text):  # "?!", "...", emoji, control characters
            raise InputError(say("no_words", question.language))
        if self.store.chunk_count() == 0:
            raise EmptyLibraryError(say("empty_library", question.language))
        if question.scope is not None and not question.scope:
            raise AppError(say("empty_scope", question.language))
        started = time.perf_counter()
        settings = self.settings()
        conversation_id = question.conversation_id or self.conversations.create(question.text)
        focused, previous = focus_query(question.text), self.conversations.last_search_query(conversation_id)
        query = question.options.search_query or standalone_query(focused, previous)
        follows = not question.options.search_query and bool(previous) and is_follow_up(focused)
        shown = self.conversations.last_quotes(conversation_id) if follows else frozenset()
        conversation = self.conversations.get(conversation_id)
        self.conversations.add_message(conversation_id, "user", question.text, search_query=query)
        log.debug("question: %r, search query: %r", question.text, query)
        asked = Asked(question, conversation_id, query)
        policy = safety_policy(settings)
        if (refusal := policy.check_question(question.text)) is not None:
            yield SourcesFound(conversation_id, query, [], None)
            yield AnswerDone(self._refuse(asked, refusal))
            return
        asks = question if focused == question.text else replace(question, text=focused)  # a pasted text's ask
        if not question.options.json_schema and self.counts is not None and (
                counted := self.counts(asks, cancel)) is not None:
            yield from self._counted(asked, counted)
            return
        if self.shortcuts is not None and (shortcut := self.shortcuts.lookup(question)) is not None:
            yield from self._replay(asked, shortcut)
            return
        chosen = [d for d in question.options.documents if question.scope is None or d in question.scope]
        whole = self._whole(chosen, settings) if chosen and not settings.quotes_only else None
        if whole is not None:  # the chosen documents fit the window: read them whole, no search needed
            result, asked.whole = SearchResult(query, "whole", whole, []), whole
        else:
            result = self.retriever.search(query, settings.top_k, settings.retrieval_mode,
                                           question.options.documents or None, question.scope)
        timings = {"retrieval_s": time.perf_counter() - started}
        log.info("retrieved %d sources in %.2f s", len(result.sources), timings["retrieval_s"])
        if not result.sources:
            yield SourcesFound(conversation_id, query, [], None)
            refusal = policy.check_scope(found_relevant=False)
            yield AnswerDone(self._refuse(asked, refusal) if refusal else
                             self._abstain(asked, result.closest, timings))
            return
        if question.options.plain_search and self._across_languages(question.language, result.sources):
            yield SourcesFound(conversation_id, query, [], None)
            yield AnswerDone(self._abstain(asked, result.sources, timings))
            return
        asked.evidence = self._evidence(query, result.sources, settings, shown, focused if follows else "")
        timings["evidence_s"] = time.perf_counter() - started - timings["retrieval_s"]
        if not asked.evidence and settings.evidence_floor > 0 and question.options.plain_search:
            yield SourcesFound(conversation_id, query, [], None)
            yield AnswerDone(self._abstain(asked, result.sources, timings))
        elif settings.quotes_only:
            yield SourcesFound(conversation_id, query, [citation_for(s) for s in result.sources], None, asked.evidence)
            yield AnswerDone(self._quotes(asked, result.sources, timings))
        else:
            yield from self._model_answer(asked, conversation, result.sources, settings, timings, cancel, started)

    def _model_answer(
        self, asked: Asked, conversation: Conversation, sources: list[Source], settings: Settings,
        timings: dict[str, float], cancel: CancelToken, started: float,
    ) -> Iterator[AnswerEvent]:
        """The prompt from ``sources`` (and the evidence, if the settings give it), then the model's stream."""
        built = self._prompt(asked.conversation_id, conversation.summary_upto, conversation.summary, sources,
                             asked.question, settings, asked.evidence if settings.evidence_in_prompt else [],
                             widen=not asked.whole)
        asked.evidence = renumber(asked.evidence, built.numbers)
        asked.whole = [replace(s, number=built.numbers.get(s.number, s.number)) for s in asked.whole]
        yield SourcesFound(asked.conversation_id, asked.search_query, [citation_for(s) for s in built.sources],
                           built.parts, asked.evidence)
        stop = StopCondition(cancel)
        if cancel.cancelled:
            nothing = Generation("", len(built.tokens), 0, 0.0, 0.0, stopped=True)
            yield AnswerDone(self._finish(asked, built, nothing, timings, stop))
            return
        yield from self._generate(asked, built, settings, timings, stop, started)

    def _counted(self, asked: Asked, counted: Counted) -> Iterator[AnswerEvent]:
        """A count question's answer, made by reading every page: no retrieval, no model call."""
        yield SourcesFound(asked.conversation_id, asked.search_query, counted.citations, None)
        yield TokenText(counted.text)
        answer = asked.answer(counted.text, counted.citations, [], stopped=counted.cancelled,
                              stopped_by="user" if counted.cancelled else "", origin="find",
                              origin_details={"find": counted.details})
        yield AnswerDone(self.conversations.add_answer(answer))

    def _whole(self, documents: list[int], settings: Settings) -> list[Source] | None:
        """The chosen documents whole, when they fit the model's window with the answer and a quarter for
        the conversation; else None."""
        model = self.model()
        budget = int(model.n_ctx * (1 - MEMORY_SHARE)) - settings.max_answer_tokens
        return whole_document_sources(self.store, documents, budget, model.count)

    def _evidence(self, query: str, sources: list[Source], settings: Settings,
                  shown: frozenset[str] = frozenset(), own: str = "") -> list[Evidence]:
        """The sentences of ``sources`` that best answer ``query``, placed on their pages; for a follow-up,
        ``shown`` holds the previous answer's quotes, which count for less, and ``own`` its own words, which
        are scored beside ``query`` (``EvidenceSelector.select``)."""
        selector = EvidenceSelector.for_question(query, self.retriever.embedder, settings.evidence_floor)
        with self.locator() as locate:
            return selector.select(query, sources, locate, shown, own)

    def _abstain(self, asked: Asked, closest: list[Source], timings: dict[str, float]) -> Answer:
        """The documents don't cover the question; or, when the question is in a language the embedding
        model does not cover and the closest passages are in another, say that instead (the search could
        not match across the languages, which says nothing of what the documents hold)."""
        language = asked.question.language
        other = self._across_languages(language, closest)
        scoped = asked.question.scope is not None
        text = say("other_language" if other else "not_covered_chosen" if scoped else "not_covered", language)
        shown = [citation_for(s) for s in closest]
        return self.conversations.add_answer(asked.answer(
            text, [], shown, abstained=True, timings=timings, origin_details={"abstained": "other language"} if other
            else {}))

    def _across_languages(self, language: str, passages: list[Source]) -> bool:
        """Whether ``passages`` were found across languages: none is in the question's ``language``, which the
        embedding model does not cover. They were then matched by the few words the languages share (names,
        numbers), so their sentences are not quoted as an answer."""
        return bool(passages) and not self.retriever.embedder.covers(language) and all(
            detect_language(s.text) != language for s in passages)

    def _quotes(self, asked: Asked, sources: list[Source], timings: dict[str, float]) -> Answer:
        """The evidence as the answer, without the model (quotes-only mode)."""
        if not asked.evidence:
            return self._abstain(asked, sources, timings)
        text = quotes_answer(asked.evidence)
        citations, _ = resolve(text, sources)
        timings["ttft_s"] = sum(timings.values())
        return self.conversations.add_answer(asked.answer(text, citations, [], timings=timings, origin="quotes"))

    def _refuse(self, asked: Asked, decision: Decision) -> Answer:
        """The policy's answer: no retrieval or model call, and the reason, recorded with the conversation."""
        text = say("refused", asked.question.language).format(reason=decision.reason)
        log.info("question refused by the safety policy (%s)", decision.stage)
        return self.conversations.add_answer(asked.answer(text, [], [], abstained=True,
                                                          safety=[decision.to_dict()], refused=True))

    def _replay(self, asked: Asked, shortcut: Shortcut) -> Iterator[AnswerEvent]:
        """A curated or cached answer as the usual events, recorded in the conversation like any answer."""
        answer = asked.answer(shortcut.text, shortcut.citations, shortcut.related,
                              unknown_citations=shortcut.unknown_citations, verification=shortcut.verification,
                              flagged_sources=shortcut.flagged_sources, origin=shortcut.origin,
                              origin_details=shortcut.details, evidence=shortcut.evidence)
        yield SourcesFound(asked.conversation_id, asked.search_query, answer.shown_sources, None, answer.evidence)
        yield TokenText(shortcut.text)
        yield AnswerDone(self.conversations.add_answer(answer))

    def _prompt(
        self, conversation_id: int, summary_upto: int, summary: str, sources: list[Source], question: Question,
        settings: Settings, evidence: list[Evidence], widen: bool = True,
    ) -> BuiltPrompt:
        """The prompt: the conversation's turns as the model read them (``fold_history``), then the new
        sources (``carry_over``). Sources come first: when the turns leave no room for those the key sentences
        come from (for all of them, without key sentences), the turns are folded; then sources are dropped from
        the end while the prompt does not fit, and with ``widen`` widened with their neighbouring chunks while
        there is room (the new message within ``MESSAGE_SHARE`` of the window). A rendered prompt longer than
        its parts counted (the chat template; text tokenised joined) is built again with that much less room,
        narrowing the new sources, also beside kept turns as long as that shortens it; only then are the
        turns folded."""
        model = self.model()
        turns = self.conversations.turns_after(conversation_id, summary_upto)
        memory = int(model.n_ctx * MEMORY_SHARE)
        summary, kept, folded = fold_history(turns, summary, int(model.n_ctx * HISTORY_SHARE), memory, model.count)
        system_prompt = settings.system_prompt + (STRICT_NOTE if question.options.strict else "")
        budget = model.n_ctx - settings.max_answer_tokens
        examples = [Turn(q, a, 0) for q, a in question.options.examples]
        numbered, above, numbers = carry_over(kept, sources)
        short = 0  # tokens the part-by-part counts fell short of the rendered prompt (joined text tokenises apart)
        longest = budget * 2  # the last prompt's length: narrowing that no longer shortens it does not keep the turns
        while True:
            builder = PromptBuilder(model.count, model.n_ctx, settings.max_answer_tokens + short,
                                    MESSAGE_SHARE if widen else 1.0)
            built = builder.build(system_prompt, summary, examples + kept, numbered, question.text,
                                  question.language, self._expand if widen else lambda source: source.chunks,
                                  renumber(evidence, numbers), above)
            built.tokens, built.stop = model.render(built.messages)
            # the turns stay while every source a key sentence comes from fits beside them (all sources, without
            # key sentences); a lower source left out costs less than reading the whole conversation again
            needed = {numbers[e.source_number] for e in evidence if e.source_number in numbers} or \
                {s.number for s in numbered}
            crowded = not needed <= {s.number for s in built.sources}
            if len(built.tokens) <= budget and not (kept and crowded):
                break
            shrank, longest = len(built.tokens) < longest, len(built.tokens)
            if len(built.tokens) > budget and not (kept and crowded) and built.passages and short < budget // 4 \
                    and (shrank or not kept):
                short += len(built.tokens) - budget + 8  # keep the turns and sources; narrow the widening instead
            elif kept:  # the turns leave no room for every source (or the question): fold them all
                summary, kept, more = fold_history(kept, summary, 0, memory, model.count)
                folded += more
                numbered, above, numbers = carry_over([], sources)
                short, longest = 0, budget * 2
            elif numbered:
                numbered = numbered[:-1]
            else:
                raise AppError(f"The question needs {len(built.tokens)} tokens but the model's window leaves "
                               f"{budget}. Shorten the question or raise the context size in settings.")
        if sources and not built.sources:  # a pasted text that fits alone: the model would answer from nothing
            raise AppError(say("no_room", question.language).format(tokens=len(built.tokens), budget=budget))
        if folded:
            self.conversations.set_summary(conversation_id, summary, folded[-1].message_id)
        built.numbers = numbers
        return built

    def _expand(self, source: Source) -> list[ChunkRow]:
        first, last = source.chunks[0], source.chunks[-1]
        before = self.store.neighbours(first, 1, 0)[:-1]
        after = self.store.neighbours(last, 0, 1)[1:]
        return [*before, *source.chunks, *after]

    def _generate(
        self, asked: Asked, built: BuiltPrompt, settings: Settings, timings: dict[str, float], stop: StopCondition,
        started: float,
    ) -> Iterator[AnswerEvent]:
        """Stream the model's answer through the output policy; a policy stop ends this answer only."""
        generation: Generation | None = None
        shown = safety_policy(settings).output_filter()
        model = self.model()
        local = model if isinstance(model, LocalModel) else None
        kv = self.kv() if self.kv is not None and local is not None else None
        if kv is not None and local is not None:
            restoring = time.perf_counter()
            if kv.restore(local, asked.conversation_id, built.tokens):
                timings["kv_restore_s"] = time.perf_counter() - restoring
        stream = model.stream(built.tokens, built.stop, settings.max_answer_tokens, settings.temperature, stop)
        for piece in stream:
            if isinstance(piece, Generation):
                generation = piece
                continue
            for text in shown.feed(piece):
                timings.setdefault("ttft_s", time.perf_counter() - started)
                yield TokenText(text)
            if shown.stopped:
                stop.stop("policy")
        if tail := shown.flush():
            yield TokenText(tail)
        assert generation is not None
        if kv is not None and local is not None:
            saving = time.perf_counter()
            if kv.save(local, asked.conversation_id):
                timings["kv_save_s"] = time.perf_counter() - saving
        if generation.finish == "repetition":
            log.info("the answer began to repeat itself; it ends before the repeated text")
        if shown.decisions:
            generation = replace(generation, text=filtered_text(generation.text, shown))
        yield AnswerPhase("checking")
        yield AnswerDone(self._finish(asked, built, generation, timings, stop,
                                      [d.to_dict() for d in shown.decisions]))

    def _finish(
        self, asked: Asked, built: BuiltPrompt, generation: Generation, timings: dict[str, float],
        stop: StopCondition, safety: list[dict[str, str]] | None = None,
    ) -> Answer:
        raw = generation.text.strip()
        text = without_echo(raw, asked.question.text).strip()
        settings = self.settings()
        structured = None
        if schema := asked.question.options.json_schema:
            value, problems = parse_json_answer(text, schema)
            structured = {"value": value, "problems": problems}
        log.info("answered: %d prompt tokens, %d answer tokens, first token %.2f s, stopped by %r",
                 generation.prompt_tokens, generation.completion_tokens, generation.ttft_s, stop.stopped_by)
        citations, unknown = resolve(text, built.sources)
        related = [] if citations else [citation_for(s) for s in built.sources]
        checked = verify(text, built.passages, built.scaffold)
        withheld = ""
        if not generation.stopped and structured is None and checked.below(settings.abstain_below_grounding):
            shown_tokens = ", ".join(f"'{t}'" for t in checked.unsupported_tokens[:3])
            withheld = text
            verdict = "draft_withheld" if asked.evidence else "not_supported"  # the quotes do answer, if any
            text = say(verdict, asked.question.language).format(tokens=shown_tokens, score=checked.score)
            citations, related = [], [citation_for(s) for s in built.sources]
            log.info("answer withheld: grounding %.2f below %.2f", checked.score, settings.abstain_below_grounding)
        timings.update(generation_timings(generation))
        model = self.model()
        details: dict[str, Any] = {"finish": generation.finish} if generation.finish else {}
        if asked.whole and all(built.passages.get(s.number) == s.text for s in asked.whole):
            pages = {(c.document_id, p) for s in asked.whole for c in s.chunks
                     for p in range(c.page_start, c.page_end + 1)}
            details["whole_documents"] = {"documents": sorted({d for d, _ in pages}), "pages": len(pages)}
        answer = asked.answer(
            text, citations, related, abstained=bool(withheld) and not asked.evidence, stopped=generation.stopped,
            stopped_by=stop.stopped_by if generation.stopped else "", unknown_citations=unknown, timings=timings,
            prompt_tokens=generation.prompt_tokens, completion_tokens=generation.completion_tokens,
            verification=checked, flagged_sources=built.flagged, safety=safety or [], structured=structured,
            withheld=withheld, model=model.label,
            adapter=adapter.record() if (adapter := model.adapter) else None, origin_details=details,
            given=[citation_for(s) for s in built.sources], sent_message=built.messages[-1]["content"],
            sent_passages=built.passages, sent_chunks={n: list(ids) for n, ids in built.held.items()},
            sent_answer=sent_answer(raw, text, withheld, asked.evidence),
        )
        stored = self.conversations.add_answer(answer)
        if self.shortcuts is not None:
            self.shortcuts.remember(asked.question, stored)
        return stored


class Asked:
    """A question once it is in its conversation: what every answer to it is built from."""

    def __init__(self, question: Question, conversation_id: int, search_query: str) -> None:
        self.question = question
        self.conversation_id = conversation_id
        self.search_query = search_query
        self.evidence: list[Evidence] = []
        self.whole: list[Source] = []  # the chosen documents whole, when they fit the model's window

    def answer(self, text: str, citations: list[Citation], related: list[Citation], **fields: Any) -> Answer:
        """An answer to this question, not yet stored (``message_id`` 0)."""
        fields.setdefault("abstained", False)
        fields.setdefault("stopped", False)
        fields.setdefault("evidence", self.evidence)
        return Answer(self.conversation_id, 0, self.question.text, self.search_query, self.question.language,
                      text, citations, related, **fields)


def safety_policy(settings: Settings) -> Policy:
    return Policy(settings.safety_level, tuple(settings.blocked_terms), tuple(settings.blocked_topics),
                  tuple(settings.forbidden_output))


def filtered_text(raw: str, shown: OutputFilter) -> str:
    """The answer as the policy lets it be shown and stored (redacted, or cut where it stopped)."""
    replay = OutputFilter(shown.terms, shown.stop)
    return "".join(text for text in replay.feed(raw)) + replay.flush()


def generation_timings(generation: Generation) -> dict[str, float]:
    decode_s = max(generation.total_s - generation.ttft_s, 1e-9)
    return {
        "generation_ttft_s": generation.ttft_s,
        "generation_s": generation.total_s,
        "tokens_per_s": max(generation.completion_tokens - 1, 0) / decode_s,
    }


def sent_answer(raw: str, text: str, withheld: str, evidence: list[Evidence]) -> str:
    """What a later turn's prompt gives as this answer (``Answer.sent_answer``; "" means the shown ``text``): the
    model's own words when the shown text differs from them (its KV cache holds them), and for a withheld draft
    the quotes, cited as in quotes-only mode, which is what the documents answered. Given the notice instead
    ("The model's draft is withheld: it named ..."), the bundled model wrote it again as its next answer (dev
    follow-ups B012, withheld in turn, and B020, shown as the answer)."""
    if withheld:
        return quotes_answer(evidence) if evidence else ""
    return raw if text != raw else ""


def quotes_answer(evidence: list[Evidence]) -> str:
    """An answer made of the quotes alone, each cited (quotes-only mode: no model call)."""
    return "\n\n".join(f"\u201c{e.quote}\u201d [{e.source_number}]" for e in evidence)
