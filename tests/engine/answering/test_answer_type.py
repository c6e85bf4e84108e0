"""Answer types: a question asking how to do something is answered first by the sentence that shows how."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine import Engine
from desktop_app.engine.answering.answer import Answer
from desktop_app.engine.answering.answer_type import asks_how, procedure_scores
from desktop_app.engine.answering.evidence import WEIGHTS, best, candidates, combine, features
from desktop_app.engine.retrieval.search import Source
from desktop_app.store.rows import ChunkRow
from support.answers import final
from support.library import index_all
from support.pdfs import write_pdf

ENCRYPTION = [
    "A password protected PDF may forbid its readers to print it.",
    "Owners of a protected file keep full control over it.",
    'To produce a protected PDF that cannot be printed, call StandardEncryption("secret", canPrint=0).',
]


@pytest.mark.parametrize("question, asks", [
    ("How do I stop readers from printing my PDF?", True),
    ("Which method draws a string centred on a point?", True),
    ("How can we hide the border around a link?", True),
    ("how to register a font family", True),
    ("KTUG 사설 저장소를 패키지 관리자에 추가하려면 어떤 명령을 실행하나요?", True),
    ("문서 안에서 로고 명령을 쓰고 싶은데 무엇을 불러와야 하나요?", True),
    ("How do CMYKColor and PCMYKColor differ?", False),
    ("What line spacing is a good starting point for a paragraph?", False),
    ("Why are compressed files slower to generate?", False),
    ("ko.TeX라는 이름은 어떻게 읽는 게 맞나요?", False),
])
def test_questions_asking_how_to_do_something_are_recognised_in_english_and_korean(question: str,
                                                                                   asks: bool) -> None:
    assert asks_how(question) == asks


def test_a_call_an_assignment_or_a_command_line_shows_how_and_a_name_only_mentioned_does_not() -> None:
    shows = [ENCRYPTION[2], "Pass Border='[0 0 0]' to hide the rectangle.", "$ tlmgr repository add ktug",
             "먼저 다음 명령을 내린다. $ tlmgr install unfonts", ">>> import reportlab.rl_config"]
    mentions = [ENCRYPTION[0], "The repeatRows argument repeats the leading rows when the table splits.",
                "\\usepackage{kotex-logo}를 선언하면 로고를 쓸 수 있다.",
                "Adobe Font Metrics (AFM) files hold the widths.",
                "The leading is the spacing between lines (in points)."]
    assert procedure_scores("How do I do that?", shows + mentions) == [1.0] * len(shows) + [0.0] * len(mentions)
    assert procedure_scores("Why is that so?", shows) == [0.0] * len(shows), "only a question asking how"


def encryption_sources() -> list[Source]:
    chunk = ChunkRow(1, 1, 1, 1, 1, 1, " ".join(ENCRYPTION), 0, [], "Guide", "/guide.pdf", "Encryption")
    return [Source([chunk], 0.03, 0.5, 1)]


@pytest.mark.parametrize("question, shown_first", [
    ("How do I produce a PDF that readers are not allowed to print?", ENCRYPTION[2]),
    ("Why may readers not print some PDF files?", ENCRYPTION[0]),
])
def test_the_sentence_showing_how_is_quoted_first_when_the_question_asks_how(question: str, shown_first: str) -> None:
    found = candidates(encryption_sources())
    table = features(question, found, None)
    table |= {"dense": [0.72, 0.3, 0.7], "keywords": [0.4, 0.1, 0.39]}  # the description matches a little better
    assert best(found, combine(found, table, WEIGHTS))[0][1].text == shown_first


def test_a_follow_up_is_judged_by_its_own_words_not_by_the_question_it_is_searched_with() -> None:
    found = candidates(encryption_sources())
    query = "How do I protect a PDF with a password? And why may readers not print it?"
    assert features(query, found, None)["procedure"] == [0.0, 0.0, 1.0]
    assert features(query, found, None, own="And why may readers not print it?")["procedure"] == [0.0, 0.0, 0.0]
    asked = features("Which files are protected? And how do I forbid printing?", found, None,
                     own="And how do I forbid printing?")
    assert asked["procedure"] == [0.0, 0.0, 1.0]


def test_a_how_to_question_gets_the_code_that_answers_it_first_and_an_other_question_does_not(
        engine: Engine, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "guide.pdf", [[("h", "Encryption"), ("p", " ".join(ENCRYPTION))]], title="PDF guide")
    index_all(engine, [pdf])
    engine.update_settings(quotes_only=True)
    how: Answer = final(engine.ask("How do I produce a password protected PDF that readers cannot print?"))
    assert how.evidence[0].quote == ENCRYPTION[2]
    why: Answer = final(engine.ask("Why can readers not open or print a password protected PDF?"))
    assert why.evidence[0].quote == ENCRYPTION[0]
