"""Evidence scoring on hand-made passages: each feature, the neighbour lift, follow-ups, and where a quote is."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.engine.answering import evidence
from desktop_app.engine.answering.evidence import (
    FOCUS_SHARE,
    LEXICAL_WEIGHTS,
    OWN_SHARE,
    RETRIEVAL_SPAN,
    SHOWN_DISCOUNT,
    WEIGHTS,
    Evidence,
    best,
    candidates,
    combine,
    features,
    keyword_scores,
    retrieval_scores,
    terms,
)
from desktop_app.engine.answering.memory import asked_part
from desktop_app.engine.retrieval.search import Source
from desktop_app.store.rows import ChunkRow


@pytest.mark.parametrize(("opening", "quoted"), [("Rather, it", True), ("Instead it", True), ("It also", False)])
def test_a_sentence_opening_with_a_contrast_is_quoted_beside_the_best_sentence_before_it(
        opening: str, quoted: bool) -> None:
    sentences = ["This font theme does not really change any fonts.",
                 f"{opening} suppresses certain internal replacements of symbols.",
                 "Fonts bought separately often come with every symbol in every size."]
    chunk = ChunkRow(1, 1, 1, 0, 1, 1, " ".join(sentences), 0, [], "Guide", "/guide.pdf", "Font themes")
    found = candidates([Source([chunk], 1.0, 0.5, 1)])
    table = {"dense": [0.8, 0.3, 0.3], "keywords": [0.5, 0.0, 0.0], "retrieval": [1.0, 1.0, 1.0]}
    chosen = [candidate.text for _, candidate in best(found, combine(found, table, WEIGHTS))]
    assert chosen == (sentences[:2] if quoted else sentences[:1])


def test_a_footnote_is_not_lifted_by_the_last_sentence_of_the_passage() -> None:
    # Footnotes come after a passage's last sentence; they do not follow on from it as an answer follows a question.
    body = ChunkRow(1, 1, 1, 0, 2, 2, "Keys are labelled by the colour of their door.\n"
                    "The garden shed key hangs on the hook inside the porch.", 0, [], "House", "/house.pdf", "Keys")
    note = ChunkRow(2, 1, 1, 1, 2, 2, "1 The old padlock of the shed was replaced in the spring.", 0, [], "House",
                    "/house.pdf", "Keys", kind="note")
    found = candidates([Source([body, note], 1.0, 0.5, 1)])
    assert [c.previous for c in found] == [-1, 0, -1]
    # a note that repeats a sentence of the passage does not make that sentence a note's
    repeating = ChunkRow(2, 1, 1, 1, 2, 2, "1 As said above: The garden shed key hangs on the hook inside the porch.",
                         0, [], "House", "/house.pdf", "Keys", kind="note")
    assert [c.previous for c in candidates([Source([body, repeating], 1.0, 0.5, 1)])] == [-1, 0, -1]
    table = {"keywords": [0.2, 0.9, 0.1], "retrieval": [1.0, 1.0, 1.0]}
    scores = combine(found, table, WEIGHTS)
    assert scores[2] == pytest.approx(WEIGHTS["keywords"] * 0.1 + WEIGHTS["retrieval"])  # its own score alone
    assert [c.text for _, c in best(found, scores)] == [found[1].text]


def test_a_sentence_writing_the_code_name_the_question_writes_comes_first() -> None:
    # Keywords fold "\\koTeX" to "kotex", which "texdoc kotex" holds too, and the English embedder cannot help.
    question = "문서에서 \\koTeX 로고를 쓰려면 무엇을 불러와야 하나요?"
    texts = ["명령행에서 texdoc kotex 명령을 내리면 이 문서를 읽을 수 있다.",
             "kotex-logo 패키지를 불러오면 \\koTeX를 쓸 수 있다."]  # a particle written against the name
    sources = [Source([ChunkRow(n, 1, 1, n, n, n, text, 0, [], "Guide", "/guide.pdf", "Logo")], 1.0, 0.5, n)
               for n, text in enumerate(texts, start=1)]
    found = candidates(sources)
    table = features(question, found, None)
    assert table["name"] == [0.0, 1.0]
    assert table["keywords"][0] > table["keywords"][1], "by keywords alone the first sentence would be quoted"
    assert [c.text for _, c in best(found, combine(found, table, LEXICAL_WEIGHTS))][0] == texts[1]


@pytest.mark.parametrize(("third_score", "answer_first"), [(0.031, True), (0.032 * (1 - RETRIEVAL_SPAN), False)])
def test_a_sentence_of_a_passage_that_retrieval_scored_nearly_as_high_is_quoted_when_it_answers_better(
        third_score: float, answer_first: bool) -> None:
    texts = ["Password protected PDF files are always encrypted, and encrypted files are not always protected.",
             "Owners may open a protected file with full control.",
             "To forbid printing, pass StandardEncryption with canPrint set to 0 when building the document."]
    sources = [Source([ChunkRow(n, 1, 1, n, n, n, text, 0, [], "Guide", "/guide.pdf", "Encryption")], score, 0.5, n)
               for n, (text, score) in enumerate(zip(texts, [0.032, 0.0316, third_score], strict=True), start=1)]
    found = candidates(sources)
    retrieval = retrieval_scores(found)
    assert retrieval[0] == 1.0 and retrieval[1] > 0.9
    assert (retrieval[2] > 0.5) == answer_first and retrieval[2] >= 0.0
    table = {"dense": [0.62, 0.4, 0.7], "keywords": [0.3, 0.1, 0.4], "retrieval": retrieval}
    first = best(found, combine(found, table, WEIGHTS))[0][1].text
    assert (first == texts[2]) == answer_first, "a passage ranked third but scored within a few percent counts"


def test_sources_without_retrieval_scores_count_alike() -> None:
    chunks = [ChunkRow(n, 1, 1, n, n, n, f"Section {n} of the whole report says something.", 0, [], "R", "/r.pdf", "")
              for n in (1, 2)]
    assert retrieval_scores(candidates([Source([c], 0.0, 0.0, c.id) for c in chunks])) == [1.0, 1.0]


@pytest.mark.parametrize("fresh_score, fresh_first", [(SHOWN_DISCOUNT + 0.1, True), (SHOWN_DISCOUNT - 0.1, False)])
def test_a_quote_the_previous_answer_gave_counts_for_less_in_a_follow_up(fresh_score: float,
                                                                          fresh_first: bool) -> None:
    sentences = ["The archive opens at eight in the morning on weekdays.",
                 "The archive closes at four in the afternoon on weekdays."]
    chunk = ChunkRow(1, 1, 1, 0, 1, 1, " ".join(sentences), 0, [], "Rules", "/rules.pdf", "Hours")
    found = candidates([Source([chunk], 1.0, 0.5, 1)])
    shown = frozenset(sentences[:1])
    assert [c.text for _, c in best(found, [1.0, fresh_score])][0] == sentences[0]
    first = [c.text for _, c in best(found, [1.0, fresh_score], shown)][0]
    assert first == (sentences[1] if fresh_first else sentences[0]), "a quote that still answers best is repeated"


def test_a_follow_ups_own_words_count_for_more_than_the_question_it_follows() -> None:
    """The search query (the previous question joined to the follow-up) resolves "that"; what is asked now is in
    the follow-up's own words, so a sentence close to those wins over one close to the previous question."""
    first, own = "How do I protect a report with a password?", "Which algorithms does that rely on?"
    query = f"{first} {own}"
    sentences = ["Locked files keep strangers out.", "MD5 and RC4 are used underneath."]
    chunk = ChunkRow(1, 1, 1, 0, 1, 1, " ".join(sentences), 0, [], "Guide", "/guide.pdf", "Security")
    found = candidates([Source([chunk], 1.0, 0.5, 1)])
    angle = {query: 0.0, own: 1.4, sentences[0]: 0.5, sentences[1]: 1.2}  # cosines 0.88 / 0.62 and 0.36 / 0.98

    def encode(texts: list[str]) -> np.ndarray:
        return np.array([[np.cos(angle[t]), np.sin(angle[t])] for t in texts])

    table = features(query, found, encode, own)
    assert table["keywords"] == [0.0, 0.0], "no shared words: the cosine decides"
    cosines = [(np.cos(0.5), np.cos(0.9)), (np.cos(1.2), np.cos(0.2))]  # (with the query, with the own words)
    assert sum(cosines[0]) > sum(cosines[1]), "an even split would quote the sentence close to the first question"
    assert table["dense"] == pytest.approx([(1 - OWN_SHARE) * q + OWN_SHARE * o for q, o in cosines])
    assert table["dense"][1] > table["dense"][0]
    assert table["closest"] == pytest.approx([max(c) for c in cosines]), "the floor still compares the higher cosine"
    assert [c.text for _, c in best(found, combine(found, table, WEIGHTS))][0] == sentences[1]


@pytest.mark.parametrize(("question", "part"), [
    ("The scanner validates every badge. How do I switch that checking off?", "How do I switch that checking off?"),
    ("Is it worth it, i.e. how much speed does that gain?", ""),  # one sentence
    ("Can cron fetch the updates? Will it install them too?", ""),  # every sentence asks
    ("0으로 시작하는 번호를 넣으면 0이 없어져요. 어떻게 입력하죠?", "어떻게 입력하죠?"),
    ("셀 이름을 A1처럼 지어도 되나요? 이름 규칙이 궁금해요.", "셀 이름을 A1처럼 지어도 되나요?"),
    ("Tell me about the scanner. And the badges.", ""),  # none asks
    ("ko.TeX라는 이름은 어떻게 읽나요?", ""),  # a dotted name ends no sentence
])
def test_the_asking_part_of_a_question_is_its_question_sentences_beside_a_scene(question: str, part: str) -> None:
    assert asked_part(question) == part


@pytest.mark.parametrize("focus_share, answer_first", [(FOCUS_SHARE, True), (0.0, False)])
def test_a_sentence_restating_the_questions_scene_does_not_outrank_the_one_answering_what_it_asks(
        monkeypatch: pytest.MonkeyPatch, focus_share: float, answer_first: bool) -> None:
    question = "The archive validates every visitor badge at the door. How do I switch that checking off?"
    texts = ["The archive scanner validates every visitor badge at the door and logs each check.",
             "Switch the scanner to open mode to turn the checking off for a day."]
    sources = [Source([ChunkRow(n, 1, 1, n, n, n, text, 0, [], "Rules", "/rules.pdf", "Badges")], 1.0, 0.5, n)
               for n, text in enumerate(texts, start=1)]
    found = candidates(sources)
    monkeypatch.setattr(evidence, "FOCUS_SHARE", focus_share)
    table = features(question, found, None)
    assert keyword_scores(question, texts)[0] > keyword_scores(question, texts)[1], "the scene's words are many"
    first = best(found, combine(found, table, LEXICAL_WEIGHTS))[0][1].text
    assert (first == texts[1]) == answer_first


def test_a_latin_name_written_against_korean_text_is_matched_as_a_word() -> None:
    # Korean set without spaces glues particles and words to names: "ko.TeX라는", "TEX은텍스트".
    question = "ko.TeX라는 이름은 어떻게 읽나요?"
    glued = "1ko.TEX은텍스트상황에서ko.TeX이라고쓰고“케이오텍”이라고읽는다."
    other = "kotex-utf 문서는 명령행에서 읽는다."
    assert {"ko", "tex"} <= terms(question) & terms(glued)
    scores = keyword_scores(question, [glued, other])
    assert scores[0] > scores[1]


@pytest.mark.parametrize("label, expected", [("", "p. 5"), ("5", "p. 5"), ("v", "p. v (PDF page 5)")])
def test_where_names_the_printed_page_label_beside_the_pdf_page(label: str, expected: str) -> None:
    item = Evidence("A sentence.", 1, 1, "Doc", "doc.pdf", 5, label, 0.5, [5], [])
    assert item.where() == expected
