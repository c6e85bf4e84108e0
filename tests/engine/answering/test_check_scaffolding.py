"""The unsupported-claim check on a real prompt of the generated user guide: words of the prompt's own frame
(source headers, titles, page and source numbers, labels) are not claims; real unsupported claims still are,
and each is listed once."""

from __future__ import annotations

import pytest

from desktop_app.engine import Engine
from desktop_app.engine.answering.prompt import BuiltPrompt, PromptBuilder, without_echo
from desktop_app.engine.answering.verification import extract_claims, verify
from desktop_app.engine.language import say
from desktop_app.engine.settings import DEFAULT_SYSTEM_PROMPT


@pytest.fixture(scope="module")
def built(corpus_engine: Engine) -> BuiltPrompt:
    sources = corpus_engine.search("How do I write a line of text centred on a point with drawCentredString?").sources
    builder = PromptBuilder(lambda text: len(text.split()) + 1, 4096, 384)
    prompt = builder.build(DEFAULT_SYSTEM_PROMPT, "", [], sources[:3], "How do I centre a string?", "en",
                           lambda source: source.chunks)
    assert any("drawCentredString" in text for text in prompt.passages.values())
    return prompt


def header_line(built: BuiltPrompt, number: int) -> str:
    """The source's header line as the prompt gives it: "[1] Title, page 20:"."""
    return next(line for line in built.messages[-1]["content"].splitlines() if line.startswith(f"[{number}] "))


def title_words(built: BuiltPrompt) -> list[str]:
    """The capitalised words of source 1's title that its passage does not hold (the check would flag them)."""
    passages = built.passages[1].lower()
    titles = built.sources[0].first.document_title
    return [w for w in dict.fromkeys(titles.replace(",", " ").split()) if w[:1].isupper() and
            w.lower() not in passages]


SUPPORTED = "Use canvas.drawCentredString(x, y, text) to write a line centred on x [1]."


def test_a_supported_answer_passes_with_the_frame_given(built: BuiltPrompt) -> None:
    result = verify(SUPPORTED, built.passages, built.scaffold)
    assert result.unsupported == [] and result.score == 1.0 and result.claims > 0


def test_an_echoed_header_page_and_source_numbers_and_title_words_are_never_listed(built: BuiltPrompt) -> None:
    title = built.sources[0].first.document_title
    words = title_words(built)
    answer = (f"{header_line(built, 1)}\nAnswer: [1] Source number: 2\n{SUPPORTED}\n"
              f"The {title} explains it on page {built.sources[0].pages[0] + 17} [1].")
    result = verify(answer, built.passages, built.scaffold)
    listed = result.unsupported_tokens
    assert listed == [], listed
    without_frame = verify(f"The {title} explains it [1].", built.passages).unsupported_tokens
    assert [w for w in words if w in without_frame] == words  # without the frame, the title's words would be


def test_an_echoed_source_header_and_the_marks_around_its_text_are_left_out_of_the_answer(built: BuiltPrompt) -> None:
    """The 135M model sometimes copies a source block whole ("[2] Guide, page 109: <<< ..."): the copied sentence
    stays; the header's title and pages (they may be another source's) and the marks go, its number stays as
    a citation on a line of its own."""
    copied = "Use canvas.drawCentredString(x, y, text)."
    answer = (f"{header_line(built, 1)} <<< {copied}\n{header_line(built, 2)}\n<<<\nIt is centred on x.\n>>>\n"
              ">>> canvas.save()")
    assert without_echo(answer, "How do I centre a string?") == (f"[1]\n{copied}\n[2]\nIt is centred on x.\n"
                                                                 ">>> canvas.save()")
    before_question = f"{header_line(built, 1)}\nQuestion: How do I centre a string?\n{copied}"
    assert without_echo(before_question, "How do I centre a string?") == f"[1]\n{copied}"
    checked = verify(without_echo(f"{header_line(built, 2)} <<< {copied}", "q"), built.passages, built.scaffold)
    assert checked.claims > 0 and checked.unsupported == [], "checked against every source, as it cites none"


def test_the_end_of_the_prompt_repeated_on_one_line_leaves_only_the_quote() -> None:
    """A Korean answer began with the instruction, the question and the key sentences' label run together."""
    question = "KTUG 사설 저장소를 TeX Live 패키지 관리자에 추가하려면 어떤 명령을 실행하나요?"
    quote = "\"먼저 다음 명령을 내리면 저장소가 등록된다.\" [1]"
    echo = f"{say('instruction', 'ko')} {say('question', 'ko')} {question} {say('evidence', 'ko')} {quote}"
    assert without_echo(echo, question) == quote
    english = f"{say('question', 'en')} How do I centre a string?  {say('evidence', 'en')} {quote}"
    assert without_echo(english, "How do I centre a string?") == quote
    other = f"{say('question', 'en')} What is Xylophone made of"  # another question that starts the same
    assert without_echo(other, "What is X") == other


def test_real_unsupported_claims_are_still_flagged_beside_the_frame(built: BuiltPrompt) -> None:
    answer = (f"{header_line(built, 1)}\n{SUPPORTED} It was added in version 7.3 by Adobe with "
              "canvas.centreText() [1].")
    result = verify(answer, built.passages, built.scaffold)
    assert result.unsupported_tokens == ["canvas.centreText", "7.3", "Adobe"]
    assert result.score < 1.0


def test_a_looping_off_topic_answer_lists_each_unsupported_term_once(built: BuiltPrompt) -> None:
    loop = ("To export the story to Microsoft Word, call DocxWriter.save() with 2019 styles [1]. "
            "Then open it in LibreOffice [2]. ") * 15
    result = verify(f"Answer: [1] Source number: 2\n{loop}", built.passages, built.scaffold)
    given = " ".join(built.passages.values()).lower()
    expected = [t for t in ("DocxWriter.save", "2019", "Microsoft", "Word", "DocxWriter", "LibreOffice")
                if t.lower() not in given]
    assert len(expected) >= 4
    assert result.unsupported_tokens == expected
    summary = result.to_dict()
    assert summary["tokens"] == expected
    listed = [t for item in summary["unsupported"] for t in item["tokens"]]  # what the window names
    assert listed == expected
    assert len(summary["unsupported"]) <= 2  # the first sentence naming each term, not its 14 repeats
    assert result.score < 0.5


def test_a_page_reference_does_not_hide_the_number_after_it() -> None:
    assert extract_claims("On page 3, 99,500 tonnes were removed [1].") == ["99,500"]
    assert extract_claims("See pages 3-4 and 7 [1].") == []


def test_a_name_inside_a_title_word_is_still_checked() -> None:
    checked = verify("It was approved by Ann and Port officials [1].", {1: "The harbour was dredged in May."},
                     "[1] Annual Harbour Report 2023, page 2:")
    assert checked.unsupported_tokens == ["Ann", "Port"]
