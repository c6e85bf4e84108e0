"""Task templates (summarise, key figures, compare, JSON answers), few-shot examples, and JSON checking.

Built-in templates can be overridden or extended in ``<data folder>/templates.json``
(a list of objects with the fields of ``TaskTemplate``); few-shot examples are
kept in ``<data folder>/examples.json`` (a list of {"question", "answer"}) and
the two closest to each question (by similarity, kept diverse with maximal
marginal relevance) are shown to the model before it answers.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.errors import AppError, InputError


@dataclass(frozen=True)
class TaskTemplate:
    name: str
    title: str
    variables: tuple[str, ...]
    prompt: str
    query: str
    output: str = "text"  # or "json"
    documents: tuple[str, ...] = ()  # variables that name documents (retrieval is limited to them)

    def missing(self, values: dict[str, str]) -> list[str]:
        """The variables ``values`` leaves empty or out."""
        return [v for v in self.variables if not values.get(v, "").strip()]

    def check(self, values: dict[str, str]) -> None:
        """``InputError`` naming the variables that have no value."""
        if missing := self.missing(values):
            raise InputError(f"The task '{self.title}' needs a value for: {', '.join(missing)}.")

    def conversation_title(self, values: dict[str, str]) -> str:
        """The name of the conversation a task runs in: the task's title and its values, e.g.
        "Summarise a document: contract.pdf" (a JSON schema is left out; long values are shortened)."""
        shown = [" ".join(values.get(v, "").split()) for v in self.variables if v != "schema"]
        clipped = [text if len(text) <= TITLE_VALUE else text[:TITLE_VALUE - 1].rstrip() + "…" for text in shown]
        return ": ".join(part for part in (self.title, ", ".join(t for t in clipped if t)) if part)


TITLE_VALUE = 40
"""The longest a value is shown in a task's conversation title, in characters."""


BUILT_IN = {t.name: t for t in (
    TaskTemplate("summarise", "Summarise a document", ("document",),
                 "Summarise the document {document} in five short bullet points. Cite each point like [1].",
                 "{document} overview introduction purpose summary", documents=("document",)),
    TaskTemplate("key_figures", "Extract key figures as a table", ("document",),
                 "List the key figures (numbers, amounts, percentages, dates) in {document} as a Markdown table "
                 "with the columns Figure, Value and Source, using only numbers that appear in the sources.",
                 "{document} figures numbers amounts percentages dates totals", documents=("document",)),
    TaskTemplate("compare", "Compare two documents", ("document_a", "document_b", "aspect"),
                 "Compare {document_a} and {document_b} on {aspect}. Say what each says, citing both.",
                 "{aspect}", documents=("document_a", "document_b")),
    TaskTemplate("json", "Answer as JSON", ("question", "schema"),
                 "Answer the question with JSON only, following this schema (keys and value types): {schema}\n"
                 "Question: {question}", "{question}", output="json"),
)}


@dataclass(frozen=True)
class RenderedTask:
    template: TaskTemplate
    message: str
    query: str
    document_refs: list[str] = field(default_factory=list)


def load_templates(home: Path) -> dict[str, TaskTemplate]:
    templates = dict(BUILT_IN)
    path = home / "templates.json"
    if path.exists():
        try:
            for raw in json.loads(path.read_text(encoding="utf-8")):
                raw["variables"] = tuple(raw.get("variables", ()))
                raw["documents"] = tuple(raw.get("documents", ()))
                templates[raw["name"]] = TaskTemplate(**raw)
        except (ValueError, TypeError, KeyError) as exc:
            raise AppError(f"{path} is not a valid list of templates ({exc}); fix or remove it.") from exc
    return templates


def save_template(home: Path, template: TaskTemplate) -> None:
    path = home / "templates.json"
    existing = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    existing = [t for t in existing if t.get("name") != template.name] + [asdict(template)]
    path.write_text(json.dumps(existing, indent=2, ensure_ascii=False), encoding="utf-8")


def render(template: TaskTemplate, values: dict[str, str]) -> RenderedTask:
    """The task's message and search query with ``values`` filled in; ``InputError`` for a missing value."""
    template.check(values)
    return RenderedTask(template, template.prompt.format(**values), template.query.format(**values),
                        [values[v] for v in template.documents])


def load_examples(home: Path) -> list[dict[str, str]]:
    path = home / "examples.json"
    if not path.exists():
        return []
    try:
        examples = json.loads(path.read_text(encoding="utf-8"))
        return [{"question": e["question"], "answer": e["answer"]} for e in examples]
    except (ValueError, TypeError, KeyError) as exc:
        raise AppError(f"{path} must be a list of {{\"question\": ..., \"answer\": ...}} ({exc}).") from exc


def choose_examples(query: np.ndarray, candidates: np.ndarray, k: int = 2, diversity: float = 0.3) -> list[int]:
    """Indices of up to ``k`` examples: close to the query, and not near-copies of each other (MMR)."""
    if len(candidates) == 0:
        return []
    relevance = candidates @ query
    chosen: list[int] = []
    while len(chosen) < min(k, len(candidates)):
        best, best_score = -1, -np.inf
        for i in range(len(candidates)):
            if i in chosen:
                continue
            redundancy = max((float(candidates[i] @ candidates[j]) for j in chosen), default=0.0)
            score = (1 - diversity) * float(relevance[i]) - diversity * redundancy
            if score > best_score:
                best, best_score = i, score
        chosen.append(best)
    return chosen


def parse_json_answer(text: str, schema: str) -> tuple[Any, list[str]]:
    """The JSON in an answer, repaired if it can be, and what is wrong with it against ``schema``."""
    problems: list[str] = []
    value = _loads(text)
    if value is None:
        return None, ["the answer is not valid JSON, even after repair"]
    try:
        expected = json.loads(schema)
    except ValueError:
        return value, problems
    if isinstance(expected, dict) and isinstance(value, dict):
        for key, kind in expected.items():
            if key not in value:
                problems.append(f"missing key '{key}'")
            elif isinstance(kind, str) and not _is_type(value[key], kind):
                problems.append(f"'{key}' should be {kind}")
    return value, problems


def _loads(text: str) -> Any:
    candidates = [text.strip()]
    match = re.search(r"[\[{].*[\]}]", text, re.DOTALL)
    if match:
        block = match.group(0)
        candidates += [block, re.sub(r",\s*([\]}])", r"\1", block.replace("'", '"'))]
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def _is_type(value: Any, kind: str) -> bool:
    types: dict[str, Any] = {"string": str, "number": (int, float), "integer": int, "boolean": bool,
                             "array": list, "object": dict}
    expected = types.get(kind.lower())
    return expected is None or isinstance(value, expected)
