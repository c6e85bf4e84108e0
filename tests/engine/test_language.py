"""Which language a question is in: what decides how it is searched, quoted and answered."""

from __future__ import annotations

import pytest

from desktop_app.engine.answering.prompt import PromptBuilder
from desktop_app.engine.language import detect_language
from desktop_app.engine.settings import DEFAULT_SYSTEM_PROMPT


@pytest.mark.parametrize("text, language", [
    ("Comment créer un PDF protégé par mot de passe que l'on ne peut pas imprimer ?", "fr"),
    ("Et pour les sous-traitants ?", "fr"),
    ("Welche Algorithmen verwendet diese Verschlüsselung?", "de"),
    ("¿Cómo repito la fila de encabezado de una tabla larga en cada página?", "es"),
    ("Как создать защищённый паролем PDF, который нельзя распечатать?", "ru"),
    ("印刷できないパスワード付きのPDFを作るにはどうすればいいですか？", "ja"),
    ("ko.TeX라는 이름은 어떻게 읽는 게 맞나요?", "ko"),
    ("kotex 옵션은?", "ko"),
])
def test_questions_in_other_languages_are_named(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", [
    "How do I set pageCompression?",
    "How do CMYKColor and PCMYKColor differ?",  # the identifier is not sure of this one: English is kept
    "And for contractors?",
    "Is it worth it, i.e. how much speed does that gain?",
    r"If I put the first and last line settings into \lstset, will they apply to every listing?",
    "setDash(1,2)?",
    "",
    "Thanks for the update on the budget meeting. " * 900 + "Which sensor failed in March?",
])
def test_english_questions_stay_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_a_question_in_a_language_without_engine_texts_is_answered_in_its_own_language() -> None:
    builder = PromptBuilder(len, window=4096, answer_reserve=100)
    built = builder.build(DEFAULT_SYSTEM_PROMPT, "", [], [], "Et pour les sous-traitants ?", "fr", lambda s: s.chunks)
    system = built.messages[0]["content"]
    assert system.endswith("Answer in the language of the question.") and "Answer in English" not in system
