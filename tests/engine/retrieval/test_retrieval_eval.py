"""Retrieval on the questions about the generated manuals: each mode scored, hybrid at least as good as either alone."""

from desktop_app.engine import Engine
from desktop_app.evaluation.retrieval import score_retrieval
from support.questions import QUESTIONS


def test_hybrid_retrieval_is_at_least_as_good_as_each_single_mode(corpus_engine: Engine) -> None:
    scores = {}
    for mode in ("bm25", "dense", "hybrid"):
        scores[mode] = score_retrieval(QUESTIONS, lambda q, m=mode: corpus_engine.search(q, k=5, mode=m), mode)
    for mode, s in scores.items():
        print(f"{mode:>6}: hit@1 {s.hit_at_1:.2f}  hit@5 {s.hit_at_5:.2f}  MRR {s.mrr:.2f}  ({s.questions} questions)")
    assert scores["hybrid"].hit_at_5 >= scores["bm25"].hit_at_5
    assert scores["hybrid"].hit_at_5 >= scores["dense"].hit_at_5
    english = [q for q in QUESTIONS if q["lang"] == "en"]
    english_hybrid = score_retrieval(english, lambda q: corpus_engine.search(q, k=5), "hybrid")
    assert english_hybrid.hit_at_5 >= 0.7


def test_an_unrelated_question_finds_nothing_above_the_floor(corpus_engine: Engine) -> None:
    result = corpus_engine.search("What is a good recipe for kimchi stew with pork belly?")
    assert result.sources == []
    assert result.closest, "the closest passages are still offered"
