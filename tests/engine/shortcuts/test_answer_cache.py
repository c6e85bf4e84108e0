"""The answer cache: near-identical questions under the same fingerprint only, measured with the bundled MiniLM."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlite_utils

from desktop_app.engine.answering.answerer import Answer
from desktop_app.engine.answering.citations import Citation
from desktop_app.engine.answering.verification import verify
from desktop_app.engine.settings import Settings
from desktop_app.engine.shortcuts.cache import (
    CACHE_THRESHOLD,
    AnswerCache,
    answer_fingerprint,
    answer_payload,
    fingerprint,
    replay,
)
from desktop_app.engine.shortcuts.curated import FaqStore
from desktop_app.store.database import open_database
from support.faq_cases import CASES, HOLDOUT, KOREAN_CASES, FaqCase, MemoEmbedder, all_texts, bundled_embedder

FINGERPRINT = fingerprint({"library_version": 7, "model": "m.gguf"})


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> MemoEmbedder:
    found = bundled_embedder(tmp_path_factory.mktemp("models"))
    found.prime([*all_texts(CASES), *all_texts(HOLDOUT), *all_texts(KOREAN_CASES)])
    return found


@pytest.fixture
def cache(db: sqlite_utils.Database, embedder: MemoEmbedder) -> AnswerCache:
    return AnswerCache(db, embedder)


def payload(question: str) -> dict[str, object]:
    return {"text": f"The answer to {question} [1]", "citations": [{"number": 1, "document_title": "Guide",
            "page": 3, "pages": [3], "passage": "…", "chunk_ids": [4]}], "related": [],
            "verification": {"score": 1.0, "claims": 0, "unsupported": []}}


def served(cache: AnswerCache, text: str, under: str = FINGERPRINT) -> str | None:
    found = cache.lookup(text, under)
    return found.question if found else None


def test_the_same_or_near_identical_question_is_served_and_near_misses_are_not(cache: AnswerCache) -> None:
    counts: dict[str, dict[str, tuple[int, int, int]]] = {}
    for name, cases in (("cases", CASES), ("holdout", HOLDOUT), ("korean", KOREAN_CASES)):
        for case in cases:
            cache.store(case.question, FINGERPRINT, payload(case.question))
        counts[name] = {kind: count(cache, cases, kind) for kind in ("rewordings", "paraphrases", "near_misses")}
    print(f"\nanswer cache threshold {CACHE_THRESHOLD} (right, wrong entry, total):")
    for name, kinds in counts.items():
        print(f"  {name:8} " + "  ".join(f"{kind} {r}/{t} (wrong {w})" for kind, (r, w, t) in kinds.items()))
    for name, kinds in counts.items():
        assert kinds["near_misses"][:2] == (0, 0), f"{name}: a near miss got a cached answer"
        assert kinds["paraphrases"][1] == 0 and kinds["rewordings"][1] == 0, f"{name}: served another answer"
    assert all(served(cache, case.question) == case.question for case in (*CASES, *HOLDOUT, *KOREAN_CASES))
    assert counts["cases"]["rewordings"][0] >= 32 and counts["holdout"]["rewordings"][0] >= 16


def count(cache: AnswerCache, cases: tuple[FaqCase, ...], kind: str) -> tuple[int, int, int]:
    probes = [(case.question, served(cache, text)) for case in cases for text in getattr(case, kind)]
    right = sum(1 for own, got in probes if got == own)
    return right, sum(1 for own, got in probes if got not in (None, own)), len(probes)


def test_the_credit_card_pair_never_shares_an_answer(cache: AnswerCache) -> None:
    cache.store("How do I get a new credit card?", FINGERPRINT, payload("new card"))
    assert cache.lookup("How do I cancel my credit card?", FINGERPRINT) is None
    assert cache.lookup("How do I reset my password?", FINGERPRINT) is None
    found = cache.lookup("how do I get a new credit-card", FINGERPRINT)
    assert found is not None and found.similarity >= CACHE_THRESHOLD
    assert found.payload == payload("new card")


def test_another_fingerprint_is_a_miss_and_prune_removes_it(cache: AnswerCache) -> None:
    settings = Settings()
    model = Path(__file__)
    before = answer_fingerprint(7, model, None, 1.0, "minilm", settings)
    cache.store("How do I reset my password?", before, payload("reset"))
    changed = [
        answer_fingerprint(8, model, None, 1.0, "minilm", settings),
        answer_fingerprint(7, model, model, 0.5, "minilm", settings),
        answer_fingerprint(7, model, None, 1.0, "other-embedder", settings),
        answer_fingerprint(7, model, None, 1.0, "minilm", settings.changed(top_k=6)),
        answer_fingerprint(7, model, None, 1.0, "minilm", settings.changed(system_prompt="Be brief.")),
    ]
    assert len({before, *changed}) == len(changed) + 1
    assert served(cache, "How do I reset my password?", before) == "How do I reset my password?"
    assert all(served(cache, "How do I reset my password?", other) is None for other in changed)
    cache.store("How do I reset my password?", changed[0], payload("reset, new library"))
    assert cache.prune(changed[0]) == 1 and cache.count() == 1
    assert cache.clear() == 1 and cache.lookup("How do I reset my password?", changed[0]) is None


def test_a_model_file_replaced_in_place_changes_the_fingerprint(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF one")
    first = answer_fingerprint(1, model, None, 1.0, "minilm", Settings())
    model.write_bytes(b"GGUF two, longer")
    os.utime(model, ns=(1, 1))
    assert answer_fingerprint(1, model, None, 1.0, "minilm", Settings()) != first


def test_fingerprint_ignores_key_order_and_storing_again_replaces(cache: AnswerCache) -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1}) != fingerprint({"a": 2})
    cache.store("When are tax returns due?", FINGERPRINT, payload("first"))
    cache.store("when are tax returns due", FINGERPRINT, payload("second"))
    assert cache.count() == 1
    found = cache.lookup("When are tax returns due?", FINGERPRINT)
    assert found is not None and found.payload == payload("second") and found.question == "when are tax returns due"
    assert cache.lookup("   ", FINGERPRINT) is None


def test_an_answer_comes_back_from_the_cache_as_it_was_shown(cache: AnswerCache) -> None:
    citation = Citation(1, 3, "Harbour Survey Report", "/docs/harbour.pdf", 2, [2], "The gauge is model TG-7.", [5],
                        [[2, 72.0, 106.0, 522.7, 164.0]])
    checked = verify("The gauge is model TG-7 [1].", {1: citation.passage})
    answer = Answer(4, 9, "Which model is the gauge?", "Which model is the gauge?", "en",
                    "The gauge is model TG-7 [1].", [citation], [], abstained=False, stopped=False,
                    verification=checked, flagged_sources={1: ["instructions"]})
    cache.store(answer.question, FINGERPRINT, answer_payload(answer))
    found = cache.lookup("which model is the gauge", FINGERPRINT)
    shown = replay(found.payload, "cache") if found else None
    assert shown is not None and shown.text == answer.text
    assert shown.citations == [citation] and shown.related == []
    assert shown.verification == checked and shown.flagged_sources == {1: ["instructions"]}
    assert shown.details == {"conversation_id": 4, "message_id": 9}
    assert replay({"text": "x", "citations": [{"number": 1}]}, "cache") is None


def test_a_curated_answer_replays_without_sources(tmp_path: Path, embedder: MemoEmbedder) -> None:
    database = open_database(tmp_path / "faq.sqlite3")
    faq = FaqStore(database, embedder)
    faq.add("How do I reset my password?", "Use 'Forgot password' on the sign-in page.")
    found = faq.match("how do I reset my password")
    shown = replay(found.payload(), "faq") if found else None
    assert shown is not None and shown.text.startswith("Use 'Forgot password'")
    assert shown.citations == [] and shown.details["exact"] is True
    database.conn.close()
