"""Build the chat prompt within the model's context window.

Order: system instructions and conversation memory first (stable across
turns, so llama.cpp reuses their KV cache), then the numbered sources, the
question, and the key sentences of the sources to answer from (the evidence,
when given). Every part is counted in model tokens; room is reserved for the
answer; sources are added best first while they fit, and widened with their
neighbouring chunks when the budget allows, never with one another passage of
the prompt (or of the turns it repeats) already holds. Lines of the prompt a
model repeats in its answer are taken out of it again (``without_echo``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from desktop_app.engine.answering.evidence import Evidence
from desktop_app.engine.answering.memory import Turn
from desktop_app.engine.language import answer_in, say
from desktop_app.engine.retrieval.search import Source, join_chunks
from desktop_app.engine.safety.injection import neutralise
from desktop_app.engine.settings import DEFAULT_SYSTEM_PROMPT
from desktop_app.store.library import ChunkRow

MESSAGE_OVERHEAD = 8
MIN_SOURCE_TOKENS = 48
CUT = " ..."
"""Ends a passage cut to fit the window."""


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
    held: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """Source number -> the ids of the chunks its text in this message holds (its own, and the neighbours it
    was widened with), for the sources given in this message, not those named from an earlier turn."""
    flagged: dict[int, list[str]] = field(default_factory=dict)
    """Source number -> why its text was neutralised (instruction-like text, control tokens)."""
    numbers: dict[int, int] = field(default_factory=dict)
    """Each retrieved source's number (``Source.number`` as retrieval gave it) -> its number in this prompt
    (``carry_over``); evidence is renumbered with it."""
    scaffold: str = ""
    """The prompt's frame around the passages, one a line: the sources' titles and pages ("Title, page 20") and
    the labels; a word an answer takes from it is not a claim (``verification.verify``)."""


class GivenPassage(NamedTuple):
    """A passage an earlier turn's message gave: its number, its text, and the ids of the chunks it holds."""

    number: int
    text: str
    held: frozenset[int]


def given_passages(turns: list[Turn]) -> list[GivenPassage]:
    """The passages the messages of ``turns`` gave (a turn without its message gave none), with the chunks
    each holds (``Turn.held``; for a record that predates it, or a passage named from an earlier turn, the
    chunks it was retrieved as)."""
    return [GivenPassage(number, text, frozenset(turn.held[number] if number in turn.held
                                                 else turn.chunks.get(number, ())))
            for turn in turns if turn.message for number, text in turn.passages.items()]


def carry_over(turns: list[Turn], sources: list[Source]) -> tuple[list[Source], dict[int, str], dict[int, int]]:
    """Number ``sources`` for a prompt that repeats ``turns`` as the model read them.

    A source whose chunks one passage of an earlier turn already holds (the same chunks, or that passage
    widened over them; ``Turn.held``) takes that passage's number, and its text as given there, so the new
    message names it instead of repeating it; a source whose chunks several such passages hold between them
    is split into one part per passage, and sources (or parts) held by the same passage are merged into one
    source of that number. The others are numbered after the highest number the turns used, so every [n] in
    the prompt means one passage. Returns the renumbered sources in order of first appearance, number ->
    passage for those given above, and retrieval's number -> the new one (a split source's first part's).
    """
    given = given_passages(turns)
    highest = max([0, *(n for turn in turns if turn.message for n in [*turn.passages, *turn.chunks])])
    numbered: list[Source] = []
    at: dict[int, int] = {}  # a number given above -> its index in ``numbered``
    above: dict[int, str] = {}
    numbers: dict[int, int] = {}
    for source in sources:
        parts = held_by(source.chunks, given)
        if not parts:
            highest += 1
            numbers[source.number] = highest
            numbered.append(replace(source, number=highest))
            continue
        numbers[source.number] = parts[0][0].number
        for passage, chunks in parts:
            if passage.number not in at:
                at[passage.number], above[passage.number] = len(numbered), passage.text
                numbered.append(replace(source, chunks=chunks, number=passage.number))
                continue
            merged = numbered[at[passage.number]]
            more = [c for c in chunks if c.id not in {m.id for m in merged.chunks}]
            numbered[at[passage.number]] = replace(merged, chunks=sorted([*merged.chunks, *more], key=lambda c: c.ord))
    return numbered, above, numbers


def held_by(chunks: list[ChunkRow], given: list[GivenPassage]) -> list[tuple[GivenPassage, list[ChunkRow]]]:
    """``chunks`` as runs that passages of ``given`` hold: one passage for all when one holds them all, else a
    (passage, chunks) per run, each as long as its passage holds it; [] when some chunk none holds."""
    ids = {c.id for c in chunks}
    whole = next((passage for passage in given if ids <= passage.held), None)
    if whole is not None:
        return [(whole, list(chunks))]
    parts: list[tuple[GivenPassage, list[ChunkRow]]] = []
    for chunk in chunks:
        if parts and chunk.id in parts[-1][0].held:
            parts[-1][1].append(chunk)
            continue
        holder = next((passage for passage in given if chunk.id in passage.held), None)
        if holder is None:
            return []
        parts.append((holder, [chunk]))
    return parts


def renumber(evidence: list[Evidence], numbers: dict[int, int]) -> list[Evidence]:
    """``evidence`` with its source numbers as ``carry_over`` gave them (a number it did not map stays)."""
    return [replace(e, source_number=numbers.get(e.source_number, e.source_number)) for e in evidence]


def source_header(source: Source) -> str:
    """The title and pages that head a source in the prompt: "Some Title, page 20" or "..., pages 3-4"."""
    pages = source.pages
    where = f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}-{pages[-1]}"
    return f"{source.first.document_title}, {where}"


OPEN, CLOSE = "<<<", ">>>"
"""The marks around a source's text in the prompt."""


def source_block(source: Source, text: str) -> str:
    return f"[{source.number}] {source_header(source)}:\n{OPEN}\n{text}\n{CLOSE}"


ECHOED_HEADER = re.compile(rf"^\[(\d+)\] [^\[\]\n]{{1,300}}?, pages? \d+(?:-\d+)?:\s*(?:{OPEN}\s*)?")
"""A source's header line as ``source_block`` writes it, repeated by the model at a line's start, with the mark
that opens its text when the model ran the two lines together ("[2] Guide, page 109: <<< 5.0 The canvas ...")."""


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
    def __init__(self, count: Callable[[str], int], window: int, answer_reserve: int,
                 message_share: float = 1.0) -> None:
        """``count``: text -> tokens; ``window``: the model's context size in tokens; ``answer_reserve``:
        tokens kept free for the answer; ``message_share``: the new user message (its sources, question and
        key sentences) takes at most this share of the window, so that a follow-up finds room beside it."""
        self.count = count
        self.window = window
        self.answer_reserve = answer_reserve
        self.message_share = message_share

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
        shown_before = {i for passage in given_passages(turns) for i in passage.held}
        evidence = list(evidence or [])
        while True:  # the key sentences never crowd out every passage: the last of them go first
            key = evidence_block(evidence, say("evidence", language)) if evidence else ""
            question_cost = self.count(question) + self.count(key) + 3 * MESSAGE_OVERHEAD
            room = min(self.window - self.answer_reserve - fixed, int(self.window * self.message_share))
            texts, held = self._fit_sources(fresh, room - question_cost, expand, shown_before)
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
                           held={n: ids for n, ids in held.items() if n in texts and n not in above},
                           flagged=flagged, scaffold=scaffold)

    def _fit_sources(
        self, sources: list[Source], room: int, expand: Callable[[Source], list[ChunkRow]],
        shown_before: set[int] | frozenset[int] = frozenset(),
    ) -> tuple[dict[int, str], dict[int, tuple[int, ...]]]:
        """Source texts by number, and the ids of the chunks each text holds: best first while they fit in
        ``room`` tokens, then widened with neighbouring chunks that no other passage of the prompt holds (nor,
        ``shown_before``, one of the turns it repeats), so no text is read twice.

        Widening each source over both neighbours repeated the chunk between two adjacent sources: the
        first prompt of dev B011 held 1,546 tokens, its follow-up B012 had 1,275 new ones to read
        (benchmarks/answer_speed.py; README, Performance).
        """
        texts: dict[int, str] = {}
        costs: dict[int, int] = {}
        held: dict[int, tuple[int, ...]] = {}
        for source in sources:
            text = source.text
            cost = self.count(source_block(source, text)) + 2
            if cost > room:
                text = self._truncate(text, room)
                if not text:
                    break
                cost = self.count(source_block(source, text)) + 2
            texts[source.number], costs[source.number] = text, cost
            held[source.number] = whole_chunks(source.chunks, text)
            room -= cost
        taken = set(shown_before) | {i for ids in held.values() for i in ids}
        for source in sources:
            if source.number not in texts or texts[source.number] != source.text:
                continue
            own = set(held[source.number])
            chunks = [c for c in expand(source) if c.id in own or c.id not in taken]
            wider = join_chunks(chunks)
            extra = self.count(source_block(source, wider)) + 2 - costs[source.number]
            if wider != source.text and extra <= room:
                texts[source.number] = wider
                held[source.number] = tuple(c.id for c in chunks)
                taken |= set(held[source.number])
                room -= extra
        return texts, held

    def _truncate(self, text: str, room: int) -> str:
        """The longest prefix (cut at a word) that fits in ``room`` tokens, or "" if too little is left."""
        if room < MIN_SOURCE_TOKENS:
            return ""
        words = text.split(" ")
        keep = len(words)
        while keep > 0 and self.count(" ".join(words[:keep])) + MIN_SOURCE_TOKENS // 2 > room:
            keep = int(keep * 0.8)
        return " ".join(words[:keep]) + CUT if keep else ""


def whole_chunks(chunks: list[ChunkRow], text: str) -> tuple[int, ...]:
    """The ids of the chunks that ``text`` holds whole: all of them when it is their joined text
    (``join_chunks``), else, for a text cut to fit (ending in ``CUT``), the leading ones it holds to their end;
    a follow-up names a passage only for chunks it holds (``carry_over``)."""
    if text == join_chunks(chunks):
        return tuple(c.id for c in chunks)
    kept = len(text.removesuffix(CUT))
    ids: list[int] = []
    end = -1
    for index, chunk in enumerate(chunks):
        end += 1 + len(chunk.text[chunk.overlap if index else 0:])  # join_chunks: a new line, then the text
        if end > kept:
            break
        ids.append(chunk.id)
    return tuple(ids)


def evidence_block(evidence: list[Evidence], heading: str) -> str:
    """The quotes as the prompt shows them after the question, each with its source number."""
    return f"{heading} " + " ".join(f"\"{e.quote}\" [{e.source_number}]" for e in evidence)


def without_echo(text: str, question: str) -> str:
    """The model's answer without the lines of its own prompt it repeated: the instruction (anywhere), the
    question under its label ("Question: ...", as asked or reworded: ``restates``; as asked, also with the
    rest of the prompt run on after it), and the label of the key sentences ("Answer from:"), whose quotes
    stay. The bundled 135M model often starts its answer so; the check would then count the question's names
    as claims. Labels in English and Korean (``language.say``). When the model copies a source, the marks
    around its text (``source_block``) are left out, and its header's title and pages too (they may be
    another source's): the header's number stays as a citation on a line of its own, as the header was, so
    the copied lines after it cite nothing and are checked against every source (the 135M model may copy
    one source's header above another's text)."""
    for language in ("en", "ko"):
        text = text.replace(say("instruction", language), "")
    asked = " ".join(question.split())
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in (OPEN, CLOSE):
            continue
        if header := ECHOED_HEADER.match(stripped):
            kept.append(f"[{header.group(1)}]")  # the citation, on a line of its own as the header was
            stripped = line = stripped[header.end():].strip()
            if not stripped:
                continue
        if any(stripped.startswith(label := say("question", lang)) and restates(stripped[len(label):], asked)
               for lang in ("en", "ko")):
            continue
        for lang in ("en", "ko"):
            label = say("question", lang)
            said = " ".join(stripped[len(label):].split()) if stripped.startswith(label) else ""
            if asked and said.startswith(asked + " "):  # the rest of the prompt ran on after it (alone: restates)
                line = stripped = said[len(asked):].strip()
        label = next((say("evidence", lang) for lang in ("en", "ko") if stripped.startswith(say("evidence", lang))),
                     "")
        kept.append(stripped[len(label):].lstrip() if label else line)
    return "\n".join(kept)


def restates(line: str, question: str) -> bool:
    """Whether ``line`` (after a "Question:" label) is the question again: as asked, reworded (it ends in a
    question mark: the model asks it anew), or nothing."""
    words = " ".join(line.split())
    return words in ("", question) or words.endswith(("?", "\uff1f"))
