"""Answer a question: retrieve, build the prompt, stream, cite, remember."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from desktop_app.cancel import CancelToken
from desktop_app.engine.citations import Citation, citation_for, resolve
from desktop_app.engine.conversations import ConversationStore
from desktop_app.engine.language import detect_language, say
from desktop_app.engine.llm import Generation, LocalModel
from desktop_app.engine.memory import Turn, fit_history, standalone_query
from desktop_app.engine.prompt import BuiltPrompt, PromptBuilder, PromptParts
from desktop_app.engine.retrieval import Retriever, SearchResult, Source
from desktop_app.engine.safety import Decision, OutputFilter, Policy
from desktop_app.engine.settings import Settings
from desktop_app.engine.templates import parse_json_answer
from desktop_app.engine.verification import Verification, verify
from desktop_app.errors import AppError
from desktop_app.indexer.store import ChunkRow, LibraryStore

MEMORY_SHARE = 0.25
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    conversation_id: int
    message_id: int
    question: str
    search_query: str
    language: str
    text: str
    citations: list[Citation]
    related: list[Citation]
    abstained: bool
    stopped: bool
    unknown_citations: list[int] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    verification: Verification | None = None
    flagged_sources: dict[int, list[str]] = field(default_factory=dict)
    safety: list[dict[str, str]] = field(default_factory=list)
    refused: bool = False
    structured: dict[str, Any] | None = None
    origin: str = "model"  # "model"; "faq": a curated answer; "cache": an earlier answer to the same question
    withheld: str = ""  # the model's draft, when verification found it unsupported and the answer abstained


ORIGIN_LABELS = {"faq": "curated answer", "cache": "cached answer"}


@dataclass(frozen=True)
class AskOptions:
    """How a question departs from a plain chat turn (task templates, stricter regeneration)."""

    search_query: str = ""
    documents: list[int] = field(default_factory=list)
    examples: list[tuple[str, str]] = field(default_factory=list)
    strict: bool = False
    json_schema: str = ""


STRICT_NOTE = ("\n- Be strict: every sentence must come from a cited source. Copy numbers, names and identifiers "
               "exactly as the sources write them. If a source does not say it, do not say it.")


@dataclass(frozen=True)
class SourcesFound:
    conversation_id: int
    search_query: str
    sources: list[Citation]
    parts: PromptParts | None


@dataclass(frozen=True)
class TokenText:
    text: str


@dataclass(frozen=True)
class AnswerDone:
    answer: Answer


AnswerEvent = SourcesFound | TokenText | AnswerDone


class Answerer:
    def __init__(
        self, store: LibraryStore, conversations: ConversationStore, retriever: Retriever,
        model: Callable[[], LocalModel], settings: Callable[[], Settings],
    ) -> None:
        self.store = store
        self.conversations = conversations
        self.retriever = retriever
        self.model = model
        self.settings = settings

    def ask(
        self, question: str, conversation_id: int | None, cancel: CancelToken, options: AskOptions | None = None
    ) -> Iterator[AnswerEvent]:
        options = options or AskOptions()
        question = question.strip()
        if not question:
            raise AppError("The question is empty. Type a question about your documents.")
        if self.store.chunk_count() == 0:
            raise AppError(say("empty_library", detect_language(question)))
        started = time.perf_counter()
        settings = self.settings()
        if conversation_id is None:
            conversation_id = self.conversations.create(question)
        query = options.search_query or standalone_query(question,
                                                         self.conversations.last_search_query(conversation_id))
        turns_before = self.conversations.get(conversation_id)
        self.conversations.add_message(conversation_id, "user", question, search_query=query)
        log.debug("question: %r, search query: %r", question, query)
        language = detect_language(question)
        policy = safety_policy(settings)
        if (refusal := policy.check_question(question)) is not None:
            yield SourcesFound(conversation_id, query, [], None)
            yield AnswerDone(self._refuse(conversation_id, question, query, language, refusal))
            return
        result = self.retriever.search(query, settings.top_k, settings.retrieval_mode, options.documents or None)
        timings = {"retrieval_s": time.perf_counter() - started}
        log.info("retrieved %d sources in %.2f s", len(result.sources), timings["retrieval_s"])
        if not result.sources:
            yield SourcesFound(conversation_id, query, [], None)
            refusal = policy.check_scope(found_relevant=False)
            yield AnswerDone(self._refuse(conversation_id, question, query, language, refusal) if refusal
                             else self._abstain(conversation_id, question, result, language, timings))
            return
        built = self._prompt(conversation_id, turns_before.summary_upto, turns_before.summary, result.sources,
                             question, language, settings, options)
        yield SourcesFound(conversation_id, query, [citation_for(s) for s in built.sources], built.parts)
        if cancel.cancelled:
            nothing = Generation("", len(built.tokens), 0, 0.0, 0.0, stopped=True)
            yield AnswerDone(self._finish(conversation_id, question, query, language, built, nothing, timings))
            return
        yield from self._generate(conversation_id, question, query, language, built, settings, timings, cancel,
                                  started, options.json_schema)

    def _abstain(
        self, conversation_id: int, question: str, result: SearchResult, language: str, timings: dict[str, float]
    ) -> Answer:
        text = say("not_covered", language)
        closest = [citation_for(s) for s in result.closest]
        message_id = self.conversations.add_message(
            conversation_id, "assistant", text, sources=[c.to_dict() for c in closest],
            meta={"abstained": True, "cited": False, "timings": timings},
        )
        return Answer(conversation_id, message_id, question, result.query, language, text, [], closest,
                      abstained=True, stopped=False, timings=timings)

    def _refuse(self, conversation_id: int, question: str, query: str, language: str, decision: Decision) -> Answer:
        """The policy's answer: no retrieval or model call, and the reason, recorded with the conversation."""
        text = say("refused", language).format(reason=decision.reason)
        safety = [decision.to_dict()]
        message_id = self.conversations.add_message(
            conversation_id, "assistant", text, meta={"abstained": True, "refused": True, "cited": False,
                                                      "safety": safety},
        )
        log.info("question refused by the safety policy (%s)", decision.stage)
        return Answer(conversation_id, message_id, question, query, language, text, [], [], abstained=True,
                      stopped=False, safety=safety, refused=True)

    def _prompt(
        self, conversation_id: int, summary_upto: int, summary: str, sources: list[Source], question: str,
        language: str, settings: Settings, options: AskOptions,
    ) -> BuiltPrompt:
        model = self.model()
        turns = self.conversations.turns_after(conversation_id, summary_upto)
        summary, kept, folded = fit_history(turns, summary, int(model.n_ctx * MEMORY_SHARE), model.count)
        if folded:
            self.conversations.set_summary(conversation_id, summary, folded[-1].message_id)
        kept = [Turn(q, a, 0) for q, a in options.examples] + kept
        system_prompt = settings.system_prompt + (STRICT_NOTE if options.strict else "")
        builder = PromptBuilder(model.count, model.n_ctx, settings.max_answer_tokens)
        budget = model.n_ctx - settings.max_answer_tokens
        while True:
            built = builder.build(system_prompt, summary, kept, sources, question, language, self._expand)
            built.tokens, built.stop = model.render(built.messages)
            if len(built.tokens) <= budget:
                return built
            if not sources:
                raise AppError(f"The question needs {len(built.tokens)} tokens but the model's window leaves "
                               f"{budget}. Shorten the question or raise the context size in settings.")
            sources = sources[:-1]

    def _expand(self, source: Source) -> list[ChunkRow]:
        first, last = source.chunks[0], source.chunks[-1]
        before = self.store.neighbours(first, 1, 0)[:-1]
        after = self.store.neighbours(last, 0, 1)[1:]
        return [*before, *source.chunks, *after]

    def _generate(
        self, conversation_id: int, question: str, query: str, language: str, built: BuiltPrompt,
        settings: Settings, timings: dict[str, float], cancel: CancelToken, started: float, json_schema: str = "",
    ) -> Iterator[AnswerEvent]:
        model = self.model()
        generation: Generation | None = None
        shown = safety_policy(settings).output_filter()
        stream = model.stream(built.tokens, built.stop, settings.max_answer_tokens, settings.temperature, cancel)
        for piece in stream:
            if isinstance(piece, Generation):
                generation = piece
                continue
            for text in shown.feed(piece):
                timings.setdefault("ttft_s", time.perf_counter() - started)
                yield TokenText(text)
            if shown.stopped:
                cancel.cancel()
        if tail := shown.flush():
            yield TokenText(tail)
        assert generation is not None
        if shown.decisions:
            generation = replace(generation, text=filtered_text(generation.text, shown))
        yield AnswerDone(self._finish(conversation_id, question, query, language, built, generation, timings,
                                      [d.to_dict() for d in shown.decisions], json_schema))

    def _finish(
        self, conversation_id: int, question: str, query: str, language: str, built: BuiltPrompt,
        generation: Generation, timings: dict[str, float], safety: list[dict[str, str]] | None = None,
        json_schema: str = "",
    ) -> Answer:
        text = generation.text.strip()
        structured = None
        if json_schema:
            value, problems = parse_json_answer(text, json_schema)
            structured = {"value": value, "problems": problems}
        log.info("answered: %d prompt tokens, %d answer tokens, first token %.2f s, stopped=%s",
                 generation.prompt_tokens, generation.completion_tokens, generation.ttft_s, generation.stopped)
        citations, unknown = resolve(text, built.sources)
        related = [] if citations else [citation_for(s) for s in built.sources]
        checked = verify(text, built.passages)
        withheld = ""
        if not generation.stopped and structured is None and checked.below(self.settings().abstain_below_grounding):
            shown_tokens = ", ".join(f"'{t}'" for t in checked.unsupported_tokens[:3])
            withheld, text = text, say("not_supported", language).format(tokens=shown_tokens, score=checked.score)
            citations, related = [], [citation_for(s) for s in built.sources]
            log.info("answer withheld: grounding %.2f below %.2f", checked.score,
                     self.settings().abstain_below_grounding)
        timings.update(generation_timings(generation))
        meta: dict[str, Any] = {
            "abstained": bool(withheld), "withheld": withheld,
            "stopped": generation.stopped, "cited": bool(citations), "timings": timings,
            "model": self.model().settings.path.name, "prompt_tokens": generation.prompt_tokens,
            "adapter": adapter.record() if (adapter := self.model().adapter) else None,
            "verification": checked.to_dict(),
            "flagged_sources": built.flagged, "safety": safety or [], "structured": structured,
            "completion_tokens": generation.completion_tokens,
        }
        message_id = self.conversations.add_message(
            conversation_id, "assistant", text, sources=[c.to_dict() for c in citations or related], meta=meta
        )
        return Answer(conversation_id, message_id, question, query, language, text, citations, related,
                      abstained=bool(withheld), stopped=generation.stopped, unknown_citations=unknown,
                      timings=timings, prompt_tokens=generation.prompt_tokens,
                      completion_tokens=generation.completion_tokens, verification=checked,
                      flagged_sources=built.flagged, safety=safety or [], structured=structured, withheld=withheld)


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
