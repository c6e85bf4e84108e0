"""Check the library for damage and repair what can be rebuilt from SQLite.

SQLite is the source of truth; the keyword tables, the HNSW file and the
private copies are derived from it and can be rebuilt or removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_app.cancel import CancelToken
from desktop_app.engine.models.embedding import Embedder
from desktop_app.indexer.reembed import reembed
from desktop_app.store.keywords import KEYWORD_TABLES
from desktop_app.store.library import LibraryStore
from desktop_app.store.vectors import VectorIndex

TEMP_SUFFIXES = (".tmp",)


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    repaired: bool = False


def integrity(store: LibraryStore) -> Finding:
    result = store.db.execute("PRAGMA integrity_check").fetchone()[0]
    if result == "ok":
        return Finding("database integrity", True, "SQLite integrity check passed")
    return Finding("database integrity", False, f"SQLite reports damage ({result}); restore the data folder from a "
                   "backup, or move library.sqlite3 away and index the documents again")


def keyword_rows(store: LibraryStore, repair: bool) -> list[Finding]:
    """Every chunk has its word row (and n-gram rows if it has Hangul), and no row lacks a chunk."""
    findings = []
    for table in KEYWORD_TABLES:
        expected = store.keywords.expected_rows(table)
        present = store.keywords.present_rows(table)
        missing, orphans = set(expected) - present, present - set(expected)
        if not missing and not orphans:
            findings.append(Finding(f"keyword rows ({table})", True, f"{len(present)} rows match the chunks"))
            continue
        detail = f"{len(missing)} chunks lack a row, {len(orphans)} rows have no chunk"
        if repair:
            store.keywords.rewrite(table, {i: expected[i] for i in missing}, orphans)
        findings.append(Finding(f"keyword rows ({table})", False, detail, repaired=repair))
    return findings


def orphan_files(store: LibraryStore, home: Path, model_key: str, repair: bool) -> Finding:
    """Private copies of removed documents, stale index files of other models, and leftover temporary files."""
    known = {row[0] for row in store.db.execute("SELECT sha256 FROM documents")}
    stray = [p for p in (home / "files").glob("*") if p.suffix in TEMP_SUFFIXES or p.stem not in known]
    stray += [p for p in (home / "index").glob("*") if p.suffix in TEMP_SUFFIXES or not p.name.startswith(model_key)]
    if not stray:
        return Finding("orphan files", True, "no orphan files")
    if repair:
        for path in stray:
            path.unlink(missing_ok=True)
    names = ", ".join(p.name for p in stray[:5]) + (" ..." if len(stray) > 5 else "")
    return Finding("orphan files", False, f"{len(stray)} files belong to nothing: {names}", repaired=repair)


def vector_rows(store: LibraryStore, embedder: Embedder, repair: bool) -> Finding:
    missing = store.chunks_without_vectors(embedder.key)
    if not missing:
        return Finding("vectors", True, f"every chunk has a vector from {embedder.model_dir.name}")
    if repair:
        for _ in reembed(store, embedder, CancelToken()):
            pass
    return Finding("vectors", False, f"{len(missing)} chunks have no vector from {embedder.model_dir.name}",
                   repaired=repair)


def vector_index(store: LibraryStore, index: VectorIndex, repair: bool) -> Finding:
    problem = index.problem(store)
    if problem is None:
        return Finding("vector index", True, f"the HNSW index matches SQLite ({store.vector_count(index.model_key)} "
                       "vectors)")
    if repair:
        index.sync(store)
    return Finding("vector index", False, problem, repaired=repair)
