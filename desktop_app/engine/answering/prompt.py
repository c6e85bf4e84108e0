"""Build the chat prompt within the model's context window.

Order: system instructions and conversation memory first (stable across
turns, so llama.cpp reuses their KV cache), then the numbered sources, the
question, and the key sentences of the sources to answer from (the evidence,
when given). Every part is counted in model tokens; room is reserved for the
answer; sources are added best first while they fit, and widened with their
neighbouring text when the budget allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from desktop_app.engine.answering.evidence import Evidence
from desktop_app.engine.answering.memory import Turn
from desktop_app.engine.language import answer_in, say
from desktop_app.engine.retrieval.search import Source, join_chunks
from desktop_app.engine.safety.injection import neutralise
from desktop_app.engine.settings import DEFAULT_SYSTEM_PROMPT
from desktop_app.store.library import ChunkRow

MESSAGE_OVERHEAD = 8
MIN_SOURCE_TOKENS = 48


@dataclass(frozen=True)
class PromptParts:
    """Token counts per part, for the context meter."""

    instructions: int
    memory: int
    sources: int
    question: int
    answer_reserve: int
    window: int


@dataclass
class BuiltPrompt:
    messages: list[dict[str, str]]
    sources: list[Source]
    parts: PromptParts
    tokens: Any = field(default_factory=list)
    """The rendered prompt as the chat model takes it (``model.render``): its token ids for a model file, a
    ``ServerPrompt`` (the messages, measured) for an inference server; ``len`` is its size in tokens."""
    stop: list[str] = field(default_factory=list)
    passages: dict[int, str] = field(default_factory=dict)
    """Source number -> the text the model was given for it (widened or cut to fit)."""
    flagged: dict[int, list[str]] = field(default_factory=dict)
    """Source number -> why its text was neutralised (instruction-like text, control tokens)."""
    numbers: dict[int, int] = field(default_factory=dict)
    """Each retrieved source's number (``Source.number`` as retrieval gave it) -> its number in this prompt
    (``carry_over``); evidence is renumbered with it."""
    scaffold: str = ""
    """The prompt's frame around the passages, one a line: the sources' titles and pages ("Title, page 20") and
    the labels; a word an answer takes from it is not a claim (``verification.verify``)."""


def carry_over(turns: list[Turn], sources: list[Source]) -> tuple[list[Source], dict[int, str], dict[int, int]]:
    """Number ``sources`` for a prompt that repeats ``turns`` as the model read them.

    A source an earlier turn already gave (the same chunks) takes that turn's number, and its passage as
    given there, so the new message names it instead of repeating it; the others are numbered after the
    highest number the turns used, so every [n] in the prompt means one passage. Returns the renumbered
    sources in their order, number -> passage for those given above, and retrieval's number -> the new one.
    """
    given: dict[tuple[int, ...], tuple[int, str]] = {}
    highest = 0
    for turn in turns:
        if not turn.message:
            continue
        highest = max([highest, *turn.passages, *turn.chunks])
        for number, chunks in turn.chunks.items():
            if number in turn.passages:
                given[chunks] = (number, turn.passages[number])
    numbered: list[Source] = []
    above: dict[int, str] = {}
    numbers: dict[int, int] = {}
    for source in sources:
        found = given.get(tuple(c.id for c in source.chunks))
        if found is not None and found[0] not in above:
            number, above[found[0]] = found
        else:
            highest += 1
            number = highest
        numbers[source.number] = number
        numbered.append(replace(source, number=number))
    return numbered, above, numbers


def renumber(evidence: list[Evidence], numbers: dict[int, int]) -> list[Evidence]:
    """``evidence`` with its source numbers as ``carry_over`` gave them (a number it did not map stays)."""
    return [replace(e, source_number=numbers.get(e.source_number, e.source_number)) for e in evidence]


def source_header(source: Source) -> str:
    """The title and pages that head a source in the prompt: "Some Title, page 20" or "..., pages 3-4"."""
    pages = source.pages
    where = f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}-{pages[-1]}"
    return f"{source.first.document_title}, {where}"


def source_block(source: Source, text: str) -> str:
    return f"[{source.number}] {source_header(source)}:\n<<<\n{text}\n>>>"


def user_message(
    blocks: list[str], question: str, language: str, evidence: list[Evidence] | None = None,
    above: list[int] | None = None,
) -> str:
    """The sources first, then the question, then the key sentences to answer from, nearest to the answer.

    Small models copy what is nearest to the answer: on the dev questions the bundled model's answers held
    the expected strings 10 times in 24 with the key sentences after the question, 3 times with them before
    the sources, and once without them (benchmarks/evidence_prompt.py). ``above``: numbers of sources an
    earlier turn of the prompt already gave, named instead of repeated.
    """
    if not blocks and not above:
        return question
    parts = [f"{say('sources', language)}\n\n" + "\n\n".join(blocks)] if blocks else []
    if above:
        parts.append(say("sources_above", language).format(numbers=", ".join(f"[{n}]" for n in above)))
    key = f"\n{evidence_block(evidence, say('evidence', language))}" if evidence else ""
    return "\n\n".join(parts) + f"\n\n{say('instruction', language)}\n{say('question', language)} {question}{key}"


def system_message(system_prompt: str, summary: str, language: str) -> str:
    """The system prompt in the question's language (the user's own prompt is kept, with a language line)."""
    if language == "ko" and system_prompt == DEFAULT_SYSTEM_PROMPT:
        text = say("system", language)
    else:
        text = f"{system_prompt}\n{answer_in(language)}"
    if summary:
        text += f"\n\n{say('earlier', language)}\n{summary}"
    return text


class PromptBuilder:
    def __init__(self, count: Callable[[str], int], window: int, answer_reserve: int) -> None:
        self.count = count
        self.window = window
        self.answer_reserve = answer_reserve

    def build(
        self, system_prompt: str, summary: str, turns: list[Turn], sources: list[Source], question: str,
        language: str, expand: Callable[[Source], list[ChunkRow]], evidence: list[Evidence] | None = None,
        above: dict[int, str] | None = None,
    ) -> BuiltPrompt:
        """The messages; ``evidence`` (quotes of the sources, best first) is shown after the question.

        ``turns`` are repeated as the model read them (``Turn.prompt``), so the prompt starts with the
        previous one. ``above``: source number -> passage, for the sources of ``sources`` that those turns
        already gave under that number: they are named, not repeated, and cost no room. When the quotes leave
        no room for any new source (three long Korean quotes in a small window), the last of them are left out.
        """
        above = above or {}
        system = system_message(system_prompt, summary, language)
        history: list[dict[str, str]] = []
        for turn in turns:
            history += [{"role": "user", "content": turn.prompt}, {"role": "assistant", "content": turn.answer}]
        fixed = self.count(system) + sum(self.count(m["content"]) + MESSAGE_OVERHEAD for m in history)
        fresh = [s for s in sources if s.number not in above]
        evidence = list(evidence or [])
        while True:  # the key sentences never crowd out every passage: the last of them go first
            key = evidence_block(evidence, say("evidence", language)) if evidence else ""
            question_cost = self.count(question) + self.count(key) + 3 * MESSAGE_OVERHEAD
            texts = self._fit_sources(fresh, self.window - self.answer_reserve - fixed - question_cost, expand)
            if texts or not fresh or not evidence:
                break
            evidence.pop()
        flagged: dict[int, list[str]] = {}
        for number in list(texts):
            texts[number], reasons = neutralise(texts[number])
            if reasons:
                flagged[number] = reasons
        used = [s for s in sources if s.number in texts or s.number in above]
        blocks = [source_block(s, texts[s.number]) for s in used if s.number in texts]
        named = [s.number for s in used if s.number in above]
        texts.update({n: above[n] for n in named})
        shown = [e for e in evidence if e.source_number in texts]
        messages = [{"role": "system", "content": system}, *history,
                    {"role": "user", "content": user_message(blocks, question, language, shown, named)}]
        instructions = self.count(system_message(system_prompt, "", language))
        parts = PromptParts(
            instructions=instructions,
            memory=fixed - instructions,
            sources=sum(self.count(b) for b in blocks) + (self.count(key) if shown else 0),
            question=self.count(question),
            answer_reserve=self.answer_reserve,
            window=self.window,
        )
        scaffold = "\n".join([*(source_header(s) for s in used),
                               *(say(k, language) for k in ("sources", "question", "evidence"))])
        return BuiltPrompt(messages, used, parts, passages={s.number: texts[s.number] for s in used},
                           flagged=flagged, scaffold=scaffold)

    def _fit_sources(
        self, sources: list[Source], room: int, expand: Callable[[Source], list[ChunkRow]]
    ) -> dict[int, str]:
        """Source texts by number: best first while they fit, then widened with neighbours."""
        texts: dict[int, str] = {}
        costs: dict[int, int] = {}
        for source in sources:
            text = source.text
            cost = self.count(source_block(source, text)) + 2
            if cost > room:
                text = self._truncate(text, room)
                if not text:
                    break
                cost = self.count(source_block(source, text)) + 2
            texts[source.number], costs[source.number] = text, cost
            room -= cost
        for source in sources:
            if source.number not in texts or texts[source.number] != source.text:
                continue
            wider = join_chunks(expand(source))
            extra = self.count(source_block(source, wider)) + 2 - costs[source.number]
            if wider != source.text and extra <= room:
                texts[source.number] = wider
                room -= extra
        return texts

    def _truncate(self, text: str, room: int) -> str:
        """The longest prefix (cut at a word) that fits in ``room`` tokens, or "" if too little is left."""
        if room < MIN_SOURCE_TOKENS:
            return ""
        words = text.split(" ")
        keep = len(words)
        while keep > 0 and self.count(" ".join(words[:keep])) + MIN_SOURCE_TOKENS // 2 > room:
            keep = int(keep * 0.8)
        return " ".join(words[:keep]) + " ..." if keep else ""


def evidence_block(evidence: list[Evidence], heading: str) -> str:
    """The quotes as the prompt shows them after the question, each with its source number."""
    return f"{heading} " + " ".join(f"\"{e.quote}\" [{e.source_number}]" for e in evidence)
