"""Answer verification on indexed passages of the generated user guide: correct sentences pass, changed ones are
flagged."""

from __future__ import annotations

import pytest

from desktop_app.engine import Engine
from desktop_app.engine.answering.verification import extract_claims, verify


def passage(engine: Engine, needle: str) -> str:
    row = engine._rt.db.execute("SELECT text FROM chunks WHERE text LIKE ? ORDER BY id LIMIT 1", (f"%{needle}%",))
    return row.fetchone()[0]


@pytest.fixture(scope="module")
def sources(corpus_engine: Engine) -> dict[int, str]:
    return {1: passage(corpus_engine, "drawCentredString"), 2: passage(corpus_engine, "PCMYKColor (for integer"),
            3: passage(corpus_engine, "repeatRows=0")}


CORRECT = [
    "Use canvas.drawCentredString(x, y, text) to write a line centred on x [1].",
    "CMYKColor takes real values between 0 and 1, while PCMYKColor takes integers between 0 and 100 [2].",
    "Pass repeatRows to the Table constructor to repeat the header row [3].",
]
CHANGED = [
    ("Use canvas.drawCenteredString(x, y, text) to write a line centred on x [1].", "drawCenteredString"),
    ("CMYKColor takes real values between 0 and 1, while PCMYKColor takes integers between 0 and 255 [2].", "255"),
    ("Pass repeatHeaderRows to the Table constructor to repeat the header row [3].", "repeatHeaderRows"),
    ("PCMYKColor was added to the library in 2019 [2].", "2019"),
    ("Ask Adobe Acrobat to draw the string centred on x [1].", "Adobe"),
]


def test_correct_answers_pass(sources: dict[int, str]) -> None:
    result = verify(" ".join(CORRECT), sources)
    assert len(result.sentences) == 3
    assert result.unsupported == [] and result.score == 1.0


@pytest.mark.parametrize(("changed", "token"), CHANGED)
def test_a_changed_number_year_name_or_function_is_flagged_on_exactly_that_sentence(
        sources: dict[int, str], changed: str, token: str) -> None:
    answer = " ".join([CORRECT[0], changed, CORRECT[1]]) if "[1]" not in changed else " ".join(
        [CORRECT[1], changed, CORRECT[2]])
    result = verify(answer, sources)
    flagged = result.unsupported
    assert len(flagged) == 1 and flagged[0].text == changed
    assert any(token in t for t in flagged[0].unsupported), flagged[0].unsupported
    assert result.score < 1.0


def test_uncited_sentences_are_checked_against_all_passages(sources: dict[int, str]) -> None:
    assert verify("The method is drawCentredString.", sources).unsupported == []
    assert verify("The method is drawCentreString.", sources).unsupported[0].unsupported == ["drawCentreString"]


def test_numbers_are_compared_without_thousands_separators() -> None:
    text = {1: "Dredging removed 41,500 cubic metres of silt in 2031."}
    assert verify("It removed 41500 cubic metres [1].", text).score == 1.0
    assert verify("It removed 41,600 cubic metres [1].", text).unsupported[0].unsupported == ["41,600"]
    assert "41,500" in extract_claims("It removed 41,500 cubic metres.")


def test_list_numbers_are_not_claims() -> None:
    text = {1: "Open the file, then save it."}
    listed = verify("Steps:\n1. Open the file [1].\n2) Save it [1].\n- Then save it again [1].", text)
    assert listed.claims == 0 and listed.score == 1.0
    assert verify("1. Save it in 1999 [1].", text).unsupported_tokens == ["1999"]
    inline = verify("Steps: 1. Open the file 2. Save it 3. Open it again [1].", text)
    assert inline.unsupported_tokens == [] and inline.sentences[0].start == 0
    assert verify("The limit is 10. Then save it [1].", text).unsupported_tokens == ["10"]
