"""Keep a generated answer from looping: the sampler's repetition penalties and a guard over the streamed text.

Small models, the bundled 135M one above all, fall into loops: one sentence or
paragraph again and again until the token cap. The sampler's penalties
(llama.cpp's ``penalty_repeat``/``penalty_last_n``, the OpenAI API's
frequency and presence penalties) make a loop less likely; ``RepetitionGuard``
ends one that starts anyway. It reads the text as it streams, word by word
(Unicode ``\\w+`` runs, lower-cased, so punctuation and citation brackets do not
hide a repeat), and calls it a loop when the last ``loop_words`` words already
occurred, in that order, earlier in the answer. The repeated copy is dropped:
while the last words repeat earlier ones (``hold_words`` or more) they are held
back, then released when the run breaks, or dropped when it becomes a loop, so
a loop is never shown. The defaults are measured on the dev questions
(benchmarks/repetition.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"\w+")
DANGLING = re.compile(r"(?:\s+(?:\[\d+\]|\d+[.)]|[\"“‘'(*•-]))*\s*$")
"""What a cut before the repeated copy may leave at the end: a citation marker, list number, open quote, bullet."""
LOOP_WORDS = 12
"""A run of this many words that already occurred in the answer, in the same order, is a loop."""
HOLD_WORDS = 4
"""From this many repeated words on, the text is held back until the run breaks or becomes a loop."""
FINISH_REASONS = ("stop", "length", "repetition", "cancelled")
"""Why a generation ended: the model's end of text or a stop string, the token cap, a loop (``RepetitionGuard``),
or a cancel (the user, the safety policy, a broken server stream)."""


@dataclass(frozen=True)
class Sampling:
    """The penalties against repetition given to the sampler, and whether ``RepetitionGuard`` watches the text.

    ``repeat_penalty``: llama.cpp's multiplicative penalty on the logits of tokens among the last
    ``penalty_last_n`` generated tokens (1.0: none; Keskar et al. 2019, "CTRL", section 4.1).
    ``frequency_penalty``/``presence_penalty``: the OpenAI API's additive penalties (0.0: none).
    """

    repeat_penalty: float = 1.1
    penalty_last_n: int = 64
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    guard: bool = True


class RepetitionGuard:
    """Watches a streamed text for loops; ``feed`` each piece, show what it returns, ``flush`` at the end.

    ``looped`` turns True once the text loops; from then on ``feed`` returns "" and the caller should end
    the generation. ``text`` is the answer to keep: what was released, cut before the repeated copy (the
    first ``hold_words`` words of the copy may have been shown before it was known to repeat).
    """

    def __init__(self, loop_words: int = LOOP_WORDS, hold_words: int = HOLD_WORDS) -> None:
        if not 0 < hold_words <= loop_words:
            raise ValueError("hold_words must be between 1 and loop_words")
        self.loop_words = loop_words
        self.hold_words = hold_words
        self.looped = False
        self._raw = ""
        self._released = 0

    @property
    def text(self) -> str:
        """What has been released so far; after a loop, the text before its repeated copy."""
        return self._raw[:self._released]

    def feed(self, piece: str) -> str:
        """Add ``piece``; return the text that may be shown now ("" while a repeat is held back or after a loop)."""
        if self.looped:
            return ""
        self._raw += piece
        run = repeated_run(self._raw, self.loop_words)
        if run.length >= self.loop_words:
            self.looped = True
            self._raw = DANGLING.sub("", self._raw[:run.copy_start()])
            self._released = min(self._released, len(self._raw))
            return ""
        limit = run.starts[len(run.words) - run.length] if run.length >= self.hold_words else len(self._raw)
        return self._release(limit)

    def flush(self) -> str:
        """The held-back text, at the end of a generation that did not loop ("" after a loop)."""
        return "" if self.looped else self._release(len(self._raw))

    def _release(self, limit: int) -> str:
        if limit <= self._released:
            return ""
        shown, self._released = self._raw[self._released:limit], limit
        return shown


@dataclass(frozen=True)
class Run:
    """The last words of a text that repeat earlier ones: ``length`` words, ``period`` words after their first
    occurrence. ``words`` are the text's complete words (lower-cased), ``starts`` their offsets."""

    words: list[str]
    starts: list[int]
    length: int
    period: int

    def copy_start(self) -> int:
        """The offset where the repeating begins: the start of the first copy of the block of ``period`` words
        that the text repeats, found by following the repetition back from the run."""
        first = len(self.words) - self.length
        while first > self.period and self.words[first - 1] == self.words[first - 1 - self.period]:
            first -= 1
        return self.starts[first] if self.words else 0


def repeated_run(text: str, cap: int = LOOP_WORDS) -> Run:
    """The run of last words of ``text`` that repeat earlier ones, counted up to ``cap`` words.

    The run is the longest suffix of the word sequence that also occurs, in order, ending at an earlier word
    (the two may overlap, as in "a b a b a b"); of equally long ones, the nearest. A word still being
    written (``text`` ends inside it) is left out. Runs in O(words x cap).
    """
    matches = list(WORD.finditer(text))
    if matches and matches[-1].end() == len(text):
        matches.pop()
    words = [m.group(0).lower() for m in matches]
    last = len(words) - 1
    best, period = 0, 0
    for end in range(last - 1, -1, -1):
        length = 0
        while length <= end and length < cap and words[end - length] == words[last - length]:
            length += 1
        if length > best:
            best, period = length, last - end
    return Run(words, [m.start() for m in matches], best, period)
