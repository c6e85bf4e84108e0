"""Korean questions: keyword search without spaces between words, and the Korean questions' pages found."""

from __future__ import annotations

from pathlib import Path

from desktop_app.engine import Engine
from desktop_app.engine.retrieval.search import keyword_coverage, query_terms
from desktop_app.evaluation.retrieval import score_retrieval
from support.library import index_all
from support.pdfs import korean_manual
from support.questions import QUESTIONS


def test_korean_question_with_particles_finds_the_page_of_unspaced_text(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [korean_manual(tmp_path / "manual.pdf")])
    for question, page in (("암호가 걸린 문서는 어떻게 색인하나요?", 2), ("설치 폴더는 누가 고르나요?", 1)):
        for mode in ("bm25", "hybrid"):
            result = engine.search(question, k=2, mode=mode)
            assert result.sources and result.sources[0].main_page == page, (question, mode)


def test_korean_questions_about_the_manual_find_their_page(corpus_engine: Engine) -> None:
    korean = [q for q in QUESTIONS if q["lang"] == "ko"]
    scores = {mode: score_retrieval(korean, lambda q, m=mode: corpus_engine.search(q, k=5, mode=m), mode)
              for mode in ("bm25", "hybrid")}
    for mode, s in scores.items():
        print(f"Korean {mode}: hit@1 {s.hit_at_1:.2f} hit@5 {s.hit_at_5:.2f} MRR {s.mrr:.2f}")
    assert scores["hybrid"].hit_at_5 >= 0.8 and scores["hybrid"].mrr >= 0.6


def test_korean_words_count_towards_relevance_by_their_stem_not_their_particle() -> None:
    question = "memoir 클래스 안내서는 어떻게 읽을 수 있나요?"
    answer = "oblivoir memoir 안내서를 보아야 한다. 이것은 texdoc memman 명령으로 읽을 수 있다."
    assert query_terms(question) == ["memoi", "클래", "안내", "읽을"], "no question words, particles or 수"
    assert keyword_coverage(query_terms(question), answer) == 0.75  # memoir, 안내서(를), 읽을
    assert keyword_coverage(query_terms("로고 명령은 어떻게 쓰나요?"), answer) == 0.0  # 명령 alone is too few
    english = query_terms("How is the tide gauge calibrated?")
    assert english == ["tide", "gauge", "calib"]
    assert keyword_coverage(english, "The gauge is calibrated in March.") == 2 / 3
