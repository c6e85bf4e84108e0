"""Check answers over the library as it is: the questions' documents are found in it by file name.

Unlike ``run.evaluate`` (a scratch library indexed from a folder, for measurements),
nothing is indexed: a question names its document by file name (``doc``), and
``plan_check`` finds each name among the library's documents, or lists it as
missing with the questions that need it. ``check_library`` then retrieves and
answers in an engine kept apart from the user's (``Engine.apart``): the answers
never appear among the user's conversations, are never cached, and curated
answers are off, so every answer is the model's. Questions whose document is
missing are left out of the run and named in the report's notes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.engine import RETRIEVAL_MODES, AppError, CancelToken, Engine, NotFoundError
from desktop_app.evaluation.judge import NOT_CONFIGURED
from desktop_app.evaluation.run import (
    DEFAULT_MODES,
    EvalProgress,
    EvalReport,
    ask_all,
    load_questions,
    question_rows,
    retrieve,
)

SHOWN_IDS = 8
"""How many question ids a note lists before it says how many more."""


@dataclass(frozen=True)
class CheckPlan:
    """What a questions file needs from the library.

    ``found``: each document name the questions give -> the file name of the library document it is (the
    name sources are reported under). ``missing``: each name not in the library -> the ids of the questions
    that need it. ``without_document``: questions that name no document (unanswerable or general ones).
    """

    questions_path: str
    questions: int
    found: dict[str, str]
    missing: dict[str, list[str]]
    without_document: int

    @property
    def skipped(self) -> list[str]:
        """Ids of the questions that cannot run: their document is not in the library."""
        return [qid for ids in self.missing.values() for qid in ids]

    @property
    def runnable(self) -> int:
        return self.questions - len(self.skipped)

    def describe(self) -> str:
        """The plan in a few plain sentences, for the window and the command line."""
        lines = [f"{self.questions} questions in {Path(self.questions_path).name}; "
                 f"{len(self.found)} of their {len(self.found) + len(self.missing)} documents are in the library."]
        for name, ids in sorted(self.missing.items()):
            lines.append(f"Not in the library: {name} (questions {id_list(ids)}).")
        if self.missing:
            lines.append(f"Those {len(self.skipped)} questions are left out; add the documents to the library to "
                         "check them too.")
        return "\n".join(lines)


def id_list(ids: list[str]) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def plan_check(engine: Engine, questions_path: Path, limit: int | None = None) -> CheckPlan:
    """Which of the questions' documents are in ``engine``'s library; ``AppError`` for a bad questions file."""
    return plan_for(engine, questions_path, load_questions(questions_path, limit))


def plan_for(engine: Engine, questions_path: Path, questions: list[dict[str, Any]]) -> CheckPlan:
    found: dict[str, str] = {}
    missing: dict[str, list[str]] = {}
    by_folded_name = {fold(Path(n).name): Path(d.path).name for d in engine.library.documents()
                      for n in (*d.names, d.path)}
    for name in dict.fromkeys(str(q["doc"]) for q in questions if q.get("doc")):
        try:
            found[name] = Path(engine.library.find_name(name)[0].path).name
        except NotFoundError:
            if fold(name) in by_folded_name:  # "Report.PDF" for "report.pdf"
                found[name] = by_folded_name[fold(name)]
            else:
                missing[name] = [str(q["id"]) for q in questions if q.get("doc") == name]
    return CheckPlan(str(questions_path), len(questions), found, missing,
                     sum(1 for q in questions if not q.get("doc")))


def fold(name: str) -> str:
    """A file name compared without case, Unicode form or kind of white space."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def check_library(
    engine: Engine, questions_path: Path, modes: tuple[str, ...] | list[str] = DEFAULT_MODES,
    answer_mode: str = "hybrid", limit: int | None = None, cancel: CancelToken | None = None, *,
    answers: bool = True,
) -> Generator[EvalProgress | EvalReport, None, None]:
    """Retrieve in each of ``modes`` and answer in ``answer_mode`` every question whose document is in the
    library; yields progress steps, then the ``EvalReport`` last.

    The user's library is read, never changed; conversations and cached answers stay out of the user's
    (``Engine.apart``). Raises ``Cancelled`` when ``cancel`` is set, and ``AppError`` for a bad questions
    file, an unknown mode, or questions none of whose documents are in the library.
    """
    modes = list(modes)
    for mode in [*modes, answer_mode]:
        if mode not in RETRIEVAL_MODES:
            raise AppError(f"Unknown retrieval mode {mode!r}; use {', '.join(RETRIEVAL_MODES)}.")
    cancel = cancel or CancelToken()
    everything = load_questions(questions_path, limit)
    plan = plan_for(engine, questions_path, everything)
    skipped = set(plan.skipped)
    questions = [dict(q, doc=plan.found[q["doc"]]) if q.get("doc") else q for q in everything
                 if str(q["id"]) not in skipped]
    if not questions:
        raise AppError(f"None of the documents the questions in {Path(questions_path).name} are about is in the "
                       "library. Add them to the library first.")
    rows = question_rows(questions)
    settings = engine.settings.changed(retrieval_mode=answer_mode, faq_enabled=False, cache_enabled=False)
    notes = [f"{name} is not in the library: questions {id_list(ids)} were left out"
             for name, ids in sorted(plan.missing.items())]
    with engine.apart(settings) as apart:
        library = library_summary(apart, plan)
        for mode in modes:
            notes += yield from retrieve(apart, questions, rows, mode, cancel)
        if answers:
            library["model"] = apart.models.info().name
            yield from ask_all(apart, rows, cancel)
    yield EvalReport(str(questions_path), "", modes, answer_mode, settings.shareable(), library, NOT_CONFIGURED,
                     notes, rows)


def library_summary(engine: Engine, plan: CheckPlan) -> dict[str, Any]:
    """The report's "library" entry: the questions' documents found in the library, their pages and chunks
    (``index_s`` None: nothing was indexed for the check)."""
    names = set(plan.found.values())
    used = [d for d in engine.library.documents() if Path(d.path).name in names]
    return {"documents": sorted(names), "pages": sum(d.pages for d in used), "chunks": sum(d.chunks for d in used),
            "index_s": None, "failed": [], "whole_library": len(engine.library.documents())}
