"""Korean keyword search: Hangul bigrams that match a word whatever particle follows it."""

from __future__ import annotations

from desktop_app.store.korean import hangul_bigrams


def test_hangul_bigrams_match_words_whatever_particle_follows() -> None:
    assert set(hangul_bigrams("명령은")) & set(hangul_bigrams("명령을써서"))
    assert hangul_bigrams("책 ko.TeX") == ["책"]
