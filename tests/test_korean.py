"""Korean documents and questions: keyword search without spaces, garbled text, Korean prompts."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import index_all
from desktop_app.engine import Engine, ReembedProgress
from desktop_app.engine.answering.prompt import PromptBuilder
from desktop_app.engine.language import detect_language
from desktop_app.engine.models.files import locate
from desktop_app.evaluation.retrieval import score_retrieval
from desktop_app.indexer.quality import font_offset_garbling
from desktop_app.store.korean import hangul_bigrams
from pdfs import korean_garbled, korean_manual, shift_ascii


def test_korean_question_with_particles_finds_the_page_of_unspaced_text(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [korean_manual(tmp_path / "manual.pdf")])
    for question, page in (("암호가 걸린 문서는 어떻게 색인하나요?", 2), ("설치 폴더는 누가 고르나요?", 1)):
        for mode in ("bm25", "hybrid"):
            result = engine.search(question, k=2, mode=mode)
            assert result.sources and result.sources[0].main_page == page, (question, mode)


def test_hangul_bigrams_match_words_whatever_particle_follows() -> None:
    assert set(hangul_bigrams("명령은")) & set(hangul_bigrams("명령을써서"))
    assert hangul_bigrams("책 ko.TeX") == ["책"]


def test_text_garbled_by_a_broken_font_encoding_is_reported_per_page(engine: Engine, tmp_path: Path) -> None:
    indexed, failed = index_all(engine, [korean_garbled(tmp_path / "garbled.pdf"), korean_manual(tmp_path / "m.pdf")])
    assert not failed
    notes = {e.path.name: e.warnings for e in indexed}
    assert any("page 1" in w and "broken font encoding" in w for w in notes["garbled.pdf"])
    assert notes["m.pdf"] == []
    assert font_offset_garbling("한국어" * 10 + shift_ascii("plain TeX")) > 0.1
    assert font_offset_garbling("이것은 우리가 함께 읽은 책의 일부이며 그 이름은 우리의 이야기입니다") == 0.0


def test_the_corpus_kotex_pages_with_shifted_latin_text_are_flagged(corpus_engine: Engine) -> None:
    doc = corpus_engine.library.find("kotex-doc.pdf")
    flagged = [w for w in doc.warnings if "broken font encoding" in w]
    assert len(flagged) >= 10, doc.warnings


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


def test_korean_dev_questions_find_their_page(corpus_engine: Engine, dev_questions) -> None:
    korean = [q for q in dev_questions if q["lang"] == "ko"]
    scores = {mode: score_retrieval(korean, lambda q, m=mode: corpus_engine.search(q, k=5, mode=m), mode)
              for mode in ("bm25", "hybrid")}
    for mode, s in scores.items():
        print(f"Korean {mode}: hit@1 {s.hit_at_1:.2f} hit@5 {s.hit_at_5:.2f} MRR {s.mrr:.2f}")
    assert scores["hybrid"].hit_at_5 >= 0.8 and scores["hybrid"].mrr >= 0.6


def test_changing_the_embedding_model_re_embeds_in_steps_and_switches(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [korean_manual(tmp_path / "manual.pdf"), korean_garbled(tmp_path / "garbled.pdf")])
    chunks = engine._rt.store.chunk_count()
    other = tmp_path / "my-embedder"
    shutil.copytree(locate("embedding", tmp_path), other)
    old_key = engine._rt.embedder.key
    steps: list[ReembedProgress] = []
    for step in engine.library.change_embedding_model(other):
        steps.append(step)
        assert engine.search("설치 폴더", k=1).sources, "search keeps working while re-embedding"
    assert steps[-1].done == steps[-1].total == chunks
    assert engine.settings.embedding_model_path == str(other)
    assert engine._rt.embedder.key != old_key
    models = {row[0] for row in engine._rt.db.execute("SELECT DISTINCT model FROM vectors")}
    assert models == {engine._rt.embedder.key}
    assert engine.search("암호가 걸린 문서", k=1).sources[0].main_page == 2
    reopened = Engine(engine.home)
    try:
        assert reopened._rt.embedder.key == engine._rt.embedder.key, "the choice is saved"
    finally:
        reopened.close()
