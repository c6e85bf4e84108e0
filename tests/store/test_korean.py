"""Korean keyword search: Hangul bigrams that match a word whatever particle follows it."""

from __future__ import annotations

from desktop_app.store.keywords import asked_bigrams
from desktop_app.store.korean import hangul_bigrams


def test_hangul_bigrams_match_words_whatever_particle_follows() -> None:
    assert set(hangul_bigrams("명령은")) & set(hangul_bigrams("명령을써서"))
    assert hangul_bigrams("책 ko.TeX") == ["책"]


def test_a_korean_query_is_searched_without_the_bigrams_of_its_question_words() -> None:
    asked = asked_bigrams("표의 행과 열을 바꿔서 붙여넣으려면 어떻게 하나요?")
    assert {"행과", "붙여", "여넣"} <= set(asked)
    assert not {"어떻", "떻게", "하나", "나요", "려면"} & set(asked)
    assert asked_bigrams("어떻게 하나요?") == ["어떻", "떻게", "하나", "나요"], "nothing else is left: all are kept"
