"""A question that asks for a count or for every mention is answered by reading every page, not the top passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine import Engine
from support.answers import final
from support.library import index_all
from support.pdfs import write_pdf

FILLER = "The site office keeps the daily log, the visitor book and the safety board up to date. "
PAGES = [
    [("h", "Scope"), ("p", "The contractor builds the pump house. " + FILLER * 3)],
    [("p", FILLER * 4)],
    [("h", "Payment"), ("p", "The owner pays the contractor monthly. The contractor's invoice lists the work. " +
                       FILLER * 2)],
    [("p", FILLER * 3 + "Disputes between the owner and the contractor go to the adjudicator.")],
    [("p", FILLER * 4)],
    [("p", "계약자는 매달 보고서를 낸다. 발주자는 계약자의 보고서를 검토한다.")],
]


@pytest.fixture
def contract(engine: Engine, tmp_path: Path) -> Engine:
    write_pdf(tmp_path / "works.pdf", PAGES, title="Works Contract", font="korea")
    indexed, failed = index_all(engine, [tmp_path / "works.pdf"])
    assert indexed and not failed
    return engine


def test_a_count_question_reads_every_page_and_cites_each_page_found(contract: Engine) -> None:
    answer = final(contract.ask("How many times is the contractor mentioned?"))
    assert answer.origin == "find" and not answer.abstained
    assert answer.text.startswith("I read all 6 pages of 1 document.")
    assert "appears 4 times in 1 document" in answer.text
    assert "- Works Contract: 4 times (pp. 1, 3, 4)" in answer.text
    assert [c.page for c in answer.citations] == [1, 3, 4]
    assert answer.origin_details["find"]["total"] == 4 and answer.origin_details["find"]["pages_read"] == 6
    assert not answer.model, "no model call"


def test_a_korean_count_question_is_routed_too(contract: Engine) -> None:
    answer = final(contract.ask("계약자가 몇 번 나오나요?"))
    assert answer.origin == "find"
    assert answer.text.startswith("문서 1개의 6쪽을 모두 읽었습니다.") and "모두 2번 나옵니다" in answer.text
    assert [c.page for c in answer.citations] == [6]


def test_a_term_that_never_appears_is_said_so(contract: Engine) -> None:
    answer = final(contract.ask('List every mention of "liquidated damages".'))
    assert answer.origin == "find"
    assert answer.text == "I read all 6 pages of 1 document. \u201cliquidated damages\u201d does not appear in them."
    assert answer.citations == []


def test_an_ordinary_question_is_not_a_find(contract: Engine) -> None:
    for question in ("Who pays the contractor?", "How many times is it mentioned?",
                     "How many times is the subcontractor mentioned?"):  # an unquoted term found nowhere
        assert final(contract.ask(question)).origin != "find", question
