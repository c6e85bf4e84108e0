"""Compare keyword methods for Korean questions: words, bigrams, trigrams, and (if installed) Kiwi morphemes.

    .venv/bin/python benchmarks/korean_keywords.py [QUESTIONS.jsonl] [PDF_FOLDER]

Each method ranks chunks by BM25 alone (no dense side, no floor) over a
temporary library; Kiwi is measured only when ``kiwipiepy`` is importable
(``pip install kiwipiepy``), since the app does not depend on it.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from desktop_app.engine import Engine, Settings
from desktop_app.engine.retrieval.search import SearchResult, Source
from desktop_app.evaluation.retrieval import score_retrieval
from desktop_app.store.fusion import rrf
from desktop_app.store.keywords import korean_word_terms
from desktop_app.store.korean import HANGUL_RUN, hangul_bigrams

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
DOCS = ROOT.parent / "shared" / "eval" / "corpus"


def kiwi_tokenizer() -> Callable[[str], list[str]] | None:
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        return None
    kiwi = Kiwi()
    return lambda text: [t.form for t in kiwi.tokenize(text) if t.tag[0] in "NVMSX" or t.tag in ("SL", "SH", "SN")]


def trigram_terms(query: str) -> list[str]:
    """Query words long enough for the FTS5 trigram tokenizer (the app's method until migration m005)."""
    return list(dict.fromkeys(w for w in re.findall(r"\w+", query) if len(w) >= 3))


def build_tables(engine: Engine, morphs: Callable[[str], list[str]] | None) -> None:
    db = engine._rt.db.conn
    db.execute("CREATE VIRTUAL TABLE bench_morphs USING fts5(m)")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS chunks_trigrams USING fts5(text, tokenize = 'trigram')")
    for chunk_id, text in engine._rt.store.iter_chunk_texts():
        if HANGUL_RUN.search(text):  # the app's trigram table until migration m005
            db.execute("INSERT INTO chunks_trigrams (rowid, text) VALUES (?, ?)", (chunk_id, text))
        if morphs is not None and HANGUL_RUN.search(text):
            db.execute("INSERT INTO bench_morphs (rowid, m) VALUES (?, ?)", (chunk_id, " ".join(morphs(text))))


def match(engine: Engine, table: str, terms: list[str]) -> list[int]:
    if not terms:
        return []
    query = " OR ".join('"' + t.replace('"', "") + '"' for t in dict.fromkeys(terms))
    rows = engine._rt.db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY bm25({table}) LIMIT 50",
                             (query,))
    return [int(r[0]) for r in rows]


def main() -> None:
    questions_path = Path(sys.argv[1]) if len(sys.argv) > 1 else QUESTIONS
    docs = Path(sys.argv[2]) if len(sys.argv) > 2 else DOCS
    korean = [q for q in map(json.loads, questions_path.read_text().splitlines()) if q["lang"] == "ko"]
    morphs = kiwi_tokenizer()
    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home), Settings())
        list(engine.library.index([docs]))
        build_tables(engine, morphs)

        def words(q: str) -> list[int]:
            return match(engine, "chunks_fts", [w.lower() for w in re.findall(r"\w+", q)])

        def latin_words(q: str) -> list[int]:
            return match(engine, "chunks_fts", korean_word_terms(q))  # as the app takes them

        def bigrams(q: str) -> list[int]:
            return match(engine, "chunks_bigrams", hangul_bigrams(q))

        def trigrams(q: str) -> list[int]:
            return match(engine, "chunks_trigrams", trigram_terms(q))

        def kiwi(q: str) -> list[int]:
            return match(engine, "bench_morphs", morphs(q)) if morphs else []

        def fused(*methods: Callable[[str], list[int]]) -> Callable[[str], list[int]]:
            def run(q: str) -> list[int]:
                scores = rrf([(m(q), 1.0) for m in methods])
                return sorted(scores, key=lambda cid: scores[cid], reverse=True)
            return run

        methods = {"words only": words, "syllable bigrams": bigrams, "FTS5 trigrams": trigrams,
                   "words + bigrams": fused(words, bigrams), "bigrams + trigrams": fused(bigrams, trigrams),
                   "words + bigrams + trigrams": fused(words, bigrams, trigrams),
                   "Latin words + bigrams + trigrams": fused(latin_words, bigrams, trigrams),
                   "the app's keyword search": lambda q: [cid for cid, _ in engine._rt.store.keyword_search(q, 50)]}
        if morphs is not None:
            methods |= {"Kiwi morphemes": kiwi, "words + Kiwi morphemes": fused(words, kiwi)}
        print("| keyword method | hit@1 | hit@5 | MRR |\n|---|---|---|---|")
        for name, method in methods.items():
            def search(q: str, method: Callable[[str], list[int]] = method) -> SearchResult:
                rows = engine._rt.store.chunks(method(q)[:5])
                return SearchResult(q, "keyword", [Source([r], 0.0, 0.0, n) for n, r in enumerate(rows, 1)], [])
            s = score_retrieval(korean, search, name)
            print(f"| {name} | {s.hit_at_1:.2f} | {s.hit_at_5:.2f} | {s.mrr:.2f} |")
        if morphs is None:
            print("\n(kiwipiepy is not installed, so Kiwi was not measured: pip install kiwipiepy)")
        engine.close()


if __name__ == "__main__":
    main()
