"""Curated answers: question -> answer pairs the user keeps, given instead of a model answer.

A curated answer that reaches the wrong question does more harm than no
curated answer (the question then goes to the documents as usual), so
matching is conservative; see matching.py and tests/faq_cases.py for
the measurements behind ``FAQ_THRESHOLD``. A question matches an entry when:

- it is the entry's question in other spelling (case, punctuation, articles,
  plurals, British or American spelling: the same ``faq_key``), or
- the embedder covers its language, cosine >= ``FAQ_THRESHOLD``, and it is not
  the entry's question with a topic word swapped, added or dropped
  (``slot_change``: "for children" is not "for adults").

Only entries in the question's language are considered: the bundled embedder
is English-only, so Korean entries match by wording alone.

Each entry keeps the embedding of its question and the key of the embedder
that made it; after the embedding model changes, entries are re-embedded on
the next match.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from desktop_app.engine.language import detect_language
from desktop_app.engine.models.embedding import Embedder
from desktop_app.engine.shortcuts.matching import ranked, slot_change, wording_key
from desktop_app.errors import AppError, NotFoundError, StorageError

# Measured (tests/faq_cases.py): with the word check, 0.64 is the lowest cosine with no near miss matched;
# 0.70 keeps a margin above the closest near miss that passes the word check (0.638).
FAQ_THRESHOLD = 0.70
FILE_KINDS = (".csv", ".json")


class FaqError(AppError):
    """A curated answer cannot be added or changed as asked."""


class FaqFileError(FaqError):
    """A file of curated answers cannot be read or written."""


@dataclass(frozen=True)
class FaqEntry:
    id: int
    question: str
    answer: str
    created: str
    updated: str

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class FaqMatch:
    """The entry a question matched; ``exact`` when only spelling differs."""

    entry: FaqEntry
    similarity: float
    exact: bool

    def payload(self) -> dict[str, Any]:
        """The curated answer in the shape of answer_cache.answer_payload, to show it the same way."""
        details = {"faq_id": self.entry.id, "faq_question": self.entry.question,
                   "similarity": round(self.similarity, 3), "exact": self.exact}
        return {"text": self.entry.answer, "citations": [], "related": [], "details": details}


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def faq_key(question: str) -> str:
    """The wording key curated questions are kept unambiguous and matched by: British and American
    spellings of a word count as one ("colour", "color")."""
    return wording_key(question, spellings=True)


class FaqStore:
    def __init__(self, db: sqlite_utils.Database, embedder: Embedder, threshold: float = FAQ_THRESHOLD) -> None:
        self.db = db
        self.embedder = embedder
        self.threshold = threshold

    # --- entries --------------------------------------------------------------------
    def all(self) -> list[FaqEntry]:
        rows = self.db.execute("SELECT id, question, answer, created, updated FROM faq ORDER BY id").fetchall()
        return [FaqEntry(*row) for row in rows]

    def get(self, entry_id: int) -> FaqEntry:
        row = self.db.execute("SELECT id, question, answer, created, updated FROM faq WHERE id=?",
                              (entry_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no curated answer {entry_id}. The list of curated answers shows their "
                                "numbers.")
        return FaqEntry(*row)

    def add(self, question: str, answer: str) -> int:
        """Add an entry; a question already curated (in any spelling) is refused, to keep matches unambiguous."""
        question, answer = checked(question, answer)
        self._refuse_duplicate(question, None)
        vector = self._embed([question])[0]
        stamp = now()
        return self._write("INSERT INTO faq (question, answer, vector, embedder, created, updated) "
                           "VALUES (?,?,?,?,?,?)", (question, answer, vector, self.embedder.key, stamp, stamp))

    def update(self, entry_id: int, question: str, answer: str) -> None:
        question, answer = checked(question, answer)
        old = self.get(entry_id)
        self._refuse_duplicate(question, entry_id)
        vector = self._embed([question])[0] if question != old.question else None
        if vector is None:
            self._write("UPDATE faq SET answer=?, updated=? WHERE id=?", (answer, now(), entry_id))
        else:
            self._write("UPDATE faq SET question=?, answer=?, vector=?, embedder=?, updated=? WHERE id=?",
                        (question, answer, vector, self.embedder.key, now(), entry_id))

    def remove(self, entry_id: int) -> None:
        self.get(entry_id)
        self._write("DELETE FROM faq WHERE id=?", (entry_id,))

    def _refuse_duplicate(self, question: str, entry_id: int | None) -> None:
        same = self._by_wording().get(faq_key(question))
        if same is not None and same.id != entry_id:
            raise FaqError(f"Curated answer {same.id} already answers {same.question!r}. Edit that one instead.")

    def _by_wording(self) -> dict[str, FaqEntry]:
        return {faq_key(e.question): e for e in self.all()}

    # --- files ----------------------------------------------------------------------
    def import_file(self, path: Path) -> ImportSummary:
        """Add the pairs in a CSV (header ``question,answer``) or JSON file, all or none.

        A question already curated (in any spelling) gets the file's answer
        instead of a second entry, so importing the same file twice changes nothing.
        """
        new, changed = self._plan(read_pairs(path))
        vectors = self._embed([q for q, _ in new]) if new else []
        stamp = now()
        self._write_many(
            ("INSERT INTO faq (question, answer, vector, embedder, created, updated) VALUES (?,?,?,?,?,?)",
             [(q, a, v, self.embedder.key, stamp, stamp) for (q, a), v in zip(new, vectors, strict=True)]),
            ("UPDATE faq SET answer=?, updated=? WHERE id=?", [(a, stamp, i) for i, a in changed.items()]),
        )
        return ImportSummary(added=len(new), updated=len(changed))

    def _plan(self, pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], dict[int, str]]:
        """New pairs, and new answers by entry id for questions already curated; a later row wins."""
        existing = self._by_wording()
        new: dict[str, tuple[str, str]] = {}
        changed: dict[int, str] = {}
        for question, answer in pairs:
            key = faq_key(question)
            if key not in existing:
                new[key] = (question, answer)
            elif existing[key].answer != answer:
                changed[existing[key].id] = answer
            else:
                changed.pop(existing[key].id, None)
        return list(new.values()), changed

    def export_file(self, path: Path) -> int:
        """Write every entry to ``path`` (.csv or .json); returns how many."""
        entries = self.all()
        kind = file_kind(path)
        tmp = path.with_name(path.name + ".tmp")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                if kind == ".csv":
                    write_csv(handle, entries)
                else:
                    json.dump([{"question": e.question, "answer": e.answer} for e in entries], handle,
                              ensure_ascii=False, indent=2)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise FaqFileError(f"The curated answers could not be written to {path} ({exc.strerror}). Choose a "
                               "folder you can write to.") from exc
        return len(entries)

    # --- matching -------------------------------------------------------------------
    def match(self, question: str) -> FaqMatch | None:
        """The entry that answers ``question``, or None; see the module docstring for the rules."""
        question = question.strip()
        language = detect_language(question)
        entries = [e for e in self.all() if detect_language(e.question) == language] if question else []
        if not entries:
            return None
        vectors = self._vectors(entries)
        query = self.embedder.encode([question])[0]
        key = faq_key(question)
        for index, entry in enumerate(entries):
            if faq_key(entry.question) == key:
                return FaqMatch(entry, float(vectors[index] @ query), exact=True)
        if not self.embedder.covers(language):
            return None
        for index, similarity in ranked(query, vectors):
            if similarity < self.threshold:
                return None
            if slot_change(question, entries[index].question) is None:
                return FaqMatch(entries[index], similarity, exact=False)
        return None

    def _vectors(self, entries: list[FaqEntry]) -> np.ndarray:
        """The entries' question vectors, re-embedding those made by another embedder first."""
        self._refresh_stale()
        ids = [e.id for e in entries]
        marks = ",".join("?" * len(ids))
        rows = dict(self.db.execute(f"SELECT id, vector FROM faq WHERE id IN ({marks})", ids).fetchall())
        return np.stack([np.frombuffer(rows[i], dtype=np.float32) for i in ids])

    def _refresh_stale(self) -> None:
        stale = self.db.execute("SELECT id, question FROM faq WHERE embedder != ? OR vector IS NULL",
                                (self.embedder.key,)).fetchall()
        if stale:
            vectors = self._embed([q for _, q in stale])
            self._write_many(("UPDATE faq SET vector=?, embedder=? WHERE id=?",
                              [(v, self.embedder.key, i) for (i, _), v in zip(stale, vectors, strict=True)]))

    # --- storage --------------------------------------------------------------------
    def _embed(self, questions: list[str]) -> list[bytes]:
        return [v.astype(np.float32).tobytes() for v in self.embedder.encode(questions)]

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        return self._write_many((sql, [params]))

    def _write_many(self, *statements: tuple[str, Iterable[tuple[Any, ...]]]) -> int:
        """Run the statements in one transaction; the last inserted row id comes back."""
        last = 0
        try:
            with self.db.conn:
                for sql, rows in statements:
                    for params in rows:
                        last = int(self.db.conn.execute(sql, params).lastrowid or last)
        except sqlite3.Error as exc:
            raise StorageError(f"The curated answers could not be saved ({exc}). Free disk space or make the data "
                               "folder writable, then try again.") from exc
        return last


def checked(question: str, answer: str) -> tuple[str, str]:
    question, answer = question.strip(), answer.strip()
    if not question:
        raise FaqError("The question is empty. Write the question this answer is for.")
    if not answer:
        raise FaqError(f"The answer to {question!r} is empty. Write the answer to give.")
    return question, answer


def file_kind(path: Path) -> str:
    kind = path.suffix.lower()
    if kind not in FILE_KINDS:
        raise FaqFileError(f"{path.name}: curated answers are read from and written to .csv or .json files. "
                           "Rename the file or choose another.")
    return kind


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """(question, answer) pairs from a CSV or JSON file, checked; a bad file says where and what to fix."""
    kind = file_kind(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FaqFileError(f"{path.name} is not UTF-8 text. Save it as UTF-8 (in Excel: CSV UTF-8).") from exc
    except OSError as exc:
        raise FaqFileError(f"{path} cannot be read ({exc.strerror}). Check the path and its permissions.") from exc
    try:
        pairs = csv_pairs(path.name, text) if kind == ".csv" else json_pairs(path.name, text)
    except csv.Error as exc:
        raise FaqFileError(f"{path.name} is not a readable CSV file ({exc}). Save it again as CSV UTF-8.") from exc
    if not pairs:
        raise FaqFileError(f"{path.name} holds no question and answer pairs.")
    return pairs


def csv_pairs(name: str, text: str) -> list[tuple[str, str]]:
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(rows, [])]
    if "question" not in header or "answer" not in header:
        raise FaqFileError(f"{name}: {header_problem(header)}")
    q_col, a_col = header.index("question"), header.index("answer")
    pairs = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (max(q_col, a_col) + 1 - len(row))
        pairs.append(row_pair(name, f"line {rows.line_num}", cells[q_col], cells[a_col]))
    return pairs


def header_problem(header: list[str]) -> str:
    missing = [c for c in ("question", "answer") if c not in header]
    said = " and ".join(missing) + (" columns are" if len(missing) == 2 else " column is")
    problem = (f"the first line must be a header naming the columns question and answer, separated by a comma; "
               f"the {said} missing (found {','.join(header)!r}).")
    if any(";" in cell or "\t" in cell for cell in header):
        problem += " The file seems to use semicolons or tabs: save it with commas (CSV UTF-8)."
    return problem


def json_pairs(name: str, text: str) -> list[tuple[str, str]]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FaqFileError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno}). Fix the file and import "
                           "it again.") from exc
    if not isinstance(items, list):
        raise FaqFileError(f'{name} must hold a JSON list of {{"question": ..., "answer": ...}} objects.')
    pairs = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("question", "answer")):
            raise FaqFileError(f'{name}: item {number} must be an object with "question" and "answer" texts.')
        pairs.append(row_pair(name, f"item {number}", item["question"], item["answer"]))
    return pairs


def row_pair(name: str, where: str, question: str, answer: str) -> tuple[str, str]:
    try:
        return checked(question, answer)
    except FaqError as exc:
        raise FaqFileError(f"{name}, {where}: {exc}") from exc


def write_csv(handle: Any, entries: list[FaqEntry]) -> None:
    writer = csv.writer(handle)
    writer.writerow(["question", "answer"])
    writer.writerows([e.question, e.answer] for e in entries)
