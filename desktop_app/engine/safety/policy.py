"""The safety policy: what may be asked, and what may appear in an answer.

Levels: "off" checks nothing; "standard" refuses questions naming a blocked
term or topic and redacts forbidden output terms as they stream; "strict"
also refuses questions outside the indexed documents (nothing relevant was
retrieved) and stops an answer as soon as a forbidden term appears. Every
decision carries its reason, which the user sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

REDACTED = "[redacted]"


@dataclass(frozen=True)
class Decision:
    stage: str  # "input" or "output"
    action: str  # "refused", "redacted" or "stopped"
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"stage": self.stage, "action": self.action, "reason": self.reason}


@dataclass(frozen=True)
class Policy:
    level: str = "standard"
    blocked_terms: tuple[str, ...] = ()
    blocked_topics: tuple[str, ...] = ()
    forbidden_output: tuple[str, ...] = ()

    def check_question(self, question: str) -> Decision | None:
        """A refusal if the question names a blocked term or topic (whole words, any case)."""
        if self.level == "off":
            return None
        for term in (*self.blocked_terms, *self.blocked_topics):
            if term.strip() and contains(question, term):
                kind = "term" if term in self.blocked_terms else "topic"
                return Decision("input", "refused", f"the question mentions the blocked {kind} \"{term}\"")
        return None

    def check_scope(self, found_relevant: bool) -> Decision | None:
        if self.level == "strict" and not found_relevant:
            return Decision("input", "refused", "only questions about the indexed documents are answered "
                            "(strict policy), and nothing relevant was found")
        return None

    def output_filter(self) -> OutputFilter:
        return OutputFilter(self.forbidden_output if self.level != "off" else (), stop=self.level == "strict")


def contains(text: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term.strip())}(?!\w)", text, re.IGNORECASE) is not None


class OutputFilter:
    """Redacts (or, strictly, stops at) forbidden terms in streamed text, holding back a term-sized tail.

    Text is released only once no forbidden term could still be completing at
    its end, so a term split across tokens is caught before it is shown.
    """

    def __init__(self, terms: Iterable[str], stop: bool) -> None:
        self.terms = [t.strip() for t in terms if t.strip()]
        self.pattern = re.compile("|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in self.terms), re.IGNORECASE) \
            if self.terms else None
        self.hold = max((len(t) for t in self.terms), default=0)
        self.stop = stop
        self.pending = ""
        self.decisions: list[Decision] = []
        self.stopped = False

    def feed(self, text: str) -> Iterator[str]:
        if self.pattern is None:
            yield text
            return
        if self.stopped:
            return
        self.pending += text
        self._apply()
        if self.stopped:
            out, self.pending = self.pending, ""
            if out:
                yield out
            return
        release = len(self.pending) - self.hold
        if release > 0:
            out, self.pending = self.pending[:release], self.pending[release:]
            yield out

    def flush(self) -> str:
        if self.pattern is not None and not self.stopped:
            self._apply()
        out, self.pending = self.pending, ""
        return out

    def _apply(self) -> None:
        assert self.pattern is not None
        match = self.pattern.search(self.pending)
        if match is None:
            return
        if self.stop:
            self.stopped = True
            self.pending = self.pending[: match.start()]
            self.decisions.append(Decision("output", "stopped", f"the answer was about to contain the forbidden "
                                           f"term \"{match.group(0)}\""))
            return
        self.decisions.append(Decision("output", "redacted", f"the forbidden term \"{match.group(0)}\" was removed"))
        self.pending = self.pattern.sub(REDACTED, self.pending)
