"""Korean keyword search: Hangul bigrams that match a word whatever particle follows it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sqlite_utils

from desktop_app.store.database import open_database
from desktop_app.store.keywords import asked_bigrams, korean_word_terms
from desktop_app.store.korean import hangul_bigrams, spaced_scripts
from desktop_app.store.library import Chunk, LibraryStore, NewDocument
from support.migrations import database_before, insert_document

GLUED = "ko.TeX은 텍스트 상황에서 “케이오텍”이라고 읽는다."
"""A Latin name with the particle written against it, as Korean PDFs give them."""
OTHER = "한글 문서는 명령행에서 찾아 읽을 수 있다. 더 알고 싶다면 안내서를 본다."


class Heading:
    ord = 0
    title = "머리말"


def store_chunks(store: LibraryStore, texts: list[str]) -> list[int]:
    """One document per text; the ids of their chunks, in order."""
    ids = []
    for n, text in enumerate(texts):
        doc = NewDocument(f"sha{n}", f"/docs/{n}.pdf", f"문서 {n}", 1, 10, [])
        chunk = Chunk(0, 0, text, 0, ((1, 0.0, 0.0, 10.0, 10.0),))
        store.add_document(doc, [Heading()], [chunk], np.ones((1, 4), dtype=np.float32), "m", [])
        ids.append(int(store.db.execute("SELECT max(id) FROM chunks").fetchone()[0]))
    return ids


def test_hangul_bigrams_match_words_whatever_particle_follows() -> None:
    assert set(hangul_bigrams("명령은")) & set(hangul_bigrams("명령을써서"))
    assert hangul_bigrams("책 ko.TeX") == ["책"]


def test_a_korean_query_is_searched_without_the_bigrams_of_its_question_words() -> None:
    asked = asked_bigrams("표의 행과 열을 바꿔서 붙여넣으려면 어떻게 하나요?")
    assert {"행과", "붙여", "여넣"} <= set(asked)
    assert not {"어떻", "떻게", "하나", "나요", "려면"} & set(asked)
    assert asked_bigrams("어떻게 하나요?") == ["어떻", "떻게", "하나", "나요"], "nothing else is left: all are kept"


def test_spaced_scripts_parts_latin_names_from_the_korean_written_against_them() -> None:
    assert spaced_scripts("ko.TeX라는 이름") == "ko.TeX 라는 이름"
    assert spaced_scripts("TEX은텍스트 2021년") == "TEX 은텍스트 2021 년"
    assert spaced_scripts("kotex-utf 패키지") == "kotex-utf 패키지", "a space already there: unchanged"


def test_a_korean_query_searches_names_split_from_its_korean_but_not_numbers_or_lone_letters() -> None:
    assert korean_word_terms("ko.TeX라는 이름, C드라이브와 2개의 파일, 5분의 1") == ["ko", "tex", "1"]


def test_a_latin_name_glued_to_korean_is_a_word_of_its_own_in_the_word_index(db: sqlite_utils.Database) -> None:
    store = LibraryStore(db)
    glued, other = store_chunks(store, [GLUED, OTHER])
    # "TeX는": the name is all the question asks about (no chunk holds its bigrams); the index held "tex은" and
    # the query "tex는", so neither side had the word "tex".
    assert [cid for cid, _ in store.keyword_search("TeX는 무엇인가요?", 5)] == [glued]
    assert [cid for cid, _ in store.keyword_search("TeX", 5)] == [glued], "an English query finds it too"
    assert other in [cid for cid, _ in store.keyword_search("안내서는 어디 있나요?", 5)]


def test_m010_writes_the_word_rows_of_existing_korean_chunks_again(tmp_path: Path) -> None:
    old = database_before(tmp_path / "old.sqlite3", "m010_korean_words_apart")
    insert_document(old, "ko.TeX안내서", 1, [(1, 1, GLUED, 0), (1, 1, "Plain English text.", 0)])
    old.conn.executemany("INSERT INTO chunks_fts (rowid, text, title) VALUES (?, ?, ?)",  # as they were written
                         [(1, GLUED, "ko.TeX안내서 "), (2, "Plain English text.", "ko.TeX안내서 ")])
    old.conn.commit()
    old.conn.close()

    db = open_database(tmp_path / "old.sqlite3")
    try:
        rows = db.execute("SELECT rowid, text, title FROM chunks_fts ORDER BY rowid").fetchall()
        assert rows == [(1, spaced_scripts(GLUED), "ko.TeX 안내서 "), (2, "Plain English text.", "ko.TeX 안내서 ")]
        assert [cid for cid, _ in LibraryStore(db).keyword_search("TeX는 무엇인가요?", 5)][0] == 1
    finally:
        db.conn.close()
