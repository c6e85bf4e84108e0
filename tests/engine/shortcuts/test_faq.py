"""Curated answers: calibrated matching with the bundled MiniLM, editing, CSV and JSON files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from desktop_app.engine.models.embedding import Embedder
from desktop_app.engine.shortcuts.curated import FAQ_THRESHOLD, FaqError, FaqFileError, FaqStore
from desktop_app.errors import AppError, NotFoundError
from desktop_app.store.database import open_database
from support.faq_cases import (
    CASES,
    HOLDOUT,
    KOREAN_CASES,
    KOREAN_MISSES,
    FaqCase,
    MemoEmbedder,
    all_texts,
    bundled_embedder,
)


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> MemoEmbedder:
    return bundled_embedder(tmp_path_factory.mktemp("models"))


@pytest.fixture
def faq(db: sqlite_utils.Database, embedder: Embedder) -> FaqStore:
    return FaqStore(db, embedder)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory, embedder: MemoEmbedder) -> Iterator[FaqStore]:
    """Every case's entry in one store, as a user with a few dozen curated answers would have."""
    database = open_database(tmp_path_factory.mktemp("faq") / "lib.sqlite3")
    embedder.prime([*all_texts(CASES), *all_texts(HOLDOUT), *all_texts(KOREAN_CASES), *KOREAN_MISSES])
    store = FaqStore(database, embedder)
    for case in (*CASES, *HOLDOUT, *KOREAN_CASES):
        store.add(case.question, case.answer)
    yield store
    database.conn.close()


def matched(store: FaqStore, text: str) -> str | None:
    found = store.match(text)
    return found.entry.question if found else None


def tally(store: FaqStore, cases: tuple[FaqCase, ...]) -> dict[str, tuple[int, int, int]]:
    """(right entry, wrong entry, total) for each kind of probe."""
    counts = {}
    for kind in ("paraphrases", "rewordings", "near_misses"):
        probes = [(case.question, matched(store, text)) for case in cases for text in getattr(case, kind)]
        right = sum(1 for own, got in probes if got == own)
        wrong = sum(1 for own, got in probes if got is not None and got != own)
        counts[kind] = (right, wrong, len(probes))
    return counts


def test_paraphrases_match_and_near_misses_match_nothing(calibrated: FaqStore) -> None:
    counts = {name: tally(calibrated, cases)
              for name, cases in (("cases", CASES), ("holdout", HOLDOUT), ("korean", KOREAN_CASES))}
    english = {case.question for case in (*CASES, *HOLDOUT)}
    korean_hits = [m for text in KOREAN_MISSES if (m := matched(calibrated, text)) in english]
    print(f"\nFAQ threshold {FAQ_THRESHOLD}, {len(calibrated.all())} entries (right, wrong entry, total):")
    for name, kinds in counts.items():
        print(f"  {name:8} " + "  ".join(f"{kind} {r}/{t} (wrong {w})" for kind, (r, w, t) in kinds.items()))
    print(f"  Korean questions against English entries: {len(korean_hits)}/{len(KOREAN_MISSES)} matched")
    for name, kinds in counts.items():
        near_right, near_wrong, _ = kinds["near_misses"]
        assert near_right + near_wrong == 0, f"{name}: a near miss got a curated answer"
        assert kinds["paraphrases"][1] == 0 and kinds["rewordings"][1] == 0, f"{name}: matched the wrong entry"
    assert not korean_hits
    assert counts["cases"]["paraphrases"][0] >= 10
    assert counts["holdout"]["paraphrases"][0] >= 2
    assert counts["cases"]["rewordings"][0] >= 32 and counts["korean"]["rewordings"][0] == 4


def test_a_question_swapping_one_topic_word_is_refused_even_when_very_similar(calibrated: FaqStore) -> None:
    assert matched(calibrated, "What is the maximum daily dose of ibuprofen for adults?") is not None
    found = calibrated.match("What is the maximum daily dose of ibuprofen for adults ?")
    assert found is not None and found.exact
    assert calibrated.match("What is the maximum daily dose of ibuprofen for children?") is None
    assert calibrated.match("What is the maximum age to rent a car?") is None


def test_entries_are_added_changed_removed_and_kept_unambiguous(faq: FaqStore) -> None:
    first = faq.add("  How do I reset my password? ", "Use 'Forgot password'.")
    assert [e.question for e in faq.all()] == ["How do I reset my password?"]
    with pytest.raises(FaqError, match=f"Curated answer {first} already answers"):
        faq.add("how do I reset my password", "Another answer")
    with pytest.raises(FaqError, match="empty"):
        faq.add("What is the Wi-Fi password?", "  ")
    faq.update(first, "How do I reset my password?", "Choose 'Forgot password' on the sign-in page.")
    assert faq.get(first).answer.startswith("Choose")
    faq.update(first, "How do I change my username?", "Settings > Account.")
    assert matched(faq, "How do I change my username ?") == "How do I change my username?"
    assert faq.match("How do I reset my password?") is None
    faq.remove(first)
    assert faq.all() == [] and faq.match("How do I change my username?") is None
    with pytest.raises(NotFoundError, match="no curated answer"):
        faq.remove(first)


def test_entries_made_by_another_embedder_are_embedded_again(faq: FaqStore, db: sqlite_utils.Database) -> None:
    entry = faq.add("How much does international shipping cost?", "A flat 25 EUR.")
    db.conn.execute("UPDATE faq SET embedder='old-model', vector=? WHERE id=?", (bytes(8), entry))
    found = faq.match("What is the price of shipping abroad?")
    assert found is not None and found.similarity > FAQ_THRESHOLD
    assert db.execute("SELECT embedder FROM faq").fetchone()[0] == faq.embedder.key


PAIRS = [
    ("How much does international shipping cost?", "A flat 25 EUR, free above 200 EUR."),
    ('What does "net 30" mean, exactly?', "Payment is due 30 days after the invoice date.\nLate fees apply."),
    ("연차 휴가는 1년에 며칠인가요?", "연 25일입니다."),
]


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_export_and_import_round_trip(faq: FaqStore, tmp_path: Path, suffix: str) -> None:
    for question, answer in PAIRS:
        faq.add(question, answer)
    path = tmp_path / f"faq{suffix}"
    assert faq.export_file(path) == len(PAIRS)
    database = open_database(tmp_path / "other.sqlite3")
    other = FaqStore(database, faq.embedder)
    summary = other.import_file(path)
    assert (summary.added, summary.updated) == (len(PAIRS), 0)
    assert [(e.question, e.answer) for e in other.all()] == PAIRS
    again = other.import_file(path)
    assert (again.added, again.updated) == (0, 0) and len(other.all()) == len(PAIRS)
    database.conn.close()


def test_import_updates_the_answers_of_questions_already_curated(faq: FaqStore, tmp_path: Path) -> None:
    kept = faq.add("How do I cancel my subscription?", "Old answer.")
    path = tmp_path / "faq.csv"
    path.write_text("question,answer,notes\nhow do I cancel my subscription,New answer.,x\n"
                    "When are tax returns due?,April 30.,\n", encoding="utf-8")
    summary = faq.import_file(path)
    assert (summary.added, summary.updated) == (1, 1)
    assert faq.get(kept).answer == "New answer."


@pytest.mark.parametrize(("content", "message"), [
    ("How do I reset my password?,Use the link\n", "must be a header.*question and answer columns are missing"),
    ("question,notes\nHow do I reset my password?,x\n", "the answer column is missing"),
    ("Question;Answer\nx;y\n", "semicolons or tabs: save it with commas"),
    ("question,answer\nHow do I reset my password?,Use the link\nWhen are taxes due?,\n", "line 3.*answer"),
    ("question,answer\n", "no question and answer pairs"),
])
def test_a_bad_csv_file_says_what_to_fix(faq: FaqStore, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FaqFileError, match=message) as raised:
        faq.import_file(path)
    assert isinstance(raised.value, AppError)
    assert faq.all() == []


def test_bad_json_and_unknown_files_say_what_to_fix(faq: FaqStore, tmp_path: Path) -> None:
    cases = {
        "broken.json": ("[{", "not valid JSON"),
        "object.json": (json.dumps({"question": "q", "answer": "a"}), "JSON list"),
        "keys.json": (json.dumps([{"question": "q"}]), "item 1 must be an object"),
        "faq.txt": ("question,answer\nq,a\n", ".csv or .json"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        with pytest.raises(FaqFileError, match=message):
            faq.import_file(tmp_path / name)
    (tmp_path / "latin1.csv").write_bytes("question,answer\ncaf\xe9,x\n".encode("latin-1"))
    with pytest.raises(FaqFileError, match="not UTF-8"):
        faq.import_file(tmp_path / "latin1.csv")
    with pytest.raises(FaqFileError, match="could not be written"):
        faq.export_file(tmp_path / "missing" / "faq.json")
