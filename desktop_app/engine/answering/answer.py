"""The values a question and its answer travel as: ``Question`` in, events out, one ``Answer`` record.

An ``Answer`` is stored once (``ConversationStore.add_answer``) as its
record (``Answer.to_record``), and read back with ``Answer.from_record``, so
the window and the CLI render an answer the same way live and reopened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from desktop_app.engine.answering.citations import Citation
from desktop_app.engine.answering.evidence import Evidence
from desktop_app.engine.answering.prompt import PromptParts
from desktop_app.engine.answering.verification import SentenceCheck, Verification
from desktop_app.engine.language import say
from desktop_app.errors import AppError

RECORD_FORMAT = 2
"""Version of the assistant message's ``meta`` written by ``Answer.to_record`` (1: the fields before it).
Keys added since (``given``, ``sent_message``, ``sent_passages``, ``sent_chunks``, ``sent_answer``) are
optional: a record without them reads as before."""
ORIGIN_LABELS = {"faq": "curated answer", "cache": "cached answer", "quotes": "answer made of quotes",
                 "find": "count made by reading every page"}
STOPPED_BY_LABELS = {"user": "Stopped.", "policy": "Stopped by the safety policy.",
                     "server": "The inference server broke off the answer; what arrived is kept."}


@dataclass(frozen=True)
class AskOptions:
    """How a question departs from a plain chat turn (task templates, stricter regeneration)."""

    search_query: str = ""
    documents: list[int] = field(default_factory=list)
    examples: list[tuple[str, str]] = field(default_factory=list)
    strict: bool = False
    json_schema: str = ""

    @property
    def plain(self) -> bool:
        return self == AskOptions()

    @property
    def plain_search(self) -> bool:
        """Searched as a chat question is: not limited to chosen documents, no structured output."""
        return not self.documents and not self.json_schema


@dataclass(frozen=True)
class Counted:
    """A count question's answer, made by reading every page (``engine.documents.find_answer``)."""

    text: str
    citations: list[Citation]
    details: dict[str, Any]  # the find: query, mode, total, pages_read, documents_read, per_document
    cancelled: bool = False


@dataclass(frozen=True)
class Question:
    """A question as the engine handles it: stripped, its language detected once.

    ``opens_conversation``: it is the first question of its conversation (or
    starts a new one), so its answer does not depend on earlier turns.
    """

    text: str
    language: str
    conversation_id: int | None
    options: AskOptions
    opens_conversation: bool
    scope: tuple[int, ...] | None = None
    """Ids of the documents the conversation's scope holds (a collection's, or chosen ones); None: the whole
    library. Retrieval, finds and shortcuts never reach past it."""

    @property
    def plain(self) -> bool:
        """A chat question without task options: curated answers and the cache may answer it."""
        return self.options.plain


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
    origin: str = "model"  # "model"; "faq": a curated answer; "cache": an earlier answer; "quotes": quotes only
    withheld: str = ""  # the model's draft, when verification found it unsupported and the answer abstained
    stopped_by: str = ""  # "user", "policy" (the safety policy ended it) or "" (not stopped)
    model: str = ""
    adapter: dict[str, Any] | None = None
    origin_details: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    """The sentences of the sources that best answer the question, best first; shown before the text."""
    given: list[Citation] = field(default_factory=list)
    """Every passage the model was given, in prompt order (cited or not); empty when no model was asked
    (a shortcut, a count, quotes only, an abstention) and in records written before it was kept."""
    sent_message: str = ""
    """The user message the model read (sources, question, key sentences), kept so that a follow-up's prompt
    repeats it exactly and llama.cpp reuses its KV cache; "" when no model was asked."""
    sent_passages: dict[int, str] = field(default_factory=dict)
    """Source number -> the text given under it in ``sent_message`` (widened or cut to fit)."""
    sent_chunks: dict[int, list[int]] = field(default_factory=dict)
    """Source number -> the ids of the chunks that text holds, for the passages ``sent_message`` gives
    (not those it names from an earlier turn)."""
    sent_answer: str = ""
    """The model's own text where ``text`` shows less of it (the prompt lines it repeated left out,
    ``prompt.without_echo``); a follow-up's prompt repeats it, as llama.cpp's KV cache holds it. For a withheld
    draft, the quotes instead (``answerer.sent_answer``). "" when the same as ``text``."""

    @property
    def given_sources(self) -> list[Citation]:
        """The passages the model was given; for a record that did not keep them, its citations and the
        other passages it listed, by number."""
        if self.given:
            return self.given
        merged = {c.number: c for c in [*self.related, *self.citations]}
        return [merged[n] for n in sorted(merged)]

    @property
    def model_asked(self) -> bool:
        """Whether the model was asked for this answer: not for quotes only, a count, a curated or cached
        answer (``ORIGIN_LABELS``), a refusal, or an abstention that held no draft."""
        return not (self.origin in ORIGIN_LABELS or self.refused or (self.abstained and not self.withheld))

    @property
    def across_languages(self) -> bool:
        """Whether the answer abstained because the question and the closest passages are in different
        languages (which says nothing of what the documents hold), not because none was relevant."""
        return self.origin_details.get("abstained") == "other language"

    @property
    def closest_label(self) -> str:
        """The heading of the passages an abstained answer lists, in the question's language."""
        return say("closest_other" if self.across_languages else "closest", self.language)

    @property
    def reading_note(self) -> str:
        """How much of the documents the answer read, where it read more than the top passages ("" otherwise)."""
        whole = self.origin_details.get("whole_documents")
        if whole:
            count = len(whole["documents"])
            what = "the whole document" if count == 1 else f"all {count} documents whole"
            return f"Read {what} ({whole['pages']} pages) instead of searching it."
        return ""

    @property
    def shown_sources(self) -> list[Citation]:
        """What is listed under the answer: its citations, else the passages it was given."""
        return self.citations or self.related

    def to_record(self) -> dict[str, Any]:
        """The message ``meta`` stored with the answer text: everything needed to show it again, as JSON."""
        return {
            "format": RECORD_FORMAT, "search_query": self.search_query, "language": self.language,
            "citations": [c.to_dict() for c in self.citations], "related": [c.to_dict() for c in self.related],
            "abstained": self.abstained, "stopped": self.stopped, "stopped_by": self.stopped_by,
            "cited": bool(self.citations), "unknown_citations": self.unknown_citations, "timings": self.timings,
            "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
            "verification": asdict(self.verification) if self.verification else None,
            "flagged_sources": {str(n): r for n, r in self.flagged_sources.items()}, "safety": self.safety,
            "refused": self.refused, "structured": self.structured, "origin": self.origin,
            "origin_details": self.origin_details, "withheld": self.withheld, "model": self.model,
            "adapter": self.adapter, "evidence": [e.to_dict() for e in self.evidence],
            "given": [c.to_dict() for c in self.given], "sent_message": self.sent_message,
            "sent_passages": {str(n): t for n, t in self.sent_passages.items()},
            "sent_chunks": {str(n): ids for n, ids in self.sent_chunks.items()},
            "sent_answer": self.sent_answer,
        }

    @classmethod
    def from_record(
        cls, conversation_id: int, message_id: int, question: str, text: str, sources: list[dict[str, Any]],
        meta: dict[str, Any],
    ) -> Answer:
        """An answer read back from its message; records written before ``RECORD_FORMAT`` 2 are read too."""
        if meta.get("format") == RECORD_FORMAT:
            citations = [Citation(**c) for c in meta["citations"]]
            related = [Citation(**c) for c in meta["related"]]
        else:
            shown = [Citation(**c) for c in sources]
            cited = bool(meta.get("cited", True)) and not meta.get("abstained")
            citations, related = (shown, []) if cited else ([], shown)
        return cls(
            conversation_id, message_id, question, str(meta.get("search_query", question)),
            str(meta.get("language", "")), text, citations, related, abstained=bool(meta.get("abstained")),
            stopped=bool(meta.get("stopped")), unknown_citations=list(meta.get("unknown_citations", [])),
            timings=dict(meta.get("timings") or {}), prompt_tokens=int(meta.get("prompt_tokens") or 0),
            completion_tokens=int(meta.get("completion_tokens") or 0),
            verification=verification_from(meta.get("verification")),
            flagged_sources={int(n): list(r) for n, r in (meta.get("flagged_sources") or {}).items()},
            safety=list(meta.get("safety") or []), refused=bool(meta.get("refused")),
            structured=meta.get("structured"), origin=str(meta.get("origin") or "model"),
            withheld=str(meta.get("withheld") or ""),
            stopped_by=str(meta.get("stopped_by") or legacy_stopped_by(meta)),
            model=str(meta.get("model") or ""), adapter=meta.get("adapter"),
            origin_details=dict(meta.get("origin_details") or {}),
            evidence=[Evidence(**e) for e in meta.get("evidence") or []],
            given=[Citation(**c) for c in meta.get("given") or []],
            sent_message=str(meta.get("sent_message") or ""),
            sent_passages={int(n): str(t) for n, t in (meta.get("sent_passages") or {}).items()},
            sent_chunks={int(n): [int(i) for i in ids] for n, ids in (meta.get("sent_chunks") or {}).items()},
            sent_answer=str(meta.get("sent_answer") or ""),
        )


def legacy_stopped_by(meta: dict[str, Any]) -> str:
    """Who stopped an answer stored before answers said so: the policy if it recorded a stop, else the user."""
    if not meta.get("stopped"):
        return ""
    policy = any(d.get("action") == "stopped" for d in meta.get("safety") or [])
    return "policy" if policy else "user"


def verification_from(data: Any) -> Verification | None:
    """A ``Verification`` from ``asdict`` form, or from the summary (``to_dict``) that older records kept."""
    if not isinstance(data, dict):
        return None
    if "sentences" in data:
        return Verification([SentenceCheck(**s) for s in data["sentences"]])
    unsupported = [SentenceCheck(u["sentence"], 0, 0, [], list(u["tokens"]), list(u["tokens"]))
                   for u in data.get("unsupported", [])]
    supported = int(data.get("claims", 0)) - sum(len(s.claims) for s in unsupported)
    rest = [SentenceCheck("", 0, 0, [], [""] * supported, [])] if supported > 0 else []
    return Verification(unsupported + rest)


@dataclass(frozen=True)
class Shortcut:
    """An answer given before, shown again without the model: ``origin`` "faq" (curated) or "cache"."""

    origin: str
    text: str
    citations: list[Citation]
    related: list[Citation]
    verification: Verification | None = None
    flagged_sources: dict[int, list[str]] = field(default_factory=dict)
    unknown_citations: list[int] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)


class ShortcutSource(Protocol):
    """Where the answerer looks before retrieval, and where it leaves finished answers (``shortcuts``)."""

    def lookup(self, question: Question) -> Shortcut | None: ...

    def remember(self, question: Question, answer: Answer) -> None: ...


@dataclass(frozen=True)
class SourcesFound:
    conversation_id: int
    search_query: str
    sources: list[Citation]
    parts: PromptParts | None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class TokenText:
    text: str


@dataclass(frozen=True)
class AnswerPhase:
    """Where a model answer has got to, between its events: ``phase`` is "checking" once the model has
    finished and its answer is being checked against the sources (``AnswerDone`` follows)."""

    phase: str


@dataclass(frozen=True)
class AnswerDone:
    answer: Answer


AnswerEvent = SourcesFound | TokenText | AnswerPhase | AnswerDone


class EmptyLibraryError(AppError):
    """A question was asked of a library with no documents; the message is the CLI's (window clients say
    it in their own terms)."""
