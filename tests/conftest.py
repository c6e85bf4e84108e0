"""Shared fixtures: a temporary data folder per test, no network, generated PDFs, an indexed corpus."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent / "netblock"))
import desktop_app_testing_netblock  # noqa: E402,F401  (blocks non-local connections in this process)
from desktop_app.engine import Engine  # noqa: E402
from support.library import FAST, index_all  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "eval" / "corpus"
QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DESKTOP_APP_HOME", str(home))
    return home


@pytest.fixture
def engine(data_home: Path) -> Iterator[Engine]:
    eng = Engine(data_home, FAST)
    yield eng
    eng.close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    """A migrated library database of its own, for store-level tests."""
    from desktop_app.store.database import open_database

    database = open_database(tmp_path / "lib.sqlite3")
    yield database
    database.conn.close()


@pytest.fixture(scope="session")
def corpus_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine with the two corpus PDFs indexed once for the whole session (read-mostly)."""
    if not CORPUS.is_dir():
        pytest.fail(f"the evaluation corpus is missing: {CORPUS}")
    home = tmp_path_factory.mktemp("corpus-home")
    eng = Engine(home, FAST)
    indexed, failed = index_all(eng, [CORPUS])
    assert not failed, failed
    assert len(indexed) == 2
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def dev_questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
