"""Answers already given, returned at once when the same question comes again.

An entry is found only under the same *fingerprint*: a hash of everything an
answer depends on besides the question (library version, model file, adapter,
embedder, answer settings; see ``answer_fingerprint``). Indexing or removing a
document, or changing the model or a setting, changes the fingerprint, so old
answers are never returned (invalidation by construction); ``prune`` deletes
them.

A cached answer is returned only for a near-identical question: the same
words in the same order once case, punctuation, spacing, hyphens, articles,
auxiliaries, pronouns and plurals are set aside (``wording_key``), and a cosine
of at least ``CACHE_THRESHOLD``. Paraphrases are not served from the cache: a
paraphrase that is in fact a different question ("cancel" for "get" a credit
card, "children" for "adults") would get a wrong answer, while a miss only
costs one model answer. See tests/faq_cases.py for the measurements.

Follow-up questions depend on their conversation ("and how do I undo that?"),
so callers look up and store answers only for the first question of a
conversation or a standalone query, never for later turns.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from desktop_app.engine.answering.answer import Answer, Shortcut
from desktop_app.engine.answering.citations import Citation
from desktop_app.engine.answering.evidence import Evidence
from desktop_app.engine.answering.verification import SentenceCheck, Verification
from desktop_app.engine.models.embedding import Embedder
from desktop_app.engine.settings import Settings
from desktop_app.engine.shortcuts.matching import wording_key
from desktop_app.errors import StorageError

# Measured (tests/faq_cases.py): with equal wording keys, no near miss can match; the lowest cosine among
# rewordings with equal keys was 0.81 ("spread sheet"), the rest >= 0.87. Cosine alone would need >= 0.97
# to keep "minimum age" from matching "maximum age" (0.961). 0.90 is stricter than FAQ_THRESHOLD (0.70).
CACHE_THRESHOLD = 0.90
MAX_ENTRIES = 2000


@dataclass(frozen=True)
class CachedAnswer:
    """An earlier answer: ``question`` as it was asked then, ``payload`` as it was stored."""

    id: int
    question: str
    payload: dict[str, Any]
    similarity: float
    created: str


def answer_payload(answer: Answer) -> dict[str, Any]:
    """What the cache keeps of a model answer: all that is shown with it, as JSON."""
    return {
        "text": answer.text,
        "citations": [c.to_dict() for c in answer.citations],
        "related": [c.to_dict() for c in answer.related],
        "verification": asdict(answer.verification) if answer.verification else None,
        "flagged_sources": {str(n): reasons for n, reasons in answer.flagged_sources.items()},
        "unknown_citations": answer.unknown_citations,
        "evidence": [e.to_dict() for e in answer.evidence],
        "details": {"conversation_id": answer.conversation_id, "message_id": answer.message_id},
    }


def replay(payload: dict[str, Any], origin: str) -> Shortcut | None:
    """The payload of ``answer_payload`` (or ``FaqMatch.payload``) as the answer to show again, from ``origin``
    ("cache" or "faq"); None if the payload no longer fits (written by older code)."""
    try:
        checks = payload.get("verification")
        sentences = checks.get("sentences") if isinstance(checks, dict) else None
        return Shortcut(
            origin=origin,
            text=str(payload["text"]),
            citations=[Citation(**c) for c in payload.get("citations", [])],
            related=[Citation(**c) for c in payload.get("related", [])],
            verification=Verification([SentenceCheck(**s) for s in sentences]) if sentences is not None else None,
            flagged_sources={int(n): list(r) for n, r in payload.get("flagged_sources", {}).items()},
            unknown_citations=[int(n) for n in payload.get("unknown_citations", [])],
            details=dict(payload.get("details", {})),
            evidence=[Evidence(**e) for e in payload.get("evidence", [])],
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def fingerprint(parts: dict[str, Any]) -> str:
    """SHA-256 of ``parts`` as sorted JSON: equal parts give equal fingerprints in any key order."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_identity(path: Path | None) -> dict[str, Any]:
    """Path, size and modification time: a model file replaced in place changes its identity."""
    if path is None or not str(path):
        return {"path": ""}
    try:
        stat = path.stat()
    except OSError:
        return {"path": str(path), "missing": True}
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def answer_fingerprint(
    library_version: int, model_path: Path, adapter_path: Path | None, adapter_scale: float, embedder_key: str,
    settings: Settings,
) -> str:
    """The fingerprint of everything besides the question that an answer depends on."""
    return fingerprint({
        "library_version": library_version,
        "model": file_identity(model_path),
        "adapter": {**file_identity(adapter_path), "scale": adapter_scale if adapter_path else None},
        "embedder": embedder_key,
        "settings": settings.answer_values(),
    })


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class AnswerCache:
    def __init__(self, db: sqlite_utils.Database, embedder: Embedder, threshold: float = CACHE_THRESHOLD) -> None:
        self.db = db
        self.embedder = embedder
        self.threshold = threshold

    def lookup(self, question: str, fingerprint: str) -> CachedAnswer | None:
        """The latest answer to a near-identical question under ``fingerprint``, or None.

        The question is embedded only when an entry with the same wording
        exists, so a miss costs one indexed query.
        """
        question = question.strip()
        rows = self.db.execute(
            "SELECT id, question, vector, answer_json, created FROM answer_cache "
            "WHERE fingerprint=? AND question_key=? ORDER BY id DESC",
            (fingerprint, wording_key(question)),
        ).fetchall() if question else []
        if not rows:
            return None
        query = self.embedder.encode([question])[0]
        for entry_id, asked, blob, answer_json, created in rows:
            vector = np.frombuffer(blob, dtype=np.float32)
            similarity = float(vector @ query) if vector.shape == query.shape else -1.0
            payload = loads(answer_json)
            if similarity >= self.threshold and payload is not None:
                return CachedAnswer(entry_id, asked, payload, similarity, created)
        return None

    def store(self, question: str, fingerprint: str, answer_payload: dict[str, Any]) -> int:
        """Keep ``answer_payload`` (JSON-serialisable) for ``question``, replacing one with the same wording."""
        question = question.strip()
        key = wording_key(question)
        answer_json = json.dumps(answer_payload, ensure_ascii=False)
        vector = self.embedder.encode([question])[0].astype(np.float32).tobytes()
        try:
            with self.db.conn:
                self.db.conn.execute("DELETE FROM answer_cache WHERE fingerprint=? AND question_key=?",
                                     (fingerprint, key))
                newest = int(self.db.conn.execute(
                    "INSERT INTO answer_cache (question, question_key, vector, answer_json, fingerprint, created) "
                    "VALUES (?,?,?,?,?,?)", (question, key, vector, answer_json, fingerprint, now())).lastrowid or 0)
                self.db.conn.execute("DELETE FROM answer_cache WHERE id <= ?", (newest - MAX_ENTRIES,))
        except sqlite3.Error as exc:
            raise cache_error(exc) from exc
        return newest

    def prune(self, keep_fingerprint: str) -> int:
        """Delete the entries of every other fingerprint (they can never be returned); how many went."""
        return self._delete("DELETE FROM answer_cache WHERE fingerprint != ?", (keep_fingerprint,))

    def clear(self) -> int:
        return self._delete("DELETE FROM answer_cache", ())

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM answer_cache").fetchone()[0])

    def _delete(self, sql: str, params: tuple[Any, ...]) -> int:
        try:
            with self.db.conn:
                return int(self.db.conn.execute(sql, params).rowcount)
        except sqlite3.Error as exc:
            raise cache_error(exc) from exc


def loads(answer_json: str) -> dict[str, Any] | None:
    """A stored payload; None for a damaged one, which is then simply not served."""
    try:
        payload = json.loads(answer_json)
    except json.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def cache_error(exc: sqlite3.Error) -> StorageError:
    return StorageError(f"The answer cache could not be saved ({exc}). Free disk space or make the data folder "
                        "writable; answers still work without it.")
