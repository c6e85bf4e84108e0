"""`desktop-app compare A B [--aspect X]`: the changes between versions with the pages of both, JSON, Markdown,
and what each document says about an aspect."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli.compare import add_compare_parser
from desktop_app.cli.terminal import EXIT_ERROR, EXIT_OK
from desktop_app.engine import Engine
from support.cli import run_cli
from support.handbook_versions import ADDED_SENTENCE, NEW_SENTENCE, OLD_SENTENCE, REMOVED_SENTENCE, handbook_set
from support.library import FAST, index_all

SUMMARY = "1 changed, 1 added, 1 removed passages in 5 aligned sections"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path]]:
    """The handbook's versions and an unrelated report, indexed once in a data folder of their own."""
    files = handbook_set(tmp_path_factory.mktemp("versions"))
    home = tmp_path_factory.mktemp("compare-cli-home")
    engine = Engine(home, FAST)
    indexed, failed = index_all(engine, list(files.values()))
    assert len(indexed) == 4 and not failed, failed
    yield engine, home
    engine.close()


def compare(engine: Engine, *argv: str) -> int:
    top = argparse.ArgumentParser(prog="desktop-app")
    add_compare_parser(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(["compare", *argv])
    return int(args.run(engine, args))


def test_the_text_lists_the_three_changes_with_the_pages_of_both(library, capsys: pytest.CaptureFixture[str]
                                                                 ) -> None:
    engine, _ = library
    assert compare(engine, "handbook-v1.pdf", "handbook-v2.pdf") == EXIT_OK
    out = capsys.readouterr().out
    lines = [line.strip() for line in out.splitlines()]

    assert "Two versions of one document: 92% of their words are the same." in lines
    assert [line for line in lines if line.startswith(("changed ", "added ", "removed "))] == [
        f"changed p. 1 \u2192 p. R1 (PDF page 1): \u201c{OLD_SENTENCE}\u201d \u2192 \u201c{NEW_SENTENCE}\u201d",
        f"added p. R2 (PDF page 2): \u201c{ADDED_SENTENCE}\u201d",
        f"removed p. 3: \u201c{REMOVED_SENTENCE}\u201d",
    ]
    assert "1. Purpose  (A p. 1 | B p. R1 (PDF page 1))  same" in lines
    assert "3. Equipment  (A p. 2 | B p. R2 (PDF page 2))  1 change" in lines
    assert lines[-1] == SUMMARY


def test_different_documents_are_aligned_without_changes(library, capsys: pytest.CaptureFixture[str]) -> None:
    engine, _ = library
    assert compare(engine, "handbook-v1.pdf", "harbour.pdf") == EXIT_OK
    out = capsys.readouterr().out
    assert "Different documents:" in out and "not versions of one document" in out
    assert "changed " not in out and "Tide Gauges  (A (none) | B p. 2)  only in B" in out


def test_json_has_both_documents_every_aligned_section_and_its_changes(
        library, capsys: pytest.CaptureFixture[str]) -> None:
    engine, _ = library
    assert compare(engine, "handbook-v1.pdf", "handbook-v2.pdf", "--json") == EXIT_OK
    result = json.loads(capsys.readouterr().out)

    assert result["a"]["path"].endswith("handbook-v1.pdf") and result["b"]["path"].endswith("handbook-v2.pdf")
    assert result["versions"] is True and "aspect" not in result
    assert [(s["a_title"], s["b_title"]) for s in result["sections"]] == [
        (t, t) for t in ("Purpose", "Measurements", "Equipment", "Procedures", "Contacts")]
    changes = [c for s in result["sections"] for c in s["changes"]]
    assert [(c["kind"], c["before"], c["after"]) for c in changes] == [
        ("changed", [{"text": OLD_SENTENCE, "page": 1, "page_label": "1"}],
         [{"text": NEW_SENTENCE, "page": 1, "page_label": "R1"}]),
        ("added", [], [{"text": ADDED_SENTENCE, "page": 2, "page_label": "R2"}]),
        ("removed", [{"text": REMOVED_SENTENCE, "page": 3, "page_label": "3"}], []),
    ]
    assert ["removed", "hour"] in changes[0]["words"] and result["sections"][0]["similarity"] == 1.0


def test_quotes_on_an_aspect_as_json_and_markdown(library, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    engine, _ = library
    markdown = tmp_path / "comparison.md"
    assert compare(engine, "handbook-v1.pdf", "handbook-v2.pdf", "--aspect", "the diesel generator for outages",
                   "--quotes-only", "--json", "--markdown", str(markdown)) == EXIT_OK
    captured = capsys.readouterr()
    aspect = json.loads(captured.out)["aspect"]

    assert aspect["aspect"] == "the diesel generator for outages" and aspect["answer"] is None
    assert aspect["a"] == [] and aspect["b"][0]["quote"] == ADDED_SENTENCE
    assert (aspect["b"][0]["page"], aspect["b"][0]["page_label"]) == (2, "R2")
    assert f"written to {markdown}" in captured.err
    text = markdown.read_text(encoding="utf-8")
    assert "## What each says about \u201cthe diesel generator for outages\u201d" in text
    assert f"- \u201c{ADDED_SENTENCE}\u201d (p. R2 (PDF page 2))" in text and SUMMARY in text


def test_an_aspect_shows_the_quotes_of_both_then_the_models_comparison(
        library, capsys: pytest.CaptureFixture[str]) -> None:
    engine, _ = library
    code = compare(engine, "handbook-v1.pdf", "harbour.pdf", "--aspect", "how often the water level is measured")
    out = capsys.readouterr().out

    assert code == EXIT_OK
    quotes = out[out.index("What each says about"):out.index("The model's comparison:")]
    assert f"A: Kelso River Station Handbook, version 1\n  \u201c{OLD_SENTENCE}\u201d\n      p. 1" in quotes
    assert "B: Harbour Survey Report\n" in quotes and "water levels at each station twice a day" in quotes
    assert "Measurements" not in out  # the sections are not listed with an aspect
    assert len(out[out.index("The model's comparison:"):].strip().splitlines()) > 1


def test_the_command_line_refuses_the_same_document_twice(library) -> None:
    _, home = library
    done = run_cli(home, "compare", "handbook-v1.pdf", "handbook-v2.pdf")
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.strip().splitlines()[-1] == SUMMARY
    refused = run_cli(home, "compare", "handbook-v1.pdf", "handbook-v1.pdf")
    assert refused.returncode == EXIT_ERROR
    assert "error: Choose two different documents" in refused.stderr
