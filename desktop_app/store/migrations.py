"""Append-only schema migrations, recorded in the database.

Never edit a migration that has shipped: add ``m00N_...`` below it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils


def m001_library(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            title TEXT NOT NULL,
            pages INTEGER NOT NULL,
            size INTEGER NOT NULL,
            added TEXT NOT NULL,
            warnings TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX documents_path ON documents(path);
        CREATE TABLE sections (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            title TEXT NOT NULL
        );
        CREATE INDEX sections_document ON sections(document_id);
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            section_id INTEGER NOT NULL REFERENCES sections(id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            page_start INTEGER NOT NULL,
            page_end INTEGER NOT NULL,
            text TEXT NOT NULL,
            overlap INTEGER NOT NULL,
            positions TEXT NOT NULL
        );
        CREATE INDEX chunks_document ON chunks(document_id, ord);
        CREATE TABLE vectors (
            chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (chunk_id, model)
        );
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            text, title, tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TABLE library_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO library_state VALUES ('version', 0);
        """
    )


def m002_conversations(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            summary_upto INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            search_query TEXT NOT NULL DEFAULT '',
            sources TEXT NOT NULL DEFAULT '[]',
            meta TEXT NOT NULL DEFAULT '{}',
            created TEXT NOT NULL
        );
        CREATE INDEX messages_conversation ON messages(conversation_id, id);
        """
    )


def m003_korean_keywords(db: sqlite_utils.Database) -> None:
    """Bigram and trigram keyword tables for chunks with Hangul (see store/korean.py)."""
    from desktop_app.store.korean import hangul_bigrams, has_hangul

    run_script(
        db,
        """
        CREATE VIRTUAL TABLE chunks_bigrams USING fts5(grams, tokenize = 'unicode61');
        CREATE VIRTUAL TABLE chunks_trigrams USING fts5(text, tokenize = 'trigram')
        """,
    )
    for chunk_id, text in db.conn.execute("SELECT id, text FROM chunks").fetchall():
        if has_hangul(text):
            db.conn.execute("INSERT INTO chunks_bigrams (rowid, grams) VALUES (?, ?)",
                            (chunk_id, " ".join(hangul_bigrams(text))))
            db.conn.execute("INSERT INTO chunks_trigrams (rowid, text) VALUES (?, ?)", (chunk_id, text))


def m004_faq_and_cache(db: sqlite_utils.Database) -> None:
    """Curated answers (engine/shortcuts/curated.py) and the answer cache (engine/shortcuts/cache.py).

    Both keep the question's embedding; ``faq.embedder`` names the model that
    made it, so entries are re-embedded after the embedding model changes.
    Cache rows are found by fingerprint and normalised wording, then checked
    by cosine.
    """
    run_script(
        db,
        """
        CREATE TABLE faq (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            vector BLOB,
            embedder TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE TABLE answer_cache (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            question_key TEXT NOT NULL,
            vector BLOB NOT NULL,
            answer_json TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            created TEXT NOT NULL
        );
        CREATE INDEX answer_cache_lookup ON answer_cache(fingerprint, question_key)
        """,
    )


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one (``executescript`` would commit mid-migration)."""
    for statement in script.split(";"):
        if statement.strip():
            db.conn.execute(statement)


def m005_drop_trigrams(db: sqlite_utils.Database) -> None:
    """The FTS5 trigram table is no longer searched: on a Korean held-out set of 76 questions
    (benchmarks/korean_retrieval.py) non-Hangul words + bigrams ranked better without it (hybrid hit@5
    0.74 -> 0.78, MRR 0.56 -> 0.60; the 5 Korean dev questions unchanged)."""
    run_script(db, "DROP TABLE IF EXISTS chunks_trigrams")


def m006_extraction_fidelity(db: sqlite_utils.Database) -> None:
    """What a document's extraction knows beyond its text (issue: document fidelity).

    ``documents.extractor`` is the version of the extraction that produced the
    stored chunks (existing documents: 1); the library re-extracts documents
    whose version is older than ``indexer.extract.EXTRACTOR_VERSION``.
    ``documents.page_labels`` holds the printed page labels as a JSON list, one
    per PDF page ("[]" where every label is the page number), and
    ``documents.ocr_pages`` the pages whose text came from OCR. ``chunks.kind``
    is "text" or "table" (rows of a table, one per line, each cell named by
    its header).
    """
    run_script(
        db,
        """
        ALTER TABLE documents ADD COLUMN extractor INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE documents ADD COLUMN page_labels TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE documents ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE chunks ADD COLUMN kind TEXT NOT NULL DEFAULT 'text'
        """,
    )


def m007_document_names(db: sqlite_utils.Database) -> None:
    """Every name (file path) a document's bytes were indexed under (issue: document fidelity).

    ``a.pdf`` and ``a (1).pdf`` with the same bytes are one document with two
    names; ``documents.path`` stays the name the library shows (always one of
    its names). Removing a name keeps the document while another name remains
    (see ``LibraryStore.remove_name``). Existing documents get their path as
    their one name.
    """
    run_script(
        db,
        """
        CREATE TABLE document_names (
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            added TEXT NOT NULL,
            PRIMARY KEY (document_id, path)
        );
        CREATE INDEX document_names_path ON document_names(path);
        INSERT INTO document_names (document_id, path, added) SELECT id, path, added FROM documents
        """,
    )


def m008_page_texts(db: sqlite_utils.Database) -> None:
    """The indexed text of every page, and stored section summaries, for whole-document work.

    ``page_texts.text`` is what search and answers see of PDF page ``page``
    (1-based): its blocks in reading order, one per line, running heads and
    footers left out. Exhaustive find reads it, so each match has its page.
    Existing documents get their chunks' text (without overlaps) on the
    chunk's first page until ``Indexer.refresh`` reads them again (the
    extractor version that writes page texts is 3).

    ``section_summaries`` keeps what a whole-document summary made of each
    part of a document, keyed by a hash of the part's text and the method
    (model and prompt, or extractive), so summarising again reuses it until
    the document changes (``store.summaries``).
    """
    run_script(
        db,
        """
        CREATE TABLE page_texts (
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            page INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (document_id, page)
        ) WITHOUT ROWID;
        CREATE TABLE section_summaries (
            key TEXT PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            method TEXT NOT NULL,
            text TEXT NOT NULL,
            created TEXT NOT NULL
        );
        CREATE INDEX section_summaries_document ON section_summaries(document_id)
        """,
    )
    pages: dict[tuple[int, int], list[str]] = {}
    for doc_id, page, text, overlap in db.execute(
            "SELECT document_id, page_start, text, overlap FROM chunks ORDER BY document_id, ord").fetchall():
        pages.setdefault((doc_id, page), []).append(text[overlap:])
    db.conn.executemany("INSERT INTO page_texts (document_id, page, text) VALUES (?, ?, ?)",
                        [(doc_id, page, "\n".join(parts)) for (doc_id, page), parts in pages.items()])


def m009_collections_and_watching(db: sqlite_utils.Database) -> None:
    """Collections, conversation scope, watched folders and document formats.

    ``collections`` are named sets of documents; ``collection_documents``
    links them (a document may be in several; deleting either side deletes
    the link only). ``conversations.scope`` is JSON: ``{}`` for the whole
    library, ``{"collection": id}`` or ``{"documents": [id, ...]}``.
    ``watched_folders`` are folders indexed on their own, each optionally
    feeding a collection; ``watched_files`` records what was indexed from
    each (size and modification time in ns), so changes made while the app
    was closed are found at the next sync. ``documents.format`` is the
    file's kind (``pdf``, ``docx``, ``pptx``, ``xlsx``, ``html``, ``md``,
    ``txt``), which decides how a citation names its place. The indexes on
    ``chunks.section_id`` and ``watched_files.document_id`` keep removing a
    document from a large library from scanning those tables once per
    section (1,000 documents: 14 ms a document without them).
    """
    run_script(
        db,
        """
        CREATE TABLE collections (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created TEXT NOT NULL
        );
        CREATE TABLE collection_documents (
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            PRIMARY KEY (collection_id, document_id)
        ) WITHOUT ROWID;
        CREATE INDEX collection_documents_document ON collection_documents(document_id);
        ALTER TABLE conversations ADD COLUMN scope TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE watched_folders (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            collection_id INTEGER REFERENCES collections(id) ON DELETE SET NULL,
            added TEXT NOT NULL
        );
        CREATE TABLE watched_files (
            folder_id INTEGER NOT NULL REFERENCES watched_folders(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
            PRIMARY KEY (folder_id, path)
        ) WITHOUT ROWID;
        ALTER TABLE documents ADD COLUMN format TEXT NOT NULL DEFAULT 'pdf';
        CREATE INDEX chunks_section ON chunks(section_id);
        CREATE INDEX watched_files_document ON watched_files(document_id);
        """,
    )


def m010_korean_words_apart(db: sqlite_utils.Database) -> None:
    """The word-index rows of chunks with Hangul hold their text with Latin names apart from the Korean
    written against them (``korean.spaced_scripts``: "ko.TeX라는" -> "ko.TeX 라는"), as new rows are
    written; the stored rows that spacing changes are written again, inside SQLite (the Korean held-out library,
    519 chunks, 234 of them changed: 0.1 s to open and migrate)."""
    from desktop_app.store.korean import spaced_scripts

    db.conn.create_function("spaced_scripts", 1, spaced_scripts, deterministic=True)
    db.conn.execute("UPDATE chunks_fts SET text = spaced_scripts(text), title = spaced_scripts(title) "
                    "WHERE text != spaced_scripts(text) OR title != spaced_scripts(title)")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_library, m002_conversations, m003_korean_keywords, m004_faq_and_cache, m005_drop_trigrams,
    m006_extraction_fidelity, m007_document_names, m008_page_texts, m009_collections_and_watching,
    m010_korean_words_apart,
]


def migrate(db: sqlite_utils.Database) -> None:
    """Apply, in order and each in its own transaction, what has not been applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    for migration in MIGRATIONS:
        if migration.__name__ in done:
            continue
        with db.conn:
            db.conn.execute("BEGIN")
            migration(db)
            db.conn.execute(
                "INSERT INTO _migrations VALUES (?, ?)",
                (migration.__name__, datetime.now(UTC).isoformat()),
            )
