"""Repetition control: the bundled model's answers on the dev questions under several sampling settings.

Indexes the dev corpus once, then answers each question (one that opens a conversation; the unanswerable ones
included) once per setting, question by question, so every setting after the first finds the prompt in the
KV cache and pays for its own generation only. Temperature 0, the default answer length (384 tokens).
Per setting:

- loops: answers (or withheld drafts) whose text repeats a run of 12 words, as ``RepetitionGuard`` sees it;
- at cap: answers that ran to the token cap;
- tokens: mean completion tokens; seconds: mean generation time;
- must_contain: answerable questions whose answer (or withheld draft) holds every expected string;
- withheld: answers withheld by the grounding check; echo: answers that open with the prompt's scaffolding.

    .venv/bin/python benchmarks/repetition.py [--limit N]

``--limit N`` answers an even spread of N questions (default 10: 7 answerable, 3 unanswerable); 0: all.

Measured with the default ``--limit 10`` (7 answerable, 3 unanswerable; the seconds are not comparable
between settings, as every setting after the first finds the prompt in the KV cache):

| setting | loops | at cap | tokens | seconds | must_contain | withheld | echo |
|---|---|---|---|---|---|---|---|
| before: repeat 1.1 (last 64), no guard | 3 | 3 | 176 | 11.9 | 3/7 | 3 | 4 |
| repeat 1.1 (last 64) + guard (shipped) | 0 | 0 | 120 | 2.62 | 3/7 | 3 | 3 |
| repeat 1.0 + guard | 0 | 0 | 119 | 2.54 | 3/7 | 2 | 3 |
| repeat 1.1 (last 256) + guard | 0 | 1 | 145 | 2.99 | 3/7 | 4 | 3 |

The guard ends every loop and cuts a third of the tokens; the penalties change no expected string, so the
shipped penalty stays llama.cpp's 1.1 over the last 64 tokens.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import CORPUS, QUESTIONS, md_table, write_results  # noqa: E402

from desktop_app.engine import Answer, AnswerDone, Engine, Settings  # noqa: E402
from desktop_app.engine.models.chat import LocalModel  # noqa: E402
from desktop_app.engine.models.repetition import RepetitionGuard, Sampling  # noqa: E402
from desktop_app.evaluation.run import load_questions  # noqa: E402
from desktop_app.evaluation.scoring import contains_all  # noqa: E402

SETTINGS = {
    "before: repeat 1.1 (last 64), no guard": Sampling(1.1, 64, guard=False),
    "repeat 1.1 (last 64) + guard": Sampling(1.1, 64),
    "repeat 1.0 + guard": Sampling(1.0, 64),
    "repeat 1.1 (last 256) + guard": Sampling(1.1, 256),
}
ECHO = re.compile(r"^\s*(?:answer|question|sources?|answer from)\b[^\n]{0,20}:|^\s*\[\d+\][^\n]*,\s*pages?\s+\d+",
                  re.IGNORECASE)


def loops(text: str) -> bool:
    guard = RepetitionGuard()
    guard.feed(text + " .")
    return guard.looped


def spread(questions: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """``limit`` questions spread evenly, 30% of them unanswerable (all of them when ``limit`` is 0)."""
    if not limit:
        return questions
    answerable = [q for q in questions if q.get("answerable", True)]
    other = [q for q in questions if not q.get("answerable", True)]
    take_other = min(len(other), max(1, round(limit * 0.3)))
    take = limit - take_other
    step = max(1, len(answerable) // max(take, 1))
    return answerable[::step][:take] + other[:take_other]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10, help="an even spread of N questions (0: all)")
    args = parser.parse_args()
    engine = Engine(Path(tempfile.mkdtemp(prefix="bench-repetition-")),
                    Settings(keep_copies=False, faq_enabled=False, cache_enabled=False, temperature=0.0))
    list(engine.library.index([CORPUS]))
    questions = spread([q for q in load_questions(QUESTIONS) if not q.get("follows")], args.limit)
    cap = engine.settings.max_answer_tokens
    answers: dict[str, list[tuple[dict[str, Any], Answer]]] = {name: [] for name in SETTINGS}
    for q in questions:
        for name, sampling in SETTINGS.items():
            LocalModel.sampling = sampling
            answer = next(e.answer for e in engine.ask(q["question"]) if isinstance(e, AnswerDone))
            answers[name].append((q, answer))
            print(f"{q['id']} {name}: {answer.completion_tokens} tokens, "
                  f"{answer.timings.get('generation_s', 0):.1f} s", flush=True)
    LocalModel.sampling = Sampling()
    rows = []
    for name, done in answers.items():
        drafts = [a.withheld or a.text for _, a in done]
        answerable = [(q, a) for q, a in done if q.get("answerable", True)]
        rows.append([
            name, sum(loops(t) for t in drafts), sum(a.completion_tokens >= cap for _, a in done),
            statistics.mean(a.completion_tokens for _, a in done),
            statistics.mean(a.timings.get("generation_s", 0.0) for _, a in done),
            f"{sum(contains_all(a.withheld or a.text, q['must_contain']) for q, a in answerable)}/{len(answerable)}",
            sum(bool(a.withheld) or a.abstained for _, a in done), sum(bool(ECHO.match(t)) for t in drafts),
        ])
    header = ["setting", "loops", "at cap", "tokens", "seconds", "must_contain", "withheld", "echo"]
    print(f"{len(questions)} questions ({sum(not q.get('answerable', True) for q in questions)} unanswerable), "
          f"cap {cap} tokens, {time.strftime('%Y-%m-%d')}")
    print(md_table(header, rows))
    write_results("repetition", {"questions": [q["id"] for q in questions], "header": header, "rows": rows,
                                 "answers": {name: [{"id": q["id"], "text": a.text, "withheld": a.withheld,
                                                     "tokens": a.completion_tokens} for q, a in done]
                                             for name, done in answers.items()}})
    engine.close()


if __name__ == "__main__":
    main()
