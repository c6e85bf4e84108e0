"""Shared fixtures: a temporary data folder per test, no network, and generated documents indexed once."""

from __future__ import annotations

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
from support.pdfs import hangul_manual_pdf, user_guide  # noqa: E402
from support.questions import GUIDE, MANUAL  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the whole run, so the chat model's Q8_0 copy is made once (``cpu_copy``)."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["DESKTOP_APP_CACHE"] = str(folder)
    return folder


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
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the two generated manuals the questions in ``support.questions`` are about, made once.

    Read-only for tests: copy a file before changing or moving it.
    """
    folder = tmp_path_factory.mktemp("corpus")
    user_guide(folder / GUIDE)
    hangul_manual_pdf(folder / MANUAL)
    return folder


@pytest.fixture(scope="session")
def guide_pdf(corpus: Path) -> Path:
    """The 130-page English user guide (read-only: copy it to change it)."""
    return corpus / GUIDE


@pytest.fixture(scope="session")
def corpus_engine(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine with the two generated manuals indexed once for the whole session (read-mostly)."""
    eng = Engine(tmp_path_factory.mktemp("corpus-home"), FAST)
    indexed, failed = index_all(eng, [corpus])
    assert not failed, failed
    assert len(indexed) == 2
    yield eng
    eng.close()
