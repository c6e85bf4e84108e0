"""`desktop-app find`: streamed hits with the match marked, counts, JSON, exports, scope and Ctrl-C."""

from __future__ import annotations

import argparse
import csv
import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli.find import add_find_parser
from desktop_app.cli.terminal import EXIT_INTERRUPTED, EXIT_OK
from desktop_app.engine import AppError, Engine, FindHit, NotFoundError
from support.cli import run_cli
from support.library import index_all
from support.pdfs import garden_notes, harbour_report


@pytest.fixture
def library(engine: Engine, tmp_path: Path) -> Engine:
    """The harbour report ("gauge" twice on page 1, twice on 2, once on 3; "Gauges" in a heading on 2) and the
    greenhouse notes (no gauge)."""
    indexed, failed = index_all(engine, [harbour_report(tmp_path / "harbour.pdf"),
                                         garden_notes(tmp_path / "garden.pdf")])
    assert len(indexed) == 2 and not failed
    return engine


def find(engine: Engine, *argv: str) -> int:
    top = argparse.ArgumentParser(prog="desktop-app")
    add_find_parser(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(["find", *argv])
    return int(args.run(engine, args))


def test_hits_stream_with_the_match_marked_then_the_counts(library: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert find(library, "gauge") == EXIT_OK
    out = capsys.readouterr().out
    lines = out.splitlines()
    hits = [line for line in lines if line.startswith("Harbour Survey Report, p. ")]
    assert [h.split(":")[0] for h in hits] == ["Harbour Survey Report, p. 1"] * 2 + \
        ["Harbour Survey Report, p. 2"] * 2 + ["Harbour Survey Report, p. 3"]
    assert "The northern breakwater **gauge** is model TG-7" in hits[2]
    assert "       5  Harbour Survey Report" in lines
    assert "5 occurrence(s) of \u201cgauge\u201d (exact phrase); read 4 pages of 2 document(s) in" in out


def test_json_has_the_total_the_counts_and_every_hit(library: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert find(library, "gauge", "--words", "--json") == EXIT_OK
    result = json.loads(capsys.readouterr().out)
    assert result["query"] == "gauge" and result["mode"] == "words" and result["total"] == 6
    assert result["documents"][0]["document"] == "Harbour Survey Report" and result["documents"][0]["count"] == 6
    assert [(h["page"], h["page_label"]) for h in result["hits"]] == [(1, "1"), (1, "1"), (2, "2"), (2, "2"),
                                                                      (2, "2"), (3, "3")]
    assert {"document", "page", "page_label", "snippet"} <= set(result["hits"][0])
    assert result["hits"][2]["snippet"][result["hits"][2]["snippet_start"]:result["hits"][2]["snippet_end"]] == \
        "Gauges"
    assert result["pages_read"] == 4 and result["cancelled"] is False


def test_a_regex_scoped_to_a_document_and_written_to_csv_and_markdown(
        library: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert find(library, r"\d+ degrees", "--regex", "--doc", "garden.pdf", "--doc", "Greenhouse Notes",
                "--csv", str(tmp_path / "hits.csv"), "--markdown", str(tmp_path / "hits.md")) == EXIT_OK
    captured = capsys.readouterr()
    assert "Greenhouse Notes, p. 1: " in captured.out and "**9 degrees** Celsius" in captured.out
    assert "read 1 pages of 1 document(s)" in captured.out
    assert "1 hits written to" in captured.err
    with (tmp_path / "hits.csv").open(encoding="utf-8-sig", newline="") as f:
        assert [r["match"] for r in csv.DictReader(f)] == ["9 degrees"]
    assert "| Greenhouse Notes | 1 |" in (tmp_path / "hits.md").read_text(encoding="utf-8")


def test_a_bad_regex_or_an_unknown_document_is_an_error_that_says_so(library: Engine) -> None:
    with pytest.raises(AppError, match="regular expression is not valid"):
        find(library, "(gauge", "--regex")
    with pytest.raises(NotFoundError):
        find(library, "gauge", "--doc", "no-such.pdf")


def test_ctrl_c_stops_the_find_and_reports_the_partial_count(
        library: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = library.find

    def interrupted_at_first_hit(*args: object) -> Iterator[object]:
        pressed = False
        for event in real(*args):  # type: ignore[arg-type]
            yield event
            if isinstance(event, FindHit) and not pressed:
                pressed = True
                signal.raise_signal(signal.SIGINT)  # once: a second Ctrl-C interrupts as usual

    monkeypatch.setattr(library, "find", interrupted_at_first_hit)
    assert find(library, "gauge") == EXIT_INTERRUPTED
    out = capsys.readouterr().out
    assert "2 occurrence(s)" in out and "read 1 pages of 1 document(s)" in out  # the rest of page 1, no more
    assert "[stopped: the counts cover the pages read so far]" in out


def test_find_from_the_command_line(data_home: Path, tmp_path: Path) -> None:
    indexed = run_cli(data_home, "index", str(harbour_report(tmp_path / "harbour.pdf")))
    assert indexed.returncode == 0, indexed.stderr
    found = run_cli(data_home, "find", "THE SURVEY", "--json")
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["total"] == 4 and [h["page"] for h in result["hits"]] == [1, 1, 2, 3]
    assert run_cli(data_home, "find", "(", "--regex").returncode == 2  # a regular expression that does not compile
