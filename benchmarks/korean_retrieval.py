"""Korean keyword retrieval on held-out questions: the app's n-grams, Kiwi morphemes, and both fused.

    .venv/bin/python benchmarks/korean/build_corpus.py            # PDFs to /tmp/korean-corpus
    PYTHONPATH=/path/to/kiwi .venv/bin/python benchmarks/korean_retrieval.py [--json OUT.json]

Two question sets: ``benchmarks/korean/questions.jsonl`` over the PDFs that
``benchmarks/korean/build_corpus.py`` builds (``--docs``), and the Korean
questions of ``../shared/eval/dev_questions.jsonl`` over ``../shared/eval/corpus``
(``--dev-questions``/``--dev-docs``; skipped when absent). Each folder is indexed
by the app into a temporary library; the keyword methods then rank its chunks:

* the app's current method (``KeywordIndex.search``: non-Hangul words and Hangul
  syllable bigrams fused by reciprocal rank; until migration m005 FTS5 trigrams
  too, measured here as "with trigrams"), rebuilt on
  the same chunk texts in an in-memory SQLite so that it can also run on text
  with its spaces removed;
* Kiwi morphemes (``kiwipiepy``: nouns, roots, Latin words and numbers, with
  or without verb and adjective stems) in an FTS5 table, BM25-ranked;
* fusions of the two by reciprocal rank.

"keyword only" rows score the top 5 chunks of one ranking; "pipeline" rows put a
ranking in place of the keyword side of ``Engine.search`` (top 5 sources, with
the dense side, the fusion and the relevance floor as the app has them). The
last table re-runs the keyword methods on chunk texts whose spaces between
Hangul syllables were removed, as in PDFs that lose them. Kiwi is measured
only when ``kiwipiepy`` and ``kiwipiepy_model`` are importable; the app does
not depend on them.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import importlib.util
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pymupdf
import sqlite_utils

from desktop_app.engine import Engine, Settings
from desktop_app.engine.retrieval.search import SearchResult, Source
from desktop_app.evaluation.retrieval import RetrievalScore, score_retrieval
from desktop_app.store.fusion import rrf
from desktop_app.store.keywords import KeywordIndex, korean_word_terms
from desktop_app.store.korean import hangul_bigrams, has_hangul

ROOT = Path(__file__).resolve().parents[1]
OWN_QUESTIONS = ROOT / "benchmarks" / "korean" / "questions.jsonl"
OWN_DOCS = Path("/tmp/korean-corpus")
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
DEV_DOCS = ROOT.parent / "shared" / "eval" / "corpus"
DEPTH = 30
"""How many chunks each keyword ranking returns: what Retriever.search asks for at top 5."""

# The keyword tables as desktop_app/store/migrations.py creates them (m001, m003; m005 drops the trigrams).
APP_TABLES = """
CREATE VIRTUAL TABLE chunks_fts USING fts5(text, title, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE chunks_bigrams USING fts5(grams, tokenize = 'unicode61');
CREATE VIRTUAL TABLE chunks_trigrams USING fts5(text, tokenize = 'trigram');
CREATE VIRTUAL TABLE kiwi_nouns USING fts5(m, tokenize = 'unicode61');
CREATE VIRTUAL TABLE kiwi_stems USING fts5(m, tokenize = 'unicode61');
"""
NOUN_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "SL", "SH", "SN"})
STEM_TAGS = frozenset({"VV", "VA"})
SPACE_BETWEEN_HANGUL = re.compile(r"(?<=[\uac00-\ud7a3])\s+(?=[\uac00-\ud7a3])")

Ranker = Callable[[str, int], list[int]]
"""(query, limit) -> chunk ids, best first."""


def trigram_terms(query: str) -> list[str]:
    """Query words long enough for the FTS5 trigram tokenizer (the method the app used until m005)."""
    return list(dict.fromkeys(w for w in re.findall(r"\w+", query) if len(w) >= 3))


class Morphs:
    """Kiwi content morphemes: nouns, roots, Latin words and numbers, optionally verb and adjective stems."""

    def __init__(self) -> None:
        from kiwipiepy import Kiwi

        started = time.perf_counter()
        self.kiwi = Kiwi()
        self.kiwi.tokenize("워밍업")
        self.load_s = time.perf_counter() - started

    def split(self, text: str) -> tuple[list[str], list[str]]:
        """(noun-like morphemes, the same plus verb/adjective stems), Latin lower-cased."""
        nouns: list[str] = []
        stems: list[str] = []
        for token in self.kiwi.tokenize(text):
            tag = token.tag.split("-")[0]
            form = token.form.lower()
            if tag in NOUN_TAGS:
                nouns.append(form)
                stems.append(form)
            elif tag in STEM_TAGS:
                stems.append(form)
        return nouns, stems


class Bench:
    """The app's keyword tables and Kiwi's, in memory, over the given chunks."""

    def __init__(self, chunks: list[tuple[int, str, str]], morphs: Morphs | None) -> None:
        self.db = sqlite_utils.Database(memory=True)
        self.db.conn.executescript(APP_TABLES)
        self.index = KeywordIndex(self.db)
        self.morphs = morphs
        self.analysis_s = 0.0
        with self.db.conn:
            for chunk_id, text, title in chunks:
                self.index.add(chunk_id, text, title)
                if has_hangul(text):
                    self.db.conn.execute("INSERT INTO chunks_trigrams (rowid, text) VALUES (?, ?)", (chunk_id, text))
                if morphs is not None:
                    started = time.perf_counter()
                    nouns, stems = morphs.split(text)
                    self.analysis_s += time.perf_counter() - started
                    self.db.conn.execute("INSERT INTO kiwi_nouns (rowid, m) VALUES (?, ?)", (chunk_id, " ".join(nouns)))
                    self.db.conn.execute("INSERT INTO kiwi_stems (rowid, m) VALUES (?, ?)", (chunk_id, " ".join(stems)))

    def match(self, table: str, terms: Iterable[str], limit: int) -> list[int]:
        terms = [t for t in dict.fromkeys(terms) if t.replace('"', "").strip()]
        if not terms:
            return []
        query = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        rows = self.db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY bm25({table}) LIMIT ?",
                               (query, limit))
        return [int(r[0]) for r in rows]

    def app(self, q: str, limit: int) -> list[int]:
        return [chunk_id for chunk_id, _ in self.index.search(q, limit)]

    def latin_words(self, q: str, limit: int) -> list[int]:
        return self.match("chunks_fts", korean_word_terms(q), limit)  # as the app takes them

    def bigrams(self, q: str, limit: int) -> list[int]:
        return self.match("chunks_bigrams", hangul_bigrams(q), limit)

    def trigrams(self, q: str, limit: int) -> list[int]:
        return self.match("chunks_trigrams", trigram_terms(q), limit)

    def kiwi_nouns(self, q: str, limit: int) -> list[int]:
        return self.match("kiwi_nouns", self.morphs.split(q)[0], limit) if self.morphs else []

    def kiwi_stems(self, q: str, limit: int) -> list[int]:
        return self.match("kiwi_stems", self.morphs.split(q)[1], limit) if self.morphs else []


def fused(*rankers: Ranker) -> Ranker:
    def run(q: str, limit: int) -> list[int]:
        scores = rrf([(ranker(q, limit), 1.0) for ranker in rankers])
        return sorted(scores, key=lambda chunk_id: scores[chunk_id], reverse=True)[:limit]
    return run


def methods(bench: Bench) -> dict[str, Ranker]:
    found = {
        "with trigrams (before m005): non-Hangul words + bigrams + trigrams":
            fused(bench.latin_words, bench.bigrams, bench.trigrams),
        "syllable bigrams only": bench.bigrams,
        "app now: non-Hangul words + bigrams": bench.app,
    }
    if bench.morphs is not None:
        found |= {
            "Kiwi nouns": bench.kiwi_nouns,
            "Kiwi nouns + verb/adjective stems": bench.kiwi_stems,
            "non-Hangul words + Kiwi (nouns + stems)": fused(bench.latin_words, bench.kiwi_stems),
            "non-Hangul words + bigrams + Kiwi": fused(bench.latin_words, bench.bigrams, bench.kiwi_stems),
            "app now + Kiwi (words, bigrams, trigrams, Kiwi)":
                fused(bench.latin_words, bench.bigrams, bench.trigrams, bench.kiwi_stems),
        }
    return found


def keyword_only(engine: Engine, ranker: Ranker) -> Callable[[str], SearchResult]:
    """The top 5 chunks of ``ranker`` as sources, as benchmarks/korean_keywords.py scores them."""
    def search(q: str) -> SearchResult:
        rows = engine._rt.store.chunks(ranker(q, DEPTH)[:5])
        return SearchResult(q, "keyword", [Source([r], 0.0, 0.0, n) for n, r in enumerate(rows, 1)], [])
    return search


def pipeline(engine: Engine, ranker: Ranker, mode: str) -> Callable[[str], SearchResult]:
    """``Engine.search`` (top 5 sources) with ``ranker`` in place of the keyword side."""
    def search(q: str) -> SearchResult:
        store = engine._rt.store
        store.keyword_search = lambda query, limit, documents=None: [  # type: ignore[method-assign]
            (cid, 0.0) for cid in ranker(query, limit)]  # the whole library: no scope
        try:
            return engine.search(q, k=5, mode=mode)
        finally:
            del store.keyword_search
    return search


def chunk_rows(engine: Engine) -> list[tuple[int, str, str]]:
    return [(int(r[0]), r[1], r[2]) for r in engine._rt.db.execute(
        "SELECT c.id, c.text, d.title || ' ' || s.title FROM chunks c JOIN documents d ON d.id = c.document_id "
        "JOIN sections s ON s.id = c.section_id ORDER BY c.id")]


def table(title: str, scores: list[RetrievalScore]) -> str:
    lines = [f"\n{title}\n", "| method | questions | hit@1 | hit@5 | MRR |", "|---|---|---|---|---|"]
    lines += [f"| {s.mode} | {s.questions} | {s.hit_at_1:.2f} | {s.hit_at_5:.2f} | {s.mrr:.2f} |" for s in scores]
    return "\n".join(lines)


def run_set(name: str, questions: list[dict[str, Any]], docs: Path, morphs: Morphs | None,
            no_spaces: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"set": name, "docs": str(docs), "tables": {}}
    pages = sum(pymupdf.open(p).page_count for p in sorted(docs.glob("*.pdf")))
    answerable = sum(1 for q in questions if q.get("answerable", True) and q.get("doc"))
    print(f"\n## {name}: {answerable} answerable Korean questions, {pages} pages in {docs}")
    with tempfile.TemporaryDirectory() as home:
        engine = Engine(Path(home), Settings())
        list(engine.library.index([docs]))
        chunks = chunk_rows(engine)
        bench = Bench(chunks, morphs)
        ranked = methods(bench)
        own = engine._rt.store.keyword_search
        same = sum(bench.app(q["question"], DEPTH) == [c for c, _ in own(q["question"], DEPTH)] for q in questions)
        print(f"\n(the in-memory copy of the app's keyword index ranks as the app's own on {same} of "
              f"{len(questions)} questions)")
        scores = [score_retrieval(questions, keyword_only(engine, r), n) for n, r in ranked.items()]
        print(table(f"Keyword only (top 5 chunks; {len(chunks)} chunks)", scores))
        result["tables"]["keyword only"] = scores

        shown = ("app now", "with trigrams", "Kiwi nouns +", "non-Hangul words +")
        chosen = {n: r for n, r in ranked.items() if n.startswith(shown)}
        scores = [score_retrieval(questions, pipeline(engine, r, mode), f"{mode}: {n}")
                  for mode in ("bm25", "hybrid") for n, r in chosen.items()]
        floor = engine._rt.settings
        engine._rt.settings = dataclasses.replace(floor, relevance_floor=-1.0)
        scores.append(score_retrieval(questions, pipeline(engine, bench.app, "hybrid"),
                                      "hybrid, no relevance floor: app now"))
        engine._rt.settings = floor
        print(table("Pipeline (Engine.search, top 5 sources)", scores))
        result["tables"]["pipeline"] = scores

        if no_spaces:
            squeezed = [(i, SPACE_BETWEEN_HANGUL.sub("", text), title) for i, text, title in chunks]
            bare = Bench(squeezed, morphs)
            scores = [score_retrieval(questions, keyword_only(engine, r), n) for n, r in methods(bare).items()]
            print(table("Keyword only, chunk text without spaces between Hangul syllables", scores))
            result["tables"]["keyword only, no spaces"] = scores
        if morphs is not None:
            result["kiwi_analysis_ms_per_chunk"] = 1000 * bench.analysis_s / max(len(chunks), 1)
        engine.close()
    return result


def kiwi_facts(morphs: Morphs, docs: Path, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Installed size, licence, load time, analysis time per page and per query."""
    files: list[Path] = []
    for module in ("kiwipiepy", "kiwipiepy_model"):
        spec = importlib.util.find_spec(module)
        if spec and spec.origin:
            files += [p for p in Path(spec.origin).parent.rglob("*") if p.is_file()]
    native = importlib.util.find_spec("_kiwipiepy")
    if native and native.origin:
        files.append(Path(native.origin))
    texts = [page.get_text() for pdf in sorted(docs.glob("*.pdf")) for page in pymupdf.open(pdf)]
    page_ms = []
    for text in texts:
        started = time.perf_counter()
        morphs.split(text)
        page_ms.append(1000 * (time.perf_counter() - started))
    query_ms = []
    for q in questions:
        started = time.perf_counter()
        morphs.split(q["question"])
        query_ms.append(1000 * (time.perf_counter() - started))
    meta = importlib.metadata.metadata("kiwipiepy")
    model_meta = importlib.metadata.metadata("kiwipiepy_model")
    return {
        "kiwipiepy": importlib.metadata.version("kiwipiepy"),
        "kiwipiepy_model": importlib.metadata.version("kiwipiepy_model"),
        "licence": meta.get("License-Expression") or meta.get("License"),
        "model_licence": model_meta.get("License-Expression") or model_meta.get("License"),
        "installed_mib": sum(p.stat().st_size for p in files) / 2**20,
        "load_s": morphs.load_s,
        "pages": len(texts),
        "chars_per_page": statistics.mean(len(t) for t in texts),
        "ms_per_page": statistics.mean(page_ms),
        "ms_per_page_p95": sorted(page_ms)[int(0.95 * (len(page_ms) - 1))],
        "ms_per_query": statistics.mean(query_ms),
    }


def korean(path: Path) -> list[dict[str, Any]]:
    return [q for q in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if q.get("lang") == "ko"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=OWN_QUESTIONS)
    parser.add_argument("--docs", type=Path, default=OWN_DOCS)
    parser.add_argument("--dev-questions", type=Path, default=DEV_QUESTIONS)
    parser.add_argument("--dev-docs", type=Path, default=DEV_DOCS)
    parser.add_argument("--no-kiwi", action="store_true", help="measure the app's method only")
    parser.add_argument("--json", type=Path, help="also write every score and rank to this file")
    args = parser.parse_args()
    if not any(args.docs.glob("*.pdf")):
        raise SystemExit(f"no PDFs in {args.docs}: run benchmarks/korean/build_corpus.py {args.docs} first")

    morphs = None
    if not args.no_kiwi:
        try:
            morphs = Morphs()
        except ImportError:
            print("kiwipiepy is not importable, so Kiwi is not measured (pip install kiwipiepy kiwipiepy-model)")
    own = korean(args.questions)
    results = [run_set("held-out set (benchmarks/korean/questions.jsonl)", own, args.docs, morphs, True)]
    if args.dev_questions.exists() and args.dev_docs.exists():
        results.append(run_set("Korean dev questions", korean(args.dev_questions), args.dev_docs, morphs, False))
    facts = kiwi_facts(morphs, args.docs, own) if morphs is not None else None
    if facts:
        print(f"\n## Kiwi\n\nkiwipiepy {facts['kiwipiepy']} ({facts['licence']}), kiwipiepy_model "
              f"{facts['kiwipiepy_model']} ({facts['model_licence']}): {facts['installed_mib']:.0f} MiB installed "
              f"(package, native library and model). Load {facts['load_s']:.2f} s; analysis "
              f"{facts['ms_per_page']:.1f} ms per page on average (p95 {facts['ms_per_page_p95']:.1f} ms; "
              f"{facts['pages']} pages, {facts['chars_per_page']:.0f} characters each), "
              f"{facts['ms_per_query']:.2f} ms per question; "
              f"{results[0].get('kiwi_analysis_ms_per_chunk', 0):.1f} ms per chunk while indexing.")
    if args.json:
        def plain(value: Any) -> Any:
            return dataclasses.asdict(value) if isinstance(value, RetrievalScore) else str(value)
        args.json.write_text(json.dumps({"results": results, "kiwi": facts}, default=plain, ensure_ascii=False,
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
