"""Answer types: whether a question asks for a procedure, and which candidate sentences show one.

Factoid question answering classifies a question by the type of answer it expects and prefers the
sentences that hold an answer of that type (X. Li and D. Roth, "Learning Question Classifiers", COLING
2002; S. Harabagiu et al., "FALCON: Boosting Knowledge for Answer Engines", TREC-9, 2000). In the
manuals analysts ask about, one type is frequent and plain to see in the text: a question on how to do
something ("How do I ...?", "Which method ...?", "...하려면", "어떤 명령을 ...?") is answered by the sentence
that shows how, which in a technical manual usually holds code: a call (``StandardEncryption("pw",
canPrint=0)``), an assignment (``Border='[0 0 0]'``) or a command line after a shell or Python prompt
(``$ tlmgr repository add ...``).

``procedure_scores`` gives such sentences 1 and the others 0 (all 0 when the question does not ask how),
a feature ``evidence`` weighs in (``WEIGHTS["procedure"]``). A name alone (camelCase, snake_case, a TeX
macro) is not code here: counted as code, names took one English benchmark question's first quote (E046)
off its page, away from an answer in prose; calls, assignments and prompts changed none of those questions'
quotes, and gained four on the dev set (README, Evidence).
"""

from __future__ import annotations

import re

from desktop_app.engine.answering.sentences import PROMPT_MARK

ASKS_HOW = re.compile(
    r"\bhow (?:do|can|could|should|would|must|might) (?:i|we|you|one)\b|\bhow to\b"
    r"|\b(?:which|what) (?:\w+ )?(?:method|function|command|argument|option|setting|attribute|parameter|keyword"
    r"|package|macro)s?\b|\bwhat (?:should|must|do) (?:i|we|you) (?:do|use|call|pass|set|write|type|run)\b"
    r"|려면|명령|어떻게 (?:하|해)|(?:무엇|뭘|뭐)을? .*야",
    re.IGNORECASE,
)
"""A question asking how to do something, in English or Korean (하려면: "in order to", 명령: "command")."""
SHOWS_HOW = re.compile(rf"[A-Za-z_][\w.]*\(|(?:^|\s){PROMPT_MARK}|\b\w+=\S", re.ASCII)
"""Code in a sentence: a call, a command line after a prompt, or an assignment."""


def asks_how(question: str) -> bool:
    """Whether ``question`` asks how to do something (see ``ASKS_HOW``)."""
    return bool(ASKS_HOW.search(question))


def procedure_scores(question: str, texts: list[str]) -> list[float]:
    """1.0 for each text that shows code when ``question`` asks how to do something, else 0.0; one per text."""
    if not asks_how(question):
        return [0.0] * len(texts)
    return [1.0 if SHOWS_HOW.search(text) else 0.0 for text in texts]
