"""`desktop-app collections` and `ask`/`chat` with `--collection` and `--doc`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.cli.commands import parser
from desktop_app.cli.terminal import EXIT_OK
from desktop_app.engine import AppError, Engine, NotFoundError
from support.cli import run_cli
from support.library import index_all
from support.pdfs import garden_notes, harbour_report


def run(engine: Engine, *argv: str) -> int:
    args = parser().parse_args(list(argv))
    return int(args.run(engine, args))


@pytest.fixture
def library(engine: Engine, tmp_path: Path) -> Engine:
    indexed, failed = index_all(engine, [harbour_report(tmp_path / "harbour.pdf"),
                                         garden_notes(tmp_path / "garden.pdf")])
    assert len(indexed) == 2 and not failed
    return engine


def test_collections_are_made_filled_listed_renamed_and_deleted(library: Engine,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert run(library, "collections", "list") == EXIT_OK
    assert "No collections yet" in capsys.readouterr().out
    assert run(library, "collections", "create", "Harbour case") == EXIT_OK
    assert run(library, "collections", "add", "harbour case", "harbour.pdf") == EXIT_OK
    assert "Added 1 document(s)" in capsys.readouterr().out
    run(library, "collections", "create", "Everything")
    run(library, "collections", "add", "Everything", "harbour.pdf", "garden.pdf")
    capsys.readouterr()
    run(library, "collections", "list")
    listed = capsys.readouterr().out
    assert "Everything  (2 documents)" in listed and "Harbour case  (1 document)" in listed
    run(library, "collections", "show", "Harbour case")
    assert "harbour.pdf" in capsys.readouterr().out
    run(library, "collections", "rename", "Harbour case", "Port", "survey")
    assert "'Port survey'" in capsys.readouterr().out
    run(library, "collections", "remove", "Everything", "garden.pdf")
    assert "stay in the library" in capsys.readouterr().out and len(library.library.documents()) == 2
    with pytest.raises(AppError, match="needs a collection name and one or more documents"):
        run(library, "collections", "add", "Everything")
    with pytest.raises(NotFoundError, match="collections: Everything, Port survey"):
        run(library, "collections", "show", "Nope")
    run(library, "collections", "delete", "Everything")
    assert "stay in the library" in capsys.readouterr().out and len(library.library.documents()) == 2
    run(library, "collections", "delete", "Port survey", "--with-documents")
    out = capsys.readouterr().out
    assert "1 document(s) removed from the library" in out
    assert [d.title for d in library.library.documents()] == ["Greenhouse Notes"]


def test_ask_with_a_collection_or_documents_searches_only_those(data_home: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    harbour_report(docs / "harbour.pdf")
    garden_notes(docs / "garden.pdf")
    assert run_cli(data_home, "index", str(docs)).returncode == 0
    assert run_cli(data_home, "collections", "create", "Garden").returncode == 0
    assert run_cli(data_home, "collections", "add", "Garden", "garden.pdf").returncode == 0
    scoped = run_cli(data_home, "ask", "What did the survey measure?", "--collection", "Garden", "--quotes-only",
                     "--json")
    assert scoped.returncode in (0, 3), scoped.stderr
    answer = json.loads(scoped.stdout)
    named = {c["document_title"] for c in answer["citations"] + answer["related"]} | \
        {e["document"] for e in answer["evidence"]}
    assert named == {"Greenhouse Notes"}, named
    by_doc = run_cli(data_home, "ask", "How much silt did the dredging remove?", "--doc", "harbour.pdf",
                     "--quotes-only", "--json")
    assert by_doc.returncode == 0, by_doc.stderr
    found = json.loads(by_doc.stdout)
    assert found["evidence"] and {e["document"] for e in found["evidence"]} == {"Harbour Survey Report"}
    missing = run_cli(data_home, "ask", "Anything?", "--collection", "Nope")
    assert missing.returncode == 4 and "no collection called 'Nope'" in missing.stderr
