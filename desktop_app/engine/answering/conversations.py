"""Conversations and their messages, persisted in the library database."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from desktop_app.engine.answering.answer import Answer
from desktop_app.engine.answering.memory import Turn
from desktop_app.errors import AppError, InputError, NotFoundError, StorageError
from desktop_app.store.collections import Scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    id: int
    role: str
    content: str
    search_query: str
    sources: list[dict[str, Any]]
    meta: dict[str, Any]
    created: str
    answer: Answer | None = None
    """For an assistant message, the answer as it was given (read from its record)."""


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    created: str
    updated: str
    summary: str
    summary_upto: int
    scope: str = "{}"  # JSON of a ``Scope``: what the conversation's questions search (see ``store.collections``)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ConversationStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _write(self, sql: str, params: tuple[Any, ...], *more: tuple[str, tuple[Any, ...]]) -> int:
        """Run one or more statements in one transaction; the first one's row id comes back."""
        try:
            with self.db.conn:
                cursor = self.db.conn.execute(sql, params)
                for extra_sql, extra_params in more:
                    self.db.conn.execute(extra_sql, extra_params)
        except sqlite3.Error as exc:
            raise StorageError(f"The conversation could not be saved: {exc}. Free disk space or make the "
                               "data folder writable.") from exc
        return int(cursor.lastrowid or 0)

    def create(self, title: str, scope: str = "{}") -> int:
        """A new conversation; ``scope``: the JSON of its ``Scope`` (default: the whole library)."""
        stamp = now()
        return self._write("INSERT INTO conversations (title, created, updated, scope) VALUES (?,?,?,?)",
                           (title[:80] or "New conversation", stamp, stamp, scope))

    def set_scope(self, conversation_id: int, scope: str) -> None:
        self.get(conversation_id)
        self._write("UPDATE conversations SET scope=? WHERE id=?", (scope, conversation_id))

    def get(self, conversation_id: int) -> Conversation:
        row = self.db.execute("SELECT * FROM conversations WHERE id=?", (conversation_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no conversation {conversation_id}. `desktop-app conversations list` "
                                "shows them.")
        return Conversation(*row)

    def all(self) -> list[Conversation]:
        rows = self.db.execute("SELECT * FROM conversations ORDER BY updated DESC, id DESC")
        return [Conversation(*row) for row in rows]

    def rename(self, conversation_id: int, title: str) -> None:
        self.get(conversation_id)
        self._write("UPDATE conversations SET title=? WHERE id=?", (title, conversation_id))

    def delete(self, conversation_id: int) -> None:
        self.get(conversation_id)
        self._write("DELETE FROM conversations WHERE id=?", (conversation_id,))

    def add_message(
        self, conversation_id: int, role: str, content: str, search_query: str = "",
        sources: list[dict[str, Any]] | None = None, meta: dict[str, Any] | None = None,
    ) -> int:
        stamp = now()
        return self._write(
            "INSERT INTO messages (conversation_id, role, content, search_query, sources, meta, created)"
            " VALUES (?,?,?,?,?,?,?)",
            (conversation_id, role, content, search_query, json.dumps(sources or []), json.dumps(meta or {}), stamp),
            ("UPDATE conversations SET updated=? WHERE id=?", (stamp, conversation_id)),
        )

    def add_answer(self, answer: Answer) -> Answer:
        """Store an assistant answer as its record; the same answer comes back with its message id.

        The one writer of answers: every answer, from the model, a shortcut,
        an abstention or a refusal, is stored here, so it reads back the same.
        """
        message_id = self.add_message(answer.conversation_id, "assistant", answer.text,
                                      sources=[c.to_dict() for c in answer.shown_sources], meta=answer.to_record())
        return replace(answer, message_id=message_id)

    def messages(self, conversation_id: int) -> list[Message]:
        rows = self.db.execute(
            "SELECT id, role, content, search_query, sources, meta, created FROM messages"
            " WHERE conversation_id=? ORDER BY id", (conversation_id,),
        ).fetchall()
        messages: list[Message] = []
        question = ""
        for r in rows:
            sources, meta = json.loads(r[4]), json.loads(r[5])
            answer = readable_answer(conversation_id, r[0], question, r[2], sources, meta) \
                if r[1] == "assistant" else None
            question = r[2] if r[1] == "user" else question
            messages.append(Message(r[0], r[1], r[2], r[3], sources, meta, r[6], answer))
        return messages

    def turns_after(self, conversation_id: int, message_id: int) -> list[Turn]:
        """Question/answer pairs whose answer comes after ``message_id`` (not yet summarised)."""
        rows = self.db.execute("SELECT id, role, content, meta FROM messages WHERE conversation_id=? AND id>? "
                               "ORDER BY id", (conversation_id, message_id)).fetchall()
        turns: list[Turn] = []
        question: str | None = None
        for row_id, role, content, meta in rows:
            if role == "user":
                question = content
            elif role == "assistant" and question is not None:
                turns.append(turn_from(question, content, row_id, meta))
                question = None
        return turns

    def last_search_query(self, conversation_id: int) -> str | None:
        row = self.db.execute(
            "SELECT search_query FROM messages WHERE conversation_id=? AND role='user' ORDER BY id DESC LIMIT 1",
            (conversation_id,),
        ).fetchone()
        return row[0] if row else None

    def last_quotes(self, conversation_id: int) -> frozenset[str]:
        """The quotes ("From the documents") of the conversation's newest answer; empty when it had none."""
        row = self.db.execute(
            "SELECT meta FROM messages WHERE conversation_id=? AND role='assistant' ORDER BY id DESC LIMIT 1",
            (conversation_id,),
        ).fetchone()
        evidence = json.loads(row[0]).get("evidence") if row else None
        return frozenset(str(e.get("quote") or "") for e in evidence or []) - {""}

    def set_summary(self, conversation_id: int, summary: str, upto: int) -> None:
        self._write("UPDATE conversations SET summary=?, summary_upto=? WHERE id=?", (summary, upto, conversation_id))

    def export_markdown(self, conversation_id: int) -> str:
        conversation = self.get(conversation_id)
        lines = [f"# {conversation.title}", "", f"_Started {conversation.created}_", ""]
        for message in self.messages(conversation_id):
            if message.answer is None:
                lines += [f"**Question:** {message.content}", ""]
                continue
            answer = message.answer
            if answer.evidence:
                lines += ["From the documents:", ""]
                lines += [f"> \u201c{e.quote}\u201d ([{e.source_number}] {e.document_title}, {e.where()})"
                          for e in answer.evidence]
                lines.append("")
            lines += [message.content, ""]
            label = "Sources" if answer.citations else "Related (not cited)"
            if answer.shown_sources:
                lines.append(f"{label}:")
                lines += [f"- [{c.number}] {c.document_title}, {c.where()}" for c in answer.shown_sources]
                lines.append("")
        return "\n".join(lines)


def turn_from(question: str, text: str, message_id: int, meta: str) -> Turn:
    """A turn with the user message its model read, the sources given in it and the answer as the model wrote it
    (see ``Answer.sent_message`` and ``Answer.sent_answer``); a record without them, or one that cannot be read,
    gives the question and answer alone."""
    try:
        record = json.loads(meta or "{}")
        passages = {int(n): str(t) for n, t in (record.get("sent_passages") or {}).items()}
        chunks = {int(c["number"]): tuple(int(i) for i in c["chunk_ids"]) for c in record.get("given") or []}
        held = {int(n): tuple(int(i) for i in ids) for n, ids in (record.get("sent_chunks") or {}).items()}
        answer = str(record.get("sent_answer") or text)  # as the model wrote it, when shown with less
        return Turn(question, answer, message_id, str(record.get("sent_message") or ""), passages, chunks, held)
    except (TypeError, KeyError, ValueError, AttributeError):
        return Turn(question, text, message_id)


def readable_answer(
    conversation_id: int, message_id: int, question: str, text: str, sources: list[dict[str, Any]],
    meta: dict[str, Any],
) -> Answer:
    """The stored answer; one whose record cannot be read (damaged, or from an unknown version) comes back as
    its text alone, so one bad row never hides the rest of the conversation."""
    try:
        return Answer.from_record(conversation_id, message_id, question, text, sources, meta)
    except (TypeError, KeyError, ValueError, AttributeError):
        log.warning("message %d has a record that cannot be read; showing its text only", message_id)
        return Answer(conversation_id, message_id, question, question, "", text, [], [], abstained=False,
                      stopped=False)


class ConversationManager:
    """Conversations as the facade hands them out; answers are written only by the answerer."""

    def __init__(self, store: ConversationStore, forget: Callable[[int], None] = lambda conversation_id: None) -> None:
        """``forget``: deletes what else was kept of a conversation (its saved KV cache) when it is deleted."""
        self._store = store
        self._forget = forget

    def all(self) -> list[Conversation]:
        """Every conversation, the most recently updated first."""
        return self._store.all()

    def get(self, conversation_id: int) -> tuple[Conversation, list[Message]]:
        """A conversation and its messages in order; ``NotFoundError`` if there is none."""
        return self._store.get(conversation_id), self._store.messages(conversation_id)

    def messages(self, conversation_id: int) -> list[Message]:
        return self._store.messages(conversation_id)

    def new(self, title: str = "New conversation", scope: Scope | None = None) -> int:
        """A new conversation searching ``scope`` (default: the whole library)."""
        return self._store.create(title, (scope or Scope()).to_json())

    def scope(self, conversation_id: int) -> Scope:
        """What the conversation's questions search; ``NotFoundError`` if there is no such conversation."""
        return Scope.from_json(self._store.get(conversation_id).scope)

    def set_scope(self, conversation_id: int, scope: Scope) -> None:
        """Change what a conversation searches; only before its first question (``AppError`` after it: its
        answers were made from the old scope, so start a new conversation)."""
        if self._store.messages(conversation_id):
            raise AppError("This conversation has answers from its own scope. Start a new conversation to ask "
                           "within another collection or documents.")
        self._store.set_scope(conversation_id, scope.to_json())

    def rename(self, conversation_id: int, title: str | None) -> None:
        """Give a conversation a new title; ``InputError`` for none or a blank one (the list would show
        nothing to tell it by), ``NotFoundError`` for no such conversation."""
        title = (title or "").strip()
        if not title:
            raise InputError("A conversation's title cannot be blank: give it one with a word in it.")
        self._store.rename(conversation_id, title)

    def delete(self, conversation_id: int) -> None:
        self._store.delete(conversation_id)
        self._forget(conversation_id)

    def export_markdown(self, conversation_id: int) -> str:
        return self._store.export_markdown(conversation_id)
