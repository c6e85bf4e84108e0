"""Curated answers match a question written in the other English spelling, and only in it.

The rules are checked word by word, then through ``FaqStore`` with the bundled MiniLM, as the window uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.engine.shortcuts.curated import FaqError, FaqStore
from desktop_app.engine.shortcuts.matching import slot_change, spelling, wording_key
from desktop_app.store.database import open_database
from support.faq_cases import MemoEmbedder, bundled_embedder

SAME_WORD = [
    ("centre", "center"), ("centres", "centers"), ("centred", "centered"), ("theatre", "theater"),
    ("litres", "liters"), ("fibre", "fiber"), ("metre", "meter"), ("manoeuvre", "maneuver"),
    ("colour", "color"), ("colours", "colors"), ("coloured", "colored"), ("favourite", "favorite"),
    ("behaviour", "behavior"), ("neighbours", "neighbors"), ("harbour", "harbor"), ("honourable", "honorable"),
    ("labourer", "laborer"), ("odour", "odor"), ("savoury", "savory"),
    ("organise", "organize"), ("organised", "organized"), ("organising", "organizing"),
    ("organisation", "organization"), ("realise", "realize"), ("recognises", "recognizes"),
    ("analyse", "analyze"), ("analysed", "analyzed"), ("paralysing", "paralyzing"),
    ("defence", "defense"), ("offences", "offenses"), ("licence", "license"), ("licenced", "licensed"),
    ("pretence", "pretense"), ("grey", "gray"), ("travelled", "traveled"), ("cancelling", "canceling"),
    ("counsellor", "counselor"), ("labelled", "labeled"), ("marvellous", "marvelous"),
    ("catalogue", "catalog"), ("programme", "program"), ("ageing", "aging"), ("judgement", "judgment"),
    ("enrolment", "enrollment"), ("fulfil", "fulfill"), ("paediatric", "pediatric"),
    ("haemoglobin", "hemoglobin"), ("anaesthesia", "anesthesia"), ("oestrogen", "estrogen"),
    ("practise", "practice"), ("jewellery", "jewelry"), ("aluminium", "aluminum"), ("sceptical", "skeptical"),
]

DIFFERENT_WORDS = [
    ("cheque", "check"), ("storey", "story"), ("tyre", "tire"), ("kerb", "curb"), ("draught", "draft"),
    ("timbre", "timber"), ("flour", "flor"), ("hour", "hor"), ("tour", "tor"), ("four", "for"), ("your", "yor"),
    ("detour", "detor"), ("acre", "acer"), ("prise", "prize"), ("spelled", "speled"), ("raise", "raize"),
    ("devise", "device"), ("advise", "advice"), ("genre", "gener"),
]


@pytest.mark.parametrize(("british", "american"), SAME_WORD)
def test_both_spellings_of_a_word_become_one(british: str, american: str) -> None:
    assert spelling(british) == spelling(american)


@pytest.mark.parametrize(("one", "other"), DIFFERENT_WORDS)
def test_different_words_stay_different(one: str, other: str) -> None:
    assert spelling(one) != spelling(other)


def test_words_outside_the_rules_are_left_alone() -> None:
    for word in ("evidence", "science", "hour", "yours", "tours", "exercise", "crises", "bred", "spelling",
                 "check", "story", "meter", "2024", "café"):
        assert spelling(spelling(word)) == spelling(word), "one spelling is a fixed point"
    assert [spelling(w) for w in ("evidence", "hour", "yours", "check", "story", "2024")] == \
        ["evidence", "hour", "yours", "check", "story", "2024"]


def test_the_question_keys_of_curated_answers_follow_the_spelling_but_the_cache_key_does_not() -> None:
    british = "Where is the visitor centre? What colour is its badge?"
    american = "Where is the visitor center? What color is its badge?"
    assert wording_key(british, spellings=True) == wording_key(american, spellings=True)
    assert wording_key(british) != wording_key(american), "the answer cache's stored keys keep their meaning"
    assert slot_change(american, british) is None, "a spelling is not a swapped topic word"
    assert slot_change("Where do I deposit a cheque?", "Where do I check a deposit?") is not None


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> MemoEmbedder:
    return bundled_embedder(tmp_path_factory.mktemp("models"))


@pytest.fixture
def faq(tmp_path: Path, embedder: MemoEmbedder) -> Iterator[FaqStore]:
    database = open_database(tmp_path / "faq.sqlite3")
    store = FaqStore(database, embedder)
    store.add("What colour is the visitor badge at the head office?", "Grey, with a red stripe.")
    store.add("How do I organise a meeting room at the training centre?", "Book it in the room planner.")
    store.add("Which licence do I need to drive the company van?", "A category B licence.")
    store.add("How do I check my travel allowance?", "In the expenses portal, under Allowances.")
    yield store
    database.conn.close()


@pytest.mark.parametrize(("asked", "expected"), [
    ("What color is the visitor badge at the head office?", "What colour is the visitor badge at the head office?"),
    ("how do I organize a meeting room at the training center", "How do I organise a meeting room at the "
                                                               "training centre?"),
    ("Which license do I need to drive the company van?", "Which licence do I need to drive the company van?"),
])
def test_a_question_in_the_other_spelling_finds_its_curated_answer(faq: FaqStore, asked: str,
                                                                   expected: str) -> None:
    found = faq.match(asked)
    assert found is not None and found.entry.question == expected
    assert found.exact, "only the spelling differs"


@pytest.mark.parametrize("asked", [
    "What colour is the visitor lanyard at the head office?",
    "What color is the visitor badge at the branch office?",
    "How do I organize a parking space at the training center?",
    "How do I cheque my travel allowance?",
    "How do I check my travel insurance?",
])
def test_other_questions_still_find_nothing(faq: FaqStore, asked: str) -> None:
    found = faq.match(asked)
    assert found is None, f"{asked!r} matched {found.entry.question if found else ''!r}"


def test_the_other_spelling_of_a_curated_question_is_refused_as_a_duplicate(faq: FaqStore) -> None:
    with pytest.raises(FaqError, match="already answers"):
        faq.add("What color is the visitor badge at the head office?", "Gray.")
