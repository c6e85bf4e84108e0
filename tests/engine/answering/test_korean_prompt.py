"""Korean questions get the prompt in Korean, and long Korean quotes leave room for the sources."""

from __future__ import annotations

from desktop_app.engine.answering.evidence import Evidence
from desktop_app.engine.answering.prompt import PromptBuilder
from desktop_app.engine.language import detect_language
from desktop_app.engine.retrieval.search import Source
from desktop_app.store.rows import ChunkRow


def test_korean_questions_get_the_prompt_in_korean() -> None:
    builder = PromptBuilder(len, window=4096, answer_reserve=100)
    built = builder.build(
        "You answer...", "", [], [], "ko.TeX은 어떻게 읽나요?", "ko", lambda source: source.chunks)
    from desktop_app.engine.settings import DEFAULT_SYSTEM_PROMPT

    korean = builder.build(DEFAULT_SYSTEM_PROMPT, "", [], [], "ko.TeX은 어떻게 읽나요?", "ko", lambda s: s.chunks)
    assert "출처" in korean.messages[0]["content"] and "한국어" in korean.messages[0]["content"]
    assert built.messages[0]["content"].endswith("반드시 한국어로 답하세요."), "a user's own prompt is kept"
    assert detect_language("ko.TeX라는 이름은 어떻게 읽는 게 맞나요?") == "ko"
    assert detect_language("How do I set pageCompression?") == "en"


def test_long_quotes_never_crowd_every_source_out_of_the_prompt() -> None:
    text = "ko.TeX 패키지는 한글 문서를 조판한다. " * 30
    chunk = ChunkRow(1, 1, 1, 0, 1, 1, text, 0, [], "설명서", "/manual.pdf", "소개")
    source = Source([chunk], 1.0, 0.5, 1)
    quote = "사설 저장소를 등록하려면 관리자 권한으로 tlmgr repository add 명령을 실행한다. " * 8
    evidence = [Evidence(quote + str(n), 1, 1, "설명서", "/manual.pdf", 1, "1", 1.0 - n / 10) for n in range(3)]
    builder = PromptBuilder(len, window=1400, answer_reserve=100)
    built = builder.build("You answer.", "", [], [source], "등록하려면 무엇을 하나요?", "ko", lambda s: s.chunks,
                          evidence)
    assert [s.number for s in built.sources] == [1], "the passage is given"
    user = built.messages[-1]["content"]
    assert evidence[0].quote in user and evidence[2].quote not in user, "the last quotes made room for it"
    roomy = PromptBuilder(len, window=8000, answer_reserve=100).build(
        "You answer.", "", [], [source], "등록하려면 무엇을 하나요?", "ko", lambda s: s.chunks, evidence)
    assert all(e.quote in roomy.messages[-1]["content"] for e in evidence), "with room, every quote is given"
