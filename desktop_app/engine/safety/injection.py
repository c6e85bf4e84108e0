"""Keep document text from acting as instructions to the model.

Retrieved passages reach the model fenced and labelled as quoted data. Before
that, chat-template control tokens in them (``<|im_start|>``, ``[INST]``,
``</s>``...) are defused so the tokenizer cannot turn them into real special
tokens, and sentences that read like instructions to an assistant ("ignore
previous instructions", role tags) are marked as quoted text. Each passage
that needed this is flagged, so the user can see it.
"""

from __future__ import annotations

import re

CONTROL_TOKEN = re.compile(
    r"<\|[^|<>\s]{1,40}\|>|\[/?INST\]|<</?SYS>>|</?s>|<\|?(?:system|user|assistant)\|?>", re.IGNORECASE
)
INSTRUCTION = re.compile(
    r"(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|your)\s+"
    r"(?:instructions?|prompts?|rules?|messages?)"
    r"|(?:^|\n)\s*(?:system|assistant|user)\s*:"
    r"|you\s+are\s+now\s+(?:a|an|the|in)\b"
    r"|new\s+instructions?\s*:"
    r"|(?:reveal|print|show)\s+(?:the\s+|your\s+)?system\s+prompt"
    r"|#{2,}\s*(?:instruction|system)",
    re.IGNORECASE,
)


def defuse_token(match: re.Match[str]) -> str:
    """<|im_start|> becomes ‹|im_start|›: readable, but no longer a token the tokenizer treats as special."""
    return match.group(0).replace("<", "‹").replace(">", "›").replace("[", "⟦").replace("]", "⟧")


def neutralise(text: str) -> tuple[str, list[str]]:
    """The passage made safe to quote, and the reasons it was flagged (empty if it was clean)."""
    reasons: list[str] = []
    if CONTROL_TOKEN.search(text):
        reasons.append("chat-template control tokens")
        text = CONTROL_TOKEN.sub(defuse_token, text)
    if INSTRUCTION.search(text):
        reasons.append("text that reads like instructions to the assistant")
        text = INSTRUCTION.sub(lambda m: f"[quoted from the document: {m.group(0).strip()}]", text)
    return text, reasons
