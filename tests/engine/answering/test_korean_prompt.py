"""Korean questions get the prompt in Korean."""

from __future__ import annotations

from desktop_app.engine.answering.prompt import PromptBuilder
from desktop_app.engine.language import detect_language


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
